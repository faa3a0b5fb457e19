"""L-BFGS for full-batch problems (Nocedal & Wright, Alg. 7.4-7.5), PyTorch's interface."""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np

from ..autodiff import Tensor
from ._flat import FullBatchOptimizer, call_closure, loss_value
from .line_search import strong_wolfe
from .optimizer import check_int, check_number

_LINE_SEARCHES = ("strong_wolfe", None)


def two_loop(g: np.ndarray, dirs: list[np.ndarray], stps: list[np.ndarray],
             ro: list[float], h_diag: float) -> np.ndarray:
    r"""The L-BFGS direction :math:`-H_k g` by the two-loop recursion over the stored pairs
    :math:`s_i` (``stps``), :math:`y_i` (``dirs``), :math:`\rho_i = 1/y_i^T s_i`, starting
    from :math:`H_0 = \gamma I` (``h_diag`` = :math:`s^Ty / y^Ty` of the newest pair)."""
    q = -g
    alphas = [0.0] * len(dirs)
    for i in range(len(dirs) - 1, -1, -1):
        alphas[i] = float(stps[i] @ q) * ro[i]
        q -= alphas[i] * dirs[i]
    r = q * h_diag
    for i in range(len(dirs)):
        beta = float(dirs[i] @ r) * ro[i]
        r += (alphas[i] - beta) * stps[i]
    return r


class LBFGS(FullBatchOptimizer):
    """Limited-memory BFGS, for full-batch (deterministic) objectives.

    ``step(closure)`` runs up to ``max_iter`` iterations (at most ``max_eval`` closure
    calls, default ``max_iter * 5 // 4``). The closure must zero the gradients, compute
    the loss, call ``loss.backward()`` and return the loss, e.g.::

        def closure():
            opt.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            return loss

    It stops early when the largest gradient entry is at most ``tolerance_grad`` or the
    step or loss change is below ``tolerance_change``. ``line_search_fn="strong_wolfe"``
    (the default) picks each step by a strong-Wolfe line search; ``None`` takes fixed steps
    of ``lr``. Returns the loss of the first closure call; if a closure call raises, the
    parameters are put back and the state is unchanged. All parameters form one vector:
    one parameter group, one dtype. The curvature history lives in the state of the first
    parameter (``state_dict()['state']['0']``).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 10,
                 line_search_fn: str | None = "strong_wolfe", *,
                 check_finite: bool = False) -> None:
        if max_eval is None and isinstance(max_iter, int) and not isinstance(max_iter, bool):
            max_eval = max_iter * 5 // 4
        super().__init__(params, {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                                  "tolerance_grad": tolerance_grad,
                                  "tolerance_change": tolerance_change,
                                  "history_size": history_size,
                                  "line_search_fn": line_search_fn},
                         check_finite=check_finite)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        group["lr"] = check_number("LBFGS", "lr", group["lr"], low_inclusive=False)
        for key in ("max_iter", "max_eval", "history_size"):
            group[key] = check_int("LBFGS", key, group[key], low=1)
        for key in ("tolerance_grad", "tolerance_change"):
            group[key] = check_number("LBFGS", key, group[key])
        if group["line_search_fn"] not in _LINE_SEARCHES:
            raise ValueError(f"LBFGS: line_search_fn must be 'strong_wolfe' or None, got "
                             f"{group['line_search_fn']!r}")

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[Any, float, np.ndarray]:
        loss = call_closure("LBFGS", closure)
        return loss, loss_value(loss), self._flat_grad()

    def _run(self, closure: Callable[[], Any] | None, group: dict[str, Any]) -> Any:
        flat = self._flat
        lr, tol_grad, tol_change = group["lr"], group["tolerance_grad"], \
            group["tolerance_change"]
        max_iter, max_eval, history = group["max_iter"], group["max_eval"], \
            group["history_size"]
        saved = self.state.get(flat.params[0], {"func_evals": 0, "n_iter": 0})
        st = {k: (list(v) if isinstance(v, list) else v) for k, v in saved.items()}

        orig_loss, loss, g = self._evaluate(closure)
        evals = 1
        st["func_evals"] += 1
        if np.max(np.abs(g)) <= tol_grad:
            self.state[flat.params[0]] = st
            return orig_loss
        d, t = st.get("d"), st.get("t", lr)
        dirs, stps, ro = st.get("old_dirs", []), st.get("old_stps", []), st.get("ro", [])
        h_diag, prev_g = st.get("H_diag", 1.0), st.get("prev_flat_grad")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            st["n_iter"] += 1
            if st["n_iter"] == 1 or d is None or prev_g is None:
                d = -g
                dirs, stps, ro, h_diag = [], [], [], 1.0
            else:
                y = g - prev_g
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep the pair only if the curvature condition holds
                    if len(dirs) == history:
                        dirs.pop(0)
                        stps.pop(0)
                        ro.pop(0)
                    dirs.append(y)
                    stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                d = two_loop(g, dirs, stps, ro, h_diag)
            prev_g = g.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(np.sum(np.abs(g)))) * lr if st["n_iter"] == 1 else lr
            gtd = float(g @ d)
            if gtd > -tol_change:  # not a descent direction any more
                break

            if group["line_search_fn"] == "strong_wolfe":
                x0 = flat.get()

                def obj(step: float, x0: np.ndarray = x0, d: np.ndarray = d
                        ) -> tuple[float, np.ndarray]:
                    flat.add_(step, d)
                    try:
                        _, f_t, g_t = self._evaluate(closure)
                    finally:
                        flat.set(x0)
                    return f_t, g_t

                loss, g, t, ls_evals = strong_wolfe(obj, t, d, loss, g, gtd,
                                                    tolerance_change=tol_change)
                flat.add_(t, d)
            else:
                flat.add_(t, d)
                ls_evals = 0
                if n_iter != max_iter:
                    _, loss, g = self._evaluate(closure)
                    ls_evals = 1
            evals += ls_evals
            st["func_evals"] += ls_evals

            if (n_iter == max_iter or evals >= max_eval
                    or np.max(np.abs(g)) <= tol_grad
                    or np.max(np.abs(d)) * abs(t) <= tol_change
                    or abs(loss - prev_loss) < tol_change):
                break

        st.update({"d": d, "t": float(t), "old_dirs": dirs, "old_stps": stps, "ro": ro,
                   "H_diag": float(h_diag), "prev_flat_grad": prev_g,
                   "prev_loss": float(prev_loss)})
        self.state[flat.params[0]] = st
        return orig_loss

    def _load_state_entry(self, index: int, p: Tensor, entry: dict[str, Any]
                          ) -> dict[str, Any]:
        """The L-BFGS state: counters, and after a step the direction, the step length,
        the curvature pairs (lists of flat vectors) and the previous gradient and loss."""
        name = "LBFGS.load_state_dict"
        n = self._flat.n
        if index != 0:
            raise ValueError(f"{name}: the L-BFGS state belongs to parameter 0, got state "
                             f"for parameter {index}")
        counters = {"func_evals", "n_iter"}
        after = {"d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad",
                 "prev_loss"}
        if set(entry) not in (counters, counters | after):
            raise ValueError(f"{name}: state keys {sorted(entry)}, expected "
                             f"{sorted(counters)} plus, after a step, {sorted(after)}")
        out: dict[str, Any] = {k: check_int(name, k, entry[k]) for k in counters}
        if len(entry) == len(counters):
            return out

        def vector(key: str, v: Any) -> np.ndarray:
            if not isinstance(v, np.ndarray) or v.shape != (n,):
                got = v.shape if isinstance(v, np.ndarray) else type(v).__name__
                raise ValueError(f"{name}: {key} must be a vector of shape ({n},), got {got}")
            return np.array(v, dtype=self._flat.dtype, copy=True)

        out["d"] = vector("d", entry["d"])
        out["prev_flat_grad"] = vector("prev_flat_grad", entry["prev_flat_grad"])
        for key in ("t", "H_diag", "prev_loss"):
            out[key] = check_number(name, key, entry[key], low=-math.inf, finite=False)
        pairs = [entry["old_dirs"], entry["old_stps"], entry["ro"]]
        if not all(isinstance(v, list) for v in pairs) or len({len(v) for v in pairs}) != 1:
            raise ValueError(f"{name}: old_dirs, old_stps and ro must be lists of one length")
        out["old_dirs"] = [vector("old_dirs[i]", v) for v in entry["old_dirs"]]
        out["old_stps"] = [vector("old_stps[i]", v) for v in entry["old_stps"]]
        out["ro"] = [check_number(name, "ro[i]", v, low=-math.inf, finite=False)
                     for v in entry["ro"]]
        return out
