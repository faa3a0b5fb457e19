"""chainrule: neural networks from scratch on NumPy.

The chain rule along a computational graph, in reverse mode (``loss.backward()``,
``grad``) and forward mode (``jvp``), with layers, losses, optimisers, datasets and a
training loop built on top. Only NumPy is required; the rest are extras, imported lazily.
"""
from __future__ import annotations

from .autodiff import (Tensor, as_tensor, compile, enable_grad, grad, hvp, is_grad_enabled,
                       jacobian, jvp, no_grad, value_and_grad, vjp)
from .autodiff import (abs, concatenate, exp, linear, log, log_softmax, logsumexp, matmul,
                       maximum, mean, minimum, relu, reshape, sigmoid, softmax, softplus, sqrt,
                       stack, sum, tanh, transpose, where)

from . import data, nn, optim  # noqa: E402  (NumPy only; heavier extras load lazily)

__version__ = "0.1.0"

__all__ = [
    "Tensor", "abs", "as_tensor", "compile", "concatenate", "enable_grad", "exp", "grad", "hvp",
    "is_grad_enabled", "jacobian", "jvp", "linear", "log", "log_softmax", "logsumexp",
    "matmul", "maximum", "mean", "minimum", "no_grad", "relu", "reshape", "sigmoid",
    "softmax", "softplus", "sqrt", "stack", "sum", "tanh", "transpose", "value_and_grad",
    "vjp", "where", "__version__", "data", "nn", "optim",
]
