"""Atomic files and folders: write everything under a temporary name, then rename.

A **file** is written to a temporary file in the same folder, flushed, fsynced and renamed
over its target (`atomic_write_bytes`).

A **folder** (a model or a checkpoint) is committed in this order (`commit_folder`):

1. ``.NAME.tmp-XXXX/`` is created and every file is written into it;
2. ``manifest.json`` is written **last**: the size and SHA-256 of every other file and a
   sequence number (nanoseconds since the epoch). A folder whose manifest is present and
   matches its files is *complete*; nothing else is;
3. the current ``NAME/`` (if any) is renamed to ``.NAME.old-XXXX/``;
4. ``.NAME.tmp-XXXX/`` is renamed to ``NAME/``;
5. the old folder is renamed to ``.NAME.trash-XXXX/`` and deleted.

A process killed at any point leaves ``NAME/`` in place or at least one complete hidden
folder. `recover` (run before every load and save) puts back the newest *complete* one when
``NAME/`` is missing and deletes every other ``.tmp-``, ``.old-`` and ``.trash-`` folder; a
half-written or half-deleted folder is never chosen. Files and folders get the permissions of
the user's umask (as ``open`` would give them), not the 0600 / 0700 of ``tempfile``.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable

from ..data.mnist import sha256_file

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "chainrule-manifest"
_KINDS = ("tmp", "old", "trash")

PathLike = str | os.PathLike


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_dir(folder: Path) -> None:
    """fsync a directory so that renames in it survive a power cut (no-op where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # platforms without directory handles (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: PathLike, data: bytes | Callable[[io.BufferedWriter], None]
                       ) -> None:
    """Write ``data`` (bytes, or a function that writes to a binary file) to ``path``
    atomically: a temporary file in the same folder, flush, fsync, ``os.replace``. The file
    gets the permissions of the user's umask."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes 0600; give what open() would give
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: PathLike, text: str) -> None:
    """`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


# ------------------------------------------------------------------ manifests
def write_manifest(folder: Path) -> None:
    """Record the size and SHA-256 of every file in ``folder``; written last."""
    files = {p.name: {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
             for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST}
    atomic_write_text(folder / MANIFEST, json.dumps(
        {"format": MANIFEST_FORMAT, "sequence": time.time_ns(), "files": files}, indent=2))


def manifest_sequence(folder: Path) -> int | None:
    """The manifest's sequence number when ``folder`` is complete (its manifest is present and
    every file it lists has the recorded size and hash), else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != MANIFEST_FORMAT:
            return None
        for name, entry in manifest["files"].items():
            file = folder / name
            if file.stat().st_size != entry["bytes"] or sha256_file(file) != entry["sha256"]:
                return None
        return int(manifest["sequence"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


# ------------------------------------------------------------------ folders
def _hidden(path: Path, kind: str) -> str:
    return f".{path.name}.{kind}-"


def _leftovers(path: Path) -> list[Path]:
    return [p for kind in _KINDS for p in path.parent.glob(_hidden(path, kind) + "*")]


def _discard(folder: Path, path: Path) -> None:
    """Rename ``folder`` to a ``.trash-`` name (one atomic step that takes it out of the
    candidates), then delete it."""
    if folder.name.startswith(_hidden(path, "trash")):
        trash = folder
    else:
        trash = path.parent / (_hidden(path, "trash") + uuid.uuid4().hex[:8])
        try:
            os.replace(folder, trash)
        except FileNotFoundError:
            return
    shutil.rmtree(trash, ignore_errors=True)


def recover(path: PathLike) -> None:
    """Clean up after a save that was killed: when ``path`` is missing, put back the newest
    complete hidden folder; then delete every other ``.tmp-`` / ``.old-`` / ``.trash-``
    folder of ``path``."""
    path = Path(path)
    leftovers = _leftovers(path)
    if not leftovers:
        return
    if not path.exists():
        complete = [(seq, p) for p in leftovers if not p.name.startswith(_hidden(path, "trash"))
                    and (seq := manifest_sequence(p)) is not None]
        if complete:
            best = max(complete)[1]
            os.replace(best, path)
            fsync_dir(path.parent)
            leftovers.remove(best)
    for stale in leftovers:
        _discard(stale, path)


def _make_tmp(path: Path) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix=_hidden(path, "tmp"), dir=path.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    return tmp


def commit_folder(path: PathLike, write: Callable[[Path], None]) -> Path:
    """Run ``write(tmp)`` on a fresh hidden folder next to ``path``, add its manifest, then
    move it to ``path`` (replacing the folder there) in the order the module docstring gives.
    The caller checks that ``path`` may be replaced."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    recover(path)
    tmp = _make_tmp(path)
    old = None
    try:
        write(tmp)
        write_manifest(tmp)
        fsync_dir(tmp)
        if path.exists():
            old = path.parent / (_hidden(path, "old") + uuid.uuid4().hex[:8])
            os.replace(path, old)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        recover(path)
        raise
    if old is not None:
        _discard(old, path)
    return path
