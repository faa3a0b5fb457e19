"""Reductions over axes (``axis`` None, int or tuple; ``keepdims``).

    d sum(x)/dx   = 1 broadcast back over the reduced axes
    d max(x)/dx   = 1 at the maximum, shared evenly between ties
    logsumexp(x)  = m + log sum e^(x - m), m = max x;   d/dx = softmax(x)
``mean`` and ``var`` are composed of these.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..primitive import Primitive, defjvp, defvjp
from ..tensor import Tensor
from ._base import composed, keepdims_shape, normalize_axis, public
from .elementwise import cast_p
from .nondiff import equal_p
from .shape import broadcast_to_p, reshape_p


_add_reduce = np.add.reduce


def _sum_impl(x, axis=None, keepdims=False):
    if type(x) is np.ndarray and x.dtype.kind == "f":
        return _add_reduce(x, axis=axis, keepdims=keepdims)  # skips np.sum's Python layer
    return np.sum(x, axis=axis, keepdims=keepdims)


def _expand_back(g, x, axis, keepdims):
    """Reshape a reduced cotangent to keepdims form and broadcast it to ``x``'s shape.

    On arrays the broadcast is written out into a fresh array (``np.broadcast_to``'s
    Python layer costs more than the copy at the sizes reductions see in training, and
    a fresh array can become a leaf's ``.grad`` without another copy)."""
    if not keepdims and axis is not None:
        g = reshape_p(g, shape=keepdims_shape(x.shape, axis))
    if type(x) is np.ndarray and not isinstance(g, Tensor):
        out = np.empty(x.shape, g.dtype)
        np.copyto(out, g)
        return out
    return broadcast_to_p(g, shape=x.shape)


sum_p = Primitive("sum", _sum_impl, expr="sum({0})")
defvjp(sum_p, lambda g, ans, x, axis=None, keepdims=False: _expand_back(g, x, axis, keepdims))
defjvp(sum_p, lambda x_dot, ans, x, axis=None, keepdims=False:
       sum_p(x_dot, axis=axis, keepdims=keepdims))


def _max_impl(x, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims)


def _min_impl(x, axis=None, keepdims=False):
    return np.min(x, axis=axis, keepdims=keepdims)


def _extremum_weights(ans, x, axis, keepdims):
    """1/k at each of the k entries equal to the extremum, 0 elsewhere."""
    full = _expand_back(ans, x, axis, keepdims)
    mask = cast_p(equal_p(x, full), dtype=x.dtype)  # in x's dtype: bool * 1.0 is float64
    return mask / sum_p(mask, axis=axis, keepdims=True)


def _extremum_vjp(g, ans, x, axis=None, keepdims=False):
    return _expand_back(g, x, axis, keepdims) * _extremum_weights(ans, x, axis, keepdims)


def _extremum_jvp(x_dot, ans, x, axis=None, keepdims=False):
    return sum_p(x_dot * _extremum_weights(ans, x, axis, keepdims), axis=axis,
                 keepdims=keepdims)


max_p = Primitive("max", _max_impl, expr="max({0})")
defvjp(max_p, _extremum_vjp)
defjvp(max_p, _extremum_jvp)
min_p = Primitive("min", _min_impl, expr="min({0})")
defvjp(min_p, _extremum_vjp)
defjvp(min_p, _extremum_jvp)


def _logsumexp_impl(x, axis=None, keepdims=False):
    # shifted by the maximum of each reduced slice (not softmax's global shortcut): exact
    # when a slice has one entry, and relative accuracy when the result is near 0
    m = np.maximum.reduce(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
    out = np.log(np.add.reduce(np.exp(x - m), axis=axis, keepdims=True)) + m
    if keepdims:
        return out
    axes = normalize_axis(axis, x.ndim)
    return out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))


def _softmax_weights(ans, x, axis, keepdims):
    """softmax(x) along ``axis`` (the derivative of logsumexp), from the softmax primitive:
    exp(x - m) / sum, not exp(x - logsumexp x), which loses the low bits of a large
    logsumexp in float32."""
    from .softmax import softmax_p  # softmax builds on this module

    return softmax_p(x, axis=axis)


logsumexp_p = Primitive("logsumexp", _logsumexp_impl, float_op=True, expr="logsumexp({0})")
defvjp(logsumexp_p, lambda g, ans, x, axis=None, keepdims=False:
       _expand_back(g, x, axis, keepdims) * _softmax_weights(ans, x, axis, keepdims))
defjvp(logsumexp_p, lambda x_dot, ans, x, axis=None, keepdims=False:
       sum_p(x_dot * _softmax_weights(ans, x, axis, keepdims), axis=axis, keepdims=keepdims))

_sum = public(sum_p)
_max = public(max_p)
_min = public(min_p)
_logsumexp = public(logsumexp_p)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (all axes when None)."""
    return _sum(x, axis=_axis_param(axis), keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Largest entry over ``axis``; ties share the gradient evenly."""
    return _max(x, axis=_axis_param(axis), keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Smallest entry over ``axis``; ties share the gradient evenly."""
    return _min(x, axis=_axis_param(axis), keepdims=keepdims)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log sum exp(x) over ``axis``, finite for any finite input (max subtracted first)."""
    return _logsumexp(x, axis=_axis_param(axis), keepdims=keepdims)


def _axis_param(axis: Any) -> Any:
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _count(shape: tuple[int, ...], axis: Any, ddof: int = 0) -> int:
    """How many entries a reduction over ``axis`` averages (at least 1)."""
    n = -ddof
    n += math.prod(shape[a] for a in normalize_axis(axis, len(shape)))
    return n if n > 0 else 1


@composed
def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis`` = sum / count."""
    axis = _axis_param(axis)
    return sum(x, axis=axis, keepdims=keepdims) * (1.0 / _count(x.shape, axis))


@composed
def var(x: Tensor, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance over ``axis``: mean of squared deviations (``ddof`` as in NumPy)."""
    axis = _axis_param(axis)
    centred = x - mean(x, axis=axis, keepdims=True)
    return sum(centred * centred, axis=axis, keepdims=keepdims) * (1.0 / _count(x.shape, axis,
                                                                              ddof))


@composed
def std(x: Tensor, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Standard deviation: sqrt(var)."""
    from .elementwise import sqrt

    return sqrt(var(x, axis=axis, keepdims=keepdims, ddof=ddof))

