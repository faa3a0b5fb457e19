"""The estimators' losses: the output unit's maximum-likelihood loss, weighted by sample
weights, and with the L2 penalty for the full-batch solvers.

Sample weights travel with the targets through `chainrule.train.fit`'s data loader: the
targets are packed as one float array whose last column is the weight, and `WeightedLoss`
unpacks them batch by batch. The loss of a batch is ``sum(w_i l_i) / sum(w_i)``, scikit-learn's
weighted average.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from ..autodiff import Tensor
from ..extend import replayed

_PER_EXAMPLE = {"sigmoid": nn.BCEWithLogitsLoss, "softmax": nn.CrossEntropyLoss}


def unit_loss(unit: str, reduction: str = "mean") -> Any:
    """The maximum-likelihood loss of an output unit; squared error is halved for the
    linear unit, as in scikit-learn (``mean((y - y_hat)^2) / 2``)."""
    if unit == "linear":
        return nn.MSELoss(reduction=reduction, half=True)
    return _PER_EXAMPLE[unit](reduction=reduction)


def pack_targets(targets: np.ndarray, sample_weight: np.ndarray, dtype: np.dtype
                 ) -> np.ndarray:
    """``targets`` (labels (n,) or a matrix (n, k)) with ``sample_weight`` as last column."""
    t = targets.reshape(len(targets), -1).astype(dtype)
    return np.concatenate([t, sample_weight.reshape(-1, 1).astype(dtype)], axis=1)


@replayed
def _unpack(packed: np.ndarray, labels: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(targets, weights, 1 / sum of the weights) of a packed batch; a step of its own in a
    compiled training step, so every batch's own weights and labels are used on replay."""
    weights, targets = packed[:, -1], packed[:, :-1]
    if labels:
        targets = targets[:, 0].astype(np.int64)
    return targets, weights, np.asarray(1.0 / weights.sum(), dtype=packed.dtype)


class WeightedLoss:
    """``loss(logits, packed)``: the unit's loss of each row (its mean over the outputs),
    averaged with the weights in the last column of ``packed``."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.per_example = unit_loss(unit, reduction="none")

    def __call__(self, logits: Tensor, packed: Any) -> Tensor:
        if isinstance(packed, Tensor):
            packed = packed.data
        targets, weights, scale = _unpack(np.asarray(packed), self.unit == "softmax")
        rows = self.per_example(logits, targets)
        if rows.ndim == 2:
            rows = rows.mean(axis=-1)
        return (rows * weights).sum() * scale

    def __repr__(self) -> str:
        return f"WeightedLoss({self.unit!r})"


class PenalisedLoss:
    """``loss(logits, y) + coef * sum of the squared weights``: the L2 term of a full-batch
    solver (``coef = alpha / 2 / total sample weight``, scikit-learn's penalty)."""

    def __init__(self, loss: Any, weights: list, coef: float) -> None:
        self.loss, self.weights, self.coef = loss, weights, float(coef)

    def __call__(self, logits: Tensor, target: Any) -> Tensor:
        value = self.loss(logits, target)
        if self.coef == 0.0 or not self.weights:
            return value
        return value + nn.l2_penalty(self.weights, self.coef)

    def __repr__(self) -> str:
        return f"PenalisedLoss({self.loss!r}, coef={self.coef})"
