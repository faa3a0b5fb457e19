"""Elementwise primitives: arithmetic with broadcasting, and the unary functions.

Stability is part of each forward:
    sigmoid(x)  = exp(-logaddexp(0, -x))      (= 1 / (1 + e^-x))
    softplus(x) = logaddexp(0, x)             (= log(1 + e^x))
so both stay finite (and exact) at x = +-1000 in float32 and float64.
"""
from __future__ import annotations

import math

import numpy as np

from ..primitive import Primitive, defjvp, defvjp
from ._base import constant_for, public
from ..tensor import Tensor
from .nondiff import clip_mask_p, equal_p, greater_p, sign_p, tie_mask_p

# ---------------------------------------------------------------- binary arithmetic
add_p = Primitive("add", np.add, same_dtype=True, expr="{0} + {1}")
defvjp(add_p, lambda g, ans, x, y: g, lambda g, ans, x, y: g)
defjvp(add_p, lambda x_dot, ans, x, y: x_dot, lambda y_dot, ans, x, y: y_dot)

subtract_p = Primitive("subtract", np.subtract, same_dtype=True, expr="{0} - {1}")
defvjp(subtract_p, lambda g, ans, x, y: g, lambda g, ans, x, y: -g)
defjvp(subtract_p, lambda x_dot, ans, x, y: x_dot, lambda y_dot, ans, x, y: -y_dot)

multiply_p = Primitive("multiply", np.multiply, same_dtype=True, expr="{0} * {1}")
defvjp(multiply_p, lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x)
defjvp(multiply_p, lambda x_dot, ans, x, y: x_dot * y, lambda y_dot, ans, x, y: x * y_dot)

divide_p = Primitive("divide", np.true_divide, float_op=True, same_dtype=True,
                     expr="{0} / {1}")
defvjp(divide_p, lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y)
defjvp(divide_p, lambda x_dot, ans, x, y: x_dot / y, lambda y_dot, ans, x, y: -y_dot * ans / y)


def _safe_log_base(x):
    """log(x) where x > 0, else 0: d(x^y)/dy is taken as 0 where x <= 0."""
    if isinstance(x, (int, float)):  # a constant base: stay a weak scalar (2.0 ** x32)
        return math.log(x) if x > 0 else 0.0
    pos = greater_p(x, 0)
    return log_p(where_p(pos, x, 1)) * pos


def _power_dx(x, y):
    # d/dx x^y = y x^(y-1), and 0 where y = 0 (not 0 * 0^-1 = nan at x = 0)
    if not isinstance(y, (np.ndarray, Tensor)):  # a constant scalar exponent
        return x * 0.0 if y == 0 else y * power_p(x, y - 1)
    return y * power_p(x, where_p(equal_p(y, 0), 1, y - 1))


power_p = Primitive("power", np.power, float_op=True, same_dtype=True, expr="{0} ** {1}")
defvjp(power_p,
       lambda g, ans, x, y: g * _power_dx(x, y),
       lambda g, ans, x, y: g * ans * _safe_log_base(x))
defjvp(power_p,
       lambda x_dot, ans, x, y: x_dot * _power_dx(x, y),
       lambda y_dot, ans, x, y: y_dot * ans * _safe_log_base(x))

maximum_p = Primitive("maximum", np.maximum, same_dtype=True, expr="max({0}, {1})")
# At ties the gradient is split evenly (0.5 to each), as JAX does.
defvjp(maximum_p, lambda g, ans, x, y: g * tie_mask_p(x, y),
       lambda g, ans, x, y: g * tie_mask_p(y, x))
defjvp(maximum_p, lambda x_dot, ans, x, y: x_dot * tie_mask_p(x, y),
       lambda y_dot, ans, x, y: y_dot * tie_mask_p(y, x))

minimum_p = Primitive("minimum", np.minimum, same_dtype=True, expr="min({0}, {1})")
defvjp(minimum_p, lambda g, ans, x, y: g * tie_mask_p(y, x),
       lambda g, ans, x, y: g * tie_mask_p(x, y))
defjvp(minimum_p, lambda x_dot, ans, x, y: x_dot * tie_mask_p(y, x),
       lambda y_dot, ans, x, y: y_dot * tie_mask_p(x, y))


def _where_impl(cond, x, y):
    return np.where(cond, x, y)


where_p = Primitive("where", _where_impl, same_dtype=True, expr="where({0}, {1}, {2})")
defvjp(where_p, None,
       lambda g, ans, c, x, y: where_p(c, g, 0.0),
       lambda g, ans, c, x, y: where_p(c, 0.0, g))
defjvp(where_p, None,
       lambda x_dot, ans, c, x, y: where_p(c, x_dot, 0.0),
       lambda y_dot, ans, c, x, y: where_p(c, 0.0, y_dot))

# ------------------------------------------------------------------------ unary
negative_p = Primitive("negative", np.negative, expr="-{0}")
defvjp(negative_p, lambda g, ans, x: -g)
defjvp(negative_p, lambda x_dot, ans, x: -x_dot)

exp_p = Primitive("exp", np.exp, float_op=True, expr="exp({0})")
defvjp(exp_p, lambda g, ans, x: g * ans)
defjvp(exp_p, lambda x_dot, ans, x: x_dot * ans)

log_p = Primitive("log", np.log, float_op=True, expr="log({0})")
defvjp(log_p, lambda g, ans, x: g / x)
defjvp(log_p, lambda x_dot, ans, x: x_dot / x)

log1p_p = Primitive("log1p", np.log1p, float_op=True, expr="log1p({0})")
defvjp(log1p_p, lambda g, ans, x: g / (x + 1.0))
defjvp(log1p_p, lambda x_dot, ans, x: x_dot / (x + 1.0))

expm1_p = Primitive("expm1", np.expm1, float_op=True, expr="expm1({0})")
defvjp(expm1_p, lambda g, ans, x: g * (ans + 1.0))
defjvp(expm1_p, lambda x_dot, ans, x: x_dot * (ans + 1.0))

sqrt_p = Primitive("sqrt", np.sqrt, float_op=True, expr="sqrt({0})")
defvjp(sqrt_p, lambda g, ans, x: g / (ans * 2.0))
defjvp(sqrt_p, lambda x_dot, ans, x: x_dot / (ans * 2.0))

abs_p = Primitive("abs", np.abs, expr="|{0}|")
# d|x|/dx = sign(x), taken as 0 at x = 0.
defvjp(abs_p, lambda g, ans, x: g * sign_p(x))
defjvp(abs_p, lambda x_dot, ans, x: x_dot * sign_p(x))

sin_p = Primitive("sin", np.sin, float_op=True, expr="sin({0})")
defvjp(sin_p, lambda g, ans, x: g * cos_p(x))
defjvp(sin_p, lambda x_dot, ans, x: x_dot * cos_p(x))

cos_p = Primitive("cos", np.cos, float_op=True, expr="cos({0})")
defvjp(cos_p, lambda g, ans, x: -g * sin_p(x))
defjvp(cos_p, lambda x_dot, ans, x: -x_dot * sin_p(x))

tanh_p = Primitive("tanh", np.tanh, float_op=True, expr="tanh({0})")
defvjp(tanh_p, lambda g, ans, x: g * (constant_for(1.0, ans) - ans * ans))
defjvp(tanh_p, lambda x_dot, ans, x: x_dot * (constant_for(1.0, ans) - ans * ans))


_exp, _negative, _logaddexp = np.exp, np.negative, np.logaddexp


def _sigmoid_impl(x: np.ndarray) -> np.ndarray:
    # sigma(x) = exp(-log(1 + e^-x)); logaddexp never overflows, exp underflows to 0
    return _exp(_negative(_logaddexp(constant_for(0.0, x), _negative(x))))


sigmoid_p = Primitive("sigmoid", _sigmoid_impl, float_op=True, expr="sigmoid({0})")
defvjp(sigmoid_p, lambda g, ans, x: g * (ans * (constant_for(1.0, ans) - ans)))
defjvp(sigmoid_p, lambda x_dot, ans, x: x_dot * (ans * (constant_for(1.0, ans) - ans)))


def _softplus_impl(x: np.ndarray) -> np.ndarray:
    return _logaddexp(0, x)  # log(e^0 + e^x), computed without overflow


softplus_p = Primitive("softplus", _softplus_impl, float_op=True, expr="softplus({0})")
defvjp(softplus_p, lambda g, ans, x: g * sigmoid_p(x))
defjvp(softplus_p, lambda x_dot, ans, x: x_dot * sigmoid_p(x))


def _relu_impl(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


relu_p = Primitive("relu", _relu_impl, expr="relu({0})")
# relu'(0) is taken as 0 (the subgradient PyTorch and JAX use).
defvjp(relu_p, lambda g, ans, x: g * greater_p(x, 0))
defjvp(relu_p, lambda x_dot, ans, x: x_dot * greater_p(x, 0))


def _clip_impl(x: np.ndarray, lo=None, hi=None) -> np.ndarray:
    return np.clip(x, lo, hi)


clip_p = Primitive("clip", _clip_impl, expr="clip({0})")
defvjp(clip_p, lambda g, ans, x, lo=None, hi=None: g * clip_mask_p(x, lo=lo, hi=hi))
defjvp(clip_p, lambda x_dot, ans, x, lo=None, hi=None: x_dot * clip_mask_p(x, lo=lo, hi=hi))


def _cast_impl(x: np.ndarray, dtype=None) -> np.ndarray:
    return x.astype(dtype)


cast_p = Primitive("cast", _cast_impl, expr="{0}")
defvjp(cast_p, lambda g, ans, x, dtype=None: cast_p(g, dtype=x.dtype))
defjvp(cast_p, lambda x_dot, ans, x, dtype=None: cast_p(x_dot, dtype=dtype))

def _broadcast_hint(*vals, **params) -> str | None:
    shapes = [np.shape(v) for v in vals]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return (f"shapes {' and '.join(map(str, shapes))} do not broadcast; expected each "
                f"trailing dimension to be equal or 1 (NumPy broadcasting)")
    return None


for _prim in (add_p, subtract_p, multiply_p, divide_p, power_p, maximum_p, minimum_p, where_p):
    _prim.error_hint = _broadcast_hint

add = public(add_p, "x + y, broadcasting.")
subtract = public(subtract_p, "x - y, broadcasting.")
multiply = public(multiply_p, "x * y, broadcasting.")
divide = public(divide_p, "x / y, broadcasting.")
power = public(power_p, "x ** y; y may be a tensor (d/dy x^y = x^y log x, taken as 0 where x <= 0).")
maximum = public(maximum_p, "Elementwise max; at ties the gradient is split evenly.")
minimum = public(minimum_p, "Elementwise min; at ties the gradient is split evenly.")
where = public(where_p, "where(cond, x, y): x where cond is true, else y.")
negative = public(negative_p, "-x.")
exp = public(exp_p, "e^x.")
log = public(log_p, "Natural logarithm.")
log1p = public(log1p_p, "log(1 + x), accurate near 0.")
expm1 = public(expm1_p, "e^x - 1, accurate near 0.")
sqrt = public(sqrt_p, "Square root.")
abs = public(abs_p, "|x|; the derivative at 0 is taken as 0.")  # noqa: A001
sin = public(sin_p, "sin x.")
cos = public(cos_p, "cos x.")
tanh = public(tanh_p, "tanh x; tanh' = 1 - tanh^2.")
sigmoid = public(sigmoid_p, "1 / (1 + e^-x), stable for any x; sigma' = sigma (1 - sigma).")
softplus = public(softplus_p, "log(1 + e^x), stable for any x; softplus' = sigmoid.")
relu = public(relu_p, "max(x, 0); relu'(0) = 0.")
cast = public(cast_p, "x.astype(dtype), differentiable.")


_clip_public = public(clip_p)


def clip(x, lo=None, hi=None):
    """Clamp x to [lo, hi] (static bounds); the gradient passes where lo <= x <= hi."""
    return _clip_public(x, lo=lo, hi=hi)
