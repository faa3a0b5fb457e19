"""Newton-CG (truncated Newton): conjugate gradient on Hessian-vector products from the
autodiff core, then an Armijo backtracking line search (Nocedal & Wright, Alg. 7.1)."""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np

from ..autodiff import Tensor, enable_grad
from ..autodiff import backprop
from ._flat import FullBatchOptimizer, call_closure, loss_value
from .line_search import backtracking
from .optimizer import check_int, check_number


class NewtonCG(FullBatchOptimizer):
    r"""Newton's method with the Newton system solved inexactly by conjugate gradient.

    Each iteration computes :math:`g = \nabla L` with a recorded graph, then solves
    :math:`(H + \lambda I)\,d = -g` (``damping`` = λ) by CG, each product :math:`Hv`
    being the gradient of :math:`g \cdot v` (reverse over reverse). CG stops when the
    residual is below ``tol``·‖g‖ (``tol=None``: the forcing term min(0.5, √‖g‖) of
    Nocedal & Wright, cheaper per step on large problems but slower on small ones), after
    ``max_cg_iter`` products, or on negative curvature (then it returns the direction so
    far, or −g at the first product). A backtracking line search from step ``lr`` then
    halves the step until :math:`L(\theta + t d) \le L(\theta) + 10^{-4}\, t\, g^T d`.

    ``step(closure)`` runs ``max_iter`` iterations (default 1: one Newton step per call)
    and returns the loss at the start; if anything raises, the parameters are put back.
    The closure is the one L-BFGS takes: it computes the loss with gradient recording on
    and returns the loss Tensor; it may zero the gradients and call ``loss.backward()``
    (harmless, so one closure serves both optimisers). Nothing is done when
    ``max|g| <= tolerance_grad``. All parameters form one vector: one parameter group, one
    dtype (use float64 for precise solves).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, max_iter: int = 1,
                 max_cg_iter: int = 50, tol: float | None = 1e-5, damping: float = 0.0,
                 tolerance_grad: float = 1e-7, *, check_finite: bool = False) -> None:
        super().__init__(params, {"lr": lr, "max_iter": max_iter, "max_cg_iter": max_cg_iter,
                                  "tol": tol, "damping": damping,
                                  "tolerance_grad": tolerance_grad},
                         check_finite=check_finite)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        group["lr"] = check_number("NewtonCG", "lr", group["lr"], low_inclusive=False)
        for key in ("max_iter", "max_cg_iter"):
            group[key] = check_int("NewtonCG", key, group[key], low=1)
        for key in ("damping", "tolerance_grad"):
            group[key] = check_number("NewtonCG", key, group[key])
        if group["tol"] is not None:
            group["tol"] = check_number("NewtonCG", "tol", group["tol"])

    def _gradient(self, loss: Any) -> tuple[list[Tensor | None], np.ndarray]:
        """∇L as per-parameter Tensors that keep their graph, and as a flat vector."""
        if not isinstance(loss, Tensor) or not loss.requires_grad:
            raise TypeError("NewtonCG: the closure must return the loss as a Tensor "
                            "computed from the parameters with gradient recording on (not "
                            "a float, not detached, not inside no_grad)")
        params = self._flat.params
        got = backprop(loss, create_graph=True, targets=params, accumulate=False)
        grads = [got.get(id(p)) for p in params]
        for i, (p, g) in enumerate(zip(params, grads)):
            if g is not None and (g.shape != p.shape or g.dtype != p.dtype):
                raise TypeError(f"NewtonCG: the gradient of parameter {i} has shape "
                                f"{g.shape} and dtype {g.dtype}, expected {p.shape} "
                                f"{p.dtype}")
        flat_g = self._flat.concat([None if g is None else g.data for g in grads])
        if self.check_finite and not np.isfinite(flat_g).all():
            raise ValueError("NewtonCG: the gradient contains NaN or Inf; nothing was "
                             "updated")
        return grads, flat_g

    def _hvp(self, grads: list[Tensor | None], v: np.ndarray) -> np.ndarray:
        """H v = ∇(g · v), by a second reverse pass through the gradient's graph."""
        params = self._flat.params
        total = None
        with enable_grad():
            for g, piece in zip(grads, self._flat.pieces(v)):
                if g is not None and g.requires_grad:
                    term = (g * Tensor(piece)).sum()
                    total = term if total is None else total + term
        if total is None or not total.requires_grad:
            return np.zeros_like(v)
        got = backprop(total, targets=params, accumulate=False)
        return self._flat.concat([got.get(id(p)) for p in params])

    def _direction(self, grads: list[Tensor | None], g: np.ndarray,
                   group: dict[str, Any]) -> tuple[np.ndarray, int]:
        """Truncated CG for (H + λI) d = -g; returns d and the number of H-products."""
        damping = group["damping"]
        g_norm = float(np.linalg.norm(g))
        rel = group["tol"] if group["tol"] is not None else min(0.5, math.sqrt(g_norm))
        x = np.zeros_like(g)
        r = -g
        p = r.copy()
        rr = float(r @ r)
        products = 0
        for k in range(group["max_cg_iter"]):
            hp = self._hvp(grads, p)
            products += 1
            if damping:
                hp += damping * p
            curv = float(p @ hp)
            if not curv > 0.0:  # negative or zero curvature (or NaN): stop
                if k == 0:
                    x = -g
                break
            alpha = rr / curv
            x += alpha * p
            r -= alpha * hp
            rr_new = float(r @ r)
            if math.sqrt(rr_new) <= rel * g_norm:
                break
            p *= rr_new / rr
            p += r
            rr = rr_new
        return x, products

    def _run(self, closure: Callable[[], Any] | None, group: dict[str, Any]) -> Any:
        flat = self._flat
        st = dict(self.state.get(flat.params[0], {"n_iter": 0, "func_evals": 0,
                                                  "hvp_evals": 0}))
        first_loss = loss = call_closure("NewtonCG", closure)
        st["func_evals"] += 1
        for _ in range(group["max_iter"]):
            grads, g = self._gradient(loss)
            if float(np.max(np.abs(g))) <= group["tolerance_grad"]:
                break
            d, products = self._direction(grads, g, group)
            st["hvp_evals"] += products
            slope = float(g @ d)
            if not slope < 0.0:  # not a descent direction: fall back to steepest descent
                d = -g
                slope = -float(g @ g)
            x0 = flat.get()
            last: list[Any] = [None]  # the loss (with its graph) at the last trial point

            def value(t: float, x0: np.ndarray = x0, d: np.ndarray = d,
                      last: list[Any] = last) -> float:
                flat.set(x0)
                flat.add_(t, d)
                last[0] = call_closure("NewtonCG", closure)
                return loss_value(last[0])

            t, _, evals = backtracking(value, group["lr"], loss_value(loss), slope)
            st["func_evals"] += evals
            st["n_iter"] += 1
            if t is None:  # no decrease along d: stay put
                flat.set(x0)
                break
            loss = last[0]  # the accepted point's loss: the next iteration starts there
        self.state[flat.params[0]] = st
        return first_loss

    def _load_state_entry(self, index: int, p: Tensor, entry: dict[str, Any]
                          ) -> dict[str, Any]:
        keys = {"n_iter", "func_evals", "hvp_evals"}
        if index != 0 or set(entry) != keys:
            raise ValueError(f"NewtonCG.load_state_dict: expected state for parameter 0 "
                             f"with keys {sorted(keys)}, got parameter {index} with "
                             f"{sorted(entry)}")
        return {k: check_int("NewtonCG.load_state_dict", k, entry[k]) for k in keys}
