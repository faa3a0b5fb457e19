"""Shape primitives: reshape, transpose, broadcast_to, indexing, concatenate.

Their rules move cotangents back: reshape back, transpose by the inverse permutation,
sum over broadcast axes, scatter-add into zeros for indexing, slice for concatenate.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..primitive import Primitive, defjvp, defjvp_argnum, defvjp, defvjp_argnum
from ..tensor import Tensor, as_tensor
from ._base import public

# ------------------------------------------------------------------ reshape
def _reshape_impl(x, shape=None):
    return np.reshape(x, shape)


reshape_p = Primitive("reshape", _reshape_impl, expr="reshape({0})")
defvjp(reshape_p, lambda g, ans, x, shape=None: reshape_p(g, shape=x.shape))
defjvp(reshape_p, lambda x_dot, ans, x, shape=None: reshape_p(x_dot, shape=ans.shape))
reshape_p.error_hint = lambda x, shape=None: (
    f"cannot reshape an array of shape {np.shape(x)} ({np.size(x)} elements) into shape "
    f"{shape}; expected a shape with the same number of elements")


# ---------------------------------------------------------------- transpose
def _transpose_impl(x, axes=None):
    return np.transpose(x, axes)


def _inverse_axes(axes, ndim):
    if axes is None:
        return None
    return tuple(np.argsort([a % ndim for a in axes]))


transpose_p = Primitive("transpose", _transpose_impl, expr="{0}ᵀ")
defvjp(transpose_p, lambda g, ans, x, axes=None:
       transpose_p(g, axes=_inverse_axes(axes, x.ndim)))
defjvp(transpose_p, lambda x_dot, ans, x, axes=None: transpose_p(x_dot, axes=axes))


# ------------------------------------------------------------- broadcasting
def _broadcast_to_impl(x, shape=None):
    return np.broadcast_to(x, shape)


def sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Undo broadcasting: sum ``g`` over the axes that broadcasting to its shape added.

    The one place where gradients are reduced back to an input's shape (dual: works on
    ndarrays and on Tensors).
    """
    gshape = g.shape
    if gshape == shape:
        return g
    from .reduce import sum_p

    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)
    if axes:
        g = sum_p(g, axis=axes, keepdims=True)
    if g.shape != shape:
        g = reshape_p(g, shape=shape)
    return g


broadcast_to_p = Primitive("broadcast_to", _broadcast_to_impl, expr="broadcast({0})")
defvjp(broadcast_to_p, lambda g, ans, x, shape=None: sum_to(g, x.shape))
defjvp(broadcast_to_p, lambda x_dot, ans, x, shape=None: broadcast_to_p(x_dot, shape=shape))
broadcast_to_p.error_hint = lambda x, shape=None: (
    f"cannot broadcast shape {np.shape(x)} to {shape}")


# ----------------------------------------------------------------- indexing
def _static_index(index: Any) -> Any:
    """Tensors inside an index become arrays (indices are never differentiated)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(_static_index(i) for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _has_integer_array(index: Any) -> bool:
    """True when an index holds an integer array (entries may repeat: scatter with add.at)."""
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in items)


def _getitem_impl(x, index=None):
    return x[index]


def _scatter_add_impl(g, index=None, shape=None):
    out = np.zeros(shape, dtype=g.dtype)
    if _has_integer_array(index):
        np.add.at(out, index, g)
    else:
        out[index] = g
    return out


getitem_p = Primitive("getitem", _getitem_impl, expr="{0}[...]")
scatter_add_p = Primitive("scatter_add", _scatter_add_impl, expr="scatter({0})")
defvjp(getitem_p, lambda g, ans, x, index=None: scatter_add_p(g, index=index, shape=x.shape))
defjvp(getitem_p, lambda x_dot, ans, x, index=None: getitem_p(x_dot, index=index))
defvjp(scatter_add_p, lambda g, ans, x, index=None, shape=None: getitem_p(g, index=index))
defjvp(scatter_add_p, lambda x_dot, ans, x, index=None, shape=None:
       scatter_add_p(x_dot, index=index, shape=shape))
getitem_p.error_hint = lambda x, index=None: (
    f"index {index!r} is not valid for an array of shape {np.shape(x)}")


# -------------------------------------------------------------- concatenate
def _concatenate_impl(xs, axis=0):
    return np.concatenate(xs, axis=axis)


def _concat_slice(argnum, xs, axis, ndim):
    axis = axis % ndim
    start = int(np.sum([x.shape[axis] for x in xs[:argnum]], dtype=np.int64))
    stop = start + xs[argnum].shape[axis]
    return (slice(None),) * axis + (slice(start, stop),)


def _concat_vjp(argnum, g, ans, xs, axis=0):
    return getitem_p(g, index=_concat_slice(argnum, xs, axis, ans.ndim))


def _concat_jvp(argnum, x_dot, ans, xs, axis=0):
    return scatter_add_p(x_dot, index=_concat_slice(argnum, xs, axis, ans.ndim),
                         shape=ans.shape)


concatenate_p = Primitive("concatenate", _concatenate_impl, variadic=True, same_dtype=True,
                          expr="concat(...)")
defvjp_argnum(concatenate_p, _concat_vjp)
defjvp_argnum(concatenate_p, _concat_jvp)
concatenate_p.error_hint = lambda xs, axis=0: (
    f"cannot concatenate shapes {[np.shape(x) for x in xs]} along axis {axis}; expected "
    f"equal sizes on every other axis")

# ------------------------------------------------------------------ public
_reshape = public(reshape_p)
_transpose = public(transpose_p)
_broadcast_to = public(broadcast_to_p)
_getitem = public(getitem_p)
_concatenate = public(concatenate_p)


def reshape(x: Any, shape: Any) -> Tensor:
    """The same entries in a new shape (one entry may be -1)."""
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    return _reshape(x, shape=tuple(int(s) for s in shape))


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute axes (reverse them when ``axes`` is None)."""
    return _transpose(x, axes=None if axes is None else tuple(int(a) for a in axes))


def swapaxes(x: Any, a: int, b: int) -> Tensor:
    """Exchange two axes."""
    x = as_tensor(x)
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return transpose(x, axes)


def broadcast_to(x: Any, shape: Sequence[int]) -> Any:
    """View ``x`` with ``shape`` by broadcasting; the gradient sums back."""
    return _broadcast_to(x, shape=tuple(int(s) for s in shape))


def expand_dims(x: Any, axis: int) -> Tensor:
    """Insert an axis of length 1 at ``axis`` (a reshape)."""
    x = as_tensor(x)
    return reshape(x, np.expand_dims(np.empty(x.shape, dtype=bool), axis).shape)


def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Remove axes of length 1 (all of them when ``axis`` is None); a reshape."""
    x = as_tensor(x)
    try:
        shape = np.squeeze(np.empty(x.shape, dtype=bool), axis).shape
    except ValueError as exc:
        raise ValueError(f"squeeze: cannot squeeze axis {axis} of shape {x.shape}: {exc}") \
            from None
    return reshape(x, shape)


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]`` for basic and integer-array indexing; the VJP scatter-adds."""
    return _getitem(x, index=_static_index(index))


def concatenate(xs: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    if len(xs) == 0:
        raise ValueError("concatenate: expected at least one tensor, got an empty sequence")
    return _concatenate(list(xs), axis=axis)


def stack(xs: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along a new axis (expand_dims then concatenate)."""
    if len(xs) == 0:
        raise ValueError("stack: expected at least one tensor, got an empty sequence")
    shapes = {np.shape(x.data if isinstance(x, Tensor) else x) for x in xs}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return concatenate([expand_dims(x, axis) for x in xs], axis=axis)
