"""MNIST and Fashion-MNIST: find the four IDX gzip files locally or download them once,
verify them (size + SHA-256) before parsing, and return `Dataset` objects.

Where the files are looked for, in order:

1. ``data_dir=`` if given (the folder itself, then its ``mnist/`` or ``fashion-mnist/``
   subfolder). Nothing is downloaded in this case: a missing file is an error.
2. The folder in the ``CHAINRULE_DATA`` environment variable (same subfolders).
3. The cache: ``CHAINRULE_CACHE``, else ``$XDG_CACHE_HOME/chainrule``, else
   ``~/.cache/chainrule``, subfolder ``mnist/`` or ``fashion-mnist/``. Missing files are
   downloaded there when ``download=True``.

Every file is checked against its published size and SHA-256 before it is read. Downloads go
to ``<file>.part`` (resumed with an HTTP Range request if one exists), are verified, and only
then renamed to the final name, so a partial or corrupt file is never used.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Literal, Sequence, overload

import numpy as np

from .dataset import Dataset, DatasetSplits, pixel_names
from .idx import read_idx

try:  # POSIX advisory locks keep two processes from writing the same .part file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class ChecksumError(ValueError):
    """A data file's size or SHA-256 differs from the published value."""


class DownloadError(OSError):
    """No mirror delivered a verified copy of a file."""


@dataclass(frozen=True)
class RemoteFile:
    """A published file: its name, size in bytes, SHA-256 and MD5 (hex)."""

    name: str
    size: int
    sha256: str
    md5: str


@dataclass(frozen=True)
class IdxCollection:
    """An MNIST-format dataset: four files, where to get them, what the classes are."""

    name: str
    folders: tuple[str, ...]
    mirrors: tuple[str, ...]
    files: dict[str, RemoteFile]
    class_names: tuple[str, ...]
    sizes: dict[str, int]
    description: str


# Sizes and SHA-256 from tensorflow/datasets url_checksums/mnist.txt; MD5 from torchvision's
# MNIST.resources. ../shared/data/SOURCES.md records that both agree with the canonical files.
MNIST = IdxCollection(
    name="mnist",
    folders=("mnist", "MNIST/raw"),
    mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",
             "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    files={
        "train-images": RemoteFile(
            "train-images-idx3-ubyte.gz", 9_912_422,
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        "train-labels": RemoteFile(
            "train-labels-idx1-ubyte.gz", 28_881,
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "d53e105ee54ea40749a09fcbcd1e9432"),
        "test-images": RemoteFile(
            "t10k-images-idx3-ubyte.gz", 1_648_877,
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "9fb629c4189551a2d022fa330f9573f3"),
        "test-labels": RemoteFile(
            "t10k-labels-idx1-ubyte.gz", 4_542,
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            "ec29112dd5afa0611ce80d1b7f02629c"),
    },
    class_names=tuple(str(d) for d in range(10)),
    sizes={"train": 60_000, "test": 10_000},
    description="MNIST handwritten digits, 28x28 grey, 60,000 train + 10,000 test",
)

# Sizes and SHA-256 from tensorflow/datasets url_checksums/fashion_mnist.txt; MD5 from
# torchvision's FashionMNIST.resources. Class names as in the Fashion-MNIST README.
FASHION_MNIST = IdxCollection(
    name="fashion-mnist",
    folders=("fashion-mnist", "fashion_mnist", "FashionMNIST/raw"),
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
             "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/"
             "fashion/"),
    files={
        "train-images": RemoteFile(
            "train-images-idx3-ubyte.gz", 26_421_880,
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        "train-labels": RemoteFile(
            "train-labels-idx1-ubyte.gz", 29_515,
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "25c81989df183df01b3e8a0aad5dffbe"),
        "test-images": RemoteFile(
            "t10k-images-idx3-ubyte.gz", 4_422_102,
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "bef4ecab320f06d8554ea6380940ec79"),
        "test-labels": RemoteFile(
            "t10k-labels-idx1-ubyte.gz", 5_148,
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            "bb300cfdad3c16e7a12a480ee83cd310"),
    },
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"),
    sizes={"train": 60_000, "test": 10_000},
    description="Fashion-MNIST clothing images, 28x28 grey, 60,000 train + 10,000 test",
)

#: every collection a file can be recognised as (see `identify_file`)
KNOWN_COLLECTIONS: tuple[IdxCollection, ...] = (MNIST, FASHION_MNIST)


def default_cache_dir() -> Path:
    """``$CHAINRULE_CACHE``, else ``$XDG_CACHE_HOME/chainrule``, else ``~/.cache/chainrule``."""
    if os.environ.get("CHAINRULE_CACHE"):
        return Path(os.environ["CHAINRULE_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "chainrule"
    return Path.home() / ".cache" / "chainrule"


def sha256_file(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def identify_file(path: str | os.PathLike[str]) -> tuple[str, RemoteFile] | None:
    """(dataset name, published file) that ``path`` is, by size then SHA-256, among every
    collection chainrule knows (MNIST and Fashion-MNIST share their file names); None for a
    file that is none of them."""
    size = Path(path).stat().st_size
    same_size = [(c.name, r) for c in KNOWN_COLLECTIONS for r in c.files.values()
                 if r.size == size]
    if not same_size:
        return None
    digest = sha256_file(path)
    return next(((name, r) for name, r in same_size if r.sha256 == digest), None)


def verify_file(path: str | os.PathLike[str], remote: RemoteFile, dataset: str = "") -> None:
    """Raise `ChecksumError` naming the file unless its size and SHA-256 match ``remote``
    (``dataset``, e.g. "mnist", is named in the message). A file that is another published
    file (the Fashion-MNIST file of the same name in an MNIST folder) is named as such, and
    kept: the message points to another folder instead."""
    path = Path(path)
    what = f"{dataset} file {remote.name}" if dataset else remote.name
    size = path.stat().st_size
    actual = sha256_file(path) if size == remote.size else None
    if actual == remote.sha256:
        return
    known = identify_file(path)
    if known is not None:
        other, file = known
        folder = dataset or "dataset"
        why = ("a renamed copy" if other == dataset else
               f"{other} and {folder} use the same file names")
        raise ChecksumError(
            f"{path} is the {other} file {file.name} (its size and SHA-256 match the published "
            f"ones), not the {what} ({why}). The file is fine, keep it; give a folder that "
            f"holds the {folder} files instead (data_dir / --data-dir or CHAINRULE_DATA, or a "
            f"'{folder}' subfolder of it), or none to download them into the cache.")
    advice = (f"Delete {path} and download it again (or point data_dir / CHAINRULE_DATA at a "
              f"good copy)")
    if size != remote.size:
        raise ChecksumError(f"{path}: {size} bytes, but the published {what} has "
                            f"{remote.size}; the file is partial or wrong. {advice}.")
    raise ChecksumError(f"{path}: SHA-256 {actual} does not match the published "
                        f"{remote.sha256} for {what}; the file is corrupt. {advice}.")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (no-op where fcntl is missing)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _fetch_once(url: str, part: Path, remote: RemoteFile, timeout: float,
                chunk_size: int = 1 << 20) -> None:
    """Append the rest of ``url`` to ``part`` (resuming with a Range request if it exists)."""
    start = part.stat().st_size if part.exists() else 0
    if start >= remote.size:
        part.unlink()
        start = 0
    headers = {"User-Agent": "chainrule"}
    if start:
        headers["Range"] = f"bytes={start}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start:  # range not satisfiable: start again from byte 0
            part.unlink()
            return _fetch_once(url, part, remote, timeout, chunk_size)
        raise
    with response:
        status = getattr(response, "status", 200)
        if start and status == 206:
            content_range = response.headers.get("Content-Range", "")
            if not content_range.startswith(f"bytes {start}-"):
                raise DownloadError(f"{url}: asked for bytes {start}- but got Content-Range "
                                    f"{content_range!r}")
            mode = "ab"
        elif status == 200:
            mode = "wb"  # server ignored the range: take the whole body
        else:
            raise DownloadError(f"{url}: unexpected HTTP status {status}")
        with open(part, mode) as out:
            written = out.tell()
            while chunk := response.read(chunk_size):
                written += len(chunk)
                if written > remote.size:
                    raise DownloadError(f"{url}: more than the published {remote.size} bytes; "
                                        f"this is not {remote.name}")
                out.write(chunk)


def download_file(urls: Sequence[str], dest: str | os.PathLike[str], remote: RemoteFile, *,
                  timeout: float = 60.0, progress: bool = True) -> Path:
    """Download ``remote`` to ``dest`` from the first of ``urls`` that delivers a verified copy.

    Bytes go to ``dest + ".part"``; an existing ``.part`` is resumed with an HTTP Range
    request. The finished file's size and SHA-256 are checked before ``os.replace`` moves it to
    ``dest``; a bad file is deleted and the next URL tried. Raises `DownloadError` naming the
    file and every failed URL when none works (a partial ``.part`` is kept for the next call).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    errors: list[str] = []
    with _locked(dest.with_name(dest.name + ".lock")):
        if dest.exists():  # another process finished while we waited for the lock
            verify_file(dest, remote)
            return dest
        for url in urls:
            if progress:
                print(f"chainrule: downloading {url} -> {dest}", file=sys.stderr)
            try:
                _fetch_once(url, part, remote, timeout)
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                if isinstance(exc, DownloadError) and part.exists():
                    part.unlink()
                errors.append(f"{url}: {exc}")
                continue
            try:
                verify_file(part, remote)
            except ChecksumError as exc:
                if part.stat().st_size >= remote.size:
                    part.unlink()  # complete but wrong: never resume from it
                errors.append(f"{url}: {exc}")
                continue
            os.replace(part, dest)
            return dest
    kept = f" The partial download {part} is kept and resumed next time." if part.exists() else ""
    raise DownloadError(f"could not download {remote.name}: " + "; ".join(errors) + "." + kept
                        + f" Or download {remote.name} yourself and pass data_dir= (or set "
                        f"CHAINRULE_DATA) to its folder.")


def _candidates(root: Path, collection: IdxCollection) -> list[Path]:
    return [root] + [root / sub for sub in collection.folders]


def _first_verified(search: list[list[Path]], remote: RemoteFile, dataset: str) -> Path:
    """The first copy of ``remote`` in the search folders that verifies; when none does,
    the error of the first one (a folder may hold the other dataset's file of that name
    while its subfolder holds the right one)."""
    first: ChecksumError | None = None
    for folders in search:
        for folder in folders:
            path = folder / remote.name
            if not path.is_file():
                continue
            try:
                verify_file(path, remote, dataset)
                return path
            except ChecksumError as exc:
                first = first or exc
    if first is None:
        raise FileNotFoundError(f"{dataset}: {remote.name} not found")
    raise first


def _find(folders: list[Path], remote: RemoteFile) -> Path | None:
    for folder in folders:
        if (folder / remote.name).is_file():
            return folder / remote.name
    return None


def locate_files(collection: IdxCollection, keys: Sequence[str], *,
                 data_dir: str | os.PathLike[str] | None = None, download: bool = True,
                 cache_dir: str | os.PathLike[str] | None = None,
                 mirrors: Sequence[str] | None = None, progress: bool = True) -> dict[str, Path]:
    """Paths of verified files ``keys`` (e.g. ``"train-images"``), downloading if allowed."""
    found: dict[str, Path] = {}
    if data_dir is not None:
        root = Path(data_dir).expanduser()
        if not root.is_dir():
            raise FileNotFoundError(f"data_dir {root} does not exist or is not a folder")
        folders = _candidates(root, collection)
        missing = [collection.files[k].name for k in keys
                   if _find(folders, collection.files[k]) is None]
        if missing:
            raise FileNotFoundError(
                f"{collection.name}: {', '.join(missing)} not found in {root} (also looked in "
                f"its subfolders {', '.join(collection.folders)}). Put the files there, or omit "
                f"data_dir to download them into {default_cache_dir() / collection.name}.")
        search = [folders]
    else:
        search = []
        env = os.environ.get("CHAINRULE_DATA")
        if env:
            root = Path(env).expanduser()
            if not root.is_dir():
                raise FileNotFoundError(f"CHAINRULE_DATA={env} does not exist or is not a "
                                        f"folder; fix or unset it")
            search.append(_candidates(root, collection))
        cache = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        search.append([cache / collection.name])
    for key in keys:
        remote = collection.files[key]
        path = next((p for folders in search if (p := _find(folders, remote))), None)
        if path is None:
            target = search[-1][0] / remote.name
            if not download:
                raise FileNotFoundError(
                    f"{collection.name}: {remote.name} not found in "
                    f"{', '.join(str(f[0]) for f in search)} and download=False. Pass "
                    f"download=True, or data_dir= a folder holding the file.")
            path = download_file([m + remote.name for m in (mirrors or collection.mirrors)],
                                 target, remote, progress=progress)  # verified inside
        else:
            path = _first_verified(search, remote, collection.name)
        found[key] = path
    return found


def _load_split(collection: IdxCollection, split: str, paths: dict[str, Path]) -> Dataset:
    images_path, labels_path = paths[f"{split}-images"], paths[f"{split}-labels"]
    images, labels = read_idx(images_path), read_idx(labels_path)
    n = collection.sizes[split]
    if images.dtype != np.uint8 or images.shape != (n, 28, 28):
        raise ValueError(f"{images_path}: expected ({n}, 28, 28) uint8 images, got "
                         f"{images.shape} {images.dtype}")
    if labels.dtype != np.uint8 or labels.shape != (n,) or labels.max(initial=0) > 9:
        raise ValueError(f"{labels_path}: expected ({n},) uint8 labels in 0..9, got "
                         f"{labels.shape} {labels.dtype}")
    return Dataset(X=images, y=labels.astype(np.int64), feature_names=pixel_names(28, 28),
                   class_names=list(collection.class_names), task="multiclass",
                   name=collection.name, description=f"{collection.description} ({split})")


@overload
def load_idx_collection(collection: IdxCollection, split: None = None, **kw: object
                        ) -> DatasetSplits: ...
@overload
def load_idx_collection(collection: IdxCollection, split: Literal["train", "test"],
                        **kw: object) -> Dataset: ...
def load_idx_collection(collection: IdxCollection, split: str | None = None, *,
                        data_dir: str | os.PathLike[str] | None = None, download: bool = True,
                        flatten: bool = False, dtype: np.dtype | type | None = None,
                        cache_dir: str | os.PathLike[str] | None = None,
                        mirrors: Sequence[str] | None = None,
                        progress: bool = True) -> Dataset | DatasetSplits:
    """Shared body of `mnist` and `fashion_mnist`."""
    if split not in (None, "train", "test"):
        raise ValueError(f"split must be None, 'train' or 'test', got {split!r}")
    if dtype is not None and not flatten:
        raise ValueError("dtype= applies to flattened images; pass flatten=True (unflattened "
                         "images stay uint8)")
    splits = ("train", "test") if split is None else (split,)
    keys = [f"{s}-{kind}" for s in splits for kind in ("images", "labels")]
    paths = locate_files(collection, keys, data_dir=data_dir, download=download,
                         cache_dir=cache_dir, mirrors=mirrors, progress=progress)
    parts = {}
    for s in splits:
        ds = _load_split(collection, s, paths)
        parts[s] = ds.flatten(dtype=np.float32 if dtype is None else dtype) if flatten else ds
    if split is not None:
        return parts[split]
    return DatasetSplits(train=parts["train"], test=parts["test"])


def mnist(split: Literal["train", "test"] | None = None, *,
          data_dir: str | os.PathLike[str] | None = None, download: bool = True,
          flatten: bool = False, dtype: np.dtype | type | None = None,
          cache_dir: str | os.PathLike[str] | None = None, mirrors: Sequence[str] | None = None,
          progress: bool = True) -> Dataset | DatasetSplits:
    """MNIST digits with the official split.

    ``split=None`` returns ``DatasetSplits(train=(60000 images), test=(10000 images))``;
    ``split="train"`` or ``"test"`` returns that one `Dataset` (and reads only its files).
    ``X`` is ``(n, 28, 28)`` uint8 as stored; ``flatten=True`` gives ``(n, 784)`` ``dtype``
    (float32 by default) in [0, 1] (pixel / 255). ``y`` is int64 in 0..9.

    Files come from ``data_dir`` (strict: nothing is downloaded), else ``CHAINRULE_DATA``, else
    the cache (downloaded from ``mirrors`` when ``download=True``); see the module docstring.
    Every file's size and SHA-256 are verified before it is parsed: `ChecksumError` names the
    bad file, the expected and actual hash, and what to do.
    """
    return load_idx_collection(MNIST, split, data_dir=data_dir, download=download,
                               flatten=flatten, dtype=dtype, cache_dir=cache_dir,
                               mirrors=mirrors, progress=progress)


def fashion_mnist(split: Literal["train", "test"] | None = None, *,
                  data_dir: str | os.PathLike[str] | None = None, download: bool = True,
                  flatten: bool = False, dtype: np.dtype | type | None = None,
                  cache_dir: str | os.PathLike[str] | None = None,
                  mirrors: Sequence[str] | None = None,
                  progress: bool = True) -> Dataset | DatasetSplits:
    """Fashion-MNIST (Zalando): same format, arguments and return value as `mnist`; 10 classes
    of clothing. Files are verified by size and SHA-256 (values published by
    tensorflow/datasets; the torchvision MD5 of each file is kept in `FASHION_MNIST` too).
    The cache subfolder is ``fashion-mnist/``."""
    return load_idx_collection(FASHION_MNIST, split, data_dir=data_dir, download=download,
                               flatten=flatten, dtype=dtype, cache_dir=cache_dir,
                               mirrors=mirrors, progress=progress)
