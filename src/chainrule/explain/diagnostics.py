"""Training diagnostics: per-layer gradient norms and activation statistics, and the
vanishing-gradient picture.

Why gradients vanish (lecture 002): ∂E/∂W[1] = δ[1] xᵀ and δ[l] = f'(a[l]) ⊙ W[l+1]ᵀ δ[l+1],
so δ[1] carries one factor f'(a[l]) per layer; for the sigmoid f' ≤ 1/4, so the gradient of
the first layers shrinks geometrically with depth, while ReLU's f' is 0 or 1.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ..autodiff import no_grad
from ..autodiff import ops
from ..autodiff import Tensor
from ..train.callbacks import Callback
from .layers import dense_layers

SATURATION = 0.99
"""A sigmoid unit is saturated when its output is below 0.01 or above 0.99 (|a| > 4.6),
a tanh unit when |tanh(a)| > 0.99 (|a| > 2.6)."""


def activation_stats(name: str, z: np.ndarray) -> dict[str, float]:
    """Statistics of one layer's activations ``z`` (examples × units) for its activation.

    ``saturated``: fraction of unit outputs in the flat tails (sigmoid/tanh);
    ``dead``: fraction of ReLU units that output 0 for every example.
    """
    z = np.asarray(z, dtype=np.float64).reshape(len(z), -1)
    stats = {"mean": float(z.mean()), "std": float(z.std())}
    name = name.lower()
    if name == "sigmoid":
        stats["saturated"] = float(np.mean((z < 1 - SATURATION) | (z > SATURATION)))
    elif name == "tanh":
        stats["saturated"] = float(np.mean(np.abs(z) > SATURATION))
    elif name in ("relu",):
        stats["dead"] = float(np.mean(np.all(z <= 0, axis=0)))
    return stats


class GradientDiagnostics(Callback):
    """A training callback (the ``fit`` hook protocol) that records, per Linear layer:

    * after every batch, the norm ‖∂E/∂W‖ of the layer's weight gradient
      (``batch_grad_norms``: a list, one entry per batch, of per-layer norms);
    * at the end of every epoch, the mean of those norms over the epoch
      (``epoch_grad_norms``) and, when ``probe`` inputs are given, the statistics of each
      activation on them (``activation_stats``: per epoch, per layer, a dict with
      ``saturated`` for sigmoid/tanh and ``dead`` for ReLU).

    ``history()`` returns everything as a dict of lists, ready for
    :func:`chainrule.viz.plot_gradient_norms`.
    """

    def __init__(self, probe: Any = None) -> None:
        self.probe = None if probe is None else np.asarray(
            probe.data if isinstance(probe, Tensor) else probe)
        self.model: Any = None
        self.layer_names: list[str] = []
        self.batch_grad_norms: list[list[float]] = []
        self.epoch_grad_norms: list[list[float]] = []
        self.activation_stats: list[list[dict[str, float]]] = []
        self._epoch_start = 0

    # ------------------------------------------------------------ hook protocol
    def set_model(self, model: Any) -> None:
        self.model = model
        layers = dense_layers(model)
        self.layer_names = [f"layer {i + 1} ({l.name})" for i, l in enumerate(layers)]

    def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None:
        self.batch_grad_norms.clear()
        self.epoch_grad_norms.clear()
        self.activation_stats.clear()
        self._epoch_start = 0

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        self._epoch_start = len(self.batch_grad_norms)

    def on_batch_end(self, batch: int, logs: Mapping[str, float] | None = None) -> None:
        self.batch_grad_norms.append(self.grad_norms())

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        recent = self.batch_grad_norms[self._epoch_start:]
        self.epoch_grad_norms.append(np.mean(recent, axis=0).tolist() if recent
                                     else self.grad_norms())
        self._epoch_start = len(self.batch_grad_norms)
        if self.probe is not None:
            self.activation_stats.append(self.probe_stats(self.probe))

    # ------------------------------------------------------------ measurements
    def _layers(self) -> list[Any]:
        if self.model is None:
            raise RuntimeError("GradientDiagnostics: set_model(model) has not been called")
        return dense_layers(self.model)

    def grad_norms(self) -> list[float]:
        """‖∂E/∂W‖ (Frobenius) of each layer's weight now (nan where no gradient yet)."""
        out = []
        for layer in self._layers():
            g = layer.W.grad
            out.append(float(np.linalg.norm(g.data)) if g is not None else float("nan"))
        return out

    def probe_stats(self, X: Any) -> list[dict[str, float]]:
        """Activation statistics of every layer on inputs ``X``."""
        z: Any = Tensor(np.asarray(X))
        stats = []
        with no_grad():
            for layer in self._layers():
                W = layer.W
                if z.dtype != W.dtype:
                    z = Tensor(z.data.astype(W.dtype))
                z = layer.activation(ops.linear(z, W, layer.b))
                stats.append(activation_stats(layer.name, z.data))
        return stats

    def history(self) -> dict[str, Any]:
        """{"layers", "batch_grad_norms", "epoch_grad_norms", "activation_stats"}."""
        return {"layers": list(self.layer_names), "batch_grad_norms": self.batch_grad_norms,
                "epoch_grad_norms": self.epoch_grad_norms,
                "activation_stats": self.activation_stats}

    def plot(self, path: Any = None) -> Any:
        """Gradient norms per layer over the epochs (:func:`chainrule.viz.plot_gradient_norms`)."""
        from ..viz import plot_gradient_norms
        return plot_gradient_norms(self.history(), path=path)

    def _repr_png_(self) -> bytes | None:
        """Jupyter shows the diagnostics as their plot once an epoch is recorded."""
        from ..viz import figure_png
        return figure_png(self.plot) if self.epoch_grad_norms else None


def _init_network(depth: int, width: int, n_in: int, rng: np.random.Generator
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    sizes = [n_in] + [width] * depth
    return [(rng.standard_normal((sizes[i + 1], sizes[i])) * np.sqrt(2.0 / (sizes[i] + sizes[i + 1])),
             np.zeros(sizes[i + 1])) for i in range(depth)]


def layer_grad_norms(weights: Sequence[tuple[np.ndarray, np.ndarray]], activation: str,
                     X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """‖∂E/∂W[l]‖ for l = 1..L of a dense network with ``activation`` in every hidden layer
    and a final one-unit linear layer, E = mean sigmoid cross-entropy of the logits."""
    fns = {"sigmoid": ops.sigmoid, "tanh": ops.tanh, "relu": ops.relu}
    if activation not in fns:
        raise ValueError(f"activation must be one of {sorted(fns)}, got {activation!r}")
    params = [(Tensor(W.copy(), requires_grad=True), Tensor(b.copy(), requires_grad=True))
              for W, b in weights]
    z: Tensor = Tensor(X)
    for i, (W, b) in enumerate(params):
        z = ops.linear(z, W, b)
        if i < len(params) - 1:
            z = fns[activation](z)
    ops.sigmoid_binary_cross_entropy(ops.reshape(z, (-1,)), y).mean().backward()
    return np.array([np.linalg.norm(W.grad.data) for W, _ in params])


def vanishing_gradient_demo(depth: int = 8, width: int = 16, n: int = 256, seed: int = 0,
                            activations: Sequence[str] = ("sigmoid", "relu")
                            ) -> dict[str, np.ndarray]:
    """Per-layer gradient norms ‖∂E/∂W[l]‖ (l = 1..depth+1) of the same deep network
    (same Glorot-normal weights, same data) with each activation in the hidden layers.

    With sigmoid the norms of the first layers are orders of magnitude smaller than those
    of the last; with ReLU they stay of the same order.
    """
    for name, v in (("depth", depth), ("width", width), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"vanishing_gradient_demo: {name} must be a positive int, got {v!r}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, width))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.float64)
    weights = _init_network(depth, width, width, rng) + [
        (rng.standard_normal((1, width)) * np.sqrt(2.0 / (width + 1)), np.zeros(1))]
    return {a: layer_grad_norms(weights, a, X, y) for a in activations}
