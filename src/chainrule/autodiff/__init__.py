"""chainrule.autodiff: Tensor, primitives, reverse mode, forward mode and the functional API."""
from __future__ import annotations

from ._state import enable_grad, is_grad_enabled, no_grad
from .tensor import Tensor, as_tensor
from .primitive import PRIMITIVES, Primitive, apply, defjvp, defjvp_argnum, defvjp, defvjp_argnum
from . import ops
from .backprop import backprop, backward, toposort
from .functional import grad, hvp, jacobian, jvp, value_and_grad, vjp
from .tree import tree_flatten, tree_map, tree_unflatten

__all__ = [
    "PRIMITIVES", "Primitive", "Tensor", "apply", "as_tensor", "backprop", "backward",
    "defjvp", "defjvp_argnum", "defvjp", "defvjp_argnum", "enable_grad", "grad", "hvp",
    "is_grad_enabled", "jacobian", "jvp", "no_grad", "ops", "toposort", "tree_flatten",
    "tree_map", "tree_unflatten", "value_and_grad", "vjp",
]
