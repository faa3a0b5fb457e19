"""Minimal pytrees: nested dicts, lists and tuples whose leaves are arrays or Tensors."""
from __future__ import annotations

from typing import Any, Callable


def tree_flatten(tree: Any) -> tuple[list[Any], Any]:
    """Leaves in a fixed order, and a description to rebuild the structure."""
    if isinstance(tree, dict):
        keys = sorted(tree)
        leaves: list[Any] = []
        specs = []
        for k in keys:
            sub, spec = tree_flatten(tree[k])
            leaves.extend(sub)
            specs.append(spec)
        return leaves, ("dict", keys, specs)
    if isinstance(tree, (list, tuple)):
        leaves = []
        specs = []
        for item in tree:
            sub, spec = tree_flatten(item)
            leaves.extend(sub)
            specs.append(spec)
        return leaves, (type(tree).__name__, None, specs)
    return [tree], ("leaf", None, None)


def tree_unflatten(spec: Any, leaves: list[Any]) -> Any:
    it = iter(leaves)

    def build(s: Any) -> Any:
        kind, keys, specs = s
        if kind == "leaf":
            return next(it)
        items = [build(c) for c in specs]
        if kind == "dict":
            return dict(zip(keys, items))
        return tuple(items) if kind == "tuple" else items

    return build(spec)


def tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    leaves, spec = tree_flatten(tree)
    return tree_unflatten(spec, [fn(x) for x in leaves])
