"""Gradient descent: ``SGD`` (momentum, Nesterov, coupled weight decay) and its full-batch
name ``GradientDescent``."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ._blas import MIN_SIZE, axpy
from ..extend import constant_for
from .optimizer import Optimizer, check_bool, check_number


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum (PyTorch's form).

    With gradient :math:`g_t` (plus :math:`\lambda\,\theta` when ``weight_decay`` =
    :math:`\lambda > 0`, i.e. L2 regularisation coupled to the gradient):

    .. math::
        v_1 = g_1,\qquad v_t = \mu\,v_{t-1} + (1-\tau)\,g_t \\
        \theta \leftarrow \theta - \eta\,v_t \quad\text{or, Nesterov,}\quad
        \theta \leftarrow \theta - \eta\,(g_t + \mu\,v_t)

    with learning rate :math:`\eta` (``lr``), momentum :math:`\mu` and dampening
    :math:`\tau`. Without momentum it is plain :math:`\theta \leftarrow \theta - \eta g`.
    Mini-batch or full-batch is the caller's choice of what the gradient is computed on.

    The plain update of a large parameter (at least 65 536 entries) is one BLAS ``axpy``
    pass when NumPy's bundled OpenBLAS is found (``chainrule.optim._blas``), the same
    update up to one rounding (the multiply-add may be fused); NumPy's two passes
    otherwise.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0,
                 *, check_finite: bool = False) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "nesterov": nesterov, "weight_decay": weight_decay},
                         check_finite=check_finite)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        group["lr"] = check_number(name, "lr", group["lr"])
        group["momentum"] = check_number(name, "momentum", group["momentum"])
        group["dampening"] = check_number(name, "dampening", group["dampening"], high=1.0,
                                          high_inclusive=True)
        group["weight_decay"] = check_number(name, "weight_decay", group["weight_decay"])
        group["nesterov"] = check_bool(name, "nesterov", group["nesterov"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"{name}: nesterov=True needs momentum > 0 and dampening = 0, "
                             f"got momentum={group['momentum']}, "
                             f"dampening={group['dampening']}")

    def _init_state(self, p: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _update_group(self, pairs: list[tuple[Any, np.ndarray]], hyper: dict[str, Any]) -> None:
        if hyper["momentum"] or hyper["weight_decay"]:
            super()._update_group(pairs, hyper)
            return
        # plain (stochastic) gradient descent: p -= lr g, no state. A large array in one
        # BLAS pass (`axpy`); otherwise lr as a 0-d array of the parameter's dtype: the same
        # product as with the Python float (which NumPy converts to that dtype), without
        # NumPy's slower path for Python scalars
        lr = hyper["lr"]
        c, c_dtype = lr, None
        for p, g in pairs:
            pd = p.data
            if pd.size >= MIN_SIZE and axpy(pd, -lr, g):  # a large array: one BLAS pass
                continue
            if pd.dtype is not c_dtype:  # one constant per dtype, not per parameter
                c, c_dtype = constant_for(lr, pd), pd.dtype
            pd -= c * g

    def _optional_state_keys(self) -> set[str]:
        return {"momentum_buffer"}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
        d = g + wd * p if wd else g
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(d, copy=True)
            else:
                buf *= mu
                damp = group["dampening"]
                buf += (1.0 - damp) * d if damp else d
            d = d + mu * buf if group["nesterov"] else buf
        if not axpy(p, -lr, d):  # one BLAS pass for a large array
            p -= lr * d


class GradientDescent(SGD):
    """Full-batch gradient descent: :class:`SGD` stepped once per pass over the whole
    training set (the caller computes the gradient of the full-data loss).

    The update rule and options are SGD's; the name says how it is meant to be used, and
    the default learning rate (0.1) suits a full-batch mean loss.
    """

    def __init__(self, params: Iterable[Any], lr: float = 0.1, momentum: float = 0.0,
                 dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0,
                 *, check_finite: bool = False) -> None:
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening,
                         nesterov=nesterov, weight_decay=weight_decay,
                         check_finite=check_finite)
