"""Gradient checks against central finite differences, reported per parameter tensor.

For each checked entry θ_i of a parameter::

    numeric_i = (E(θ + ε e_i) - E(θ - ε e_i)) / (2ε)
    passes when |analytic_i - numeric_i| <= atol · max(1, |E|) + rtol · |numeric_i|

the combined absolute and relative criterion of ``numpy.testing.assert_allclose`` and
``torch.autograd.gradcheck``. The absolute part is a floor for gradients near zero, where a
relative error means nothing (7.5e-9 against 7.55e-9 is a 0.7 % relative error, and
agreement to 5e-11); it grows with the loss |E| because the rounding error of the difference
quotient does (about 1e-16 · |E| / ε). The defaults (rtol 1e-6, atol 1e-8 at ε = 1e-6) sit
orders of magnitude above that noise and below a rule that is wrong by 0.1 %.

The report gives, per tensor, the entry closest to failing: its absolute and relative
error and its error as a fraction of the allowed one (at most 1 passes). float64 only: in
float32 the differences are dominated by rounding. Large tensors are checked on a random
sample of entries (``max_entries``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from ..autodiff import no_grad
from ..autodiff import backprop
from ..autodiff import Tensor
from .graph import format_number
from .render import text_grid

EPS = 1e-6
RTOL = 1e-6
ATOL = 1e-8


@dataclass
class ParamCheck:
    """The result for one parameter tensor: its entry closest to failing."""

    name: str
    shape: tuple[int, ...]
    checked: int
    worst_ratio: float  # |analytic - numeric| / allowed (<= 1 passes)
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    passed: bool

    @property
    def abs_error(self) -> float:
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float:
        """|analytic - numeric| / max(|analytic|, |numeric|) (0 when both are 0)."""
        scale = max(abs(self.analytic), abs(self.numeric))
        return self.abs_error / scale if scale else 0.0


@dataclass
class GradcheckReport:
    """Per-tensor results; ``passed`` when every checked entry is within tolerance."""

    results: list[ParamCheck]
    rtol: float
    atol: float
    eps: float
    loss: float

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def worst_ratio(self) -> float:
        """The largest error as a fraction of the allowed one (at most 1 passes)."""
        return max((r.worst_ratio for r in self.results), default=0.0)

    def to_text(self, style: str = "box") -> str:
        header = ["parameter", "shape", "checked", "entry", "analytic", "numeric", "abs err",
                  "rel err", "err/allowed", "status"]
        body = [[r.name, str(r.shape), str(r.checked), str(r.worst_index),
                 format_number(r.analytic, 8), format_number(r.numeric, 8),
                 f"{r.abs_error:.2e}", f"{r.rel_error:.2e}", f"{r.worst_ratio:.3g}",
                 "ok" if r.passed else "FAIL"] for r in self.results]
        verdict = "PASSED" if self.passed else "FAILED"
        return (text_grid(header, body, style) + f"\n{verdict}: worst error {self.worst_ratio:.3g}"
                f" × allowed, where allowed = {self.atol:g} · max(1, |loss|) + {self.rtol:g} · "
                f"|numeric| (loss {self.loss:.6g}, ε = {self.eps:g})")

    def __str__(self) -> str:
        return self.to_text()


def _check_settings(eps: Any, rtol: Any, atol: Any, max_entries: Any) -> None:
    for name, value in (("eps", eps), ("rtol", rtol), ("atol", atol)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
                or not (np.isfinite(value) and value > 0):
            raise ValueError(f"gradcheck: {name} must be a finite number > 0, got {value!r}")
    if isinstance(max_entries, bool) or not isinstance(max_entries, (int, np.integer)) \
            or max_entries < 1:
        raise ValueError(f"gradcheck: max_entries must be an int >= 1, got {max_entries!r}")


def gradcheck(loss_fn: Callable[[], Tensor], params: Mapping[str, Tensor], eps: float = EPS,
              rtol: float = RTOL, atol: float = ATOL, max_entries: int = 64,
              seed: int = 0) -> GradcheckReport:
    """Check reverse-mode gradients of ``loss_fn()`` with respect to ``params``.

    ``loss_fn`` recomputes the scalar loss from the current values of ``params`` (float64
    Tensors that require grad); entries are perturbed in place and restored. An entry
    passes when ``|analytic - numeric| <= atol * max(1, |loss|) + rtol * |numeric|``.
    """
    if not isinstance(params, Mapping) or not params:
        raise ValueError("gradcheck: params must be a non-empty mapping of name -> Tensor")
    for name, p in params.items():
        if not isinstance(p, Tensor) or not p.requires_grad:
            raise TypeError(f"gradcheck: parameter {name!r} must be a Tensor that requires grad")
        if p.dtype != np.float64:
            raise TypeError(f"gradcheck: parameter {name!r} has dtype {p.dtype}; finite "
                            f"differences need float64 (cast the model with .astype('float64'))")
    _check_settings(eps, rtol, atol, max_entries)
    loss = loss_fn()
    if not isinstance(loss, Tensor) or loss.size != 1:
        raise ValueError("gradcheck: loss_fn must return a scalar Tensor")
    value = float(loss.item())
    if not np.isfinite(value):
        raise ValueError(f"gradcheck: the loss is {value} at this point; gradients can only "
                         f"be checked where it is finite")
    floor = atol * max(1.0, abs(value))
    plist = list(params.values())
    got = backprop(loss, targets=plist, accumulate=False) if loss.requires_grad else {}
    rng = np.random.default_rng(seed)
    results = []
    for name, p in params.items():
        analytic = np.asarray(got.get(id(p), np.zeros(p.shape)), dtype=np.float64)
        flat = np.arange(p.size)
        if p.size > max_entries:
            flat = np.sort(rng.choice(p.size, size=max_entries, replace=False))
        worst, worst_i, a_w, n_w = -1.0, 0, 0.0, 0.0
        data = p.data  # perturbed in place, entry by entry (whatever its memory order)
        for i in flat:
            at = np.unravel_index(i, p.shape)
            old = data[at]
            try:
                with no_grad():
                    data[at] = old + eps
                    plus = float(loss_fn().item())
                    data[at] = old - eps
                    minus = float(loss_fn().item())
            finally:
                data[at] = old
            num = (plus - minus) / (2 * eps)
            ana = float(analytic[at])
            ratio = abs(ana - num) / (floor + rtol * abs(num))
            if not np.isfinite(ratio):
                ratio = np.inf
            if ratio > worst:
                worst, worst_i, a_w, n_w = ratio, int(i), ana, num
        index = tuple(int(j) for j in np.unravel_index(worst_i, p.shape)) if p.ndim else ()
        results.append(ParamCheck(name, tuple(p.shape), len(flat), float(worst), index, a_w,
                                  n_w, bool(worst <= 1.0)))
    return GradcheckReport(results, rtol, atol, eps, value)


def gradcheck_model(model: Any, X: Any, y: Any, loss: Callable[[Tensor, Any], Tensor],
                    eps: float = EPS, rtol: float = RTOL, atol: float = ATOL,
                    max_entries: int = 64, seed: int = 0) -> GradcheckReport:
    """:func:`gradcheck` of ``loss(model(X), y)`` over ``model.named_parameters()``.

    The model's parameters must be float64 (``model.astype("float64")``); their ``.grad``
    is left unchanged.
    """
    named = getattr(model, "named_parameters", None)
    if not callable(named):
        raise TypeError(f"gradcheck_model: expected a Module with named_parameters(), got "
                        f"{type(model).__name__}")
    params = dict(named())
    Xt = X if isinstance(X, Tensor) else Tensor(np.asarray(X, dtype=np.float64))
    return gradcheck(lambda: loss(model(Xt), y), params, eps, rtol, atol, max_entries, seed)
