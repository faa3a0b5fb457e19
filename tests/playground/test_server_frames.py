"""Units of the playground server: the compact encodings of a frame, the engine lock, binding."""
from __future__ import annotations

import base64
import json

import numpy as np

from chainrule.playground import frames


def test_rounded_keeps_six_significant_digits_and_json_safe_values():
    a = np.array([0.123456789, -1234567.89, 1e-320, 0.0, 1.5e308, np.nan, -np.inf, 2.5e-7])
    out = frames.rounded(a)
    assert out == [0.123457, -1234570.0, 0.0, 0.0, 1.5e308, None, None, 2.5e-7]
    json.dumps(out, allow_nan=False)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(20_000) * 10.0 ** rng.integers(-12, 12, 20_000)
    np.testing.assert_allclose(frames.rounded(x), [float(f"{v:.6g}") for v in x], rtol=1e-15)
    assert frames.rounded(np.ones((2, 3))) == [[1.0] * 3] * 2


def test_heatmaps_quantise_each_column_over_its_own_range():
    values = np.stack([np.linspace(-2, 2, 16), np.full(16, 3.0),
                       np.r_[np.nan, np.linspace(0, 1, 15)]], axis=1)
    maps = frames.heatmaps(values, 4)
    for m, col in zip(maps, values.T):
        q = np.frombuffer(base64.b64decode(m["data"]), np.uint8)
        assert m["n"] == 4 and q.size == 16
        decoded = m["lo"] + (m["hi"] - m["lo"]) * q / 255
        ok = np.isfinite(col)
        assert np.max(np.abs(decoded[ok] - col[ok])) <= (m["hi"] - m["lo"]) / 255 / 2 + 1e-12
    assert (maps[1]["lo"], maps[1]["hi"]) == (3.0, 3.0)
    assert maps[2]["lo"] == 0.0  # the NaN is drawn as the low end
    fixed = frames.heatmap(np.array([0.0, 0.5, 1.0, 2.0]), 2, 0.0, 1.0)
    assert list(base64.b64decode(fixed["data"])) == [0, 128, 255, 255]


def test_grid_points_start_top_left():
    g = frames.grid_points((-6, 6, -6, 6), 4)
    assert g.shape == (16, 2)
    assert g[0].tolist() == [-4.5, 4.5] and g[3].tolist() == [4.5, 4.5]
    assert g[-1].tolist() == [4.5, -4.5]


def test_confusion_counts_true_by_predicted():
    assert frames.confusion(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]), 3) == [
        [1, 1, 0], [0, 1, 0], [1, 0, 0]]


def test_the_engine_lock_is_reentrant_and_first_come_first_served():
    import threading
    import time

    from chainrule.playground.sessions import FairLock

    lock, order = FairLock(), []
    with lock:
        with lock:  # re-entrant
            pass
        threads = [threading.Thread(target=lambda k=k: (lock.acquire(), order.append(k),
                                                       lock.release())) for k in range(5)]
        for k, t in enumerate(threads):
            t.start()
            while len(lock._queue) < k + 1:  # each asks in turn while the lock is held
                time.sleep(0.001)
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3, 4]
    try:
        lock.release()
    except RuntimeError as exc:
        assert "does not hold" in str(exc)
    else:
        raise AssertionError("releasing a lock not held must fail")


def test_loopback_detection_and_binding():
    import pytest

    from chainrule.playground.server import bind, is_loopback, url_of

    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "[::1]", "127.8.9.1"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.4", "example.org", "::"]))
    sock = bind()
    try:
        assert sock.getsockname()[0] == "127.0.0.1" and sock.getsockname()[1] > 0
        assert url_of(sock) == f"http://127.0.0.1:{sock.getsockname()[1]}/"
        with pytest.raises(ValueError, match="cannot listen"):
            bind("127.0.0.1", sock.getsockname()[1])
    finally:
        sock.close()
    with pytest.raises(ValueError, match="65535"):
        bind("127.0.0.1", 70000)
