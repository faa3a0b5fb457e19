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
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    finite = np.isfinite(v)
    if lo is None or hi is None:
        lo = float(v[finite].min()) if finite.any() else 0.0
        hi = float(v[finite].max()) if finite.any() else 0.0
    span = hi - lo
    if span > 0:
        q = np.rint(np.clip((np.where(finite, v, lo) - lo) / span, 0.0, 1.0) * 255.0)
    else:
        q = np.zeros_like(v)
    return {"n": n, "lo": _round(lo), "hi": _round(hi), "data": _b64(q)}


def class_map(labels: np.ndarray) -> str:
    """Base64 of a uint8 class index per pixel."""
    return _b64(np.asarray(labels).reshape(-1))


def _round(x: float) -> float | None:
    """6 significant digits; None for NaN or inf (JSON has neither)."""
    x = float(x)
    return float(f"{x:.6g}") if math.isfinite(x) else None


def rounded(a: np.ndarray) -> Any:
    """A nested list of ``a``'s values to 6 significant digits (None where not finite)."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return _round(a)
    return [rounded(row) for row in a] if a.ndim > 1 else [_round(v) for v in a]


def number(x: float) -> float | None:
    """A loss or a metric for JSON: 6 significant digits, None when not finite."""
    return _round(x)


def confusion(true: np.ndarray, pred: np.ndarray, k: int) -> list[list[int]]:
    """``m[t][p]``: how many points of class t were predicted as p."""
    counts = np.bincount(np.asarray(true, np.int64) * k + np.asarray(pred, np.int64),
                         minlength=k * k)
    return counts.reshape(k, k).tolist()
