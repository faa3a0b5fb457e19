"""``MLP``: a feed-forward network built from a list of hidden widths."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..autodiff import Tensor, no_grad, sigmoid, softmax
from .activations import ACTIVATIONS, get_activation
from .init import initializer_name
from .layers import Dropout, Linear, Sequential
from .module import Module, dtype_name, register_module

OUTPUT_UNITS = ("sigmoid", "softmax", "linear")
TASK_UNITS = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}
_HE_FAMILY = {"relu", "leaky_relu", "prelu", "elu"}


def _activation_names(activation: Any, n_hidden: int) -> list[Any]:
    if isinstance(activation, (list, tuple)):
        if len(activation) != n_hidden:
            raise ValueError(f"MLP: got {len(activation)} activations for {n_hidden} hidden "
                             f"layers; pass one name, or one per hidden layer")
        acts = list(activation)
    else:
        acts = [activation] * n_hidden
    for a in acts:
        if not isinstance(a, str) or a.lower() not in ACTIVATIONS:
            raise ValueError(f"MLP: unknown activation {a!r}; expected one of "
                             f"{sorted(ACTIVATIONS)}")
    return [a.lower() for a in acts]


def _output_unit(output: str, task: str | None, out_features: int) -> str:
    if task is not None and task not in TASK_UNITS:
        raise ValueError(f"MLP: task must be one of {sorted(TASK_UNITS)} or None, got {task!r}")
    if output == "auto":
        if task is not None:
            return TASK_UNITS[task]
        return "sigmoid" if out_features == 1 else "softmax"
    unit = "linear" if output == "identity" else output
    if unit not in OUTPUT_UNITS:
        raise ValueError(f"MLP: output must be 'auto' or one of {OUTPUT_UNITS}, got {output!r}")
    if task is not None and TASK_UNITS[task] != unit:
        raise ValueError(f"MLP: output={output!r} contradicts task={task!r}, whose output unit "
                         f"is {TASK_UNITS[task]!r}")
    if unit == "softmax" and out_features < 2:
        raise ValueError(f"MLP: a softmax output needs out_features >= 2, got {out_features}; "
                         f"use output='sigmoid' for a binary task")
    return unit


@register_module
class MLP(Module):
    """Multilayer feed-forward network: Linear, activation, [Dropout], ..., Linear.

    ``model(x)`` returns the **pre-activation scores of the output layer** (logits; the
    prediction itself for regression), as PyTorch models do: the output unit is fused into
    its maximum-likelihood loss for numerical stability. So train with
    ``nn.default_loss(model.output_unit)`` (sigmoid -> BCEWithLogitsLoss, softmax ->
    CrossEntropyLoss, linear -> MSELoss), and use ``predict_proba``/``predict`` for
    probabilities and labels.

    Args:
        in_features, hidden, out_features: layer widths (``hidden`` may be empty).
        activation: one name for every hidden layer, or a list with one per hidden layer.
        output: "auto" (from ``task``; without a task, sigmoid for one output and softmax
            for more), "sigmoid", "softmax" or "linear".
        task: "binary", "multiclass", "regression" or None.
        dropout: probability of the Dropout after each hidden activation (0: none).
        init: weight initialiser for every layer; None: He (uniform) for layers followed by
            a ReLU-family activation (relu, leaky_relu, prelu, elu), Glorot (uniform)
            otherwise and for the output layer.
        seed: ``numpy.random.SeedSequence(seed).spawn`` gives every Linear and Dropout
            layer its own Generator, so ``MLP(..., seed=0)`` twice gives bit-identical
            weights, and one layer's initial weights do not depend on the other layers'
            sizes. None: fresh entropy.

    ``model.layers`` is the ``Sequential`` of alternating ``Linear`` and activation modules
    (with ``Dropout`` after activations when used), for introspection.

    Training it through `chainrule.train.TrainStep` or ``fit`` replays a compiled step
    (``chainrule.compile``): every activation, loss and layer is as fast as any other.
    """

    def __init__(self, in_features: int, hidden: Sequence[int], out_features: int,
                 activation: Any = "relu", output: str = "auto", task: str | None = None,
                 dropout: float = 0.0, init: Any = None, seed: int | None = 0,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        if isinstance(hidden, (int, np.integer)) or not isinstance(hidden, (list, tuple)):
            raise TypeError(f"MLP: hidden must be a list of layer widths, got {hidden!r}")
        widths = [in_features, *hidden, out_features]
        for w in widths:
            if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1:
                raise ValueError(f"MLP: layer widths must be positive ints, got {widths}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.hidden = [int(h) for h in hidden]
        self.activations = _activation_names(activation, len(self.hidden))
        self.output_unit = _output_unit(output, task, self.out_features)
        self.task = task
        self.dropout = float(dropout)
        self.init = init
        self.seed = seed
        self.dtype = np.dtype(dtype)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise TypeError(f"MLP: seed must be a non-negative int or None, got {seed!r}")
        n_streams = len(self.activations) * (2 if self.dropout > 0 else 1) + 1
        streams = iter(np.random.SeedSequence(seed).spawn(n_streams))
        layers: list[Module] = []
        widths = [self.in_features, *self.hidden]
        for i, act in enumerate(self.activations):
            layer_init = init if init is not None else (
                "he_uniform" if act in _HE_FAMILY else "glorot_uniform")
            layers.append(Linear(widths[i], widths[i + 1], init=layer_init,
                                 rng=np.random.default_rng(next(streams)), dtype=self.dtype))
            layers.append(get_activation(act))
            if self.dropout > 0:
                layers.append(Dropout(self.dropout, rng=np.random.default_rng(next(streams))))
        layers.append(Linear(widths[-1], self.out_features,
                             init=init if init is not None else "glorot_uniform",
                             rng=np.random.default_rng(next(streams)), dtype=self.dtype))
        self.layers = Sequential(*layers)

    def forward(self, x: Any) -> Tensor:
        return self.layers(x)

    @classmethod
    def from_config(cls, config: Any) -> "MLP":
        # configs saved by earlier versions name a "fused" switch the engine no longer needs
        return super().from_config({k: v for k, v in config.items() if k != "fused"})

    def _set_dtype(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    @no_grad()
    def predict_proba(self, x: Any) -> np.ndarray:
        """Probabilities: sigmoid (shape of the logits, (n, 1)) or softmax (n, k)."""
        if self.output_unit == "linear":
            raise ValueError("MLP.predict_proba: a regression model (linear output) has no "
                             "probabilities; use predict()")
        z = self(x)
        p = sigmoid(z) if self.output_unit == "sigmoid" else softmax(z, axis=-1)
        return p.data

    @no_grad()
    def predict(self, x: Any) -> np.ndarray:
        """Class labels (int64; (n,) for one sigmoid output or softmax), or the regression
        values (the output, shape (n, out_features))."""
        z = self(x).data
        if self.output_unit == "linear":
            return z
        if self.output_unit == "softmax":
            return np.argmax(z, axis=-1)
        labels = (z > 0).astype(np.int64)  # sigmoid(z) > 0.5
        return labels[..., 0] if labels.shape[-1] == 1 else labels

    def extra_repr(self) -> str:
        return f"output_unit={self.output_unit!r}"

    def get_config(self) -> dict[str, Any]:
        init = self.init if self.init is None else initializer_name(self.init)
        return {"class": "MLP", "in_features": self.in_features, "hidden": list(self.hidden),
                "out_features": self.out_features, "activation": list(self.activations),
                "output": self.output_unit, "task": self.task, "dropout": self.dropout,
                "init": init, "seed": self.seed, "dtype": dtype_name(self.dtype)}


__all__ = ["MLP", "OUTPUT_UNITS", "TASK_UNITS"]
