import importlib
import os
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from chainrule.data.mnist import (
    FASHION_MNIST, MNIST, ChecksumError, DownloadError, RemoteFile, default_cache_dir,
    download_file, fashion_mnist, mnist, sha256_file,
)

# the package exports the function `mnist`, which shadows the submodule's attribute name
mnist_module = importlib.import_module("chainrule.data.mnist")

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def shared_mnist_dir() -> Path:
    env = os.environ.get("CHAINRULE_DATA")
    candidates = ([Path(env), Path(env) / "mnist"] if env else []) + [
        Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mnist"]
    for folder in candidates:
        if (folder / "train-images-idx3-ubyte.gz").is_file():
            return folder.resolve()
    pytest.skip(f"MNIST files not found in {', '.join(map(str, candidates))}; set CHAINRULE_DATA")


@pytest.fixture(scope="module")
def real_dir():
    return shared_mnist_dir()


@pytest.fixture(scope="module")
def real_mnist(real_dir):
    return mnist(data_dir=real_dir)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    monkeypatch.delenv("CHAINRULE_DATA", raising=False)
    monkeypatch.setenv("CHAINRULE_CACHE", str(tmp_path / "cache"))


def test_real_mnist_shapes_and_counts(real_mnist):
    train, test = real_mnist.train, real_mnist.test
    assert train.X.shape == (60000, 28, 28) and train.X.dtype == np.uint8
    assert test.X.shape == (10000, 28, 28) and test.X.dtype == np.uint8
    assert train.y.dtype == np.int64 and train.task == "multiclass"
    assert np.bincount(train.y).tolist() == TRAIN_COUNTS
    assert np.bincount(test.y).tolist() == TEST_COUNTS
    assert train.class_names == [str(d) for d in range(10)]
    assert train.n_features == 784 and train.n_classes == 10
    assert train.feature_names[:2] == ["pixel_0_0", "pixel_0_1"]


def test_flatten_scales_to_unit_interval(real_mnist):
    flat = real_mnist.test.flatten()
    assert flat.X.shape == (10000, 784) and flat.X.dtype == np.float32
    assert flat.X.min() == 0.0 and flat.X.max() == 1.0
    np.testing.assert_allclose(flat.X[0], real_mnist.test.X[0].reshape(-1) / 255.0, rtol=1e-6)


def test_single_split_reads_only_its_files(real_dir, monkeypatch):
    seen = []
    real = mnist_module.read_idx
    monkeypatch.setattr(mnist_module, "read_idx", lambda p: seen.append(Path(p).name) or real(p))
    test = mnist(split="test", data_dir=real_dir, flatten=True, dtype=np.float64)
    assert test.X.shape == (10000, 784) and test.X.dtype == np.float64
    assert sorted(seen) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def test_env_var_and_subfolder_lookup(real_dir, monkeypatch):
    monkeypatch.setenv("CHAINRULE_DATA", str(real_dir.parent))  # .../data, files in mnist/
    test = mnist(split="test", download=False)
    assert len(test) == 10000


def copy_mnist(real_dir: Path, dest: Path) -> Path:
    dest.mkdir()
    for remote in MNIST.files.values():
        shutil.copyfile(real_dir / remote.name, dest / remote.name)
    return dest


def test_flipped_byte_is_refused_before_parsing(real_dir, tmp_path, monkeypatch):
    folder = copy_mnist(real_dir, tmp_path / "copy")
    target = folder / "train-images-idx3-ubyte.gz"
    data = bytearray(target.read_bytes())
    data[5_000_000] ^= 0x01
    target.write_bytes(bytes(data))
    monkeypatch.setattr(mnist_module, "read_idx",
                        lambda p: pytest.fail(f"parsed {p} before verifying it"))
    with pytest.raises(ChecksumError) as info:
        mnist(data_dir=folder)
    message = str(info.value)
    assert str(target) in message
    assert MNIST.files["train-images"].sha256 in message
    assert sha256_file(target) in message
    assert "Delete" in message


def test_truncated_file_is_refused(real_dir, tmp_path):
    folder = copy_mnist(real_dir, tmp_path / "copy")
    target = folder / "t10k-labels-idx1-ubyte.gz"
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(ChecksumError, match=r"t10k-labels-idx1-ubyte.gz: 4532 bytes.*4542"):
        mnist(split="test", data_dir=folder)


def test_wrong_file_is_refused(tmp_path):
    folder = tmp_path / "wrong"
    folder.mkdir()
    for remote in MNIST.files.values():
        (folder / remote.name).write_bytes(b"\x00" * remote.size)  # right size, wrong bytes
    with pytest.raises(ChecksumError, match="SHA-256 .* does not match"):
        mnist(split="test", data_dir=folder)


def test_missing_folder_and_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        mnist(data_dir=tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte.gz.*not found in"):
        mnist(split="test", data_dir=tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="download=False"):
        mnist(split="test", download=False)
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        fashion_mnist(data_dir=tmp_path / "empty")


def test_bad_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv("CHAINRULE_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="CHAINRULE_DATA"):
        mnist(download=False)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="split"):
        mnist(split="validation")
    with pytest.raises(ValueError, match="flatten=True"):
        mnist(split="test", dtype=np.float64)


def test_cache_dir_resolution(monkeypatch, tmp_path):
    assert default_cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("CHAINRULE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "chainrule"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "chainrule"


def test_published_checksums_are_complete():
    for collection in (MNIST, FASHION_MNIST):
        assert set(collection.files) == {"train-images", "train-labels", "test-images",
                                         "test-labels"}
        for remote in collection.files.values():
            assert len(remote.sha256) == 64 and len(remote.md5) == 32 and remote.size > 0


# --- downloads from a local HTTP server ---------------------------------------------------

class RangeHandler(SimpleHTTPRequestHandler):
    """Serves files with Range support; options: ignore_range, cut_after (bytes)."""

    log = []
    ignore_range = False
    cut_after = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        RangeHandler.log.append((self.path, self.headers.get("Range")))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start, status = 0, 200
        rng = self.headers.get("Range")
        if rng and not self.ignore_range:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_error(416)
                return
            status = 206
        body = data[start:]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if self.cut_after is not None:
            body = body[: self.cut_after]
        self.wfile.write(body)


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    RangeHandler.log = []
    handler = type("Handler", (RangeHandler,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/", handler
    httpd.shutdown()
    httpd.server_close()


def make_remote(data: bytes, name="blob.bin") -> RemoteFile:
    import hashlib
    return RemoteFile(name, len(data), hashlib.sha256(data).hexdigest(),
                      hashlib.md5(data).hexdigest())


PAYLOAD = bytes(range(256)) * 400  # 102,400 bytes


def test_download_verifies_and_renames(server, tmp_path):
    root, url, _ = server
    (root / "blob.bin").write_bytes(PAYLOAD)
    dest = tmp_path / "dl" / "blob.bin"
    assert download_file([url + "blob.bin"], dest, make_remote(PAYLOAD), progress=False) == dest
    assert dest.read_bytes() == PAYLOAD
    assert not dest.with_name("blob.bin.part").exists()


def test_download_resumes_a_part_file(server, tmp_path):
    root, url, _ = server
    (root / "blob.bin").write_bytes(PAYLOAD)
    dest = tmp_path / "blob.bin"
    dest.with_name("blob.bin.part").write_bytes(PAYLOAD[:40000])
    download_file([url + "blob.bin"], dest, make_remote(PAYLOAD), progress=False)
    assert dest.read_bytes() == PAYLOAD
    assert RangeHandler.log[-1] == ("/blob.bin", "bytes=40000-")


def test_download_when_server_ignores_range(server, tmp_path):
    root, url, handler = server
    handler.ignore_range = True
    (root / "blob.bin").write_bytes(PAYLOAD)
    dest = tmp_path / "blob.bin"
    dest.with_name("blob.bin.part").write_bytes(b"garbage" * 100)
    download_file([url + "blob.bin"], dest, make_remote(PAYLOAD), progress=False)
    assert dest.read_bytes() == PAYLOAD


def test_interrupted_download_keeps_part_then_resumes(server, tmp_path):
    root, url, handler = server
    (root / "blob.bin").write_bytes(PAYLOAD)
    dest = tmp_path / "blob.bin"
    handler.cut_after = 30000
    with pytest.raises(DownloadError, match="blob.bin.*kept and resumed"):
        download_file([url + "blob.bin"], dest, make_remote(PAYLOAD), progress=False)
    part = dest.with_name("blob.bin.part")
    assert part.exists() and 0 < part.stat().st_size < len(PAYLOAD) and not dest.exists()
    have = part.stat().st_size
    handler.cut_after = None
    download_file([url + "blob.bin"], dest, make_remote(PAYLOAD), progress=False)
    assert dest.read_bytes() == PAYLOAD
    assert RangeHandler.log[-1] == ("/blob.bin", f"bytes={have}-")


def test_corrupt_download_is_never_used(server, tmp_path):
    root, url, _ = server
    bad = bytearray(PAYLOAD)
    bad[777] ^= 0xFF
    (root / "blob.bin").write_bytes(bytes(bad))
    dest = tmp_path / "blob.bin"
    with pytest.raises(DownloadError, match="blob.bin.*does not match"):
        download_file([url + "blob.bin"], dest, make_remote(PAYLOAD), progress=False)
    assert not dest.exists() and not dest.with_name("blob.bin.part").exists()


def test_falls_back_to_next_mirror(server, tmp_path):
    root, url, _ = server
    (root / "good").mkdir()
    (root / "good" / "blob.bin").write_bytes(PAYLOAD)
    dest = tmp_path / "blob.bin"
    download_file([url + "missing/blob.bin", url + "good/blob.bin"], dest, make_remote(PAYLOAD),
                  progress=False)
    assert dest.read_bytes() == PAYLOAD


def test_unreachable_mirror_error_says_what_to_do(tmp_path):
    with pytest.raises(DownloadError, match="data_dir"):
        download_file(["http://127.0.0.1:9/blob.bin"], tmp_path / "blob.bin",
                      make_remote(PAYLOAD), timeout=2, progress=False)


def test_mnist_downloads_into_cache_once(server, real_dir, tmp_path):
    root, url, _ = server
    for remote in (MNIST.files["test-images"], MNIST.files["test-labels"]):
        shutil.copyfile(real_dir / remote.name, root / remote.name)
    test = mnist(split="test", mirrors=[url], progress=False)
    assert np.bincount(test.y).tolist() == TEST_COUNTS
    cached = tmp_path / "cache" / "mnist"
    assert sorted(p.name for p in cached.glob("*.gz")) == ["t10k-images-idx3-ubyte.gz",
                                                         "t10k-labels-idx1-ubyte.gz"]
    requests = len(RangeHandler.log)
    again = mnist(split="test", mirrors=[url], progress=False)
    assert len(RangeHandler.log) == requests  # served from the cache
    np.testing.assert_array_equal(again.X, test.X)


def _fake_collection(name, payloads):
    """An IdxCollection whose published files are ``payloads`` (name -> bytes)."""
    import hashlib

    files = {key: RemoteFile(fname, len(data), hashlib.sha256(data).hexdigest(), "")
             for key, (fname, data) in payloads.items()}
    return mnist_module.IdxCollection(name=name, folders=(name,), mirrors=(), files=files,
                                      class_names=("a", "b"), sizes={"test": 1},
                                      description=name)


@pytest.fixture
def twin_collections(monkeypatch):
    """Two collections whose files share their names (as MNIST and Fashion-MNIST do)."""
    alpha = _fake_collection("alpha", {"test-labels": ("labels.gz", b"alpha labels")})
    beta = _fake_collection("beta", {"test-labels": ("labels.gz", b"beta  labels!")})
    monkeypatch.setattr(mnist_module, "KNOWN_COLLECTIONS", (alpha, beta))
    return alpha, beta


def test_the_other_datasets_file_is_named_and_never_called_corrupt(tmp_path, twin_collections):
    alpha, beta = twin_collections
    (tmp_path / "labels.gz").write_bytes(b"alpha labels")
    before = (tmp_path / "labels.gz").read_bytes()
    with pytest.raises(ChecksumError) as info:
        mnist_module.locate_files(beta, ["test-labels"], data_dir=tmp_path)
    message = str(info.value)
    assert "is the alpha file labels.gz" in message and "not the beta file labels.gz" in message
    assert "alpha and beta use the same file names" in message
    assert "keep it" in message and "'beta' subfolder" in message
    assert "Delete" not in message and "corrupt" not in message
    assert (tmp_path / "labels.gz").read_bytes() == before


def test_the_right_file_in_a_subfolder_wins_over_the_other_datasets(tmp_path, twin_collections):
    alpha, beta = twin_collections
    (tmp_path / "labels.gz").write_bytes(b"alpha labels")
    (tmp_path / "beta").mkdir()
    (tmp_path / "beta" / "labels.gz").write_bytes(b"beta  labels!")
    found = mnist_module.locate_files(beta, ["test-labels"], data_dir=tmp_path)
    assert found["test-labels"] == tmp_path / "beta" / "labels.gz"
    found = mnist_module.locate_files(alpha, ["test-labels"], data_dir=tmp_path)
    assert found["test-labels"] == tmp_path / "labels.gz"


def test_a_corrupt_file_is_still_called_corrupt(tmp_path, twin_collections):
    _, beta = twin_collections
    (tmp_path / "labels.gz").write_bytes(b"beta  labelz!")
    with pytest.raises(ChecksumError, match="does not match .* the file is corrupt. Delete"):
        mnist_module.locate_files(beta, ["test-labels"], data_dir=tmp_path)


def test_fashion_mnist_from_an_mnist_folder_says_which_dataset_the_file_is(real_dir):
    with pytest.raises(ChecksumError) as info:
        fashion_mnist(split="test", data_dir=real_dir)
    message = str(info.value)
    assert "is the mnist file t10k-" in message and "not the fashion-mnist file" in message
    assert "mnist and fashion-mnist use the same file names" in message
    assert "Delete" not in message and "keep it" in message
