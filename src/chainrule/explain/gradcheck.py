"""Gradient checks against central finite differences, reported per parameter tensor.

For each checked entry θ_i of a parameter::

    numeric_i = (E(θ + ε e_i) - E(θ - ε e_i)) / (2ε)
    relative error = |analytic_i - numeric_i| / max(|analytic_i|, |numeric_i|, 1e-8)

and the report gives the worst relative error of each tensor (float64 only: in float32 the
differences are dominated by rounding). Large tensors are checked on a random sample of
entries (``max_entries``).
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

FLOOR = 1e-8


@dataclass
class ParamCheck:
    """The result for one parameter tensor."""

    name: str
    shape: tuple[int, ...]
    checked: int
    worst_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    passed: bool


@dataclass
class GradcheckReport:
    """Per-tensor results; ``passed`` when every worst relative error is at most ``tol``."""

    results: list[ParamCheck]
    tol: float
    eps: float

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def worst_error(self) -> float:
        return max((r.worst_error for r in self.results), default=0.0)

    def to_text(self, style: str = "box") -> str:
        header = ["parameter", "shape", "checked", "worst rel. error", "at", "analytic",
                  "numeric", "status"]
        body = [[r.name, str(r.shape), str(r.checked), f"{r.worst_error:.3e}",
                 str(r.worst_index), format_number(r.analytic, 8), format_number(r.numeric, 8),
                 "ok" if r.passed else "FAIL"] for r in self.results]
        verdict = "PASSED" if self.passed else "FAILED"
        return (text_grid(header, body, style) + f"\n{verdict}: worst relative error "
                f"{self.worst_error:.3e} (tolerance {self.tol:g}, ε = {self.eps:g})")

    def __str__(self) -> str:
        return self.to_text()


def gradcheck(loss_fn: Callable[[], Tensor], params: Mapping[str, Tensor], eps: float = 1e-6,
              tol: float = 1e-6, max_entries: int = 64, seed: int = 0) -> GradcheckReport:
    """Check reverse-mode gradients of ``loss_fn()`` with respect to ``params``.

    ``loss_fn`` recomputes the scalar loss from the current values of ``params`` (float64
    Tensors that require grad); entries are perturbed in place and restored.
    """
    if not isinstance(params, Mapping) or not params:
        raise ValueError("gradcheck: params must be a non-empty mapping of name -> Tensor")
    for name, p in params.items():
        if not isinstance(p, Tensor) or not p.requires_grad:
            raise TypeError(f"gradcheck: parameter {name!r} must be a Tensor that requires grad")
        if p.dtype != np.float64:
            raise TypeError(f"gradcheck: parameter {name!r} has dtype {p.dtype}; finite "
                            f"differences need float64 (cast the model with .astype('float64'))")
    if not eps > 0 or not tol > 0 or max_entries < 1:
        raise ValueError(f"gradcheck: eps and tol must be > 0 and max_entries >= 1, got eps="
                         f"{eps}, tol={tol}, max_entries={max_entries}")
    loss = loss_fn()
    if not isinstance(loss, Tensor) or loss.size != 1:
        raise ValueError("gradcheck: loss_fn must return a scalar Tensor")
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
            with no_grad():
                data[at] = old + eps
                plus = float(loss_fn().item())
                data[at] = old - eps
                minus = float(loss_fn().item())
            data[at] = old
            num = (plus - minus) / (2 * eps)
            ana = float(analytic[at])
            err = abs(ana - num) / max(abs(ana), abs(num), FLOOR)
            if not np.isfinite(err):
                err = np.inf
            if err > worst:
                worst, worst_i, a_w, n_w = err, int(i), ana, num
        index = tuple(int(j) for j in np.unravel_index(worst_i, p.shape)) if p.ndim else ()
        results.append(ParamCheck(name, tuple(p.shape), len(flat), float(worst), index, a_w,
                                  n_w, bool(worst <= tol)))
    return GradcheckReport(results, tol, eps)


def gradcheck_model(model: Any, X: Any, y: Any, loss: Callable[[Tensor, Any], Tensor],
                    eps: float = 1e-6, tol: float = 1e-6, max_entries: int = 64,
                    seed: int = 0) -> GradcheckReport:
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
    return gradcheck(lambda: loss(model(Xt), y), params, eps, tol, max_entries, seed)
