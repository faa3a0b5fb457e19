"""For extenders: define new primitives with their rules.

    from chainrule.extend import Primitive, defvjp, defjvp
    cube_p = Primitive("cube", lambda x: x ** 3, float_op=True)
    defvjp(cube_p, lambda g, ans, x: g * 3 * x * x)
    defjvp(cube_p, lambda x_dot, ans, x: x_dot * 3 * x * x)

Rules receive ``(g, ans, *inputs, **params)`` (reverse) or ``(x_dot, ans, *inputs,
**params)`` (forward) and must be written with chainrule ops or operators so they work on
both ndarrays (first order, fast) and Tensors (higher order).
"""
from __future__ import annotations

from .autodiff.primitive import (PRIMITIVES, Primitive, apply, defjvp, defjvp_argnum, defvjp,
                                 defvjp_argnum)
from .autodiff.ops.shape import sum_to

__all__ = ["PRIMITIVES", "Primitive", "apply", "defjvp", "defjvp_argnum", "defvjp",
           "defvjp_argnum", "sum_to"]
