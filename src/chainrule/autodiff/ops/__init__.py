"""The library's ops: primitives (with rules) and functions composed of them."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor, as_tensor
from ._base import composed
from .elementwise import (abs, add, cast, clip, cos, divide, exp, expm1, log, log1p, maximum,
                          minimum, multiply, negative, power, relu, sigmoid, sin, softplus,
                          sqrt, subtract, tanh, where)
from .fused import sigmoid_binary_cross_entropy, softmax_cross_entropy, squared_error
from .linalg import dot, linear, matmul
from .nondiff import (argmax, argmin, ceil, equal, floor, greater, greater_equal, isfinite,
                      less, less_equal, logical_and, logical_not, logical_or, not_equal,
                      round, sign)
from .reduce import logsumexp, max, mean, min, std, sum, var
from .softmax import softmax, softmax_p
from .shape import (broadcast_to, concatenate, expand_dims, getitem, reshape, squeeze, stack,
                    swapaxes, transpose)


@composed
def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along ``axis``: never log(0)."""
    return x - logsumexp(x, axis=axis, keepdims=True)


def square(x: Any) -> Tensor:
    """x * x."""
    x = as_tensor(x)
    return x * x


from .. import tensor as _tensor_module  # noqa: E402
import sys as _sys  # noqa: E402

from types import SimpleNamespace as _NS  # noqa: E402

from ..primitive import apply as _apply_fn  # noqa: E402
from .elementwise import (add_p, divide_p, multiply_p, negative_p, power_p,  # noqa: E402
                          subtract_p)
from .linalg import matmul_p  # noqa: E402

_tensor_module._ops = _sys.modules[__name__]
_tensor_module._apply = _apply_fn
_tensor_module._P = _NS(add_p=add_p, subtract_p=subtract_p, multiply_p=multiply_p,
                        divide_p=divide_p, power_p=power_p, matmul_p=matmul_p,
                        negative_p=negative_p)

__all__ = [
    "abs", "add", "argmax", "argmin", "broadcast_to", "cast", "ceil", "clip", "concatenate",
    "cos", "divide", "dot", "equal", "exp", "expand_dims", "expm1", "floor", "getitem",
    "greater", "greater_equal", "isfinite", "less", "less_equal", "linear", "log", "log1p",
    "log_softmax", "logical_and", "logical_not", "logical_or", "logsumexp", "matmul", "max",
    "maximum", "mean", "min", "minimum", "multiply", "negative", "not_equal", "power", "relu",
    "reshape", "round", "sigmoid", "sigmoid_binary_cross_entropy", "sign", "sin", "softmax",
    "log_softmax", "softmax_cross_entropy", "softplus", "sqrt", "square", "squared_error",
    "squeeze", "stack", "std", "subtract", "sum", "swapaxes", "tanh", "transpose", "var", "where",
]
