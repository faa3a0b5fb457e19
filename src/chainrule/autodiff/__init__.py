"""chainrule.autodiff: Tensor, primitives, reverse mode, forward mode, the functional API
and ``compile`` (trace a step once, replay it without Tensors).

This package's namespace is its public API (with ``chainrule.extend`` for new primitives);
its modules are private: code outside ``autodiff`` imports names from here.
"""
from __future__ import annotations

from ._state import enable_grad, is_grad_enabled, no_grad
from .tensor import Tensor, as_tensor, clear_grads
from .primitive import PRIMITIVES, Primitive, apply, defjvp, defjvp_argnum, defvjp, defvjp_argnum
from . import ops
from .ops import (abs, add, argmax, argmin, broadcast_to, cast, ceil, clip, concatenate, cos,
                  divide, dot, equal, exp, expand_dims, expm1, floor, getitem, greater,
                  greater_equal, isfinite, less, less_equal, linear, log, log1p, log_softmax,
                  logical_and, logical_not, logical_or, logsumexp, matmul, max, maximum, mean,
                  min, minimum, multiply, negative, not_equal, power, relu, reshape, round,
                  sigmoid, sigmoid_binary_cross_entropy, sign, sin, softmax,
                  softmax_cross_entropy, softplus, sqrt, square, squared_error, squeeze, stack,
                  std, subtract, sum, swapaxes, tanh, transpose, var, where)
from .backprop import backprop, backward, toposort
from .tracing import Compiled, compile, replayed
from .functional import grad, hvp, jacobian, jvp, value_and_grad, vjp
from .tree import tree_flatten, tree_map, tree_unflatten

__all__ = [
    "Compiled", "PRIMITIVES", "Primitive", "Tensor", "apply", "as_tensor", "backprop",
    "backward", "clear_grads", "compile", "defjvp", "defjvp_argnum", "defvjp", "defvjp_argnum",
    "enable_grad", "grad", "hvp", "is_grad_enabled", "jacobian", "jvp", "no_grad", "ops",
    "replayed", "toposort", "tree_flatten", "tree_map", "tree_unflatten", "value_and_grad",
    "vjp", *ops.__all__,
]
