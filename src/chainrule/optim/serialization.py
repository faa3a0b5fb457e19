"""Split a state dict into JSON and named arrays, and join them back.

Optimiser and schedule state dicts are nested dicts and lists whose only non-JSON leaves
are NumPy arrays. :func:`flatten_state` replaces each array by ``{"__array__": key}`` and
returns the arrays by key (e.g. ``"state.0.exp_avg"``), ready for ``numpy.savez`` or
safetensors; :func:`unflatten_state` puts them back::

    meta, arrays = flatten_state(opt.state_dict())
    json.dump(meta, f); np.savez(path, **arrays)
    ...
    opt.load_state_dict(unflatten_state(json.load(f), dict(np.load(path))))
"""
from __future__ import annotations

from typing import Any

import numpy as np

_MARK = "__array__"


def flatten_state(state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(json_dict, arrays)``: the state with every array replaced by a reference."""
    if not isinstance(state, dict):
        raise TypeError(f"flatten_state: expected a state dict, got {type(state).__name__}")
    arrays: dict[str, np.ndarray] = {}

    def walk(node: Any, path: str) -> Any:
        if isinstance(node, np.ndarray):
            arrays[path] = node
            return {_MARK: path}
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if not isinstance(k, str):
                    raise TypeError(f"flatten_state: key {k!r} at {path or 'the top'} is "
                                    f"not a string")
                if k == _MARK:
                    raise ValueError(f"flatten_state: the key {_MARK!r} is reserved")
                out[k] = walk(v, f"{path}.{k}" if path else k)
            return out
        if isinstance(node, (list, tuple)):
            return [walk(v, f"{path}.{i}") for i, v in enumerate(node)]
        if isinstance(node, np.generic):
            return node.item()
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        raise TypeError(f"flatten_state: {path} is a {type(node).__name__}; expected "
                        f"JSON values and NumPy arrays only")

    return walk(state, ""), arrays


def unflatten_state(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """The state dict again: each ``{"__array__": key}`` becomes ``arrays[key]``.

    Every reference must be present and every array used (ValueError otherwise).
    """
    if not isinstance(meta, dict) or not isinstance(arrays, dict):
        raise TypeError("unflatten_state: expected (json_dict, {key: ndarray})")
    used: set[str] = set()

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {_MARK}:
                key = node[_MARK]
                if key not in arrays:
                    raise ValueError(f"unflatten_state: the array {key!r} is missing; "
                                     f"the arrays hold {sorted(arrays)}")
                used.add(key)
                return np.asarray(arrays[key])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out = walk(meta)
    unused = set(arrays) - used
    if unused:
        raise ValueError(f"unflatten_state: arrays {sorted(unused)} are not referenced by "
                         f"the state; the two parts do not belong together")
    return out
