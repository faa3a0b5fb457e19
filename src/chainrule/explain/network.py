"""The δ formulation of backpropagation, layer by layer, for one example.

Forward (lecture 002)::

    a[l] = W[l] z[l-1] + b[l],      z[l] = f(a[l]),      z[0] = x

Backward::

    δ[L] = f'(a[L]) ⊙ ∂E/∂z[L]
    δ[l] = f'(a[l]) ⊙ W[l+1]ᵀ δ[l+1]
    ∂E/∂W[l] = δ[l] z[l-1]ᵀ,        ∂E/∂b[l] = δ[l]

f'(a) is computed by the autodiff core (a JVP of the activation with a tangent of ones,
exact for elementwise activations) and ∂E/∂z[L] by ``grad`` of the loss, so no derivative
is written by hand; everything is float64.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..autodiff import grad, jvp
from ..autodiff import ops
from ..autodiff import Tensor
from .graph import format_number
from .layers import DenseLayer, dense_layers
from .render import html_grid, markdown_grid, text_grid

LossFn = Callable[[Tensor, np.ndarray], Tensor]


def _squared(z: Tensor, y: np.ndarray) -> Tensor:
    d = y - z
    return (d * d).sum()


def _half_squared(z: Tensor, y: np.ndarray) -> Tensor:
    d = y - z
    return (d * d).sum() * 0.5


def _bce(z: Tensor, y: np.ndarray) -> Tensor:
    return -(y * ops.log(z) + (1.0 - y) * ops.log(1.0 - z)).sum()


def _bce_logits(z: Tensor, y: np.ndarray) -> Tensor:
    return ops.sigmoid_binary_cross_entropy(z, y).sum()


def _ce_logits(z: Tensor, y: np.ndarray) -> Tensor:
    return ops.softmax_cross_entropy(ops.reshape(z, (1, -1)),
                                     np.asarray(y, dtype=np.int64).reshape(1)).sum()


LOSSES: dict[str, LossFn] = {"squared": _squared, "half_squared": _half_squared, "bce": _bce,
                             "bce_logits": _bce_logits, "ce_logits": _ce_logits}
"""E(z[L], y): (y - z)², ½(y - z)², binary cross-entropy of probabilities, of logits, and
softmax cross-entropy of logits with an integer label."""


@dataclass
class LayerTrace:
    """Layer ``index`` (1-based): its W, b, a, z, f'(a), δ, ∂E/∂W and ∂E/∂b."""

    index: int
    activation: str
    W: np.ndarray
    b: np.ndarray | None
    a: np.ndarray
    z: np.ndarray
    fprime: np.ndarray
    delta: np.ndarray
    dW: np.ndarray
    db: np.ndarray


@dataclass
class NetworkTrace:
    """The forward and δ-backward pass of one example through a dense network."""

    x: np.ndarray
    y: np.ndarray
    output: np.ndarray
    loss: float
    loss_name: str
    layers: list[LayerTrace]
    precision: int = 6

    def _rows(self) -> list[list[str]]:
        f = lambda v: format_number(v, self.precision)  # noqa: E731
        L = len(self.layers)
        rows = [["0", "z[0] = x", "input", f(self.x)]]
        for t in self.layers:
            l = t.index
            nxt = (f"∂E/∂z[{l}] ({self.loss_name})" if l == L
                   else f"W[{l + 1}]ᵀ δ[{l + 1}]")
            rows += [
                [str(l), f"a[{l}]", f"W[{l}] z[{l - 1}] + b[{l}]", f(t.a)],
                [str(l), f"z[{l}]", f"{t.activation}(a[{l}])", f(t.z)],
                [str(l), f"f'(a[{l}])", f"{t.activation}'", f(t.fprime)],
                [str(l), f"δ[{l}]", f"f'(a[{l}]) ⊙ {nxt}", f(t.delta)],
                [str(l), f"∂E/∂W[{l}]", f"δ[{l}] z[{l - 1}]ᵀ", f(t.dW)],
                [str(l), f"∂E/∂b[{l}]", f"δ[{l}]", f(t.db)],
            ]
        rows.append(["", "E", f"{self.loss_name}(z[{L}], y), y = {f(self.y)}", f(self.loss)])
        return rows

    def to_text(self, style: str = "box") -> str:
        header = ["layer", "quantity", "formula", "value"]
        rows = self._rows()
        seps = [i for i in range(1, len(rows)) if rows[i][0] != rows[i - 1][0]]
        return text_grid(header, rows, style, seps)

    def to_markdown(self) -> str:
        return markdown_grid(["layer", "quantity", "formula", "value"], self._rows())

    def to_html(self) -> str:
        caption = (f"δ recursion through {len(self.layers)} layers, "
                   f"E = {self.loss_name}, E = {format_number(self.loss, self.precision)}")
        return html_grid(["layer", "quantity", "formula", "value"], self._rows(), caption)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()


def _loss_fn(loss: str | LossFn) -> tuple[LossFn, str]:
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {sorted(LOSSES)} or a function, got {loss!r}")
        return LOSSES[loss], loss
    if callable(loss):
        return loss, getattr(loss, "__name__", "E")
    raise TypeError(f"loss must be a name or a function, got {type(loss).__name__}")


def _example(x: Any, n_in: int) -> np.ndarray:
    arr = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.shape != (n_in,):
        raise ValueError(f"explain_network: x must be one example of shape ({n_in},), got "
                         f"shape {arr.shape}")
    return arr


def _f64(t: Tensor | None) -> np.ndarray | None:
    return None if t is None else np.asarray(t.data, dtype=np.float64)


def _fprime(layer: DenseLayer, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z, dz = jvp(layer.activation, (Tensor(a),), (Tensor(np.ones_like(a)),))
    if z.shape != a.shape:
        raise ValueError(f"the activation {layer.name} is not elementwise (maps shape "
                         f"{a.shape} to {z.shape})")
    return np.asarray(z.data, dtype=np.float64), np.asarray(dz.data, dtype=np.float64)


def explain_network(model: Any, x: Any, y: Any, loss: str | LossFn = "squared",
                    precision: int = 6) -> NetworkTrace:
    """Pre-activations, activations, δ's and ∂E/∂W of every layer for the example (x, y).

    ``model``: a Sequential / ``nn.MLP`` of Linear + elementwise activations, or a list of
    ``(W, b, activation)`` (see :mod:`chainrule.explain.layers`). ``loss``: one of
    :data:`LOSSES` or ``loss(z_L, y) -> scalar Tensor``.
    """
    layers = dense_layers(model)
    fn, loss_name = _loss_fn(loss)
    z = _example(x, layers[0].W.shape[1])
    y_arr = np.asarray(y.data if isinstance(y, Tensor) else y, dtype=np.float64)
    zs, acts, fps = [z], [], []
    for layer in layers:
        W, b = _f64(layer.W), _f64(layer.b)
        a = W @ zs[-1] + (b if b is not None else 0.0)
        z_l, fp = _fprime(layer, a)
        acts.append(a)
        zs.append(z_l)
        fps.append(fp)
    target = y_arr.astype(np.int64) if loss_name == "ce_logits" else y_arr
    dE_dz = grad(lambda out: fn(out, target))(Tensor(zs[-1])).data
    loss_value = float(fn(Tensor(zs[-1]), target).item())
    deltas: list[np.ndarray] = [np.empty(0)] * len(layers)
    deltas[-1] = fps[-1] * dE_dz
    for l in range(len(layers) - 2, -1, -1):
        deltas[l] = fps[l] * (_f64(layers[l + 1].W).T @ deltas[l + 1])
    traces = [LayerTrace(index=l + 1, activation=layers[l].name, W=_f64(layers[l].W),
                         b=_f64(layers[l].b), a=acts[l], z=zs[l + 1], fprime=fps[l],
                         delta=deltas[l], dW=np.outer(deltas[l], zs[l]), db=deltas[l].copy())
              for l in range(len(layers))]
    return NetworkTrace(zs[0], y_arr, zs[-1], loss_value, loss_name, traces, precision)


def backward_gradients(model: Any, x: Any, y: Any,
                       loss: str | LossFn = "squared") -> list[tuple[np.ndarray, np.ndarray | None]]:
    """(∂E/∂W, ∂E/∂b) per layer from ``loss.backward()`` on the same network, for comparison.

    The network runs in float64 on copies of the weights (the model is not changed).
    """
    layers = dense_layers(model)
    fn, loss_name = _loss_fn(loss)
    z: Tensor = Tensor(_example(x, layers[0].W.shape[1]).reshape(1, -1))
    params = []
    for layer in layers:
        W = Tensor(_f64(layer.W).copy(), requires_grad=True)
        b = None if layer.b is None else Tensor(_f64(layer.b).copy(), requires_grad=True)
        params.append((W, b))
        z = layer.activation(ops.linear(z, W, b))
    y_arr = np.asarray(y.data if isinstance(y, Tensor) else y, dtype=np.float64)
    target = y_arr.astype(np.int64) if loss_name == "ce_logits" else y_arr
    fn(ops.reshape(z, (-1,)), target).backward()
    return [(W.grad.data, None if b is None else b.grad.data) for W, b in params]
