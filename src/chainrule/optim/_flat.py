"""Full-batch optimisers (L-BFGS, Newton-CG): the parameters seen as one flat vector, and
a ``step(closure)`` that restores the parameters if anything fails."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from ..autodiff import Tensor, enable_grad
from .optimizer import Optimizer


class FlatParams:
    """Offsets of each parameter in the flat vector; copies between the two views.

    Loops run over parameters, never over elements.
    """

    def __init__(self, opt: Optimizer) -> None:
        name = type(opt).__name__
        self.params: list[Tensor] = list(opt.param_groups[0]["params"])
        dtypes = {p.dtype for p in self.params}
        if len(dtypes) != 1:
            raise TypeError(f"{name}: all parameters must share one dtype (they form one "
                            f"vector), got {sorted(str(d) for d in dtypes)}")
        self.dtype = self.params[0].dtype
        sizes = [p.size for p in self.params]
        self.bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        self.n = int(self.bounds[-1])

    def pieces(self, flat: np.ndarray) -> list[np.ndarray]:
        """Views of ``flat`` shaped like each parameter."""
        return [flat[a:b].reshape(p.shape)
                for p, a, b in zip(self.params, self.bounds, self.bounds[1:])]

    def concat(self, arrays: list[np.ndarray | None]) -> np.ndarray:
        """One flat vector from per-parameter arrays (``None`` counts as zeros)."""
        out = np.zeros(self.n, dtype=self.dtype)
        for piece, a in zip(self.pieces(out), arrays):
            if a is not None:
                piece[...] = a
        return out

    def get(self) -> np.ndarray:
        return self.concat([p.data for p in self.params])

    def set(self, x: np.ndarray) -> None:
        for p, piece in zip(self.params, self.pieces(x)):
            p.data[...] = piece

    def add_(self, t: float, d: np.ndarray) -> None:
        """params += t * d, in place."""
        for p, piece in zip(self.params, self.pieces(d)):
            p.data += t * piece


def call_closure(owner: str, closure: Callable[[], Any] | None) -> Any:
    """Run ``closure`` with gradient recording on; it must return the loss."""
    if closure is None or not callable(closure):
        raise TypeError(f"{owner}.step needs a closure: a function that zeroes the "
                        f"gradients, computes the loss, calls loss.backward() and returns "
                        f"the loss")
    with enable_grad():
        loss = closure()
    if isinstance(loss, Tensor):
        if loss.size != 1:
            raise ValueError(f"{owner}: the closure returned a loss of shape {loss.shape}; "
                             f"expected a scalar")
    elif not isinstance(loss, (int, float, np.number)):
        raise TypeError(f"{owner}: the closure must return the loss (a scalar Tensor or "
                        f"float), got {type(loss).__name__}")
    return loss


def loss_value(loss: Any) -> float:
    """A closure's loss (a size-1 Tensor or a number) as a Python float."""
    return float(loss.data.item() if isinstance(loss, Tensor) else loss)


class FullBatchOptimizer(Optimizer):
    """Base of the closure-driven optimisers: one parameter group of one dtype.

    Subclasses implement ``_run(closure, group)``; :meth:`step` validates the
    hyperparameters first and, if the run raises (a failing closure, a bad gradient), puts
    the parameters back to their values at the call before re-raising.
    """

    needs_closure = True

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any], *,
                 check_finite: bool = False) -> None:
        super().__init__(params, defaults, check_finite=check_finite)
        self._flat = FlatParams(self)

    def add_param_group(self, group: dict[str, Any]) -> None:
        if self.param_groups:
            raise ValueError(f"{type(self).__name__} supports a single parameter group "
                             f"(its state is one vector)")
        super().add_param_group(group)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run the method on ``closure``; return the loss at the start."""
        group = self._step_hyperparameters(self.param_groups[0])
        x_start = self._flat.get()
        try:
            return self._run(closure, group)
        except BaseException:
            self._flat.set(x_start)
            raise

    def _run(self, closure: Callable[[], Any] | None, group: dict[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define _run")

    def _flat_grad(self) -> np.ndarray:
        """The validated gradients as one vector (zeros where ``.grad`` is None)."""
        got = {id(p): g for p, g in self._gradients(
            [p.grad_array for p in self._flat.params])[0]}
        return self._flat.concat([got.get(id(p)) for p in self._flat.params])
