"""For extenders: define new primitives with their rules.

    from chainrule.extend import Primitive, defvjp, defjvp, public
    cube_p = Primitive("cube", lambda x: x ** 3, float_op=True)
    defvjp(cube_p, lambda g, ans, x: g * 3 * x * x)
    defjvp(cube_p, lambda x_dot, ans, x: x_dot * 3 * x * x)
    cube = public(cube_p)

Rules receive ``(g, ans, *inputs, **params)`` (reverse) or ``(x_dot, ans, *inputs,
**params)`` (forward) and must be written with primitives (``PRIMITIVES["exp"]``, called
like functions) or operators, so they work on both ndarrays (first order, fast) and
Tensors (higher order). A primitive may keep forward intermediates for its first-order
rule (``Primitive(..., residuals=True)``: ``impl`` returns ``(out, res)`` and the rules
receive ``res=`` on the first-order path), or give all cotangents in one rule
(``defvjp_all``/``defjvp_all``).

A new primitive (or a function composed of primitives) is at once differentiable in both
modes, shown by explain, and replayed by ``chainrule.compile``: the compiled training step
runs its ``impl`` and its rules like any other. A function with an effect or fresh
randomness that a compiled step must run again on every call is marked ``@replayed``.
"""
from __future__ import annotations

from .autodiff.tracing import Untraceable, replayed
from .autodiff.ops._base import constant_for, public
from .autodiff.ops.shape import sum_to
from .autodiff.primitive import (PRIMITIVES, Primitive, apply, defjvp, defjvp_all,
                                 defjvp_argnum, defvjp, defvjp_all, defvjp_argnum)
from .autodiff.tensor import wrap_array

__all__ = ["PRIMITIVES", "Primitive", "Untraceable", "apply", "constant_for", "defjvp",
           "defjvp_all", "defjvp_argnum", "defvjp", "defvjp_all", "defvjp_argnum", "public",
           "replayed", "sum_to", "wrap_array"]
