"""``softmax`` as a primitive with a fused, stable rule.

    s = e^(x - m) / sum e^(x - m),  m = max x            (finite for any finite logits)
    VJP:  x_bar = s * (g - sum(g * s))      JVP:  s_dot = s * (x_dot - sum(x_dot * s))
Both rules use only the output ``s`` (kept from the forward), so the backward costs three
array passes; written with primitives, they differentiate again for higher order.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..primitive import Primitive, defjvp, defvjp
from ..tensor import Tensor
from ._base import public
from .reduce import sum_p


def _softmax_impl(x: np.ndarray, axis: int = -1) -> np.ndarray:
    m = np.maximum.reduce(x, axis=axis, keepdims=True)
    if not np.all(np.isfinite(m)):
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
    e = np.exp(x - m)
    e /= np.add.reduce(e, axis=axis, keepdims=True)
    return e


def _softmax_rule(t, ans, x, axis=-1):
    return ans * (t - sum_p(t * ans, axis=axis, keepdims=True))


softmax_p = Primitive("softmax", _softmax_impl, float_op=True, expr="softmax({0})")
defvjp(softmax_p, _softmax_rule)
defjvp(softmax_p, _softmax_rule)
_softmax = public(softmax_p)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """exp(x) / sum exp(x) along ``axis``, stable for any finite logits."""
    return _softmax(x, axis=axis)
