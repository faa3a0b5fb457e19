"""For extenders: define new primitives with their rules.

    from chainrule.extend import Primitive, defvjp, defjvp
    cube_p = Primitive("cube", lambda x: x ** 3, float_op=True)
    defvjp(cube_p, lambda g, ans, x: g * 3 * x * x)
    defjvp(cube_p, lambda x_dot, ans, x: x_dot * 3 * x * x)

Rules receive ``(g, ans, *inputs, **params)`` (reverse) or ``(x_dot, ans, *inputs,
**params)`` (forward) and must be written with chainrule ops or operators so they work on
both ndarrays (first order, fast) and Tensors (higher order). A fused block may instead
give all cotangents in one rule (``defvjp_all``/``defjvp_all``) and keep forward
intermediates (``Primitive(..., residuals=True)``: ``impl`` returns ``(out, res)`` and the
rules receive ``res=`` on the first-order path); see ``chainrule.autodiff.ops.dense``.
"""
from __future__ import annotations

from .autodiff.primitive import (PRIMITIVES, Primitive, apply, defjvp, defjvp_all,
                                 defjvp_argnum, defvjp, defvjp_all, defvjp_argnum)
from .autodiff.ops.shape import sum_to

__all__ = ["PRIMITIVES", "Primitive", "apply", "defjvp", "defjvp_all", "defjvp_argnum",
           "defvjp", "defvjp_all", "defvjp_argnum", "sum_to"]
