"""`GraphClosure`: Newton-CG inside `chainrule.train.fit`.

`fit` hands a closure optimiser a closure that returns the loss *value* (its fused step); a
Newton-CG step differentiates the gradient again (Hessian-vector products), so it needs the
loss as a recorded Tensor. This adapter runs fit's closure once (for the epoch's logged
loss) and gives Newton-CG a closure that records the full-batch loss on the graph.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..autodiff import Tensor, enable_grad


class GraphClosure:
    """An optimiser wrapper: ``step(closure)`` steps ``optimizer`` on
    ``loss(model(X), targets)`` recorded on the graph (the whole training set)."""

    needs_closure = True

    def __init__(self, optimizer: Any, model: Any, loss: Callable[[Any, Any], Any],
                 X: np.ndarray, targets: np.ndarray) -> None:
        self.optimizer, self.model, self.loss = optimizer, model, loss
        self.X, self.targets = X, targets

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        return self.optimizer.param_groups

    def zero_grad(self) -> None:
        self.optimizer.zero_grad()

    def _graph_loss(self) -> Any:
        self.optimizer.zero_grad()
        with enable_grad():
            return self.loss(self.model(Tensor(self.X)), self.targets)

    def step(self, closure: Callable[[], Any]) -> Any:
        closure()  # fit's own step: the loss before the update, for the epoch's logs
        return self.optimizer.step(self._graph_loss)

    def state_dict(self) -> dict[str, Any]:
        return self.optimizer.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state)
