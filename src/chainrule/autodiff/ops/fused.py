"""Fused, numerically stable loss primitives (a custom rule taken for stability and speed).

    softmax_cross_entropy(z, y)  = logsumexp(z) - z[y]            (per row, integer labels)
        d/dz = softmax(z) - onehot(y)
    sigmoid_binary_cross_entropy(z, t) = max(z, 0) - z t + log(1 + e^-|z|)
        d/dz = sigmoid(z) - t,   d/dt = -z
Both are finite for logits of +-1000 and never form log(0).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..primitive import Primitive, defjvp, defvjp
from ..tensor import Tensor
from ._base import public
from .elementwise import exp_p, sigmoid_p
from .nondiff import one_hot_p
from .reduce import logsumexp_p
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


def _sce_impl(logits, labels):
    _check_labels(logits, labels)
    m = np.max(logits, axis=-1, keepdims=True)
    lse = np.log(np.sum(np.exp(logits - m), axis=-1, keepdims=True)) + m
    picked = np.take_along_axis(logits, labels[..., None], axis=-1)
    return (lse - picked)[..., 0]


def _softmax(z):
    return exp_p(z - logsumexp_p(z, axis=-1, keepdims=True))


def _sce_vjp(g, ans, logits, labels):
    probs = _softmax(logits)
    delta = probs - one_hot_p(labels, depth=logits.shape[-1], dtype=logits.dtype)
    return reshape_p(g, shape=g.shape + (1,)) * delta


def _sce_jvp(z_dot, ans, logits, labels):
    from .reduce import sum_p

    delta = _softmax(logits) - one_hot_p(labels, depth=logits.shape[-1], dtype=logits.dtype)
    return sum_p(z_dot * delta, axis=-1)


softmax_cross_entropy_p = Primitive("softmax_cross_entropy", _sce_impl, float_op=False,
                                    expr="CE(softmax({0}), {1})")
defvjp(softmax_cross_entropy_p, _sce_vjp, None)
defjvp(softmax_cross_entropy_p, _sce_jvp, None)
softmax_cross_entropy_p.error_hint = None


def _sbce_impl(logits, targets):
    return np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))


sigmoid_bce_p = Primitive("sigmoid_binary_cross_entropy", _sbce_impl, float_op=True,
                          same_dtype=True, expr="BCE(sigmoid({0}), {1})")
defvjp(sigmoid_bce_p, lambda g, ans, z, t: g * (sigmoid_p(z) - t), lambda g, ans, z, t: -g * z)
defjvp(sigmoid_bce_p, lambda z_dot, ans, z, t: z_dot * (sigmoid_p(z) - t),
       lambda t_dot, ans, z, t: -t_dot * z)

_sce = public(softmax_cross_entropy_p)
_sbce = public(sigmoid_bce_p)


def softmax_cross_entropy(logits: Any, labels: Any) -> Tensor:
    """Per-example -log softmax(logits)[label] for integer labels (no reduction)."""
    if isinstance(labels, Tensor):
        labels = labels.data
    labels = np.asarray(labels)
    return _sce(logits, labels)


def sigmoid_binary_cross_entropy(logits: Any, targets: Any) -> Tensor:
    """Per-element binary cross-entropy of sigmoid(logits) against targets in [0, 1]."""
    return _sbce(logits, targets)
