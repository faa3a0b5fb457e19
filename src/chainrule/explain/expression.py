"""Building a parsed expression into chainrule ops, and ``explain_expression``.

Variables become float64 Tensors; those in ``wrt`` require grad, the others are constants.
A subexpression that does not depend on any ``wrt`` variable is computed once as a
constant and shown by its source text (``-y`` stays ``-y`` in the table).

``expand=True`` writes the composite activations as the lecture's elementary steps:

* ``sigmoid(z)``  →  ``1 / (1 + exp(-z))``  (when z = a·c with c constant, -z is a·(-c),
  so ``sigmoid(w*x)`` starts at ξ1 = w·(-x) exactly as the lecture's ξ1 = -W·X);
* ``softplus(z)`` →  ``log(1 + exp(z))``.

These are the textbook formulas, not the overflow-safe forms the library uses (they
overflow for |z| > ~700); ``tanh``, ``relu`` and the other functions are elementary and
stay as they are.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ..autodiff import ops
from ..autodiff import Tensor
from .parser import Expression, Node, parse
from .table import Table, table

_UNARY = {"exp": ops.exp, "log": ops.log, "sqrt": ops.sqrt, "sigmoid": ops.sigmoid,
          "tanh": ops.tanh, "relu": ops.relu, "softplus": ops.softplus, "abs": ops.abs,
          "sin": ops.sin, "cos": ops.cos, "log1p": ops.log1p, "expm1": ops.expm1}
_BINARY = {"+": ops.add, "-": ops.subtract, "*": ops.multiply, "/": ops.divide,
           "**": ops.power, "max": ops.maximum, "min": ops.minimum}


def _as_expression(expr: str | Expression) -> Expression:
    return expr if isinstance(expr, Expression) else parse(expr)


def _leaf_value(name: str, v: Any) -> np.ndarray:
    if isinstance(v, Tensor):
        v = v.data
    try:
        arr = np.array(v, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"value of {name!r} must be a number or an array of numbers, got "
                        f"{type(v).__name__}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"value of {name!r} must be finite, got {v!r}")
    return arr


class _Builder:
    def __init__(self, leaves: dict[str, Tensor], wrt: set[str], expand: bool) -> None:
        self.leaves = leaves
        self.wrt = wrt
        self.expand = expand

    def is_const(self, n: Node) -> bool:
        return not (n.variables & self.wrt)

    def negate(self, n: Node) -> Node:
        """-n, with the sign moved into a constant factor of a product when there is one."""
        if n.kind == "bin" and n.op == "*":
            a, b = n.children
            if self.is_const(b) and not self.is_const(a):
                return Node("bin", n.text, n.col, op="*", children=(a, self.negate(b)),
                            variables=n.variables)
            if self.is_const(a) and not self.is_const(b):
                return Node("bin", n.text, n.col, op="*", children=(self.negate(a), b),
                            variables=n.variables)
        text = f"-{n.text}" if n.kind in ("num", "var", "call") else f"-({n.text})"
        return Node("neg", text, n.col, children=(n,), variables=n.variables,
                    const=None if n.const is None else -n.const)

    def build(self, n: Node) -> Any:
        if n.kind == "num":
            return n.value
        if n.kind == "var":
            return self.leaves[n.name]
        if self.is_const(n) and n.variables:
            out = self.apply(n)
            out = out if isinstance(out, Tensor) else Tensor(np.float64(out))
            out.name = n.text
            return out
        if n.const is not None:
            return Tensor(np.float64(n.const), name=n.text)
        return self.apply(n)

    def apply(self, n: Node) -> Any:
        kids = n.children
        if n.kind == "neg":
            return ops.negative(self.build(kids[0]))
        if n.kind == "bin":
            return _BINARY[n.op](self.build(kids[0]), self.build(kids[1]))
        if n.name in ("max", "min"):
            return _BINARY[n.name](self.build(kids[0]), self.build(kids[1]))
        z = kids[0]
        if self.expand and n.name == "sigmoid":
            e = ops.exp(self.build(self.negate(z)))
            return ops.divide(1.0, ops.add(1.0, e))
        if self.expand and n.name == "softplus":
            return ops.log(ops.add(1.0, ops.exp(self.build(z))))
        return _UNARY[n.name](self.build(z))


def build_expression(expr: str | Expression, values: Mapping[str, Any],
                     wrt: Sequence[str] | None = None,
                     expand: bool = False) -> tuple[Tensor, dict[str, Tensor]]:
    """Evaluate ``expr`` with the library's ops; return ``(output, {name: input tensor})``.

    ``values`` gives every variable a number or array (made float64); a Tensor value that
    already requires grad is used as the input itself. Variables in ``wrt`` (default all)
    require grad.
    """
    e = _as_expression(expr)
    if not isinstance(values, Mapping):
        raise TypeError(f"values must be a mapping from variable names to numbers, got "
                        f"{type(values).__name__}")
    missing = [v for v in e.variables if v not in values]
    if missing:
        raise ValueError(f"no value given for {', '.join(missing)} (the expression uses "
                         f"{', '.join(e.variables)})")
    extra = [k for k in values if k not in e.variables]
    if extra:
        raise ValueError(f"{', '.join(map(str, extra))} not in the expression (it uses "
                         f"{', '.join(e.variables) or 'no variables'})")
    wrt_names = list(e.variables) if wrt is None else [wrt] if isinstance(wrt, str) else list(wrt)
    for w in wrt_names:
        if w not in e.variables:
            raise ValueError(f"cannot differentiate with respect to {w!r}: not a variable of "
                             f"the expression ({', '.join(e.variables) or 'none'})")
    leaves: dict[str, Tensor] = {}
    for name in e.variables:
        v = values[name]
        if isinstance(v, Tensor) and v.requires_grad and v.dtype == np.float64:
            leaves[name] = v
            continue
        leaves[name] = Tensor(_leaf_value(name, v), requires_grad=name in wrt_names, name=name)
    with np.errstate(all="ignore"):
        out = _Builder(leaves, set(wrt_names), expand).build(e.root)
    if not isinstance(out, Tensor):
        out = Tensor(np.float64(out))
    return out, leaves


def explain_expression(expr: str | Expression, at: Mapping[str, Any],
                       wrt: Sequence[str] | None = None, mode: str = "both",
                       expand: bool = False, precision: int = 6) -> Table:
    """The derivative table of a typed expression, e.g.
    ``explain_expression("-y*log(sigmoid(w*x))", {"x": 3, "y": 1, "w": 3}, wrt=["w"])``.

    The output is called L. ``expand`` shows sigmoid and softplus as elementary steps.
    """
    out, leaves = build_expression(expr, at, wrt, expand)
    if not out.requires_grad:
        raise ValueError("the expression does not depend on "
                         + ", ".join(n for n, t in leaves.items() if t.requires_grad)
                         if any(t.requires_grad for t in leaves.values())
                         else "nothing to differentiate: the expression has no variables")
    if out._prim is not None:
        out.name = "L"
    wanted = [leaves[n] for n in (leaves if wrt is None else
                                  [wrt] if isinstance(wrt, str) else wrt)]
    return table(out, wrt=wanted, mode=mode, precision=precision)
