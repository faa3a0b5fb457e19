"""Matrix products: ``matmul`` (batched, with NumPy's vector cases) and the fused ``linear``.

    matmul:  d(X Y)/dX . G = G Y^T,      d(X Y)/dY . G = X^T G
    linear:  a = x W^T + b  (W is (out, in), as in PyTorch and the lecture's W^[l]);
             x_bar = G W,   W_bar = G^T x,   b_bar = sum of G over the batch
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..primitive import Primitive, apply, defjvp, defvjp
from ..tensor import Tensor, wrap_array
from ._base import ones_seed, public
from .reduce import sum_p
from .shape import reshape_p, sum_to, transpose_p


def _swap_last(a):
    nd = a.ndim
    axes = tuple(range(nd - 2)) + (nd - 1, nd - 2)
    return transpose_p(a, axes=axes)


def _as_matrices(g, x, y):
    """Promote 1-D operands to matrices (as matmul does) and ``g`` to the matching shape."""
    X = x if x.ndim > 1 else reshape_p(x, shape=(1,) + x.shape)
    Y = y if y.ndim > 1 else reshape_p(y, shape=y.shape + (1,))
    batch = np.broadcast_shapes(X.shape[:-2], Y.shape[:-2])
    G = reshape_p(g, shape=batch + (X.shape[-2], Y.shape[-1]))
    return G, X, Y


def _matmul_vjp_x(g, ans, x, y):
    if x.ndim == 2 and y.ndim == 2:
        return g @ y.T
    G, X, Y = _as_matrices(g, x, y)
    return reshape_p(sum_to(G @ _swap_last(Y), X.shape), shape=x.shape)


def _matmul_vjp_y(g, ans, x, y):
    if x.ndim == 2 and y.ndim == 2:
        return x.T @ g
    G, X, Y = _as_matrices(g, x, y)
    return reshape_p(sum_to(_swap_last(X) @ G, Y.shape), shape=y.shape)


def _matmul_hint(x, y):
    xs, ys = np.shape(x), np.shape(y)
    if len(xs) == 0 or len(ys) == 0:
        return f"operands must have at least one dimension, got shapes {xs} and {ys}"
    k_y = ys[-2] if len(ys) > 1 else ys[0]
    if xs[-1] != k_y:
        return (f"shapes {xs} and {ys} are not aligned: the last dimension of the first "
                f"({xs[-1]}) must equal the {'second-to-last' if len(ys) > 1 else 'only'} "
                f"dimension of the second ({k_y})")
    return f"batch dimensions of shapes {xs} and {ys} do not broadcast"


matmul_p = Primitive("matmul", np.matmul, same_dtype=True, expr="{0} @ {1}")
defvjp(matmul_p, _matmul_vjp_x, _matmul_vjp_y)
defjvp(matmul_p, lambda x_dot, ans, x, y: matmul_p(x_dot, y),
       lambda y_dot, ans, x, y: matmul_p(x, y_dot))
matmul_p.error_hint = _matmul_hint


def _linear_impl(x, w, b=None):
    # The primitive trusts its caller's shapes (a replay calls it with the traced ones);
    # the public `linear` checks them, as NumPy would broadcast a wrong bias silently.
    # ndarray.dot: the same BLAS product as @ for 2-D operands, without matmul's per-call
    # overhead, which dominates a small layer's product (benchmarks/bench_tricks.py)
    prod = x.dot(w.T) if type(x) is np.ndarray and x.ndim == 2 else x @ w.T
    return prod if b is None else prod + b  # measured faster than adding the bias in place


def _flat2(a):
    """Collapse leading (batch) axes: (..., n) -> (N, n)."""
    return a if a.ndim == 2 else reshape_p(a, shape=(-1, a.shape[-1]))


def weight_gradient(g, x, w):
    """W_bar = Gᵀ X (G: (N, out), X: (N, in)) laid out like ``w``.

    For a column-major ``w`` (how `nn.Linear` stores a large weight) the product is
    computed as (Xᵀ G)ᵀ, in w's memory order, so the optimiser's update runs on matching
    layouts, and OpenBLAS computes this (in, out) product ~20% faster than Gᵀ X for the
    wide first layer of an MLP (784-256, batch 128: 198 vs 239 µs)."""
    arrays = type(g) is np.ndarray and type(x) is np.ndarray
    if not column_major(w.data if isinstance(w, Tensor) else w):
        return g.T.dot(x) if arrays else g.T @ x
    if arrays:
        # written through its transpose into an array of its own, so that backward keeps
        # it as the gradient without a copy (a view of a temporary would be copied)
        out = np.empty((g.shape[1], x.shape[1]), g.dtype, order="F")
        np.matmul(x.T, g, out=out.T)
        return out
    return (x.T @ g).T


def column_major(w: np.ndarray) -> bool:
    """Whether the 2-D ``w`` steps faster down its columns than along its rows (a
    column-major array, or a transposed view), i.e. its gradient is made as (Xᵀ G)ᵀ."""
    s = w.strides
    return s[0] < s[1]


def _linear_vjp_x(g, ans, x, w, b=None):
    if type(g) is np.ndarray and g.ndim == 2 and type(w) is np.ndarray:
        return g.dot(w)  # as in the forward: @'s product without its overhead
    return g @ w


def _linear_vjp_w(g, ans, x, w, b=None):
    if (type(g) is np.ndarray and g.ndim == 2 and type(x) is np.ndarray and x.ndim == 2
            and type(w) is np.ndarray):
        s = w.strides  # the common case of weight_gradient, in line
        if s[0] >= s[1]:
            return g.T.dot(x)
    return weight_gradient(_flat2(g), _flat2(x), w)


def _linear_vjp_b(g, ans, x, w, b=None):
    nd = g.ndim
    if nd == 1:
        return g
    if type(g) is np.ndarray:
        if nd == 2:  # 1ᵀ G: the column sums as one BLAS product, faster than add.reduce
            return ones_seed((g.shape[0],), g.dtype).dot(g)  # down the rows (bench_tricks)
        return _add_reduce(g, tuple(range(nd - 1)))  # sum_p's forward, no dual dispatch
    return sum_p(g, axis=0 if nd == 2 else tuple(range(nd - 1)))


_add_reduce = np.add.reduce


def _linear_hint(x, w, b=None):
    xs, ws = np.shape(x), np.shape(w)
    if len(ws) != 2:
        return f"weight must be 2-D (out_features, in_features), got shape {ws}"
    if len(xs) == 0 or xs[-1] != ws[1]:
        return (f"input of shape {xs} does not match weight of shape {ws}: expected the "
                f"input's last dimension to be in_features = {ws[1]}")
    if b is not None and np.shape(b) != (ws[0],):
        return f"bias of shape {np.shape(b)} does not match out_features = {ws[0]}"
    return None


linear_p = Primitive("linear", _linear_impl, same_dtype=True, expr="{0} @ {1}ᵀ + {2}")
defvjp(linear_p, _linear_vjp_x, _linear_vjp_w, _linear_vjp_b)
defjvp(linear_p,
       lambda x_dot, ans, x, w, b=None: x_dot @ w.T,
       lambda w_dot, ans, x, w, b=None: x @ w_dot.T,
       lambda b_dot, ans, x, w, b=None: b_dot)
linear_p.error_hint = _linear_hint

matmul = public(matmul_p, "Matrix product with NumPy's batching and 1-D rules.")


def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """x @ weight.T + bias in one fused primitive (weight is (out_features, in_features))."""
    w_shape = weight.data.shape if isinstance(weight, Tensor) else np.shape(weight)
    if len(w_shape) != 2 or (bias is not None and (
            bias.data.shape if isinstance(bias, Tensor) else np.shape(bias)) != w_shape[:1]):
        raise ValueError(f"linear: {_linear_hint(x, weight, bias)}")
    out = apply(linear_p, x, weight) if bias is None else apply(linear_p, x, weight, bias)
    return out if type(out) is Tensor else wrap_array(np.asarray(out))


def dot(x: Any, y: Any) -> Tensor:
    """Inner product of two vectors (matmul of 1-D operands)."""
    return matmul(x, y)
