"""Optimisers with per-coordinate step sizes: Adagrad, RMSProp, Adam, AdamW.

Every update is in place on the parameter and on state buffers of the parameter's dtype;
hyperparameters are Python floats, so float32 stays float32. The rules follow the papers
in the form PyTorch implements them (same defaults, same placement of ``eps``).
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

import numpy as np

from ._blas import axpy
from .optimizer import Optimizer, check_bool, check_number


def _l2(p: np.ndarray, g: np.ndarray, wd: float) -> np.ndarray:
    """Coupled L2 regularisation: the gradient seen by the optimiser is g + λθ."""
    return g + wd * p if wd else g


def _ema_(avg: np.ndarray, x: np.ndarray, beta: float) -> np.ndarray:
    """In place: avg <- beta avg + (1 - beta) x (an exponential moving average); the second
    term in one BLAS axpy pass for a large array (`chainrule.optim._blas`)."""
    avg *= beta
    if not axpy(avg, 1.0 - beta, x):
        avg += (1.0 - beta) * x
    return avg


def _buffer(state: dict[str, Any], key: str, p: np.ndarray) -> np.ndarray:
    """The optional state buffer ``key``, made of zeros shaped like ``p`` on first use."""
    buf = state.get(key)
    if buf is None:
        buf = state[key] = np.zeros_like(p)
    return buf


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011).

    .. math::
        s_t = s_{t-1} + g_t^2,\qquad
        \theta \leftarrow \theta - \frac{\eta_t\, g_t}{\sqrt{s_t} + \epsilon},\qquad
        \eta_t = \frac{\eta}{1 + (t-1)\,\text{lr\_decay}}

    with :math:`s_0` = ``initial_accumulator_value`` and :math:`g_t` including
    ``weight_decay``·θ (coupled L2) when set.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, check_finite: bool = False) -> None:
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay,
                                  "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "eps": eps}, check_finite=check_finite)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        for key in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value"):
            group[key] = check_number("Adagrad", key, group[key])
        group["eps"] = check_number("Adagrad", "eps", group["eps"], low_inclusive=False)

    def _init_state(self, p: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "sum": np.full_like(p, group["initial_accumulator_value"])}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        state["step"] += 1
        g = _l2(p, g, group["weight_decay"])
        clr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        acc = state["sum"]
        acc += g * g
        step = np.sqrt(acc)
        step += group["eps"]
        np.divide(g, step, out=step)
        step *= clr
        p -= step


class RMSProp(Optimizer):
    r"""RMSProp (Hinton, lecture 6e), PyTorch's form.

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\qquad
        \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t \ \text{(centered only)} \\
        d_t = \frac{g_t}{\sqrt{v_t - \bar g_t^2} + \epsilon}\ \text{(centered) or }
        \frac{g_t}{\sqrt{v_t} + \epsilon},\qquad
        b_t = \mu b_{t-1} + d_t,\qquad \theta \leftarrow \theta - \eta\,b_t

    (without momentum, :math:`\theta \leftarrow \theta - \eta d_t`). ``weight_decay`` adds
    λθ to the gradient (coupled L2). The centered variance is clamped at 0 against
    rounding.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, *, check_finite: bool = False) -> None:
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps,
                                  "weight_decay": weight_decay, "momentum": momentum,
                                  "centered": centered}, check_finite=check_finite)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        for key in ("lr", "weight_decay", "momentum"):
            group[key] = check_number(name, key, group[key])
        group["eps"] = check_number(name, "eps", group["eps"], low_inclusive=False)
        group["alpha"] = check_number(name, "alpha", group["alpha"], high=1.0)
        group["centered"] = check_bool(name, "centered", group["centered"])

    def _init_state(self, p: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "square_avg": np.zeros_like(p)}

    def _optional_state_keys(self) -> set[str]:
        return {"grad_avg", "momentum_buffer"}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        state["step"] += 1
        alpha, mu = group["alpha"], group["momentum"]
        g = _l2(p, g, group["weight_decay"])
        sq = _ema_(state["square_avg"], g * g, alpha)
        if group["centered"]:
            ga = _ema_(_buffer(state, "grad_avg", p), g, alpha)
            avg = sq - ga * ga
            np.maximum(avg, 0.0, out=avg)
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(sq)
        avg += group["eps"]
        np.divide(g, avg, out=avg)
        if mu:
            buf = _buffer(state, "momentum_buffer", p)
            buf *= mu
            buf += avg
            p -= group["lr"] * buf
        else:
            avg *= group["lr"]
            p -= avg


RMSprop = RMSProp


def _check_betas(owner: str, betas: Any) -> tuple[float, float]:
    if not isinstance(betas, Sequence) or isinstance(betas, str) or len(betas) != 2:
        raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    return (check_number(owner, "betas[0]", betas[0], high=1.0),
            check_number(owner, "betas[1]", betas[1], high=1.0))


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015) with bias correction; ``amsgrad`` uses the running
    maximum of :math:`v_t` (Reddi et al., 2018).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}\,
        \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    ``weight_decay`` here is L2 regularisation *coupled* to the gradient
    (:math:`g_t \leftarrow g_t + \lambda\theta`); use :class:`AdamW` for decoupled decay.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *,
                 check_finite: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": amsgrad},
                         check_finite=check_finite)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        for key in ("lr", "weight_decay"):
            group[key] = check_number(name, key, group[key])
        group["eps"] = check_number(name, "eps", group["eps"], low_inclusive=False)
        group["betas"] = _check_betas(name, group["betas"])
        group["amsgrad"] = check_bool(name, "amsgrad", group["amsgrad"])

    def _init_state(self, p: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {"step": 0, "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}

    def _optional_state_keys(self) -> set[str]:
        return {"max_exp_avg_sq"}

    def _decay(self, p: np.ndarray, g: np.ndarray, group: dict[str, Any]) -> np.ndarray:
        """Coupled L2: the gradient seen by the moments is g + λθ."""
        return _l2(p, g, group["weight_decay"])

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        g = self._decay(p, g, group)
        state["step"] += 1
        t = state["step"]
        b1, b2 = group["betas"]
        m = _ema_(state["exp_avg"], g, b1)
        v = _ema_(state["exp_avg_sq"], g * g, b2)
        if group["amsgrad"]:
            vmax = _buffer(state, "max_exp_avg_sq", p)
            np.maximum(vmax, v, out=vmax)
            v = vmax
        denom = np.sqrt(v)
        denom *= 1.0 / math.sqrt(1.0 - b2 ** t)
        denom += group["eps"]
        np.divide(m, denom, out=denom)
        step = group["lr"] / (1.0 - b1 ** t)
        if not axpy(p, -step, denom):  # p -= step * denom, in one pass when large
            denom *= step
            p -= denom


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), PyTorch's form:

    .. math::
        \theta \leftarrow \theta\,(1 - \eta\lambda) \quad\text{then the Adam step on } g_t.

    The default ``weight_decay`` is 0.01.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 check_finite: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, check_finite=check_finite)

    def _decay(self, p: np.ndarray, g: np.ndarray, group: dict[str, Any]) -> np.ndarray:
        wd = group["weight_decay"]
        if wd:
            p *= 1.0 - group["lr"] * wd
        return g
