"""Each chainrule layer as ONNX nodes. An activation ONNX has an operator for maps to it
(Sigmoid, Tanh, Relu, LeakyRelu, PRelu, Elu, Softplus, Softsign, Sign, Softmax,
LogSoftmax); the others are composed from standard operators with chainrule's exact
definition:

==================  ==========================================================
swish / SiLU        x * Sigmoid(beta x)
GELU ("none")       x * (1 + Erf(x / sqrt 2)) / 2
GELU ("tanh")       x * (1 + Tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2
step (Heaviside)    (Sign(x) + 1) / 2               (1/2 at 0, as chainrule)
piecewise_linear    Clip(x + 1/2, 0, 1)
softplus(beta)      Softplus(beta x) / beta
==================  ==========================================================

A layer with no ONNX form (a custom module, Maxout, ...) is refused by name.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .. import nn
from ..autodiff import Tensor
from ._graph import GraphBuilder

Emit = Callable[[GraphBuilder, str, Any], str]


def _weight(value: Any) -> np.ndarray:
    return np.asarray(value.data if isinstance(value, Tensor) else value)


def _linear(g: GraphBuilder, x: str, m: Any) -> str:
    inputs = [x, g.const(_weight(m.weight), "W")]
    if getattr(m, "bias", None) is not None:
        inputs.append(g.const(_weight(m.bias), "b"))
    return g.add("Gemm", inputs, transB=1)


def _silu(g: GraphBuilder, x: str, m: Any) -> str:
    beta = m.beta
    if isinstance(beta, nn.Parameter):  # learn_beta=True: one learned scalar
        scaled = g.add("Mul", [x, g.const(_weight(beta).reshape(()))])
    elif beta == 1.0:
        scaled = x
    else:
        scaled = g.add("Mul", [x, g.const(np.float32(beta))])
    return g.add("Mul", [x, g.add("Sigmoid", [scaled])])


def _gelu(g: GraphBuilder, x: str, m: Any) -> str:
    half = g.const(np.float32(0.5))
    one = g.const(np.float32(1.0))
    if m.approximate == "tanh":
        cube = g.add("Mul", [g.add("Mul", [x, x]), x])
        inner = g.add("Add", [x, g.add("Mul", [cube, g.const(np.float32(0.044715))])])
        core = g.add("Tanh", [g.add("Mul", [inner, g.const(np.float32(math.sqrt(2 / math.pi)))])])
    else:
        core = g.add("Erf", [g.add("Mul", [x, g.const(np.float32(math.sqrt(0.5)))])])
    return g.add("Mul", [g.add("Mul", [x, g.add("Add", [core, one])]), half])


def _softplus(g: GraphBuilder, x: str, m: Any) -> str:
    if m.beta == 1.0:
        return g.add("Softplus", [x])
    beta = g.const(np.float32(m.beta))
    return g.add("Div", [g.add("Softplus", [g.add("Mul", [x, beta])]), beta])


def _step(g: GraphBuilder, x: str, m: Any) -> str:
    half = g.const(np.float32(0.5))
    return g.add("Add", [g.add("Mul", [g.add("Sign", [x]), half]), half])


def _piecewise_linear(g: GraphBuilder, x: str, m: Any) -> str:
    shifted = g.add("Add", [x, g.const(np.float32(0.5))])
    return g.add("Clip", [shifted, g.const(np.float32(0.0)), g.const(np.float32(1.0))])


def _axis(op: str) -> Emit:
    def emit(g: GraphBuilder, x: str, m: Any) -> str:
        return g.add(op, [x], axis=m.axis)
    return emit


def _plain(op: str) -> Emit:
    return lambda g, x, m: g.add(op, [x])


EMITTERS: dict[type, Emit] = {
    nn.Linear: _linear,
    nn.Identity: lambda g, x, m: x,
    nn.Dropout: lambda g, x, m: x,  # inference: the identity
    nn.Sigmoid: _plain("Sigmoid"),
    nn.Tanh: _plain("Tanh"),
    nn.ReLU: _plain("Relu"),
    nn.Sign: _plain("Sign"),
    nn.Softsign: _plain("Softsign"),
    nn.LeakyReLU: lambda g, x, m: g.add("LeakyRelu", [x], alpha=m.negative_slope),
    nn.PReLU: lambda g, x, m: g.add("PRelu", [x, g.const(_weight(m.weight), "slope")]),
    nn.ELU: lambda g, x, m: g.add("Elu", [x], alpha=m.alpha),
    nn.Softplus: _softplus,
    nn.SiLU: _silu,
    nn.GELU: _gelu,
    nn.Step: _step,
    nn.PiecewiseLinear: _piecewise_linear,
    nn.Softmax: _axis("Softmax"),
    nn.LogSoftmax: _axis("LogSoftmax"),
}


def emit_layer(g: GraphBuilder, x: str, module: Any) -> str:
    """The nodes of one layer applied to ``x``; ValueError naming a layer ONNX cannot
    express."""
    emit = EMITTERS.get(type(module))
    if emit is None:
        raise ValueError(f"to_onnx: the layer {module!r} ({type(module).__name__}) cannot be "
                         f"expressed in ONNX; supported: "
                         f"{', '.join(sorted(t.__name__ for t in EMITTERS))}")
    return emit(g, x, module)


def flat_layers(model: Any) -> list[Any]:
    """The layers of an ``nn.MLP`` or an ``nn.Sequential`` (nested ones flattened)."""
    if isinstance(model, nn.MLP):
        return flat_layers(model.layers)
    if isinstance(model, nn.Sequential):
        return [leaf for m in model for leaf in flat_layers(m)]
    return [model]
