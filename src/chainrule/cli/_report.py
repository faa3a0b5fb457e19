"""The test report of ``chainrule train`` and ``chainrule evaluate``."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..train import metrics as M
from ..train.inference import forward_batches, output_unit_of


def test_report(model: Any, X: np.ndarray, y: np.ndarray, task: str,
                class_names: list[str] | None, loss: Callable | None = None
                ) -> tuple[dict[str, Any], str, np.ndarray | None]:
    """(metrics for metrics.json, the text to print, the confusion matrix or None)."""
    logits, mean_loss = forward_batches(model, X, y, loss)
    unit = output_unit_of(model, loss)
    scores = M.scores_from_logits(logits, unit)
    out: dict[str, Any] = {"n_samples": int(len(y))}
    if mean_loss is not None:
        out["loss"] = mean_loss
    if task == "regression":
        pred = scores[:, 0] if scores.ndim == 2 and scores.shape[1] == 1 else scores
        out.update(mse=M.mse(y, pred), mae=M.mae(y, pred), r2=M.r2(y, pred))
        text = (f"Test ({len(y)} samples): MSE {out['mse']:.4g}  MAE {out['mae']:.4g}  "
                f"R^2 {out['r2']:.4f}")
        return out, text, None
    k = len(class_names) if class_names else None
    if unit == "sigmoid":
        p1 = scores.reshape(len(scores))
        labels = (p1 > 0.5).astype(np.int64)
        proba = np.stack([1.0 - p1, p1], axis=1)
    else:
        labels = np.argmax(scores, axis=1)
        proba = scores
    stats = M.precision_recall_f1(y, labels, k)
    cm = M.confusion_matrix(y, labels, k)
    names = class_names or [str(i) for i in range(len(cm))]
    out.update(accuracy=M.accuracy(y, labels), macro_precision=float(stats["precision"].mean()),
               macro_recall=float(stats["recall"].mean()), macro_f1=float(stats["f1"].mean()),
               log_loss=M.log_loss(y, proba),
               per_class={name: {"precision": float(stats["precision"][i]),
                                 "recall": float(stats["recall"][i]),
                                 "f1": float(stats["f1"][i]),
                                 "support": int(stats["support"][i])}
                          for i, name in enumerate(names)},
               confusion_matrix=cm.tolist())
    text = (f"Test ({len(y)} samples): accuracy {out['accuracy']:.4f}  macro F1 "
            f"{out['macro_f1']:.4f}  log-loss {out['log_loss']:.4f}\n\n"
            + M.classification_report(y, labels, names))
    return out, text, cm
