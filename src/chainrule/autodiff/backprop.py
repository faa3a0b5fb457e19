"""Reverse mode: walk the graph from an output back to its inputs.

The walk is iterative (Kahn's algorithm on consumer counts), so a chain of 100,000 ops
needs no recursion. Cotangents live in a dictionary for the pass; only leaves receive
``.grad``. Each edge's cotangent is reduced to its input's shape in one place
(:func:`~chainrule.autodiff.ops.shape.sum_to`).

Two paths run the same rules:
- fast path (first order): rules see plain ndarrays and nothing is recorded;
- graph path (``create_graph=True``, or while ``jvp`` is pushing tangents): rules see
  Tensors and are recorded, so the result can be differentiated again.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ._state import state
from .ops.shape import sum_to
from .tensor import Tensor


def toposort(root: Tensor, stop: set[int] | None = None) -> list[Tensor]:
    """Tensors of the graph of ``root`` that require grad, each after all its consumers."""
    consumers: dict[int, int] = {}
    stack = [root]
    seen = {id(root)}
    while stack:
        t = stack.pop()
        if t._prim is None or (stop is not None and id(t) in stop):
            continue
        for p in t._parents:
            if isinstance(p, Tensor) and p.requires_grad:
                pid = id(p)
                consumers[pid] = consumers.get(pid, 0) + 1
                if pid not in seen:
                    seen.add(pid)
                    stack.append(p)
    order = []
    ready = [root]
    while ready:
        t = ready.pop()
        order.append(t)
        if t._prim is None or (stop is not None and id(t) in stop):
            continue
        for p in t._parents:
            if isinstance(p, Tensor) and p.requires_grad:
                pid = id(p)
                consumers[pid] -= 1
                if consumers[pid] == 0:
                    ready.append(p)
    return order


def _check_seed(root: Tensor, seed: Any, graph_path: bool) -> Any:
    if not isinstance(root, Tensor):
        raise TypeError(f"backward: expected a Tensor output, got {type(root).__name__}")
    if root.dtype.kind != "f":
        raise TypeError(f"backward: cannot differentiate an output of dtype {root.dtype}; "
                        f"expected a floating-point tensor")
    if not root.requires_grad:
        raise ValueError("backward: the output does not depend on any tensor that requires "
                         "grad (create inputs with requires_grad=True, and do not compute "
                         "the output inside no_grad())")
    if seed is None:
        if root.size != 1:
            raise ValueError(f"backward: the output has shape {root.shape}; pass a gradient "
                             f"of that shape as the seed, or reduce the output to a scalar")
        seed = np.ones(root.shape, dtype=root.dtype)
    else:
        arr = seed.data if isinstance(seed, Tensor) else np.asarray(seed, dtype=root.dtype)
        if arr.shape != root.shape:
            raise ValueError(f"backward: the seed has shape {arr.shape}, expected the "
                             f"output's shape {root.shape}")
        if arr.dtype != root.dtype:
            arr = arr.astype(root.dtype)
        if graph_path and isinstance(seed, Tensor):
            return seed
        seed = arr
    return Tensor(seed) if graph_path else seed


def backprop(root: Tensor, seed: Any = None, *, create_graph: bool = False,
             targets: Iterable[Tensor] | None = None, accumulate: bool = True,
             keep_all: bool = False) -> dict[int, Any]:
    """Propagate cotangents from ``root``; return them for ``targets`` (by ``id``).

    ``accumulate`` adds the leaves' cotangents into their ``.grad``. ``keep_all`` returns
    every node's cotangent (explain tables use it).
    """
    graph_path = create_graph or state.fwd_level > 0
    seed = _check_seed(root, seed, graph_path)
    wanted = {id(t): t for t in targets} if targets is not None else {}
    stop = set(wanted) if targets is not None else None
    order = toposort(root, stop)
    grads: dict[int, Any] = {id(root): seed}
    result: dict[int, Any] = {}
    prev_mode = state.grad_enabled
    state.grad_enabled = graph_path
    try:
        for t in order:
            tid = id(t)
            g = grads.pop(tid, None)
            if g is None:
                continue
            if keep_all or tid in wanted:
                result[tid] = g
            if t._prim is None or tid in wanted:
                if accumulate and t._prim is None:
                    _accumulate_leaf(t, g, graph_path)
                continue
            prim = t._prim
            params = t._params
            parents = t._parents
            if graph_path:
                ans: Any = t
                args: Any = parents
            else:
                ans = t.data
                args = tuple(p.data if isinstance(p, Tensor) else p for p in parents)
            if prim.variadic:
                args = (list(args),)
            for i, p in enumerate(parents):
                if not (isinstance(p, Tensor) and p.requires_grad):
                    continue
                g_i = prim.vjp_rule(i)(g, ans, *args, **params)
                if g_i.shape != p.data.shape:
                    g_i = sum_to(g_i, p.data.shape)
                pid = id(p)
                prev = grads.get(pid)
                grads[pid] = g_i if prev is None else prev + g_i
    finally:
        state.grad_enabled = prev_mode
    return result


def _accumulate_leaf(leaf: Tensor, g: Any, graph_path: bool) -> None:
    if graph_path:
        g_t = g if isinstance(g, Tensor) else Tensor(g)
        if g_t.dtype != leaf.dtype:
            g_t = g_t.astype(leaf.dtype)
        leaf.grad = g_t if leaf.grad is None else leaf.grad + g_t
        return
    if g.dtype != leaf.data.dtype:
        g = g.astype(leaf.data.dtype)
    if leaf.grad is None:
        leaf.grad = Tensor(np.array(g, copy=True))
    elif leaf.grad.requires_grad:
        leaf.grad = leaf.grad + g
    else:
        np.add(leaf.grad.data, g, out=leaf.grad.data)


def backward(root: Tensor, gradient: Any = None, create_graph: bool = False) -> None:
    """``root.backward()``: accumulate d(root)/d(leaf) into every leaf's ``.grad``."""
    backprop(root, gradient, create_graph=create_graph)
