"""The activation gallery: each activation and its derivative, the derivative computed by
the autodiff core (forward mode with a tangent of ones), not written by hand."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..autodiff import jvp
from ..autodiff import Tensor
from ._mpl import finish, pyplot

DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "step",
                       "sign", "piecewise_linear", "gelu", "silu", "identity")


def activation_curve(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f'(x)) for the activation ``name`` of ``nn.get_activation``, in float64."""
    from ..nn import get_activation

    f = get_activation(name)
    y, dy = jvp(f, (Tensor(x),), (Tensor(np.ones_like(x)),))
    return np.asarray(y.data), np.asarray(dy.data)


def plot_activations(names: Sequence[str] | None = None, path: str | Path | None = None,
                     x_range: tuple[float, float] = (-5.0, 5.0)) -> Any:
    """A grid of panels, one per activation: f (solid) and f' (dashed)."""
    plt = pyplot()
    names = list(DEFAULT_ACTIVATIONS if names is None else names)
    if not names:
        raise ValueError("plot_activations: names must not be empty")
    x = np.linspace(x_range[0], x_range[1], 401)
    curves = {n: activation_curve(n, x) for n in names}  # fails early on an unknown name
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        y, dy = curves[name]
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.plot(x, y, lw=2, label="f(x)")
        ax.plot(x, dy, lw=1.5, ls="--", label="f'(x)")
        ax.set_title(name)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    axes.flat[0].legend(loc="upper left", fontsize=8)
    fig.suptitle("Activations and their derivatives (computed by autodiff)")
    fig.tight_layout()
    return finish(fig, path)
