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

import sys

from heapq import heappop, heappush
from typing import Any, Iterable

import numpy as np

from ._state import state
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


_ONES: dict[tuple[Any, tuple[int, ...]], np.ndarray] = {}


def ones_seed(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """The cotangent 1 of an output: one read-only array per dtype and shape (rules never
    write into their ``g``)."""
    key = (dtype, shape)
    seed = _ONES.get(key)
    if seed is None:
        seed = _ONES[key] = np.ones(shape, dtype=dtype)
        seed.flags.writeable = False
    return seed


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
    every node's cotangent (explain tables use it).
    """
    graph_path = create_graph or state.fwd_level > 0
    seed = _check_seed(root, seed, graph_path)
    wanted = {id(t): t for t in targets} if targets is not None else None
    grads: dict[int, Any] = {id(root): seed}
    result: dict[int, Any] = {}
    given: set[int] = set()  # arrays stored as a leaf's .grad in this pass
    # Nodes leave the heap in decreasing creation stamp: every consumer of a node was
    # created after it, so its cotangent is complete when it is popped (no recursion,
    # one pass, each node once).
    heap = [(-root._seq, root)] if root._prim is not None else []
    leaves: dict[int, list[Any]] = {} if heap else {
        id(root): [root, seed if graph_path else np.array(seed, copy=True)]}
    prev_mode = state.grad_enabled
    state.grad_enabled = graph_path
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
            fused = prim.vjp_all(g, ans, *args, need=grad_idx, **params) \
                if prim.vjp_all is not None else None
            for i in grad_idx:
                p = parents[i]
                if fused is not None:
                    g_i = fused[i]
                else:
                    rule = vjps.get(i) or prim.vjp_rule(i)
                    g_i = rule(g, ans, *args, **params) if params else rule(g, ans, *args)
                shape = p.data.shape
                if g_i.shape != shape:
                    g_i = sum_to(g_i, shape)
                pid = id(p)
                if p._prim is None:  # leaves need no ordering: gather them aside
                    entry = leaves.get(pid)
                    if entry is None:
                        leaves[pid] = [p, g_i]
                    else:
                        entry[1] = entry[1] + g_i
                    continue
                prev = grads.get(pid)
                if prev is None:
                    grads[pid] = g_i
                    heappush(heap, (-p._seq, p))
                else:
                    grads[pid] = prev + g_i
        for pid, (leaf, g) in leaves.items():
            if keep_all or (wanted is not None and pid in wanted):
                result[pid] = g
            if accumulate:
                store_leaf_grad(leaf, g, given, graph_path, seed)
    finally:
        state.grad_enabled = prev_mode
    return result


def store_leaf_grad(leaf: Tensor, g: Any, given: set[int], graph_path: bool = False,
                    seed: Any = None) -> None:
    """Add the cotangent ``g`` into ``leaf.grad``. ``given`` holds the ids of arrays already
    stored as a ``.grad`` in this pass (an array is never shared by two leaves)."""
    if (not graph_path and leaf.grad is None and type(g) is np.ndarray
            and (g.base is None or (g.flags.writeable and _view_base_refs(g) == _SOLE_VIEW))
            and g is not seed
            and g.dtype is leaf.data.dtype and id(g) not in given):
        given.add(id(g))  # the common case: a fresh array, kept as is
        leaf.grad = wrap_array(g)
    else:
        _accumulate_leaf(leaf, g, graph_path, given)


def _view_base_refs(g: np.ndarray) -> int:
    """The reference count of the writable array ``g`` views, as seen from here (-1 when
    ``g`` views anything else). Equal to `_SOLE_VIEW` when ``g`` is the only reference to
    it, such as the transposed product (Xᵀ G)ᵀ that is a column-major weight's gradient:
    then ``g`` can be kept as a gradient without a copy (nothing else can see its memory)."""
    base = g.base
    if type(base) is not np.ndarray or base.base is not None or not base.flags.writeable:
        return -1
    return sys.getrefcount(base)


def _calibrate_sole_view() -> int | None:
    """`_view_base_refs` of a sole view, measured on this interpreter (how many references
    a call adds differs between Python versions); None, so that every view is copied, if a
    second reference does not show."""
    sole = _view_base_refs(np.empty((2, 2)).T)
    kept = np.empty((2, 2))
    return sole if _view_base_refs(kept.T) == sole + 1 else None


_SOLE_VIEW = _calibrate_sole_view()


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
    elif leaf.grad.requires_grad:
        leaf.grad = leaf.grad + g
    else:
        np.add(leaf.grad.data, g, out=leaf.grad.data)


def backward(root: Tensor, gradient: Any = None, create_graph: bool = False) -> None:
    """``root.backward()``: accumulate d(root)/d(leaf) into every leaf's ``.grad``."""
    backprop(root, gradient, create_graph=create_graph)
