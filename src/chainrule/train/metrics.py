"""Evaluation metrics: pure, vectorised NumPy (no per-sample Python).

Classification metrics take integer class labels ``y_true`` (shape ``(n,)``) and either
predicted labels ``y_pred`` (shape ``(n,)``) or class scores (shape ``(n, k)``: probabilities
or logits -- anything whose argmax is the predicted class):

    accuracy        = mean(y_pred == y_true)
    top-k accuracy  = mean(y_true is among the k highest scores)
    precision_c     = TP_c / (TP_c + FP_c),   recall_c = TP_c / (TP_c + FN_c)
    F1_c            = 2 P_c R_c / (P_c + R_c)       (0 when P_c + R_c = 0)
    macro average   = unweighted mean over the classes
    log-loss        = -mean(log p[y_true])   with p clipped to [eps, 1 - eps]

A ratio whose denominator is 0 (a class never predicted, or absent) is 0, as scikit-learn's
``zero_division=0``. Regression metrics take ``y_true`` and ``y_pred`` of equal shape
(``(n,)`` or ``(n, d)``; multi-output results are averaged over the outputs):

    MSE = mean((y - yhat)^2),  MAE = mean(|y - yhat|),  R^2 = 1 - SS_res / SS_tot

with R^2 = 1 for a constant target predicted exactly and 0 for a constant target missed.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Sequence

import numpy as np

__all__ = [
    "accuracy", "top_k_accuracy", "confusion_matrix", "precision", "recall", "f1_score",
    "precision_recall_f1", "log_loss", "mse", "mae", "r2", "classification_report",
    "scores_from_logits", "compute_metrics", "available_metrics",
]


# ------------------------------------------------------------------ input checking
def _labels(y: Any, who: str, arg: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{who}: {arg} must be a 1-D array of class labels, got shape "
                         f"{arr.shape}")
    if arr.dtype.kind not in "iub":
        if arr.dtype.kind == "f" and arr.size and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        elif arr.size:
            raise TypeError(f"{who}: {arg} must hold integer class labels, got dtype "
                            f"{arr.dtype}")
        else:
            arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"{who}: {arg} has a negative class label {int(arr.min())}; "
                         f"expected labels 0..k-1")
    return arr.astype(np.int64, copy=False)


def _pred_labels(y_pred: Any, who: str) -> np.ndarray:
    """Labels from labels ``(n,)`` or from scores ``(n, k)`` with k >= 2 (argmax)."""
    arr = np.asarray(y_pred)
    if arr.ndim == 2 and arr.shape[1] >= 2:
        return np.argmax(arr, axis=1)
    return _labels(arr, who, "y_pred")


def _same_length(a: np.ndarray, b: np.ndarray, who: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{who}: y_true has {len(a)} samples but y_pred has {len(b)}")
    if len(a) == 0:
        raise ValueError(f"{who}: no samples (empty y_true)")


def _n_classes(n_classes: int | None, *arrays: np.ndarray) -> int:
    found = max(int(a.max()) + 1 if a.size else 0 for a in arrays)
    if n_classes is None:
        return max(found, 1)
    if found > n_classes:
        raise ValueError(f"a label {found - 1} is out of range for n_classes={n_classes}")
    return int(n_classes)


# ------------------------------------------------------------------ classification
def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of samples whose predicted label (or argmax of scores) equals ``y_true``."""
    t = _labels(y_true, "accuracy", "y_true")
    p = _pred_labels(y_pred, "accuracy")
    _same_length(t, p, "accuracy")
    return float(np.mean(t == p))


def top_k_accuracy(y_true: Any, scores: Any, k: int = 5) -> float:
    """Fraction of samples whose true class is among the ``k`` highest ``scores`` (n, c).

    Ties are counted against the sample: the true class must score strictly higher than all
    but at most ``k - 1`` others.
    """
    t = _labels(y_true, "top_k_accuracy", "y_true")
    s = np.asarray(scores)
    if s.ndim != 2:
        raise ValueError(f"top_k_accuracy: scores must have shape (n, n_classes), got {s.shape}")
    _same_length(t, s, "top_k_accuracy")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"top_k_accuracy: k must be a positive int, got {k!r}")
    if t.max() >= s.shape[1]:
        raise ValueError(f"top_k_accuracy: label {int(t.max())} is out of range for "
                         f"{s.shape[1]} score columns")
    true_score = np.take_along_axis(s, t[:, None], axis=1)
    rank = np.sum(s > true_score, axis=1) + np.sum(s == true_score, axis=1) - 1
    return float(np.mean(rank < k))


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int | None = None) -> np.ndarray:
    """``C[i, j]`` = number of samples of true class ``i`` predicted as class ``j`` (int64)."""
    t = _labels(y_true, "confusion_matrix", "y_true")
    p = _pred_labels(y_pred, "confusion_matrix")
    _same_length(t, p, "confusion_matrix")
    k = _n_classes(n_classes, t, p)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = num.astype(np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def precision_recall_f1(y_true: Any, y_pred: Any, n_classes: int | None = None
                        ) -> dict[str, np.ndarray]:
    """Per-class ``precision``, ``recall``, ``f1`` and ``support`` (true count), each ``(k,)``."""
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm)
    prec = _safe_ratio(tp, cm.sum(axis=0))
    rec = _safe_ratio(tp, cm.sum(axis=1))
    f1 = _safe_ratio(2 * prec * rec, prec + rec)
    return {"precision": prec, "recall": rec, "f1": f1, "support": cm.sum(axis=1)}


def _averaged(key: str, y_true: Any, y_pred: Any, average: str | None,
              n_classes: int | None) -> float | np.ndarray:
    values = precision_recall_f1(y_true, y_pred, n_classes)[key]
    if average is None:
        return values
    if average == "macro":
        return float(values.mean())
    raise ValueError(f"{key}: average must be 'macro' or None (per class), got {average!r}")


def precision(y_true: Any, y_pred: Any, average: str | None = "macro",
              n_classes: int | None = None) -> float | np.ndarray:
    """Precision, macro-averaged (``average="macro"``) or per class (``average=None``)."""
    return _averaged("precision", y_true, y_pred, average, n_classes)


def recall(y_true: Any, y_pred: Any, average: str | None = "macro",
           n_classes: int | None = None) -> float | np.ndarray:
    """Recall, macro-averaged (``average="macro"``) or per class (``average=None``)."""
    return _averaged("recall", y_true, y_pred, average, n_classes)


def f1_score(y_true: Any, y_pred: Any, average: str | None = "macro",
             n_classes: int | None = None) -> float | np.ndarray:
    """F1 score, macro-averaged (``average="macro"``) or per class (``average=None``)."""
    return _averaged("f1", y_true, y_pred, average, n_classes)


def log_loss(y_true: Any, proba: Any, eps: float | None = None) -> float:
    """Mean negative log-likelihood of the true class.

    ``proba``: ``(n, k)`` class probabilities (rows summing to 1), or ``(n,)`` / ``(n, 1)``
    probabilities of class 1 for a binary problem. Probabilities are clipped to
    ``[eps, 1 - eps]`` (``eps`` defaults to the machine epsilon of ``proba``'s dtype) so a
    confident mistake costs a large finite amount instead of infinity.
    """
    t = _labels(y_true, "log_loss", "y_true")
    p = np.asarray(proba, dtype=np.result_type(np.asarray(proba).dtype, np.float32))
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim == 1:
        if t.size and t.max() > 1:
            raise ValueError("log_loss: 1-D probabilities mean a binary problem, but y_true "
                             f"has label {int(t.max())}")
        p = np.stack([1.0 - p, p], axis=1)
    if p.ndim != 2:
        raise ValueError(f"log_loss: proba must have shape (n,) or (n, k), got {p.shape}")
    _same_length(t, p, "log_loss")
    if t.max() >= p.shape[1]:
        raise ValueError(f"log_loss: label {int(t.max())} is out of range for {p.shape[1]} "
                         f"probability columns")
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError("log_loss: proba must hold probabilities in [0, 1] (pass "
                         "predict_proba's output, not logits)")
    eps = float(np.finfo(p.dtype).eps) if eps is None else float(eps)
    picked = np.clip(np.take_along_axis(p, t[:, None], axis=1)[:, 0], eps, 1.0 - eps)
    return float(-np.mean(np.log(picked)))


# ------------------------------------------------------------------ regression
def _regression_pair(y_true: Any, y_pred: Any, who: str) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.ndim == 1 and p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if t.shape != p.shape or t.ndim not in (1, 2):
        raise ValueError(f"{who}: y_true {t.shape} and y_pred {p.shape} must have the same "
                         f"shape, (n,) or (n, d)")
    if len(t) == 0:
        raise ValueError(f"{who}: no samples (empty y_true)")
    return t, p


def mse(y_true: Any, y_pred: Any) -> float:
    """Mean squared error."""
    t, p = _regression_pair(y_true, y_pred, "mse")
    return float(np.mean((t - p) ** 2))


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error."""
    t, p = _regression_pair(y_true, y_pred, "mae")
    return float(np.mean(np.abs(t - p)))


def r2(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` (uniform average over outputs)."""
    t, p = _regression_pair(y_true, y_pred, "r2")
    ss_res = np.sum((t - p) ** 2, axis=0)
    ss_tot = np.sum((t - t.mean(axis=0)) ** 2, axis=0)
    score = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0),
                     np.where(ss_res == 0, 1.0, 0.0))
    return float(np.mean(score))


# ------------------------------------------------------------------ reports
def classification_report(y_true: Any, y_pred: Any, class_names: Sequence[str] | None = None,
                          digits: int = 3) -> str:
    """A text table: one row per class (precision, recall, F1, support), then the accuracy
    and the macro averages."""
    t = _labels(y_true, "classification_report", "y_true")
    k = None if class_names is None else len(class_names)
    stats = precision_recall_f1(t, y_pred, k)
    k = len(stats["support"])
    names = [str(c) for c in class_names] if class_names is not None else [str(i)
                                                                           for i in range(k)]
    width = max(12, max(len(n) for n in names) + 2)
    head = f"{'class':>{width}} {'precision':>10} {'recall':>10} {'f1':>10} {'support':>9}"
    rows = [head]
    for i, name in enumerate(names):
        rows.append(f"{name:>{width}} {stats['precision'][i]:>10.{digits}f} "
                    f"{stats['recall'][i]:>10.{digits}f} {stats['f1'][i]:>10.{digits}f} "
                    f"{int(stats['support'][i]):>9d}")
    n = int(stats["support"].sum())
    rows.append("")
    rows.append(f"{'accuracy':>{width}} {'':>10} {'':>10} "
                f"{accuracy(t, y_pred):>10.{digits}f} {n:>9d}")
    rows.append(f"{'macro avg':>{width}} {stats['precision'].mean():>10.{digits}f} "
                f"{stats['recall'].mean():>10.{digits}f} {stats['f1'].mean():>10.{digits}f} "
                f"{n:>9d}")
    return "\n".join(rows)


# ------------------------------------------------------------------ metrics by name
def scores_from_logits(logits: np.ndarray, output_unit: str) -> np.ndarray:
    """The network's output probabilities (or values) from its logits.

    ``"softmax"``: row-wise softmax; ``"sigmoid"``: the logistic function; ``"linear"``: the
    logits themselves.
    """
    z = np.asarray(logits)
    if output_unit == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if output_unit == "sigmoid":
        # the stable logistic: exp(-|z|) never overflows
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)
    if output_unit == "linear":
        return z
    raise ValueError(f"unknown output unit {output_unit!r}; expected 'softmax', 'sigmoid' or "
                     f"'linear'")


def _labels_from_scores(scores: np.ndarray, output_unit: str) -> np.ndarray:
    if output_unit == "softmax":
        return np.argmax(scores, axis=-1)
    if scores.ndim == 2 and scores.shape[1] > 1:  # multi-label sigmoid: no single label
        raise ValueError("label metrics need one label per sample; this sigmoid output has "
                         f"{scores.shape[1]} columns")
    return (scores.reshape(len(scores)) > 0.5).astype(np.int64)


_CLASSIFICATION: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], float]] = {
    "accuracy": lambda t, labels, scores: accuracy(t, labels),
    "precision": lambda t, labels, scores: float(precision(t, labels)),
    "recall": lambda t, labels, scores: float(recall(t, labels)),
    "f1": lambda t, labels, scores: float(f1_score(t, labels)),
    "log_loss": lambda t, labels, scores: log_loss(t, scores),
}
_REGRESSION: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "mse": mse, "mae": mae, "r2": r2,
}
_TOP_K = re.compile(r"top_?(\d+)_accuracy$")


def available_metrics() -> list[str]:
    """Names ``compute_metrics`` (and ``fit(metrics=...)``) accept."""
    return [*_CLASSIFICATION, "top_k_accuracy", "top<k>_accuracy", *_REGRESSION]


def _check_name(name: str, output_unit: str) -> None:
    classification = name in _CLASSIFICATION or name == "top_k_accuracy" or _TOP_K.match(name)
    if not classification and name not in _REGRESSION:
        raise ValueError(f"unknown metric {name!r}; expected one of "
                         f"{', '.join(available_metrics())} or a callable")
    if classification and output_unit == "linear":
        raise ValueError(f"metric {name!r} needs a classification output (softmax or sigmoid), "
                         f"but the model's output unit is 'linear'; use mse, mae or r2")


def compute_metrics(names: Sequence[str | Callable], y_true: np.ndarray, logits: np.ndarray,
                    output_unit: str, prefix: str = "") -> dict[str, float]:
    """``{prefix + name: value}`` for each metric, from the logits the model produced.

    The scores (probabilities, or values for a linear output) and the predicted labels are
    computed once and shared by every metric. A callable metric is called as
    ``fn(y_true, scores)`` and reported under its ``__name__``.
    """
    scores = scores_from_logits(logits, output_unit)
    labels = None
    out: dict[str, float] = {}
    for metric in names:
        if callable(metric):
            out[prefix + getattr(metric, "__name__", "metric")] = float(metric(y_true, scores))
            continue
        _check_name(metric, output_unit)
        if metric in _REGRESSION:
            value = _REGRESSION[metric](y_true, scores)
        elif metric == "top_k_accuracy" or _TOP_K.match(metric):
            match = _TOP_K.match(metric)
            value = top_k_accuracy(y_true, scores, int(match.group(1)) if match else 5)
        else:
            if labels is None:
                labels = _labels_from_scores(scores, output_unit)
            value = _CLASSIFICATION[metric](y_true, labels, scores)
        out[prefix + metric] = value
    return out


def validate_metric_names(names: Sequence[str | Callable], output_unit: str) -> None:
    """Raise the error `compute_metrics` would, before any training starts."""
    for metric in names:
        if not callable(metric):
            if not isinstance(metric, str):
                raise TypeError(f"a metric must be a name or a callable, got "
                                f"{type(metric).__name__}")
            _check_name(metric, output_unit)
