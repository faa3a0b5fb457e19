"""`OutputLoss`: a loss on the network's *outputs* (probabilities) instead of its logits.

A chainrule model returns logits and its maximum-likelihood loss is fused with the output
unit (``BCEWithLogitsLoss``, ``CrossEntropyLoss``). To train a classifier with another loss
-- the squared error between the sigmoid/softmax outputs and one-hot targets that older
courses use -- wrap it::

    loss = OutputLoss(nn.MSELoss(), "softmax", n_classes=10)
    loss(logits, labels) == MSELoss()(softmax(logits), one_hot(labels, 10))
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..autodiff import Tensor, replayed, sigmoid, softmax


@replayed
def _one_hot(labels: np.ndarray, n_classes: int, dtype: np.dtype) -> np.ndarray:
    """Rows of ``n_classes`` with a 1 at each label (checked; a step of compiled programs)."""
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"OutputLoss: labels must be in [0, {n_classes - 1}]")
    onehot = np.zeros((len(labels), n_classes), dtype=dtype)
    onehot[np.arange(len(labels)), labels] = 1
    return onehot


class OutputLoss:
    """``loss(unit(logits), targets)`` with integer labels one-hot encoded for softmax.

    ``output_unit``: ``"sigmoid"`` (targets 0/1, shaped like the logits) or ``"softmax"``
    (integer labels ``(n,)`` become one-hot rows of ``n_classes``).
    """

    def __init__(self, loss: Callable[[Any, Any], Tensor], output_unit: str,
                 n_classes: int | None = None) -> None:
        if output_unit not in ("sigmoid", "softmax"):
            raise ValueError(f"OutputLoss: output_unit must be 'sigmoid' or 'softmax', got "
                             f"{output_unit!r}")
        if output_unit == "softmax" and (not isinstance(n_classes, int) or n_classes < 2):
            raise ValueError(f"OutputLoss: a softmax output needs n_classes >= 2, got "
                             f"{n_classes!r}")
        if not callable(loss):
            raise TypeError(f"OutputLoss: loss must be callable, got {type(loss).__name__}")
        self.loss, self.output_unit, self.n_classes = loss, output_unit, n_classes

    def __call__(self, logits: Tensor, target: Any) -> Tensor:
        if self.output_unit == "sigmoid":
            return self.loss(sigmoid(logits), target)
        labels = np.asarray(target.data if isinstance(target, Tensor) else target)
        if labels.dtype.kind not in "iu" or labels.ndim != 1:
            raise TypeError(f"OutputLoss: softmax targets must be integer labels of shape "
                            f"(n,), got {labels.dtype} {labels.shape}")
        onehot = _one_hot(labels, self.n_classes, logits.dtype)
        return self.loss(softmax(logits, axis=-1), onehot)

    def __repr__(self) -> str:
        return f"OutputLoss({self.loss!r}, {self.output_unit!r}, n_classes={self.n_classes})"
