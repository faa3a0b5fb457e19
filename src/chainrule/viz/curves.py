"""Training curves, confusion matrices and gradient norms."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ._mpl import finish, pyplot


def _numeric_series(history: Mapping[str, Any]) -> dict[str, np.ndarray]:
    out = {}
    for k, v in history.items():
        try:
            arr = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if arr.ndim == 1 and arr.size:
            out[k] = arr
    return out


def plot_history(history: Mapping[str, Sequence[float]], path: str | Path | None = None,
                 metrics: Sequence[str] | None = None) -> Any:
    """One panel per metric (loss first), training and ``val_`` curves over epochs.

    ``history`` is a dict of lists, e.g. ``{"loss": [...], "val_loss": [...],
    "accuracy": [...]}``; ``metrics`` picks the panels (default: every series but ``lr``).
    """
    plt = pyplot()
    if not isinstance(history, Mapping):
        raise TypeError(f"plot_history: history must be a dict of lists, got "
                        f"{type(history).__name__}")
    series = _numeric_series(history)
    bases = list(dict.fromkeys(k[4:] if k.startswith("val_") else k for k in series))
    if metrics is None:
        bases = [b for b in bases if b != "lr"]
    else:
        missing = [m for m in metrics if m not in bases]
        if missing:
            raise ValueError(f"plot_history: no series for {missing}; have {bases}")
        bases = list(metrics)
    if not bases:
        raise ValueError("plot_history: history has no numeric series to plot")
    bases.sort(key=lambda b: b != "loss")
    fig, axes = plt.subplots(1, len(bases), figsize=(4.5 * len(bases), 3.6), squeeze=False)
    for ax, base in zip(axes[0], bases):
        for key, label, style in ((base, "train", "-"), (f"val_{base}", "validation", "--")):
            if key in series:
                ax.plot(np.arange(1, len(series[key]) + 1), series[key], style, marker="o",
                        ms=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_title(base)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return finish(fig, path)


def plot_confusion_matrix(cm: Any, class_names: Sequence[str] | None = None,
                          path: str | Path | None = None, normalize: bool = False) -> Any:
    """A confusion matrix (rows: true class, columns: predicted), counts in the cells;
    ``normalize`` divides each row by its total (recall per class)."""
    plt = pyplot()
    cm = np.asarray(cm, dtype=np.float64)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"plot_confusion_matrix: cm must be square, got shape {cm.shape}")
    k = cm.shape[0]
    names = [str(i) for i in range(k)] if class_names is None else [str(c) for c in class_names]
    if len(names) != k:
        raise ValueError(f"plot_confusion_matrix: {len(names)} class names for a {k}x{k} matrix")
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1e-12) if normalize else cm
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * k + 2, 0.6 * k + 2))
    im = ax.imshow(shown, cmap="Blues", vmin=0)
    fig.colorbar(im, ax=ax)
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = shown.max() if shown.size else 0
    for i in range(k):
        for j in range(k):
            text = f"{shown[i, j]:.2f}" if normalize else f"{int(round(shown[i, j]))}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if shown[i, j] > 0.5 * top else "black")
    ax.set_title("Confusion matrix" + (" (normalised by row)" if normalize else ""))
    fig.tight_layout()
    return finish(fig, path)


def plot_gradient_norms(norms: Any, path: str | Path | None = None,
                        title: str | None = None) -> Any:
    """Gradient norms on a log scale.

    * ``{"sigmoid": [...], "relu": [...]}`` (e.g. from
      :func:`chainrule.explain.vanishing_gradient_demo`): ‖∂E/∂W[l]‖ against the layer l,
      one line per network — the vanishing-gradient picture;
    * a :class:`chainrule.explain.GradientDiagnostics` (or its ``history()``): one line per
      layer over the epochs, and the saturated/dead fractions when recorded.
    """
    plt = pyplot()
    if hasattr(norms, "history") and callable(norms.history):
        norms = norms.history()
    if not isinstance(norms, Mapping) or not norms:
        raise TypeError("plot_gradient_norms: expected a non-empty dict or a GradientDiagnostics")
    if "epoch_grad_norms" in norms:
        return _plot_epochs(plt, norms, path, title)
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, values in norms.items():
        v = np.asarray(values, dtype=np.float64)
        ax.semilogy(np.arange(1, len(v) + 1), v, marker="o", label=str(name))
    ax.set_xlabel("layer l (1 = closest to the input)")
    ax.set_ylabel("‖∂E/∂W[l]‖")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    ax.set_title(title or "Gradient norm per layer")
    fig.tight_layout()
    return finish(fig, path)


def _plot_epochs(plt: Any, hist: Mapping[str, Any], path: Any, title: str | None) -> Any:
    g = np.asarray(hist["epoch_grad_norms"], dtype=np.float64)
    if g.ndim != 2 or not g.size:
        raise ValueError("plot_gradient_norms: no epochs recorded yet")
    stats = hist.get("activation_stats") or []
    fig, axes = plt.subplots(1, 2 if stats else 1, figsize=(11 if stats else 6, 4),
                             squeeze=False)
    names = hist.get("layers") or [f"layer {i + 1}" for i in range(g.shape[1])]
    epochs = np.arange(1, len(g) + 1)
    for j in range(g.shape[1]):
        axes[0, 0].semilogy(epochs, g[:, j], marker="o", ms=3, label=names[j])
    axes[0, 0].set_xlabel("epoch")
    axes[0, 0].set_ylabel("mean ‖∂E/∂W‖ over the epoch's batches")
    axes[0, 0].legend(fontsize=7)
    axes[0, 0].set_title(title or "Gradient norms during training")
    if stats:
        ax = axes[0, 1]
        for j, name in enumerate(names):
            for key, style in (("saturated", "-"), ("dead", "--")):
                vals = [s[j].get(key) for s in stats]
                if all(v is not None for v in vals):
                    ax.plot(epochs[:len(vals)], vals, style, marker="o", ms=3,
                            label=f"{name}: {key}")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("epoch")
        ax.set_ylabel("fraction of units")
        ax.set_title("Saturated sigmoid/tanh units, dead ReLUs")
        if ax.lines:
            ax.legend(fontsize=7)
    fig.tight_layout()
    return finish(fig, path)
