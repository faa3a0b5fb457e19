"""Batched inference under ``no_grad``: `predict`, `predict_proba`, `evaluate`.

All three run the model in evaluation mode (Dropout off) and put its previous mode back.
Inputs are cast once to the dtype of the model's parameters.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..autodiff import Tensor, no_grad
from ..data.checks import cast_features
from .metrics import compute_metrics, scores_from_logits, validate_metric_names
from .validation import check_training_data

DEFAULT_BATCH = 1024


def model_dtype(model: Any) -> np.dtype:
    """The dtype of the model's first parameter (float32 when it has none)."""
    params = getattr(model, "parameters", None)
    if callable(params):
        for p in params():
            return p.data.dtype
    return np.dtype(np.float32)


def output_unit_of(model: Any, loss: Any = None) -> str:
    """``model.output_unit`` when it has one; else guessed from the loss: cross-entropy ->
    softmax, BCE-with-logits -> sigmoid, anything else -> linear."""
    unit = getattr(model, "output_unit", None)
    if unit is not None:
        return "linear" if unit == "identity" else unit
    name = type(loss).__name__ if loss is not None else ""
    if name in ("CrossEntropyLoss", "NLLLoss"):
        return "softmax"
    if name == "BCEWithLogitsLoss":
        return "sigmoid"
    return "linear"


def as_input(X: Any, dtype: np.dtype, who: str) -> np.ndarray:
    """``X`` as an ndarray of ``dtype`` (no copy when it already is one); a NaN or infinite
    value, or one too large for ``dtype``, is refused naming its row and column."""
    if isinstance(X, Tensor):
        X = X.data
    try:
        arr = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{who}: X must be an array of numbers ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{who}: X must hold numbers, got dtype {arr.dtype}")
    if arr.ndim < 1:
        raise ValueError(f"{who}: X must have a sample axis, got a scalar")
    return cast_features(arr, dtype, who)  # NaN, inf or overflow: refused naming the cell


def split_data(data: Any, who: str) -> tuple[np.ndarray, np.ndarray | None]:
    """``(X, y)`` from an ``(X, y)`` pair, a `Dataset`, or a `DataLoader` (its arrays)."""
    from ..data import DataLoader, Dataset

    if isinstance(data, (Dataset, DataLoader)):
        return data.X, data.y
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return data[0], data[1]
    raise TypeError(f"{who}: data must be an (X, y) pair, a chainrule.data.Dataset or a "
                    f"DataLoader, got {type(data).__name__}")


class _Mode:
    """Evaluation mode and no_grad for the duration of a ``with`` block."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.was_training = getattr(model, "training", None)

    def __enter__(self) -> None:
        if self.was_training is not None:
            self.model.eval()
        self._ng = no_grad()
        self._ng.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._ng.__exit__(*exc)
        if self.was_training:
            self.model.train()


def _check_batch(batch_size: int, who: str) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"{who}: batch_size must be a positive int, got {batch_size!r}")
    return int(batch_size)


def forward_batches(model: Any, X: np.ndarray, y: np.ndarray | None = None,
                    loss: Callable | None = None, batch_size: int = DEFAULT_BATCH
                    ) -> tuple[np.ndarray, float | None]:
    """The logits for every row of ``X`` (one array) and, with ``loss`` and ``y``, the mean
    loss (batch losses weighted by batch size). Eval mode, no_grad."""
    n = len(X)
    if n == 0:
        raise ValueError("no samples to run the model on (X is empty)")
    parts: list[np.ndarray] = []
    total = 0.0
    with _Mode(model):
        for start in range(0, n, batch_size):
            out = model(Tensor(X[start:start + batch_size]))
            if not isinstance(out, Tensor):
                raise TypeError(f"the model must return a Tensor, got {type(out).__name__}")
            parts.append(out.data)
            if loss is not None and y is not None:
                yb = y[start:start + batch_size]
                total += float(loss(out, yb).data) * len(yb)
    logits = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
    return logits, (total / n if loss is not None and y is not None else None)


def predict_logits(model: Any, X: Any, batch_size: int = DEFAULT_BATCH) -> np.ndarray:
    """The model's raw outputs (logits) for ``X``, batched, without recording a graph."""
    batch_size = _check_batch(batch_size, "predict_logits")
    return forward_batches(model, as_input(X, model_dtype(model), "predict_logits"),
                           batch_size=batch_size)[0]


def predict_proba(model: Any, X: Any, batch_size: int = DEFAULT_BATCH) -> np.ndarray:
    """Class probabilities, shape ``(n, n_classes)``: softmax rows, or ``[1 - p, p]`` for a
    single sigmoid output. A regression model has none (ValueError)."""
    unit = output_unit_of(model)
    if unit == "linear":
        raise ValueError("predict_proba: the model's output unit is 'linear' (regression); it "
                         "has no class probabilities; use predict()")
    scores = scores_from_logits(predict_logits(model, X, batch_size), unit)
    if unit == "sigmoid" and scores.ndim == 2 and scores.shape[1] == 1:
        scores = np.concatenate([1.0 - scores, scores], axis=1)
    return scores


def predict(model: Any, X: Any, batch_size: int = DEFAULT_BATCH) -> np.ndarray:
    """Class labels (int64, shape ``(n,)``) for a classifier; the predicted values (shape
    ``(n,)`` for one output, else ``(n, d)``) for a regression model."""
    unit = output_unit_of(model)
    logits = predict_logits(model, X, batch_size)
    if unit == "softmax":
        return np.argmax(logits, axis=-1)
    if unit == "sigmoid":
        labels = (logits > 0).astype(np.int64)  # sigmoid(z) > 1/2
        return labels[:, 0] if labels.ndim == 2 and labels.shape[1] == 1 else labels
    return logits[:, 0] if logits.ndim == 2 and logits.shape[1] == 1 else logits


def default_metrics(output_unit: str) -> tuple[str, ...]:
    """accuracy for classifiers, mae for regression."""
    return ("mae",) if output_unit == "linear" else ("accuracy",)


def resolve_metrics(metrics: Any, output_unit: str) -> tuple:
    if metrics == "auto":
        return default_metrics(output_unit)
    if metrics is None:
        return ()
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    metrics = tuple(metrics)
    validate_metric_names(metrics, output_unit)
    return metrics


def evaluate(model: Any, data: Any, loss: Callable | None = None,
             metrics: Sequence[str | Callable] | str | None = "auto",
             batch_size: int = DEFAULT_BATCH) -> dict[str, float]:
    """``{"loss": ..., metric: ...}`` on ``data`` (an ``(X, y)`` pair, Dataset or DataLoader).

    ``loss`` is optional (no ``"loss"`` key without it). ``metrics="auto"``: accuracy for a
    classifier, mae for regression; the task is the model's ``output_unit``, else the loss's,
    else the targets' (integer labels: a classifier, one output meaning sigmoid).
    """
    batch_size = _check_batch(batch_size, "evaluate")
    X, y = split_data(data, "evaluate")
    if y is None:
        raise ValueError("evaluate: data has no targets (y is None)")
    X = as_input(X, model_dtype(model), "evaluate")
    y = np.asarray(y)
    unit = output_unit_of(model, loss)
    check_training_data(model, X, y, unit, "evaluate", check_x=False)
    logits, mean_loss = forward_batches(model, X, y, loss, batch_size)
    if (getattr(model, "output_unit", None) is None and loss is None
            and y.dtype.kind in "iub"):
        # nothing says what the outputs are: integer targets mean a classifier
        unit = "sigmoid" if logits.ndim == 1 or logits.shape[-1] == 1 else "softmax"
    names = resolve_metrics(metrics, unit)
    out: dict[str, float] = {} if mean_loss is None else {"loss": mean_loss}
    out.update(compute_metrics(names, y, logits, unit))
    return out
