"""Reader and writer for the IDX format of MNIST (plain or gzip-compressed).

Layout: a 4-byte magic ``0x00 0x00 <type code> <ndim>``, then ``ndim`` big-endian uint32
dimensions, then ``prod(dims)`` big-endian values of the type, and nothing else.
Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_CORRUPT_GZIP = (EOFError, zlib.error, gzip.BadGzipFile)


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    data = stream.read(n)
    return data if data is not None else b""


def _read_stream(stream: BinaryIO, source: str) -> np.ndarray:
    head = _read_exact(stream, 4)
    if len(head) < 4:
        raise ValueError(f"{source}: not an IDX file: {len(head)} bytes, the header alone "
                         f"needs 4")
    if head[0] != 0 or head[1] != 0 or head[2] not in IDX_TYPES:
        raise ValueError(f"{source}: not an IDX file: magic bytes {head.hex(' ')}, expected "
                         f"00 00 <type in {sorted(hex(t) for t in IDX_TYPES)}> <ndim>")
    dtype, ndim = IDX_TYPES[head[2]], head[3]
    if ndim == 0:
        raise ValueError(f"{source}: IDX header declares 0 dimensions")
    raw_dims = _read_exact(stream, 4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise ValueError(f"{source}: IDX header declares {ndim} dimensions but the file ends "
                         f"after {4 + len(raw_dims)} bytes")
    dims = tuple(int(d) for d in np.frombuffer(raw_dims, dtype=">u4"))
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    try:
        out = np.empty(dims, dtype=dtype)
    except (MemoryError, ValueError) as exc:
        raise ValueError(f"{source}: IDX header declares shape {dims} of {dtype.name}, "
                         f"too large to allocate ({exc}); the header is probably corrupt") from exc
    view = memoryview(out.reshape(-1).view(np.uint8))
    got = 0
    while got < expected:
        n = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            break
        got += n
    if got < expected:
        raise ValueError(f"{source}: IDX header declares shape {dims} of {dtype.name} = "
                         f"{expected} payload bytes, but the file has only {got}")
    if _read_exact(stream, 1):
        raise ValueError(f"{source}: IDX header declares shape {dims} of {dtype.name} = "
                         f"{expected} payload bytes, but the file has more data after them")
    return out if dtype.isnative or dtype.itemsize == 1 else out.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (gzip-compressed or not, detected from its first bytes) into an array.

    Multi-byte types are returned in native byte order. Raises ``FileNotFoundError`` for a
    missing file and ``ValueError`` naming the file for a malformed header, a payload of the
    wrong length, or a truncated/corrupt gzip stream.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if not compressed:
            return _read_stream(raw, str(path))
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                return _read_stream(stream, str(path))  # type: ignore[arg-type]
        except _CORRUPT_GZIP as exc:
            raise ValueError(f"{path}: truncated or corrupt gzip data ({exc}); delete the file "
                             f"and download it again") from exc


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Parse IDX content held in memory (uncompressed or gzip)."""
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except _CORRUPT_GZIP as exc:
            raise ValueError(f"{source}: truncated or corrupt gzip data ({exc})") from exc
    return _read_stream(io.BytesIO(data), source)


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode an array as IDX bytes (uncompressed)."""
    array = np.asarray(array)
    codes = {dt.newbyteorder("<") if dt.itemsize > 1 else dt: code
             for code, dt in IDX_TYPES.items()}
    key = array.dtype.newbyteorder("<") if array.dtype.itemsize > 1 else array.dtype
    if key not in codes:
        raise TypeError(f"IDX cannot store dtype {array.dtype}; supported: uint8, int8, int16, "
                        f"int32, float32, float64")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX needs 1 to 255 dimensions, got {array.ndim}")
    code = codes[key]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=IDX_TYPES[code]).tobytes()


def write_idx(path: str | os.PathLike[str], array: np.ndarray,
              compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file; gzip it when ``compress`` is True or, by default, when
    the name ends in ``.gz``."""
    path = Path(path)
    data = idx_bytes(array)
    if compress is None:
        compress = path.suffix == ".gz"
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path
