import gzip

import numpy as np
import pytest

from chainrule.data.idx import idx_bytes, parse_idx, read_idx, write_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
@pytest.mark.parametrize("suffix", [".idx", ".gz"])
def test_round_trip_every_type(tmp_path, dtype, suffix):
    a = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = write_idx(tmp_path / f"a{suffix}", a)
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative
    np.testing.assert_array_equal(a, b)
    b[0, 0, 0] = 1  # writable


def test_header_layout_is_big_endian():
    raw = idx_bytes(np.array([[1, 2, 3]], dtype=np.int32))
    assert raw[:4] == bytes([0, 0, 0x0C, 2])
    assert raw[4:12] == b"\x00\x00\x00\x01\x00\x00\x00\x03"
    assert raw[12:16] == b"\x00\x00\x00\x01"


def test_gzip_detected_from_content_not_name(tmp_path):
    a = np.arange(10, dtype=np.uint8)
    write_idx(tmp_path / "labels.bin", a, compress=True)
    np.testing.assert_array_equal(read_idx(tmp_path / "labels.bin"), a)
    np.testing.assert_array_equal(parse_idx(gzip.compress(idx_bytes(a))), a)


def test_empty_dimension(tmp_path):
    a = np.zeros((0, 28, 28), dtype=np.uint8)
    assert read_idx(write_idx(tmp_path / "e.idx", a)).shape == (0, 28, 28)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.idx"):
        read_idx(tmp_path / "nope.idx")


@pytest.mark.parametrize("head, message", [
    (b"\x01\x00\x08\x01", "magic bytes 01 00 08 01"),
    (b"\x00\x00\x07\x01", "not an IDX file"),
    (b"\x00\x00\x08\x00", "0 dimensions"),
    (b"\x00\x00", "header alone needs 4"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x02", "declares 3 dimensions but the file ends"),
])
def test_malformed_headers(tmp_path, head, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(head)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert "bad.idx" in str(info.value)


def test_payload_too_short_and_too_long(tmp_path):
    good = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))
    (tmp_path / "short.idx").write_bytes(good[:-1])
    with pytest.raises(ValueError, match=r"short.idx.*shape \(3, 4\).*12 payload bytes.*only 11"):
        read_idx(tmp_path / "short.idx")
    (tmp_path / "long.gz").write_bytes(gzip.compress(good + b"\x00"))
    with pytest.raises(ValueError, match="long.gz.*more data after"):
        read_idx(tmp_path / "long.gz")


def test_truncated_gzip(tmp_path):
    data = gzip.compress(idx_bytes(np.arange(5000, dtype=np.int32)))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut.gz: truncated or corrupt gzip"):
        read_idx(path)


def test_corrupt_gzip_crc(tmp_path):
    data = bytearray(gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8))))
    data[-6] ^= 0xFF  # inside the CRC32 trailer
    path = tmp_path / "crc.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="crc.gz: truncated or corrupt gzip"):
        read_idx(path)


def test_absurd_dimensions_are_refused(tmp_path):
    head = bytes([0, 0, 0x0E, 3]) + np.array([2**31, 2**31, 2**31], dtype=">u4").tobytes()
    (tmp_path / "huge.idx").write_bytes(head)
    with pytest.raises(ValueError, match="huge.idx"):
        read_idx(tmp_path / "huge.idx")


def test_write_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(TypeError, match="int64"):
        write_idx(tmp_path / "x.idx", np.arange(3, dtype=np.int64))
