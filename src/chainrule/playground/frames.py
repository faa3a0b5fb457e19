"""What a frame carries, in compact form: quantised heatmaps, rounded weights, confusion
matrices. Pure NumPy on arrays the driver computes; no network state here."""
from __future__ import annotations

import base64
import math
from typing import Any, Sequence

import numpy as np

OUTPUT_GRID = 50
NEURON_GRID = 20


def grid_points(domain: Sequence[float], n: int) -> np.ndarray:
    """The (n*n, 2) centres of an n x n grid over ``domain`` = (x1min, x1max, x2min, x2max),
    row-major with row 0 at the top (largest x2) and column 0 at the left."""
    x1min, x1max, x2min, x2max = domain
    c = (np.arange(n) + 0.5) / n
    xs = x1min + c * (x1max - x1min)
    ys = x2max - c * (x2max - x2min)
    X1, X2 = np.meshgrid(xs, ys)
    return np.stack([X1.ravel(), X2.ravel()], axis=1)


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode("ascii")


def heatmap(values: np.ndarray, n: int, lo: float | None = None,
            hi: float | None = None) -> dict[str, Any]:
    """``{"n", "lo", "hi", "data"}``: ``values`` (n*n) as uint8 bytes, ``q`` standing for
    ``lo + (hi - lo) q / 255`` (lo, hi: the values' range unless given). Non-finite values
    become ``lo``."""
    v = np.asarray(values, dtype=np.float64).reshape(-1, 1)
    return heatmaps(v, n, lo, hi)[0]


def heatmaps(values: np.ndarray, n: int, lo: float | None = None,
             hi: float | None = None) -> list[dict[str, Any]]:
    """One `heatmap` per column of ``values`` (n*n, k), each with its own range unless
    ``lo`` and ``hi`` are given; quantised in one pass."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    if lo is None or hi is None:
        some = finite.any(axis=0)
        low = np.where(some, np.min(np.where(finite, v, np.inf), axis=0), 0.0)
        high = np.where(some, np.max(np.where(finite, v, -np.inf), axis=0), 0.0)
    else:
        low, high = np.full(v.shape[1], float(lo)), np.full(v.shape[1], float(hi))
    span = high - low
    scale = np.divide(255.0, span, out=np.zeros_like(span), where=span > 0)
    q = np.rint(np.clip((np.where(finite, v, low) - low) * scale, 0.0, 255.0))
    q = np.ascontiguousarray(q.T, dtype=np.uint8)
    lows, highs = rounded(low), rounded(high)
    return [{"n": n, "lo": lows[j], "hi": highs[j], "data": _b64(q[j])}
            for j in range(v.shape[1])]


def class_map(labels: np.ndarray) -> str:
    """Base64 of a uint8 class index per pixel."""
    return _b64(np.asarray(labels).reshape(-1))


def _round(x: float) -> float | None:
    """6 significant digits; None for NaN or inf (JSON has neither)."""
    x = float(x)
    return float(f"{x:.6g}") if math.isfinite(x) else None


def rounded(a: np.ndarray) -> Any:
    """A nested list of ``a``'s values to 6 significant digits (None where not finite),
    rounded in one vectorised pass: an integer divided by a power of ten (or multiplied,
    for large values) is the double nearest that decimal, whose repr is short."""
    a = np.asarray(a, dtype=np.float64)
    finite = np.isfinite(a)
    safe = np.where(finite & (a != 0), np.abs(a), 1.0)
    k = 5 - np.floor(np.log10(safe))
    up = np.power(10.0, np.maximum(k, 0.0))
    down = np.power(10.0, np.maximum(-k, 0.0))
    r = np.where(k >= 0, np.round(np.where(finite, a, 0.0) * up) / up,
                 np.round(np.where(finite, a, 0.0) / down) * down)
    if finite.all():
        return r.tolist()
    return np.where(finite, r, None).tolist()


def number(x: float) -> float | None:
    """A loss or a metric for JSON: 6 significant digits, None when not finite."""
    return _round(x)


def confusion(true: np.ndarray, pred: np.ndarray, k: int) -> list[list[int]]:
    """``m[t][p]``: how many points of class t were predicted as p."""
    counts = np.bincount(np.asarray(true, np.int64) * k + np.asarray(pred, np.int64),
                         minlength=k * k)
    return counts.reshape(k, k).tolist()
