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

from heapq import heappop, heappush
from operator import add
from typing import Any, Iterable

import numpy as np

from ._state import state
from .ops._base import ones_seed
from .ops.shape import sum_to
from .tensor import Tensor, wrap_array


def toposort(root: Tensor, stop: set[int] | None = None) -> list[Tensor]:
    """Tensors of the graph of ``root`` that require grad, each after all its consumers.

    Kahn's algorithm: count each node's consumers, then release a node when its last
    consumer is done. ``stop`` holds ids of nodes whose inputs are not explored.
    """
    consumers: dict[int, int] = {}
    stack = [root]
    while stack:
        t = stack.pop()
        if t._prim is None or (stop is not None and id(t) in stop):
            continue
        parents = t._parents
        for i in t._grad_idx:
            p = parents[i]
            pid = id(p)
            c = consumers.get(pid)
            if c is None:
                consumers[pid] = 1
                stack.append(p)
            else:
                consumers[pid] = c + 1
    order = []
    ready = [root]
    while ready:
        t = ready.pop()
        order.append(t)
        if t._prim is None or (stop is not None and id(t) in stop):
            continue
        parents = t._parents
        for i in t._grad_idx:
            p = parents[i]
            pid = id(p)
            c = consumers[pid] - 1
            consumers[pid] = c
            if c == 0:
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
        data = root.data
        if data.size != 1:
            raise ValueError(f"backward: the output has shape {root.shape}; pass a gradient "
                             f"of that shape as the seed, or reduce the output to a scalar")
        seed = ones_seed(data.shape, data.dtype)
    else:
        arr = seed.data if isinstance(seed, Tensor) else np.array(seed, dtype=root.dtype)
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
    every node's cotangent (explain tables use it). Under ``compile``'s tracer the walk
    reports each rule it calls, each sum and reduction, and the storing of the leaves'
    gradients: the program a replay runs.
    """
    graph_path = create_graph or state.fwd_level > 0
    tracer = state.tracer
    if tracer is not None and graph_path:
        from .tracing import Untraceable

        raise Untraceable("backward(create_graph=True) or forward mode inside a compiled "
                          "function")
    seed = _check_seed(root, seed, graph_path)
    wanted = {id(t): t for t in targets} if targets is not None else None
    grads: dict[int, Any] = {id(root): seed}
    result: dict[int, Any] = {}
    # Nodes leave the heap in decreasing creation stamp: every consumer of a node was
    # created after it, so its cotangent is complete when it is popped (no recursion,
    # one pass, each node once).
    heap = [(-root._seq, root)] if root._prim is not None else []
    leaves: dict[int, list[Any]] = {}
    if not heap:
        g = seed if graph_path else np.array(seed, copy=True)
        if tracer is not None:
            tracer.record(np.array, (seed,), {"copy": True}, g)
        leaves[id(root)] = [root, g]
    prev_mode = state.grad_enabled
    state.grad_enabled = graph_path
    state.tracer = None  # the rules' own operations are part of each recorded rule
    try:
        while heap:
            t = heappop(heap)[1]
            tid = id(t)
            g = grads.pop(tid)
            if keep_all:
                result[tid] = g
            if wanted is not None and tid in wanted:
                result[tid] = g
                continue
            prim = t._prim
            params = t._params
            parents = t._parents
            if graph_path:
                ans: Any = t
                args: Any = (list(parents),) if prim.variadic else parents
            else:
                ans = t.data
                args = (t._vals,) if prim.variadic else t._vals
            vjps = prim.vjps
            grad_idx = t._grad_idx
            fused = None
            if prim.vjp_all is not None:
                fused = prim.vjp_all(g, ans, *args, need=grad_idx, **params)
                if tracer is not None:
                    tracer.record(prim.vjp_all, (g, ans, *args), {"need": grad_idx, **params},
                                  fused)
            for i in grad_idx:
                p = parents[i]
                if fused is not None:
                    g_i = fused[i]
                else:
                    rule = vjps.get(i) or prim.vjp_rule(i)
                    g_i = rule(g, ans, *args, **params) if params else rule(g, ans, *args)
                    if tracer is not None:
                        tracer.record(rule, (g, ans, *args), params, g_i)
                shape = p.data.shape
                if g_i.shape != shape:
                    g_full, g_i = g_i, sum_to(g_i, shape)
                    if tracer is not None:
                        tracer.record(sum_to, (g_full, shape), None, g_i)
                pid = id(p)
                if p._prim is None:  # leaves need no ordering: gather them aside
                    entry = leaves.get(pid)
                    if entry is None:
                        leaves[pid] = [p, g_i]
                    else:
                        entry[1] = _sum(tracer, entry[1], g_i)
                    continue
                prev = grads.get(pid)
                if prev is None:
                    grads[pid] = g_i
                    heappush(heap, (-p._seq, p))
                else:
                    grads[pid] = _sum(tracer, prev, g_i)
        for pid, (leaf, g) in leaves.items():
            if keep_all or (wanted is not None and pid in wanted):
                result[pid] = g
        if accumulate and leaves:
            store = [e[0] for e in leaves.values()], [e[1] for e in leaves.values()]
            stored = store_leaf_grads(*store, graph_path, seed)
            if tracer is not None:
                tracer.record(store_leaf_grads, (*store, graph_path, seed), None, stored)
    finally:
        state.grad_enabled = prev_mode
        state.tracer = tracer
    return result


def _sum(tracer: Any, a: Any, b: Any) -> Any:
    """a + b, two cotangents of one node (recorded when tracing)."""
    out = a + b
    if tracer is not None:
        tracer.record(add, (a, b), None, out)
    return out


def store_leaf_grads(leaves: list[Tensor], grads: list[Any], graph_path: bool = False,
                     seed: Any = None) -> list[Any]:
    """Add each cotangent into its leaf's ``.grad``; return the ``.grad`` arrays.

    A fresh array is kept as the gradient as it is (no copy); views, read-only arrays (a
    broadcast seed), arrays of another dtype and an array already given to another leaf
    in this pass are copied; an existing ``.grad`` is added to in place."""
    given: set[int] = set()
    out = []
    ndarray = np.ndarray
    for leaf, g in zip(leaves, grads):
        if (type(g) is ndarray and leaf._grad is None and g.base is None and g is not seed
                and not graph_path and g.dtype is leaf.data.dtype):
            gid = id(g)
            if gid not in given and g.flags.writeable:
                given.add(gid)  # the common case: a fresh array, kept as is (the
                leaf._grad = g  # Tensor around it is made when .grad is read)
                out.append(g)
                continue
        _accumulate_leaf(leaf, g, graph_path, given)
        out.append(leaf.grad_array)
    return out


def _accumulate_leaf(leaf: Tensor, g: Any, graph_path: bool, given: set[int]) -> None:
    if graph_path:
        g_t = g if isinstance(g, Tensor) else Tensor(g)
        if g_t.dtype != leaf.dtype:
            g_t = g_t.astype(leaf.dtype)
        leaf.grad = g_t if leaf.grad is None else leaf.grad + g_t
        return
    if g.dtype != leaf.data.dtype:
        g = g.astype(leaf.data.dtype)
    if leaf.grad is None:
        # keep a fresh, writable array as is (optimisers update .grad in place); copy views,
        # read-only broadcasts and arrays already handed to another leaf in this pass
        if (type(g) is not np.ndarray or not g.flags.owndata or not g.flags.writeable
                or id(g) in given):
            g = np.array(g, copy=True)
        given.add(id(g))
        leaf.grad = wrap_array(g)
    else:
        grad = leaf.grad
        if not isinstance(grad, Tensor) or grad.shape != leaf.data.shape or \
                grad.dtype != leaf.data.dtype:
            what = (f"shape {grad.shape} and dtype {grad.dtype}" if isinstance(grad, Tensor)
                    else f"type {type(grad).__name__}")
            raise TypeError(f"backward: a leaf of shape {leaf.data.shape} and dtype "
                            f"{leaf.data.dtype} has a .grad of {what}; expected its own shape "
                            f"and dtype (set .grad to None, or call zero_grad(), first)")
        if grad.requires_grad:
            leaf.grad = grad + g
        else:
            np.add(grad.data, g, out=grad.data)


def backward(root: Tensor, gradient: Any = None, create_graph: bool = False) -> None:
    """``root.backward()``: accumulate d(root)/d(leaf) into every leaf's ``.grad``."""
    backprop(root, gradient, create_graph=create_graph)
