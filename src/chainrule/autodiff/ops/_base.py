"""Helpers shared by the op modules: public wrappers and dual utilities."""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from ..primitive import Primitive, apply
from ..tensor import Tensor, as_tensor


def public(prim: Primitive, doc: str | None = None) -> Callable[..., Tensor]:
    """The user-facing function of ``prim``: like the primitive, but always returns a Tensor."""

    if prim.variadic:
        def fn(xs: Any, **params: Any) -> Tensor:
            if not any(isinstance(x, Tensor) for x in xs):
                xs = [as_tensor(x) for x in xs]
            return apply(prim, list(xs), **params)
    else:
        def fn(*args: Any, **params: Any) -> Tensor:  # type: ignore[misc]
            out = apply(prim, *args, **params)
            return out if type(out) is Tensor else Tensor(np.asarray(out))

    fn.__name__ = prim.name
    fn.__qualname__ = prim.name
    fn.__doc__ = doc or f"The ``{prim.name}`` primitive."
    return fn


def composed(fn: Callable[..., Any]) -> Callable[..., Tensor]:
    """A public composite of primitives: the first argument is made a Tensor."""

    @functools.wraps(fn)
    def wrapper(x: Any, *args: Any, **kwargs: Any) -> Tensor:
        return fn(as_tensor(x), *args, **kwargs)

    return wrapper


def normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for an array of dimension {ndim}")
        out.append(a % max(ndim, 1))
    return tuple(sorted(set(out)))


def keepdims_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with ``keepdims=True``."""
    axes = normalize_axis(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


_CONSTANTS: dict[np.dtype, dict[float, Any]] = {}  # dtype -> value -> constant


def constant_for(value: float, a: Any) -> Any:
    """``value`` for an elementwise operation with ``a``: on a floating-point array, a
    read-only 0-d array of a's dtype (the number NumPy would convert the Python float to,
    without its slower path for Python scalars, ~0.2 µs a call); ``value`` itself
    otherwise (Tensors, integer arrays)."""
    if type(a) is not np.ndarray:
        return value
    try:
        return _CONSTANTS[a.dtype][value]  # two dictionary lookups on the hot path
    except KeyError:
        pass
    dtype = a.dtype
    if dtype.kind != "f":
        return value  # not cached: 2 and 2.0 are one key, and they differ here
    c = np.array(value, dtype=dtype)
    c.flags.writeable = False
    per_dtype = _CONSTANTS.setdefault(dtype, {})
    if len(per_dtype) > 256:  # values computed from data: keep the cache bounded
        per_dtype.clear()
    per_dtype[value] = c
    return c


_ONES: dict[tuple[Any, tuple[int, ...]], np.ndarray] = {}


def ones_seed(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """A read-only array of ones, one per dtype and shape: the cotangent 1 of an output
    (rules never write into their ``g``), and the 1 of linear's bias gradient 1ᵀG."""
    key = (dtype, shape)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 256:  # shapes follow the data (batch sizes): keep the cache bounded
            _ONES.clear()
        ones = _ONES[key] = np.ones(shape, dtype=dtype)
        ones.flags.writeable = False
    return ones
