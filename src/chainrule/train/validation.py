"""The whole dataset checked before `fit` takes its first step, so a bad cell or label is
refused with its row, and no weight or optimiser state has changed when it is.

The loss checks each batch again as it runs; these checks exist to fail *before* the first
step rather than at the batch that holds the bad row.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autodiff import Tensor
from ..data.checks import check_finite_features, check_finite_labels


def _n_outputs(model: Any, X: np.ndarray) -> int | None:
    """The width of the model's output: ``model.out_features``, else that of its output for
    the first row (evaluation mode, no graph; no parameter changes)."""
    width = getattr(model, "out_features", None)
    if isinstance(width, (int, np.integer)) and not isinstance(width, bool):
        return int(width)
    from .inference import forward_batches

    logits, _ = forward_batches(model, X[:1])
    return int(logits.shape[-1]) if logits.ndim >= 2 else 1


def _first_outside(y: np.ndarray, low: float, high: float) -> tuple[int, int]:
    """(first row holding a value outside [low, high], number of such rows)."""
    outside = (y < low) | (y > high)
    if outside.ndim > 1:
        outside = outside.reshape(len(y), -1).any(axis=1)
    rows = np.flatnonzero(outside)
    return (int(rows[0]) if len(rows) else -1), len(rows)


def _value(y: np.ndarray, row: int) -> str:
    cell = y[row]
    return repr(cell.item()) if np.ndim(cell) == 0 else np.array2string(np.asarray(cell))


def _check_labels(y: np.ndarray, k: int | None, who: str) -> None:
    """Integer class labels for a softmax output of ``k`` units."""
    if y.dtype.kind not in "iu":
        raise TypeError(f"{who}: class labels must be integers 0..k-1, got dtype {y.dtype} "
                        f"(convert with y.astype(np.int64))")
    high = np.iinfo(np.int64).max if k is None else k - 1
    row, count = _first_outside(y, 0, high)
    if row >= 0:
        expected = "non-negative" if k is None else f"in 0..{k - 1} (the model has {k} outputs)"
        raise ValueError(f"{who}: label {_value(y, row)} at row {row} is not {expected}; "
                         f"{count} row(s) out of range")


def _check_probabilities(y: np.ndarray, who: str) -> None:
    """Targets of a sigmoid output, or one-hot / probability rows of a softmax output."""
    row, count = _first_outside(y, 0, 1)
    if row >= 0:
        raise ValueError(f"{who}: target {_value(y, row)} at row {row} is not a probability "
                         f"in [0, 1] (labels 0/1 for a sigmoid output); {count} row(s) out "
                         f"of range")


def check_training_data(model: Any, X: np.ndarray, y: np.ndarray, output_unit: str,
                        who: str) -> None:
    """Raise, naming the first bad row, when ``X`` or ``y`` cannot be trained on:

    - a NaN or infinite feature (row and column), or a NaN or infinite target;
    - as many targets as rows, numeric targets;
    - a softmax output: integer labels in ``0..k-1`` (``k`` the model's outputs), or
      probability rows; a sigmoid output: targets in [0, 1].
    """
    if isinstance(y, Tensor):
        y = y.data
    y = np.asarray(y)
    if y.ndim == 0 or len(y) != len(X):
        raise ValueError(f"{who}: X has {len(X)} rows but y has "
                         f"{len(y) if y.ndim else 'a scalar'}; expected one target per row")
    if y.dtype.kind not in "biuf":
        raise TypeError(f"{who}: targets must be numbers, got dtype {y.dtype}")
    width = getattr(model, "in_features", None)
    if isinstance(width, int) and X.ndim == 2 and X.shape[1] != width:
        raise ValueError(f"{who}: X has {X.shape[1]} features per row but the model takes "
                         f"{width}")
    check_finite_features(X, who)
    check_finite_labels(y, who, "targets")
    if not len(y):
        return
    if output_unit == "softmax":
        if y.ndim >= 2 and y.dtype.kind == "f":
            _check_probabilities(y, who)
        else:
            _check_labels(y, _n_outputs(model, X), who)
    elif output_unit == "sigmoid":
        _check_probabilities(y, who)
