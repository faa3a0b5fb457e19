"""``Optimizer``: parameter groups, validation, ``zero_grad``, an all-or-nothing ``step`` and
a JSON-plus-arrays ``state_dict``.

A subclass declares its hyperparameters (``defaults``), checks them in
``_check_hyperparameters`` and updates one parameter in ``_update(p, g, state, group)``,
in place on ``p`` (the parameter's ndarray) and on state buffers of the parameter's
dtype. The base class guarantees that every gradient has been validated before the first
parameter changes, so a bad gradient leaves all parameters untouched.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np

from ..autodiff import Tensor, clear_grads, enable_grad, replayed

Closure = Callable[[], Any]


def check_number(owner: str, name: str, value: Any, *, low: float = 0.0,
                 low_inclusive: bool = True, high: float | None = None,
                 high_inclusive: bool = False, finite: bool = True) -> float:
    """``value`` as a Python float, or a ValueError/TypeError naming ``owner`` and ``name``.

    An infinity is refused unless ``finite=False`` (an infinite learning rate, step or
    epsilon turns every parameter into NaN); NaN always is.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {name} must be a real number, got "
                        f"{type(value).__name__}")
    v = float(value)
    if finite and math.isinf(v):
        raise ValueError(f"{owner}: {name} must be a finite number, got {value}")
    if math.isnan(v) or (v < low if low_inclusive else v <= low):
        bound = f">= {low}" if low_inclusive else f"> {low}"
        raise ValueError(f"{owner}: {name} must be {bound}, got {value}")
    if high is not None and (v > high if high_inclusive else v >= high):
        bound = f"<= {high}" if high_inclusive else f"< {high}"
        raise ValueError(f"{owner}: {name} must be {bound}, got {value}")
    return v


def check_int(owner: str, name: str, value: Any, *, low: int = 0) -> int:
    """``value`` as a Python int >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}: {name} must be an integer, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{owner}: {name} must be >= {low}, got {value}")
    return int(value)


def check_bool(owner: str, name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)


class Optimizer:
    """Base class of the optimisers.

    ``params`` is an iterable of parameters (leaf Tensors that require grad, usually
    ``chainrule.nn.Parameter``) or of parameter-group dicts
    ``{"params": [...], "lr": ..., ...}``; a group's missing hyperparameters take the
    optimiser's defaults. ``param_groups[i]["lr"]`` may be changed between steps (the
    learning-rate schedules do).

    ``check_finite=True`` makes ``step`` refuse (ValueError, nothing updated) a gradient
    with NaN or Inf; it costs one extra pass over the gradients, so it is off by default,
    as in PyTorch.
    """

    #: True when ``step`` must be given a closure (L-BFGS, Newton-CG).
    needs_closure = False

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any], *,
                 check_finite: bool = False) -> None:
        name = type(self).__name__
        self.check_finite = check_bool(name, "check_finite", check_finite)
        # id(group) -> (its hyperparameter values, the validated copy, the group itself)
        self._hyper_cache: dict[int, tuple[Any, dict[str, Any], dict[str, Any]]] = {}
        self.defaults = dict(defaults)
        self._check_hyperparameters(self.defaults)
        if isinstance(params, (Tensor, np.ndarray)) or isinstance(params, dict):
            raise TypeError(f"{name}: params must be an iterable of parameters or of "
                            f"parameter-group dicts, got a single {type(params).__name__}; "
                            f"wrap it in a list")
        try:
            items = list(params)
        except TypeError:
            raise TypeError(f"{name}: params must be an iterable of parameters or of "
                            f"parameter-group dicts, got {type(params).__name__}") from None
        if not items:
            raise ValueError(f"{name}: got an empty parameter list; pass model.parameters()"
                             f" of a model that has parameters")
        if all(isinstance(item, dict) for item in items):
            groups = items
        elif any(isinstance(item, dict) for item in items):
            raise TypeError(f"{name}: params mixes parameter-group dicts and parameters; "
                            f"pass either a list of parameters or a list of dicts")
        else:
            groups = [{"params": items}]
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Validate (and normalise to Python numbers) a group's hyperparameters in place."""
        group["lr"] = check_number(type(self).__name__, "lr", group["lr"])

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with ``"params"`` and optional hyperparameters)."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' key, "
                            f"got {type(group).__name__}")
        unknown = set(group) - set(self.defaults) - {"params", "name"}
        if unknown:
            raise ValueError(f"{name}: unknown hyperparameter(s) {sorted(unknown)} in a "
                             f"parameter group; expected some of {sorted(self.defaults)}")
        raw = group["params"]
        params = [raw] if isinstance(raw, Tensor) else list(raw)
        gi = len(self.param_groups)
        if not params:
            raise ValueError(f"{name}: parameter group {gi} has no parameters")
        offset = sum(len(g["params"]) for g in self.param_groups)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            where = f"parameter {offset + i}" + (f" (group {gi}, index {i})" if gi else "")
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: {where} is a {type(p).__name__}, expected a "
                                f"Parameter (a leaf Tensor with requires_grad=True)")
            if p.dtype.kind != "f":
                raise TypeError(f"{name}: {where} has dtype {p.dtype}; only floating-point "
                                f"parameters can be optimised")
            if not p.requires_grad:
                raise TypeError(f"{name}: {where} does not require grad; create it with "
                                f"requires_grad=True (Parameter does)")
            if not p.is_leaf:
                raise TypeError(f"{name}: {where} is the result of an operation, not a leaf;"
                                f" only leaf tensors (Parameters) can be optimised")
            if id(p) in seen:
                raise ValueError(f"{name}: {where} appears more than once in the "
                                 f"parameters; each parameter may be given only once")
            seen.add(id(p))
        full = dict(self.defaults)
        full.update({k: v for k, v in group.items() if k != "params"})
        self._check_hyperparameters(full)
        full["params"] = params
        self.param_groups.append(full)

    def _all_params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    # -------------------------------------------------------------------- steps
    @replayed
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (to None, or to zeros in place)."""
        if set_to_none:
            for group in self.param_groups:
                clear_grads(group["params"])
            return
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if isinstance(g, Tensor) and not g.requires_grad:
                    g.data[...] = 0
                else:
                    p.grad = Tensor(np.zeros(p.shape, dtype=p.dtype))

    def _gradients(self, grads: list[Any]) -> list[list[tuple[Tensor, np.ndarray]]]:
        """Per group, the (parameter, gradient array) pairs to update, all validated.

        Raises before anything is updated: a gradient must be an array of the parameter's
        shape and dtype (and finite when ``check_finite``).
        """
        out = []
        checked = self.check_finite
        it = iter(grads)
        if not checked:  # the common case: one comprehension per group, then the checks
            for group in self.param_groups:
                out.append([(p, g) for p, g in zip(group["params"], it) if g is not None])
            if all(type(g) is np.ndarray and g.dtype is p.data.dtype and g.shape == p.data.shape
                   for pairs in out for p, g in pairs):
                return out
            out, it = [], iter(grads)
        index = 0
        for group in self.param_groups:
            pairs = []
            for p in group["params"]:
                g = next(it)
                if g is not None:
                    pd = p.data
                    if (type(g) is np.ndarray and g.dtype is pd.dtype and g.shape == pd.shape
                            and not checked):
                        pairs.append((p, g))  # the common case, in three comparisons
                    else:
                        pairs.append((p, self._checked_gradient(p, g, index)))
                index += 1
            out.append(pairs)
        return out

    def _checked_gradient(self, p: Tensor, g: Any, index: int) -> np.ndarray:
        """``p.grad``'s array, or an error naming parameter ``index`` and what is wrong."""
        name = type(self).__name__
        g = g.data if isinstance(g, Tensor) else g
        if not isinstance(g, np.ndarray):
            raise TypeError(f"{name}: parameter {index} has a .grad of type "
                            f"{type(g).__name__}; expected a Tensor")
        if g.shape != p.shape:
            raise ValueError(f"{name}: parameter {index} has shape {p.shape} but its "
                             f"gradient has shape {g.shape}; nothing was updated")
        if g.dtype != p.dtype:
            raise TypeError(f"{name}: parameter {index} has dtype {p.dtype} but its "
                            f"gradient has dtype {g.dtype}; nothing was updated")
        if self.check_finite and not np.isfinite(g).all():
            raise ValueError(f"{name}: the gradient of parameter {index} contains NaN or "
                             f"Inf; nothing was updated")
        return g

    def step(self, closure: Closure | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()``'s loss if given.

        The closure (optional here) recomputes the loss and its gradients; it runs with
        gradient recording on.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._update_arrays([p.grad_array for g in self.param_groups for p in g["params"]])
        return loss

    def _replay_update(self, grads: list[np.ndarray | None]) -> None:
        """`update` as a compiled step replays it (`_update_arrays`'s replay): the gradients come from the recorded
        rules with the shapes and dtypes `update` checked when it was traced (the replay's
        guards hold them fixed), so only what can change between replays is checked
        first: the hyperparameters (a schedule sets them) and, with ``check_finite``, the
        gradients' values."""
        groups = self.param_groups
        if self.check_finite:
            self._apply(self._gradients(grads))
        elif len(groups) == 1:  # the common case, without the per-group lists
            group = groups[0]
            hyper = self._step_hyperparameters(group)
            self._update_group([(p, g) for p, g in zip(group["params"], grads) if g is not None],
                               hyper)
        else:
            it = iter(grads)
            self._apply([[(p, g) for p, g in zip(group["params"], it) if g is not None]
                         for group in groups])

    def update(self, grads: Iterable[Any]) -> None:
        """Update the parameters from gradients: one per parameter (an array, a Tensor, or
        None to leave it), in the order of ``param_groups``. ``step`` calls it with the
        ``.grad`` arrays, and a compiled training step replays it (the same update, in the
        same order). Every gradient and hyperparameter is validated before the first
        parameter changes."""
        try:
            arrays = [g.data if isinstance(g, Tensor) else g for g in grads]
        except TypeError:
            raise TypeError(f"{type(self).__name__}.update: expected a list of gradients, "
                            f"got {type(grads).__name__}") from None
        self._update_arrays(arrays)

    @replayed(replay=_replay_update)
    def _update_arrays(self, grads: list[Any]) -> None:
        """`update` on gradient arrays (Tensors already unwrapped), all checked first."""
        n = sum(len(group["params"]) for group in self.param_groups)
        if len(grads) != n:
            raise ValueError(f"{type(self).__name__}.update: got {len(grads)} gradients for "
                             f"{n} parameters")
        self._apply(self._gradients(grads))

    def _apply(self, work: list[list[tuple[Tensor, np.ndarray]]]) -> None:
        """Validate every group's hyperparameters, then update each group's validated
        (parameter, gradient) pairs."""
        hypers = [self._step_hyperparameters(group) for group in self.param_groups]
        for hyper, pairs in zip(hypers, work):
            self._update_group(pairs, hyper)

    def _update_group(self, pairs: list[tuple[Tensor, np.ndarray]],
                      hyper: dict[str, Any]) -> None:
        """Apply ``_update`` to each validated (parameter, gradient) pair of one group."""
        for p, g in pairs:
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = self._init_state(p.data, hyper)
            self._update(p.data, g, state, hyper)

    def _step_hyperparameters(self, group: dict[str, Any]) -> dict[str, Any]:
        """A validated copy of a group's hyperparameters as Python numbers (a schedule or a
        user may have set a NumPy scalar, which would upcast float32 arithmetic).

        The copy is cached while the group's items compare equal to those validated (a
        list value, which could change in place, is validated at every step), so a step
        does not re-validate unchanged hyperparameters.
        """
        cache = self._hyper_cache
        hit = cache.get(id(group))
        if hit is not None and hit[0] is not None:
            try:
                if hit[0] == list(group.items()):  # C-level: identity first, then ==
                    return hit[1]
            except (TypeError, ValueError):  # an unusual value (e.g. an array): validate it
                pass
        hyper = {k: v for k, v in group.items() if k not in ("params", "name")}
        self._check_hyperparameters(hyper)
        # a list value could change in place unseen by the comparison: validate every step
        mutable = any(type(v) is list for k, v in group.items() if k != "params")
        cache[id(group)] = (None if mutable else list(group.items()), hyper, group)
        return hyper

    def _init_state(self, p: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        """The state of a parameter at its first update (buffers of ``p``'s dtype)."""
        return {"step": 0}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not define _update")

    # -------------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        """``{"type", "param_groups", "state"}``: hyperparameters and parameter indices
        (JSON-able) and per-parameter state keyed by the parameter's index as a string.

        NumPy arrays are the only non-JSON leaves (copies); see
        :func:`chainrule.optim.serialization.flatten_state` to store them apart.
        """
        index = {id(p): i for i, p in enumerate(self._all_params())}
        groups = []
        for group in self.param_groups:
            d = {k: _jsonable(v) for k, v in group.items() if k != "params"}
            d["params"] = [index[id(p)] for p in group["params"]]
            groups.append(d)
        state = {}
        for p, s in self.state.items():
            state[str(index[id(p)])] = {k: _copy_leaf(v) for k, v in s.items()}
        return {"type": type(self).__name__, "param_groups": groups, "state": state}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by :meth:`state_dict`.

        Everything (type, group and parameter counts, hyperparameters, state keys, array
        shapes) is validated before anything changes. Arrays are copied into the
        parameter's dtype.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"type", "param_groups", "state"} <= set(
                state_dict):
            raise ValueError(f"{name}.load_state_dict: expected a dict with keys 'type', "
                             f"'param_groups' and 'state'")
        if state_dict["type"] != name:
            raise ValueError(f"{name}.load_state_dict: the state was saved by "
                             f"{state_dict['type']}, this optimiser is {name}")
        saved = state_dict["param_groups"]
        if not isinstance(saved, list) or len(saved) != len(self.param_groups):
            n = len(saved) if isinstance(saved, list) else "no list of"
            raise ValueError(f"{name}.load_state_dict: the state has {n} parameter "
                             f"groups, this optimiser has {len(self.param_groups)}")
        new_groups = []
        start = 0
        for gi, (sg, group) in enumerate(zip(saved, self.param_groups)):
            count = len(group["params"])
            if not isinstance(sg, dict) or sg.get("params") != list(range(start,
                                                                          start + count)):
                raise ValueError(f"{name}.load_state_dict: group {gi} of the state does not "
                                 f"hold parameters {start}..{start + count - 1} (this "
                                 f"optimiser's group {gi} has {count} parameters)")
            start += count
            hyper = {k: v for k, v in sg.items() if k != "params"}
            unknown = set(hyper) - set(self.defaults) - {"name"}
            missing = set(self.defaults) - set(hyper)
            if unknown or missing:
                raise ValueError(f"{name}.load_state_dict: group {gi} has unknown "
                                 f"hyperparameters {sorted(unknown)} / lacks "
                                 f"{sorted(missing)}")
            self._check_hyperparameters(hyper)
            new_groups.append(hyper)
        params = self._all_params()
        saved_state = state_dict["state"]
        if not isinstance(saved_state, dict):
            raise ValueError(f"{name}.load_state_dict: 'state' must be a dict keyed by "
                             f"parameter index")
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, entry in saved_state.items():
            if not (isinstance(key, str) and key.isdigit() and int(key) < len(params)):
                raise ValueError(f"{name}.load_state_dict: state key {key!r} is not the "
                                 f"index of one of the {len(params)} parameters")
            if not isinstance(entry, dict):
                raise ValueError(f"{name}.load_state_dict: state of parameter {key} must be "
                                 f"a dict, got {type(entry).__name__}")
            p = params[int(key)]
            new_state[p] = self._load_state_entry(int(key), p, entry)
        for group, hyper in zip(self.param_groups, new_groups):
            group.update(hyper)
        self.state = new_state

    def _load_state_entry(self, index: int, p: Tensor, entry: dict[str, Any]
                          ) -> dict[str, Any]:
        """Validate one parameter's saved state; return it with arrays copied to ``p``'s
        dtype. The default expects an int ``step`` and arrays of the parameter's shape."""
        name = type(self).__name__
        expected = set(self._init_state(np.zeros(p.shape, p.dtype), self.defaults))
        optional = self._optional_state_keys()
        if not expected <= set(entry) or not set(entry) <= expected | optional:
            raise ValueError(f"{name}.load_state_dict: state of parameter {index} has keys "
                             f"{sorted(entry)}, expected {sorted(expected)}")
        out: dict[str, Any] = {}
        for k, v in entry.items():
            if k == "step":
                out[k] = check_int(name, f"state[{index}]['step']", v)
            elif isinstance(v, np.ndarray):
                if v.shape != p.shape:
                    raise ValueError(f"{name}.load_state_dict: state[{index}][{k!r}] has "
                                     f"shape {v.shape}, the parameter has shape {p.shape}")
                buf = np.empty_like(p.data)  # the parameter's dtype and memory layout
                np.copyto(buf, v, casting="unsafe")
                out[k] = buf
            else:
                raise ValueError(f"{name}.load_state_dict: state[{index}][{k!r}] must be an "
                                 f"array of shape {p.shape}, got {type(v).__name__}")
        return out

    def _optional_state_keys(self) -> set[str]:
        """State keys created lazily (e.g. the momentum buffer)."""
        return set()

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            hyper = ", ".join(f"{k}={v}" for k, v in g.items() if k != "params")
            lines.append(f"  group {i}: {len(g['params'])} parameters, {hyper}")
        return "\n".join(lines) + "\n)"


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _copy_leaf(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copy_leaf(v) for v in value]
    return _jsonable(value)

