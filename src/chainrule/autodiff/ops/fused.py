"""Fused, numerically stable loss primitives (a custom rule taken for stability and speed).

    softmax_cross_entropy(z, y)  = logsumexp(z) - z[y]            (per row, integer labels)
        d/dz = softmax(z) - onehot(y)
    sigmoid_binary_cross_entropy(z, t) = softplus(z) - z t = logaddexp(0, z) - z t
        d/dz = sigmoid(z) - t,   d/dt = -z
    squared_error(p, t) = c/2 (p - t)^2   (c = 2, or c = 1 with half=True)
        d/dp = c (p - t),   d/dt = -c (p - t)
The cross-entropies are finite for logits of +-1000 and never form log(0). The squared
error is fused for speed: one node instead of subtract, multiply, scale and reduce.
"""
from __future__ import annotations

from math import prod
from typing import Any

import numpy as np

from ..primitive import Primitive, defjvp, defvjp
from ..tensor import Tensor
from ._base import constant_for, public
from .elementwise import sigmoid_p
from .nondiff import one_hot_p
from .softmax import softmax_p, stable_shift
from .shape import reshape_p


def _check_labels(logits: np.ndarray, labels: np.ndarray) -> None:
    if logits.ndim < 1:
        raise ValueError("expected logits with a class axis, got a scalar")
    if not isinstance(labels, np.ndarray) or labels.dtype.kind not in "iu":
        kind = getattr(labels, "dtype", type(labels).__name__)
        raise TypeError(f"labels must be an integer array of class indices, got {kind}")
    if labels.shape != logits.shape[:-1]:
        raise ValueError(f"labels of shape {labels.shape} do not match logits of shape "
                         f"{logits.shape}; expected labels of shape {logits.shape[:-1]}")
    k = logits.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        bad = labels[(labels < 0) | (labels >= k)][0]
        raise ValueError(f"label {int(bad)} is out of range for {k} classes; expected "
                         f"labels in [0, {k - 1}]")


_REDUCTIONS = ("none", "mean", "sum")


def _reduce(per: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "none":
        return per
    total = np.add.reduce(per, axis=None)
    if reduction == "mean":
        total = total * (1.0 / max(per.size, 1))
    return np.asarray(total, dtype=per.dtype)


def _spread(g, per_shape, reduction: str, dtype):
    """The cotangent of each per-example loss, given the cotangent of the reduced loss."""
    if reduction == "none":
        return g
    if reduction == "mean":
        return g * (1.0 / max(prod(per_shape), 1))
    return g


_ROWS: dict[int, np.ndarray] = {}


def _rows(n: int) -> np.ndarray:
    """arange(n), kept per n: the row index of every label lookup (read-only)."""
    rows = _ROWS.get(n)
    if rows is None:
        if len(_ROWS) > 64:
            _ROWS.clear()
        rows = _ROWS[n] = np.arange(n)
        rows.flags.writeable = False
    return rows


def _pick(logits, labels):
    if logits.ndim == 2:
        return logits[_rows(len(labels)), labels]
    return np.take_along_axis(logits, labels[..., None], axis=-1)[..., 0]


def _sce_impl(logits, labels, reduction="none", validated=False):
    """Per-row loss logsumexp(z) - z[y] = log sum e^(z - m) - (z[y] - m), and softmax(z)
    kept as the backward's residual."""
    if not validated:
        _check_labels(logits, labels)
    shifted = logits - stable_shift(logits, axis=-1)
    e = np.exp(shifted)
    s = np.add.reduce(e, axis=-1, keepdims=True)
    per = np.log(s)[..., 0] - _pick(shifted, labels)
    e /= s
    return _reduce(per, reduction), e


def _softmax(z):
    return softmax_p(z, axis=-1)


def _sce_delta(logits, labels):
    """softmax(z) - onehot(y): the gradient of each row's loss."""
    return _softmax(logits) - one_hot_p(labels, depth=logits.shape[-1], dtype=logits.dtype)


def _sce_vjp_arrays(g, probs, labels, reduction):
    """First-order fast path on arrays: the forward's softmax, minus 1 at the labels,
    times the row cotangents, in place on one copy."""
    delta = probs.copy()
    delta[_rows(len(labels)), labels] -= 1
    if reduction == "none":
        delta *= g[:, None]
    else:
        delta *= _spread(g, labels.shape, reduction, probs.dtype)
    return delta


def _sce_vjp(g, ans, logits, labels, reduction="none", validated=False, res=None):
    if res is not None and type(g) is not Tensor and logits.ndim == 2:
        return _sce_vjp_arrays(g, res, labels, reduction)
    g_rows = _spread(g, logits.shape[:-1], reduction, logits.dtype)
    if reduction == "none":
        g_rows = reshape_p(g_rows, shape=g_rows.shape + (1,))
    return g_rows * _sce_delta(logits, labels)


def _sce_jvp(z_dot, ans, logits, labels, reduction="none", validated=False, res=None):
    from .reduce import sum_p

    per = sum_p(z_dot * _sce_delta(logits, labels), axis=-1)
    if reduction == "none":
        return per
    total = sum_p(per)
    return total * (1.0 / max(per.size, 1)) if reduction == "mean" else total


softmax_cross_entropy_p = Primitive("softmax_cross_entropy", _sce_impl, residuals=True,
                                    expr="CE(softmax({0}), {1})")
defvjp(softmax_cross_entropy_p, _sce_vjp, None)
defjvp(softmax_cross_entropy_p, _sce_jvp, None)


def _sbce_impl(logits, targets, reduction="none"):
    """softplus(z) - z t per element (logaddexp never overflows); softplus(z) is kept for
    the backward, where sigmoid(z) = 1 - e^-softplus(z) = -expm1(-softplus(z)), accurate
    to a rounding at both ends (sigmoid(z) ~ softplus(z) ~ e^z for z << 0)."""
    softplus = np.logaddexp(constant_for(0.0, logits), logits)
    return _reduce(softplus - logits * targets, reduction), softplus


def _sbce_delta(softplus, t, g, reduction):
    """First order on arrays, reduced loss (cotangent g a number): (sigmoid(z) - t) g/n
    (mean) or (sigmoid(z) - t) g (sum), as -(expm1(-softplus) + t) times -g/n made in
    float64 and rounded once, in place on the one fresh array."""
    d = np.expm1(-softplus)
    d += t
    n = d.size if reduction == "mean" else 1
    d *= np.array(-(g * (1.0 / max(n, 1))), dtype=d.dtype)
    return d


def _sbce_vjp_z(g, ans, z, t, reduction="none", res=None):
    if res is not None and type(z) is np.ndarray and not isinstance(g, Tensor):
        if (reduction != "none" and type(t) is np.ndarray and t.shape == res.shape
                and type(res) is np.ndarray and getattr(g, "ndim", 0) == 0):
            return _sbce_delta(res, t, float(g), reduction)
        d = np.expm1(-res)  # sigmoid(z) - t = -(expm1(-softplus) + t)
        return -_spread(g, z.shape, reduction, z.dtype) * (d + t)
    return _spread(g, z.shape, reduction, z.dtype) * (sigmoid_p(z) - t)


def _sbce_vjp_t(g, ans, z, t, reduction="none", res=None):
    return -_spread(g, z.shape, reduction, z.dtype) * z


def _reduced_tangent(term, reduction):
    """The tangent of the reduced loss, given the tangent of each per-element loss."""
    from .reduce import sum_p

    if reduction == "none":
        return term
    total = sum_p(term)
    return total * (1.0 / max(term.size, 1)) if reduction == "mean" else total


sigmoid_bce_p = Primitive("sigmoid_binary_cross_entropy", _sbce_impl, float_op=True,
                          same_dtype=True, residuals=True, expr="BCE(sigmoid({0}), {1})")
defvjp(sigmoid_bce_p, _sbce_vjp_z, _sbce_vjp_t)
defjvp(sigmoid_bce_p,
       lambda z_dot, ans, z, t, reduction="none", res=None: _reduced_tangent(
           z_dot * (sigmoid_p(z) - t), reduction),
       lambda t_dot, ans, z, t, reduction="none", res=None: _reduced_tangent(
           -t_dot * z, reduction))


def _se_impl(pred, target, reduction="none", half=False):
    """(p - t)^2 per element (times 1/2 when ``half``), reduced; r = p - t is kept for the
    backward. The reduction sums the squares (pairwise, as ``sum``) and scales the total
    once, so the value is bit for bit that of ``((r * r) [* 0.5]).mean()``."""
    r = np.subtract(pred, target)  # a NumPy value (with .size) for two Python floats too
    per = r * r
    if reduction == "none":
        if half:
            per *= constant_for(0.5, per)
        return per, r
    total = np.add.reduce(per, axis=None)
    if reduction == "mean":
        total = total * ((0.5 if half else 1.0) / (per.size or 1))
    elif half:
        total = total * 0.5
    return np.asarray(total, dtype=per.dtype), r


def _se_scaled(res, g, reduction, c):
    """First order, reduced loss (g a number): r times g c/n, one multiply by a 0-d array
    of r's dtype made in float64 and rounded once."""
    n = res.size if reduction == "mean" else 1
    return res * constant_for(float(g) * (c / (n or 1)), res)  # cached: g is 1 in training


def _se_cotangent(g, pred, target, reduction, half, res, sign):
    """``sign`` c spread(g) r: the cotangent of the prediction (sign 1) or the target
    (sign -1), c = 1 with ``half``, else 2."""
    c = sign * (1.0 if half else 2.0)
    if res is not None and type(g) is not Tensor:  # first order, on arrays
        if reduction != "none":
            return _se_scaled(res, g, reduction, c)
        d = g * res
        if c != 1.0:
            d *= constant_for(c, d)
        return d
    r = pred - target  # on Tensors: recorded, so the rule can be differentiated again
    if reduction == "mean":
        c /= max(r.size, 1)
    return (g if c == 1.0 else g * c) * r


def _se_jvp(x_dot, pred, target, reduction, half, res, sign):
    """The tangent of the loss: sum (mean) of ``sign`` c r x_dot per element."""
    c = sign * (1.0 if half else 2.0)
    plain = res is not None and not any(isinstance(a, Tensor) for a in (x_dot, pred, target))
    r = res if plain else pred - target
    return _reduced_tangent((x_dot * r) * c, reduction)


def _se_vjp_pred(g, ans, pred, target, reduction="none", half=False, res=None):
    if res is not None and reduction != "none" and type(g) is not Tensor:
        return _se_scaled(res, g, reduction, 1.0 if half else 2.0)  # the training step's case
    return _se_cotangent(g, pred, target, reduction, half, res, 1.0)


def _se_vjp_target(g, ans, pred, target, reduction="none", half=False, res=None):
    return _se_cotangent(g, pred, target, reduction, half, res, -1.0)


def _se_jvp_pred(pred_dot, ans, pred, target, reduction="none", half=False, res=None):
    return _se_jvp(pred_dot, pred, target, reduction, half, res, 1.0)


def _se_jvp_target(target_dot, ans, pred, target, reduction="none", half=False, res=None):
    return _se_jvp(target_dot, pred, target, reduction, half, res, -1.0)


def _se_expr(reduction="none", half=False, res=None):
    """The explain tables' formula of a squared-error node (its reduction and its ½)."""
    body = ("½ " if half else "") + "({0} - {1})²"
    return f"{reduction}({body})" if reduction in ("mean", "sum") else body


squared_error_p = Primitive("squared_error", _se_impl, float_op=True, same_dtype=True,
                            residuals=True, expr=_se_expr)
defvjp(squared_error_p, _se_vjp_pred, _se_vjp_target)
defjvp(squared_error_p, _se_jvp_pred, _se_jvp_target)


_sce = public(softmax_cross_entropy_p)
_sbce = public(sigmoid_bce_p)
_se = public(squared_error_p)


def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def softmax_cross_entropy(logits: Any, labels: Any, reduction: str = "none", *,
                          validated: bool = False) -> Tensor:
    """-log softmax(logits)[label] per example for integer labels; ``reduction`` none/mean/sum.
    ``validated=True``: the caller has checked the labels' dtype, shape and range."""
    _check_reduction(reduction, "softmax_cross_entropy")
    if isinstance(labels, Tensor):
        labels = labels.data
    labels = np.asarray(labels)
    return _sce(logits, labels, reduction=reduction, validated=bool(validated))


def sigmoid_binary_cross_entropy(logits: Any, targets: Any, reduction: str = "none") -> Tensor:
    """Binary cross-entropy of sigmoid(logits) against targets in [0, 1], per element;
    ``reduction`` none/mean/sum."""
    _check_reduction(reduction, "sigmoid_binary_cross_entropy")
    return _sbce(logits, targets, reduction=reduction)


def squared_error(pred: Any, target: Any, reduction: str = "none", half: bool = False) -> Tensor:
    """(pred - target)^2 per element (``half``: 1/2 (pred - target)^2), targets broadcast
    against predictions; ``reduction`` none/mean/sum. One fused node: its backward is one
    multiply of the residual pred - target."""
    _check_reduction(reduction, "squared_error")
    return _se(_numeric(pred), _numeric(target), reduction=reduction, half=bool(half))


def _numeric(x: Any) -> Any:
    """Lists and integers as arrays, so that integer data becomes floating point (the
    primitive casts integer arrays); Python floats stay weak scalars."""
    if isinstance(x, (list, tuple, int, np.integer, np.bool_)):
        return np.asarray(x)
    return x
