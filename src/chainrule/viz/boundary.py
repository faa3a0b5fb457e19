"""What a classifier does to the plane: its decision boundary, and how each hidden layer
transforms the input space (lecture 004: "each layer transforms the input space to a new
space; if well trained, the new space is easier to classify in")."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..autodiff import no_grad, ops
from ..autodiff import Tensor
from ..explain.layers import dense_layers
from ._mpl import finish, pyplot

MAX_LINES = 6


def _xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X.data if isinstance(X, Tensor) else X)
    y = np.asarray(y.data if isinstance(y, Tensor) else y).reshape(-1)
    if X.ndim != 2 or X.dtype.kind not in "fiu":
        raise ValueError(f"X must be a 2-D array of numbers, got shape {X.shape}, dtype {X.dtype}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    return X, y


def _scores(model: Any, points: np.ndarray) -> np.ndarray:
    """(n, k) scores: ``predict_proba`` when the model has it, else ``model(points)``."""
    with no_grad():
        if hasattr(model, "predict_proba"):
            out = model.predict_proba(points)
        else:
            out = model(Tensor(points))
    arr = np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)
    return arr.reshape(len(points), -1)


def plot_decision_boundary(model: Any, X: Any, y: Any, path: str | Path | None = None,
                           resolution: int = 200, title: str | None = None) -> Any:
    """Shade the plane by the model's prediction and draw its boundary, with the points.

    ``model`` is any callable on an (n, 2) input returning logits or probabilities (one
    column: binary; several: one per class), or an object with ``predict_proba``.
    """
    plt = pyplot()
    X, y = _xy(X, y)
    if X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D inputs, got {X.shape[1]} features")
    pad = 0.1 * (X.max(axis=0) - X.min(axis=0) + 1e-9)
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    dtype = X.dtype if X.dtype.kind == "f" else np.float32
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(dtype)
    s = _scores(model, grid)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    if s.shape[1] == 1:
        is_prob = s.min() >= 0.0 and s.max() <= 1.0
        field = s[:, 0].reshape(gx.shape)
        level = 0.5 if is_prob else 0.0
        cs = ax.contourf(gx, gy, field, levels=20, cmap="RdBu_r", alpha=0.6)
        ax.contour(gx, gy, field, levels=[level], colors="k", linewidths=2)
        fig.colorbar(cs, ax=ax, label="p(class 1)" if is_prob else "logit")
    else:
        cls = s.argmax(axis=1).reshape(gx.shape)
        ax.contourf(gx, gy, cls, levels=np.arange(s.shape[1] + 1) - 0.5, cmap="tab10",
                    alpha=0.35)
        ax.contour(gx, gy, cls, levels=np.arange(s.shape[1]) + 0.5, colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r" if s.shape[1] == 1 else "tab10",
               edgecolors="k", s=18, linewidths=0.5)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title or "Decision boundary")
    return finish(fig, path)


def _project(H: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """2-D coordinates U of H = mean + U Pᵀ: the units themselves when H has ≤ 2 columns,
    else the first two principal components."""
    if H.shape[1] == 2:
        return H, np.zeros(2), np.eye(2), ""
    if H.shape[1] == 1:
        return np.column_stack([H[:, 0], np.zeros(len(H))]), np.zeros(1), np.array([[1.0, 0.0]]), ""
    mean = H.mean(axis=0)
    _, _, vt = np.linalg.svd(H - mean, full_matrices=False)
    P = vt[:2].T  # (units, 2)
    return (H - mean) @ P, mean, P, " (first 2 principal components)"


def _draw_lines(ax: Any, U: np.ndarray, W: np.ndarray, b: np.ndarray, mean: np.ndarray,
                P: np.ndarray) -> None:
    """Each next-layer unit's line w·h + b = 0, in the panel's coordinates u (h = mean + P u)."""
    lo, hi = U.min(axis=0), U.max(axis=0)
    pad = 0.1 * (hi - lo + 1e-9)
    lo, hi = lo - pad, hi + pad
    for k in range(min(len(W), MAX_LINES)):
        c = P.T @ W[k]
        c0 = float(W[k] @ mean + b[k])
        if abs(c[1]) > 1e-12 and abs(c[1]) >= abs(c[0]):
            u1 = np.linspace(lo[0], hi[0], 2)
            ax.plot(u1, -(c[0] * u1 + c0) / c[1], lw=1.5, label=f"unit {k + 1}")
        elif abs(c[0]) > 1e-12:
            u2 = np.linspace(lo[1], hi[1], 2)
            ax.plot(-(c[1] * u2 + c0) / c[0], u2, lw=1.5, label=f"unit {k + 1}")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])


def plot_hidden_layers(model: Any, X: Any, y: Any, path: str | Path | None = None) -> Any:
    """The points in the input space and after each hidden layer, each panel with the
    separating lines (w·h + b = 0) of the next layer's units (at most 6).

    Works on a Sequential / ``nn.MLP`` of Linear + activation, or a list of
    ``(W, b, activation)``. Layers wider than 2 are shown on their first two principal
    components (the lines are then the hyperplanes' traces on that plane).
    """
    plt = pyplot()
    X, y = _xy(X, y)
    layers = dense_layers(model)
    if X.shape[1] != layers[0].W.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features but the first layer expects "
                         f"{layers[0].W.shape[1]}")
    spaces = [X.astype(np.float64)]
    with no_grad():
        z: Any = Tensor(X.astype(np.float64))
        for layer in layers[:-1]:
            W = Tensor(np.asarray(layer.W.data, dtype=np.float64))
            b = None if layer.b is None else Tensor(np.asarray(layer.b.data, dtype=np.float64))
            z = layer.activation(ops.linear(z, W, b))
            spaces.append(np.asarray(z.data, dtype=np.float64))
    fig, axes = plt.subplots(1, len(spaces), figsize=(4.5 * len(spaces), 4.3), squeeze=False)
    for i, (ax, H) in enumerate(zip(axes[0], spaces)):
        U, mean, P, note = _project(H)
        nxt = layers[i]
        Wn = np.asarray(nxt.W.data, dtype=np.float64)
        bn = np.zeros(len(Wn)) if nxt.b is None else np.asarray(nxt.b.data, dtype=np.float64)
        ax.scatter(U[:, 0], U[:, 1], c=y, cmap="RdBu_r", edgecolors="k", s=16, linewidths=0.5)
        _draw_lines(ax, U, Wn, bn, mean, P)
        name = "input space" if i == 0 else f"after hidden layer {i} ({layers[i - 1].name})"
        ax.set_title(f"{name}{note}\nlines: layer {i + 1} units", fontsize=9)
        ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return finish(fig, path)
