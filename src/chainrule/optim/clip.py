"""Gradient clipping, in place on the parameters' ``.grad`` (call between ``backward`` and
``optimizer.step``)::

    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
"""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from ..autodiff import Tensor, replayed
from .optimizer import check_number


def _grads(params: Iterable[Any] | Tensor, owner: str) -> list[np.ndarray]:
    items = [params] if isinstance(params, Tensor) else list(params)
    out = []
    for i, p in enumerate(items):
        if not isinstance(p, Tensor):
            raise TypeError(f"{owner}: parameter {i} is a {type(p).__name__}, expected a "
                            f"Parameter (Tensor)")
        if p.grad is not None:
            g = p.grad.data if isinstance(p.grad, Tensor) else p.grad
            if not isinstance(g, np.ndarray):
                raise TypeError(f"{owner}: parameter {i} has a .grad of type "
                                f"{type(g).__name__}; expected a Tensor")
            out.append(g)
    return out


def clip_grad_norm_(params: Iterable[Any] | Tensor, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> float:
    r"""Scale all gradients together so that their joint norm is at most ``max_norm``.

    The total norm is :math:`\|(\|g_1\|_p, \dots, \|g_k\|_p)\|_p` over the parameters that
    have a gradient (``norm_type`` = p, ``inf`` for the max-norm). When it exceeds
    ``max_norm`` every gradient is multiplied by ``max_norm / (total + 1e-6)``.
    Returns the total norm before clipping (a float). When that norm is NaN or Inf the
    gradients are left unchanged, or, with ``error_if_nonfinite=True``, ValueError is
    raised.
    """
    owner = "clip_grad_norm_"
    max_norm = check_number(owner, "max_norm", max_norm, finite=False)
    norm_type = check_number(owner, "norm_type", norm_type, low_inclusive=False, finite=False)
    return _clip_norm(_grads(params, owner), max_norm, norm_type, error_if_nonfinite)


@replayed
def _clip_norm(grads: list[np.ndarray], max_norm: float, norm_type: float,
               error_if_nonfinite: bool) -> float:
    """`clip_grad_norm_` on the gradient arrays (a step of compiled training steps)."""
    owner = "clip_grad_norm_"
    if not grads:
        return 0.0
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        norms = np.array([np.linalg.norm(g.ravel(), ord=norm_type) for g in grads],
                         dtype=np.float64)
        total = float(np.linalg.norm(norms, ord=norm_type))
    if not math.isfinite(total):
        if error_if_nonfinite:
            raise ValueError(f"{owner}: the total {norm_type}-norm of the gradients is "
                             f"{total}; no gradient was clipped")
        return total
    if total > max_norm:
        coef = max_norm / (total + 1e-6)
        for g in grads:
            g *= coef
    return total


def clip_grad_value_(params: Iterable[Any] | Tensor, clip_value: float) -> None:
    """Clip every gradient entry into ``[-clip_value, clip_value]`` in place."""
    owner = "clip_grad_value_"
    c = check_number(owner, "clip_value", clip_value, finite=False)
    for g in _grads(params, owner):
        np.clip(g, -c, c, out=g)
