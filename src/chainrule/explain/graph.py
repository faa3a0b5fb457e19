"""Walking a recorded graph: evaluation order, display names, local partials, and the two
accumulated derivatives (forward tangents dξ/dw, reverse adjoints dL/dξ).

Everything here reads the graph the autodiff core records (``Tensor._prim``, ``_parents``,
``_params``) and calls the primitives' own rules, so any graph built with the library can
be explained, and the numbers are the ones ``backward()`` and ``jvp`` use.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..autodiff import backprop, toposort
from ..autodiff import Tensor

_LEADING_MINUS = re.compile(r"^-([^\W\d]\w*|\d+(\.\d*)?)$")
_IDENT = re.compile(r"^[^\W\d]\w*$|^ξ\d+$|^\d+(\.\d*)?([eE][-+]?\d+)?$")


def grad_parents(t: Tensor) -> list[tuple[int, Tensor]]:
    """(argument index, tensor) of the recorded inputs of ``t`` (those that require grad)."""
    if t._prim is None:
        return []
    return [(i, p) for i, p in enumerate(t._parents)
            if isinstance(p, Tensor) and p.requires_grad]


def evaluation_order(root: Tensor) -> list[Tensor]:
    """The graph of ``root``: leaves first, then every node after its inputs.

    Nodes are listed depth-first from the output, the deeper operand first, so a long
    chain reads top to bottom as the lecture tables do and a short side branch (``-y``)
    comes just before the node that uses it.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"explain: expected a Tensor output, got {type(root).__name__}")
    if not root.requires_grad:
        raise ValueError("explain: the output is not connected to any tensor that requires "
                         "grad; create the inputs with requires_grad=True")
    topo = list(reversed(toposort(root)))  # inputs before consumers
    height: dict[int, int] = {}
    for t in topo:
        height[id(t)] = 1 + max((height[id(p)] for _, p in grad_parents(t)), default=-1)
    order: list[Tensor] = []
    done: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        t, expanded = stack.pop()
        if id(t) in done:
            continue
        if expanded:
            done.add(id(t))
            order.append(t)
            continue
        stack.append((t, True))
        parents: list[Tensor] = []
        for _, p in grad_parents(t):
            if all(p is not q for q in parents):
                parents.append(p)
        parents.sort(key=lambda p: -height[id(p)])
        stack.extend((p, False) for p in reversed(parents) if id(p) not in done)
    leaves = [t for t in order if t._prim is None]
    return leaves + [t for t in order if t._prim is not None]


def format_number(v: Any, precision: int = 6) -> str:
    """A scalar as ``%.{precision}g``; an array compactly on one line."""
    arr = np.asarray(v)
    if arr.size == 1:
        x = arr.reshape(()).item()
        if isinstance(x, (bool, np.bool_)):
            return str(x)
        if isinstance(x, int):
            return str(x)
        s = f"{x:.{precision}g}"
        return "0" if s == "-0" else s
    if arr.size > 12:
        return f"[{arr.dtype} array {arr.shape}, |·|={np.linalg.norm(arr.astype(float)):.{precision}g}]"
    fmt = {"float_kind": lambda x: "0" if f"{x:.{precision}g}" == "-0" else f"{x:.{precision}g}"}
    body = np.array2string(arr, separator=", ", max_line_width=10_000, formatter=fmt)
    return " ".join(body.split())


@dataclass
class Names:
    """Display names of the tensors of one graph (by ``id``)."""

    by_id: dict[int, str]
    precision: int = 6

    def of(self, x: Any) -> str:
        """The name of a node, or a constant shown by its name or value."""
        if isinstance(x, Tensor):
            name = self.by_id.get(id(x)) or x.name
            if name:
                return name
            if x.size == 1:
                return format_number(x.data, self.precision)
            return f"const{list(x.shape)}"
        if isinstance(x, np.ndarray) and x.size != 1:
            return f"const{list(x.shape)}"
        return format_number(x, self.precision)


def assign_names(order: Sequence[Tensor], names: Mapping[Any, str] | None,
                 precision: int) -> Names:
    """Leaves keep their ``Tensor.name`` (else v1, v2, ...); nodes are ξ1, ξ2, ... in order.

    ``names`` maps tensors to display names and wins over both.
    """
    given: dict[int, str] = {}
    if names is not None:
        if not isinstance(names, Mapping):
            raise TypeError(f"names must be a mapping from Tensor to str, got "
                            f"{type(names).__name__}")
        for t, n in names.items():
            if not isinstance(t, Tensor) or not isinstance(n, str):
                raise TypeError("names must map Tensors to strings")
            given[id(t)] = n
    by_id: dict[int, str] = {}
    n_leaf = n_node = 0
    for t in order:
        if id(t) in given:
            by_id[id(t)] = given[id(t)]
        elif t._prim is None:
            n_leaf += 1
            by_id[id(t)] = t.name or f"v{n_leaf}"
        else:
            n_node += 1
            by_id[id(t)] = t.name or f"ξ{n_node}"
    return Names(by_id, precision)


def _wrap(name: str) -> str:
    return name if _IDENT.match(name) else f"({name})"


def expression_of(t: Tensor, names: Names) -> str:
    """What node ``t`` computes, from its primitive's ``expr`` and its operands' names."""
    prim = t._prim
    ops = [names.of(p) for p in t._parents]
    template = prim.expr
    if callable(template):  # a template that depends on the node's parameters
        template = template(**(t._params or {}))
    if template is None:
        return f"{prim.name}({', '.join(ops)})"
    shown = []
    for i, op in enumerate(ops):
        key = "{" + str(i) + "}"
        at = template.find(key)
        if at < 0:
            shown.append(op)
            continue
        before = template[at - 1] if at > 0 else ""
        after = template[at + len(key)] if at + len(key) < len(template) else ""
        enclosed = before in "(," and after in "),"
        leading = before == "" and _LEADING_MINUS.match(op) is not None
        shown.append(op if enclosed or leading or (before == "" and after == "") else _wrap(op))
    try:
        return template.format(*shown)
    except (IndexError, KeyError):
        return f"{prim.name}({', '.join(ops)})"


def _call_rule(rule: Any, t: Tensor, tangent: np.ndarray) -> np.ndarray:
    args = tuple(p.data if isinstance(p, Tensor) else p for p in t._parents)
    params = t._params or {}
    if t._prim.variadic:
        out = rule(tangent, t.data, list(args), **params)
    else:
        out = rule(tangent, t.data, *args, **params)
    return np.asarray(out.data if isinstance(out, Tensor) else out)


def undefined_where(mask: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``d`` with NaN where ``mask`` is set (every entry when the shapes differ): a node
    evaluated outside its function's domain (``log(-1)``) has no derivative, and neither
    has anything whose derivative goes through it."""
    if not mask.any():
        return d
    if d.shape == mask.shape:
        return np.where(mask, np.nan, d)
    return np.full(d.shape, np.nan, dtype=np.result_type(d.dtype, np.float32))


def local_partials(t: Tensor) -> list[tuple[Tensor, np.ndarray]]:
    """∂t/∂p for each recorded input p: the JVP rule applied to a tangent of ones.

    For scalars (and elementwise ops) this is the local derivative itself. An input used
    twice (``x * x``) appears once, with the two contributions added (2x). Where ``t`` is
    NaN (outside its function's domain) the partial is NaN.
    """
    out: list[tuple[Tensor, np.ndarray]] = []
    undefined = np.isnan(t.data)
    for i, p in grad_parents(t):
        ones = np.ones(p.data.shape, dtype=p.data.dtype)
        d = undefined_where(undefined, _call_rule(t._prim.jvp_rule(i), t, ones))
        for k, (q, prev) in enumerate(out):
            if q is p:
                out[k] = (q, prev + d)
                break
        else:
            out.append((p, d))
    return out


def forward_tangents(order: Sequence[Tensor], w: Tensor) -> dict[int, np.ndarray]:
    """Forward mode: dξ/dw for every node, pushing a tangent of ones from ``w``.

    Each node's tangent is the sum over its inputs of the JVP rule applied to the input's
    tangent; nodes that do not depend on ``w`` get zeros. Where a node is NaN its tangent
    is NaN, and the NaN travels on through the rules.
    """
    tangents: dict[int, np.ndarray] = {id(w): np.ones(w.data.shape, dtype=w.data.dtype)}
    for t in order:
        if t._prim is None:
            continue
        total = None
        for i, p in grad_parents(t):
            tp = tangents.get(id(p))
            if tp is None:
                continue
            c = _call_rule(t._prim.jvp_rule(i), t, tp)
            total = c if total is None else total + c
        if total is not None:
            if total.shape != t.data.shape:
                total = np.broadcast_to(total, t.data.shape).copy()
            tangents[id(t)] = undefined_where(np.isnan(t.data), total)
    return {id(t): tangents.get(id(t), np.zeros(t.data.shape, dtype=t.data.dtype))
            for t in order}


def reverse_adjoints(root: Tensor, order: Sequence[Tensor]) -> dict[int, np.ndarray]:
    """Reverse mode: dL/dξ for every node, from ``backprop(keep_all=True)``.

    A rule knows nothing of the value its node took, so a NaN node (``log(-1)``) would pass
    a finite adjoint back (``1/x``). Then, from the output back, an input of a node that is
    NaN, or whose adjoint is, gets a NaN adjoint there (everywhere when the shapes differ).
    """
    if root.size != 1:
        raise ValueError(f"explain: reverse mode needs a scalar output, got shape {root.shape};"
                         f" reduce it first, e.g. with .sum()")
    got = backprop(root, keep_all=True, accumulate=False)
    adjoints = {id(t): np.asarray(got[id(t)]) if id(t) in got
                else np.zeros(t.data.shape, dtype=t.data.dtype) for t in order}
    for t in reversed(order):
        if t._prim is None:
            continue
        g = adjoints[id(t)]
        undefined = np.isnan(t.data) | np.isnan(g) if g.shape == t.data.shape else \
            np.full(t.data.shape, np.isnan(t.data).any() or np.isnan(g).any())
        if undefined.any():
            for _, p in grad_parents(t):
                adjoints[id(p)] = undefined_where(undefined, adjoints[id(p)])
    return adjoints
