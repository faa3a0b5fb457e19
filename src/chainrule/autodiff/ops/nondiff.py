"""Primitives whose outputs carry no gradient: comparisons, sign, rounding, argmax.

They are marked ``differentiable=False``: their outputs never record a node, and the
meta-test accepts them without rules. Masks used by other rules live here too.
"""
from __future__ import annotations

import numpy as np

from ..primitive import Primitive
from ._base import public


def _nd(name: str, impl, doc: str) -> tuple[Primitive, object]:
    prim = Primitive(name, impl, differentiable=False)
    return prim, public(prim, doc)


greater_p, greater = _nd("greater", np.greater, "x > y (boolean, no gradient).")
greater_equal_p, greater_equal = _nd("greater_equal", np.greater_equal, "x >= y (boolean).")
less_p, less = _nd("less", np.less, "x < y (boolean, no gradient).")
less_equal_p, less_equal = _nd("less_equal", np.less_equal, "x <= y (boolean).")
equal_p, equal = _nd("equal", np.equal, "x == y (boolean, no gradient).")
not_equal_p, not_equal = _nd("not_equal", np.not_equal, "x != y (boolean).")
sign_p, sign = _nd("sign", np.sign, "sign(x) in {-1, 0, 1} (no gradient).")
floor_p, floor = _nd("floor", np.floor, "floor(x) (no gradient).")
ceil_p, ceil = _nd("ceil", np.ceil, "ceil(x) (no gradient).")
round_p, round = _nd("round", np.round, "round half to even (no gradient).")  # noqa: A001
logical_and_p, logical_and = _nd("logical_and", np.logical_and, "x and y (boolean).")
logical_or_p, logical_or = _nd("logical_or", np.logical_or, "x or y (boolean).")
logical_not_p, logical_not = _nd("logical_not", np.logical_not, "not x (boolean).")
isfinite_p, isfinite = _nd("isfinite", np.isfinite, "True where x is neither inf nor nan.")


def _argmax_impl(x, axis=None):
    return np.argmax(x, axis=axis)


def _argmin_impl(x, axis=None):
    return np.argmin(x, axis=axis)


argmax_p, argmax = _nd("argmax", _argmax_impl, "Index of the largest entry along axis.")
argmin_p, argmin = _nd("argmin", _argmin_impl, "Index of the smallest entry along axis.")


def _float_dtype(*arrays):
    for a in arrays:
        dt = getattr(a, "dtype", None)
        if dt is not None and dt.kind == "f":
            return dt
    return np.dtype(np.float32)


def _tie_mask_impl(x, y):
    """1 where x > y, 0.5 where x == y, 0 elsewhere: how max(x, y) shares a gradient."""
    dt = _float_dtype(x, y)
    return (np.greater(x, y).astype(dt) + np.equal(x, y).astype(dt) * dt.type(0.5))


def _clip_mask_impl(x, lo=None, hi=None):
    inside = np.ones(np.shape(x), dtype=bool)
    if lo is not None:
        inside &= np.greater_equal(x, lo)
    if hi is not None:
        inside &= np.less_equal(x, hi)
    return inside.astype(_float_dtype(x))


def _one_hot_impl(labels, depth=None, dtype=np.float32):
    out = np.zeros(np.shape(labels) + (depth,), dtype=dtype)
    if out.ndim == 2:
        out[np.arange(len(labels)), labels] = 1
    else:
        np.put_along_axis(out, np.expand_dims(labels, -1), 1, axis=-1)
    return out


tie_mask_p = Primitive("tie_mask", _tie_mask_impl, differentiable=False)
clip_mask_p = Primitive("clip_mask", _clip_mask_impl, differentiable=False)
one_hot_p = Primitive("one_hot", _one_hot_impl, differentiable=False)
