"""``y += a x`` in one pass through the BLAS that NumPy itself ships with.

NumPy has no fused multiply-add ufunc, so ``p -= lr * g`` is two passes over memory (the
product into a temporary, then the subtraction). BLAS ``axpy`` is one pass, spread over
the BLAS's own threads (the ones NumPy's matrix products already use: no second thread
pool). It pays on large arrays only (`MIN_SIZE`); the MNIST-shaped epoch with and without
it is in benchmarks/RESULTS.md ("chainrule, numpy update").

The library is the OpenBLAS bundled in NumPy's wheels (``scipy_openblas``, 64-bit
integers), found next to the ``numpy`` package and checked on a small product at first
use. Where it is absent (NumPy built against another BLAS) or the check fails, `axpy`
returns False and the caller keeps the NumPy expression.
"""
from __future__ import annotations

import ctypes
import glob
import os
from typing import Any

import numpy as np

MIN_SIZE = 1 << 16  # below this, the call costs more than the second pass saves

_SYMBOLS = {np.dtype(np.float32): "scipy_cblas_saxpy64_",
            np.dtype(np.float64): "scipy_cblas_daxpy64_"}
_C_SCALARS = {np.dtype(np.float32): ctypes.c_float, np.dtype(np.float64): ctypes.c_double}
_funcs: dict[np.dtype, Any] | None = None


def _library_paths() -> list[str]:
    root = os.path.dirname(os.path.abspath(np.__file__))
    patterns = [os.path.join(root + ".libs", "libscipy_openblas64_*"),  # Linux, Windows
                os.path.join(root, ".dylibs", "libscipy_openblas64_*")]  # macOS
    return sorted(p for pattern in patterns for p in glob.glob(pattern))


def _load() -> dict[np.dtype, Any]:
    """dtype -> cblas_?axpy(n, alpha, x, incx, y, incy) with 64-bit integers."""
    funcs: dict[np.dtype, Any] = {}
    for path in _library_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for dtype, name in _SYMBOLS.items():
            fn = getattr(lib, name, None)
            if fn is None:
                continue
            fn.argtypes = [ctypes.c_int64, _C_SCALARS[dtype], ctypes.c_void_p, ctypes.c_int64,
                           ctypes.c_void_p, ctypes.c_int64]
            fn.restype = None
            if _works(fn, dtype):
                funcs[dtype] = fn
        if funcs:
            break
    return funcs


def _works(fn: Any, dtype: np.dtype) -> bool:
    """The function computes y + a x on a small example (else it is not used)."""
    x = np.arange(1.0, 6.0, dtype=dtype)
    y = np.full(5, 2.0, dtype=dtype)
    fn(5, -0.5, x.ctypes.data, 1, y.ctypes.data, 1)
    return bool(np.array_equal(y, 2.0 - 0.5 * np.arange(1.0, 6.0)))


def axpy(y: np.ndarray, a: float, x: np.ndarray) -> bool:
    """``y += a * x`` in place through BLAS when both are contiguous arrays of the same
    float dtype, shape and memory order with at least `MIN_SIZE` entries; returns False,
    changing nothing, when it cannot (the caller then uses NumPy)."""
    global _funcs
    if y.size < MIN_SIZE or type(x) is not np.ndarray or x.dtype is not y.dtype \
            or x.strides != y.strides or x.shape != y.shape:
        return False
    if not (y.flags.c_contiguous or y.flags.f_contiguous) or not y.flags.writeable:
        return False
    if _funcs is None:
        _funcs = _load()
    fn = _funcs.get(y.dtype)
    if fn is None:
        return False
    if np.may_share_memory(x, y):
        return False
    fn(y.size, a, x.ctypes.data, 1, y.ctypes.data, 1)
    return True
