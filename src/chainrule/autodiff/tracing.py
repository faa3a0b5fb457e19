"""Trace once, replay: ``compile(fn)`` runs a step of array code without Tensors.

    step = chainrule.compile(train_step)   # train_step(x, y): forward, backward(), step()
    step(x, y)                             # the first two calls trace, later calls replay

A traced call runs ``fn`` eagerly while a tracer records, in order, the array functions
the engine calls: each forward primitive's ``impl`` (from ``apply``), each VJP rule the
reverse walk calls together with the walk's sums and ``sum_to`` reductions, and each call
of a function marked :func:`replayed` (work that must run again on every call: random
draws, checks of values, storing ``.grad``, an optimiser's update). One record is

    (function, input slots, params, output slots)

and a replay is one Python function generated from the list (``Program.source``): the
same functions called in the same order on the same arrays, with no Tensor and no graph
walk, so its numbers are bit for bit those of the eager call.

Anything else ``fn`` computes is frozen at tracing: an array the tracer did not see made
becomes a constant, Python branches are taken as at tracing. Three checks keep that safe:

- **guards**: a call whose arrays differ in shape or dtype, whose other arguments differ,
  or whose ``key()`` differs (e.g. a model's training/eval mode) is traced anew; so is a
  replay that finds a parameter's array replaced or its ``requires_grad`` changed;
- **two traces**: the first two calls are both traced and must record the same program
  with equal constants; if they differ (a value computed outside the engine, or a branch
  on data), the function runs eagerly from then on and ``fallback`` says why;
- what the tracer cannot follow (``create_graph``, forward mode, an input that requires
  grad, one array passed as two arguments) also makes the call run eagerly.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from ._state import state
from .tensor import Tensor, wrap_array

_ARRAYS = (np.ndarray, np.generic)


class Untraceable(Exception):
    """Raised while tracing when the call cannot be replayed; the call runs eagerly."""


def replayed(fn: Callable[..., Any] | None = None, *,
             replay: Callable[..., Any] | None = None) -> Any:
    """Mark ``fn`` as one step of a compiled program that runs again on every replay.

    For functions with an effect or fresh randomness: a dropout mask, a check of values,
    an in-place update. Array arguments (also inside lists and tuples) and Tensors whose
    data the tracer made are traced; every other argument is a constant of the trace.
    Arrays in the result (or in a returned list or tuple) become slots later steps read.
    Outside a trace it is a plain call.

    ``@replayed(replay=g)``: the trace runs ``fn`` but records ``g`` (same arguments), for a
    function whose checks of shapes and types a replay need not repeat (the guards hold
    them fixed), e.g. an optimiser's update, whose replay skips re-validating gradients
    that the recorded rules make with the traced shapes and dtypes."""
    if fn is None:
        return functools.partial(replayed, replay=replay)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tracer = state.tracer
        if tracer is None:
            return fn(*args, **kwargs)
        state.tracer = None  # what fn does inside is part of this one step
        try:
            out = fn(*args, **kwargs)
        finally:
            state.tracer = tracer
        tracer.record(fn if replay is None else replay, args, kwargs, out)
        return out

    return wrapper


def _same(a: Any, b: Any) -> bool:
    """Whether two constants of two traces are the same value."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, _ARRAYS):
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (int, float, str, bytes, np.dtype, type(None))):
        return bool(a == b)
    return False  # another object (a Tensor, a Generator): the same one, or a new trace


class Tracer:
    """Records one traced call: slots, constants, guards and the op list."""

    def __init__(self, inputs: list[Any]) -> None:
        self.slots: dict[int, int] = {}  # id(array) -> slot
        self.keep: list[Any] = []  # every traced value stays alive: ids stay unique
        self.consts: dict[int, Any] = {}  # slot -> constant value
        self.guards: list[tuple[Tensor, Any, bool]] = []
        self.guarded: set[int] = set()
        self.ops: list[tuple[Any, list[Any], dict[str, Any], Any]] = []
        self.n = 0
        self.n_inputs = len(inputs)
        for a in inputs:  # slots 0 .. len(inputs) - 1
            self.new_slot(a)
        self.result: Any = None  # the template of the traced call's result

    # ------------------------------------------------------------------ values
    def new_slot(self, value: Any) -> int:
        s = self.n
        self.n += 1
        self.slots[id(value)] = s
        self.keep.append(value)
        return s

    def const(self, value: Any) -> int:
        s = self.new_slot(value)
        self.consts[s] = value
        return s

    def template(self, v: Any) -> Any:
        """How a replay finds ``v``: a slot number, ("tensor", slot) for a Tensor around
        a traced array, (type, [templates]) for a list or tuple holding arrays."""
        if isinstance(v, _ARRAYS):
            s = self.slots.get(id(v))
            return self.const(v) if s is None else s
        if isinstance(v, Tensor):
            s = self.slots.get(id(v.data))
            if s is not None and s not in self.consts:
                return ("tensor", s)
            self.guard(v)
            return self.const(v)
        if type(v) in (list, tuple) and any(isinstance(x, (*_ARRAYS, Tensor)) for x in v):
            parts = [self.template(x) for x in v]
            if any(type(t) is not int or t not in self.consts for t in parts):
                return (type(v), parts)
        return self.const(v)

    def guard(self, t: Tensor) -> None:
        """A leaf Tensor (a parameter) used as it is: a replay needs the same array in it."""
        if t._prim is None and id(t) not in self.guarded:
            self.guarded.add(id(t))
            self.guards.append((t, t.data, t.requires_grad))
            self.keep.append(t)

    def outputs(self, out: Any) -> Any:
        """Output slots: a slot for an array, [(index, slot), ...] for a list or tuple
        (a tuple of slots when every item is an array: unpacked in one statement)."""
        if isinstance(out, _ARRAYS):
            return self.new_slot(out)
        if type(out) in (list, tuple):
            pairs = [(i, self.new_slot(x)) for i, x in enumerate(out) if isinstance(x, _ARRAYS)]
            if pairs and len(pairs) == len(out):
                return tuple(slot for _, slot in pairs)
            return pairs or None
        return None

    # ------------------------------------------------------------------ records
    def record(self, fn: Any, args: Any, kwargs: dict[str, Any] | None, out: Any) -> None:
        """One step: ``out = fn(*args, **kwargs)``, as it just ran."""
        ins = [self.template(a) for a in args]
        kw = {k: self.template(v) for k, v in kwargs.items()} if kwargs else {}
        self.ops.append((fn, ins, kw, self.outputs(out)))

    def forward(self, prim: Any, args: tuple, vals: list[Any], params: dict[str, Any],
                out: Any) -> None:
        """``apply`` ran ``prim.impl(*vals, **params)``; ``vals`` are ``args`` as arrays,
        after ``apply``'s conversions, which are recorded first."""
        for a, v in zip(args, vals):
            if isinstance(a, Tensor):
                if id(a.data) not in self.slots:
                    self.guard(a)
                a = a.data
            if v is not a and isinstance(a, _ARRAYS):
                self.record(_convert, (a, v.dtype if isinstance(v, np.ndarray) else None),
                            None, v)
        self.record(prim.impl, (vals,) if prim.variadic else vals, params, out)

    def stale(self) -> bool:
        """Whether a parameter's array was replaced, or its requires_grad changed."""
        return any(t.data is not data or t.requires_grad is not requires_grad
                   for t, data, requires_grad in self.guards)

    def signature(self) -> list[Any]:
        """The program without its constants' values (compared between two traces)."""
        return [(_fn_key(fn), ins, kw, out) for fn, ins, kw, out in self.ops]


def _fn_key(fn: Any) -> Any:
    """A function's identity across traces: a closure made anew at each call (a rule
    derived for one argument) is the same function when its code and cells are."""
    code = getattr(fn, "__code__", None)
    if code is None or not fn.__closure__:
        return fn
    return code, tuple(id(c.cell_contents) for c in fn.__closure__)


def _convert(a: Any, dtype: Any) -> Any:
    """``apply``'s conversion of an operand: a NumPy scalar to its raw value, an integer
    array to the float dtype of the operation."""
    from .primitive import _raw

    return _raw(a) if dtype is None else a.astype(dtype)


_STALE = object()  # what a replay returns when a guard fails


class Program:
    """A trace made runnable: one generated Python function that calls the recorded
    functions in order on local variables (``source`` shows it), checking the guards
    first. Slots are locals ``s<n>``, constants ``c<n>``, functions ``f<n>``."""

    def __init__(self, tracer: Tracer) -> None:
        names: dict[str, Any] = {"wrap": wrap_array, "STALE": _STALE}
        consts = tracer.consts

        def expr(t: Any) -> str:
            if type(t) is int:
                if t in consts:
                    names[f"c{t}"] = consts[t]
                    return f"c{t}"
                return f"s{t}"
            if t[0] == "tensor":
                return f"wrap({expr(t[1])})"
            items = ", ".join(expr(x) for x in t[1])
            return f"[{items}]" if t[0] is list else f"({items},)"

        lines = []
        for i, (t, data, requires_grad) in enumerate(tracer.guards):
            names[f"g{i}"], names[f"d{i}"] = t, data
            lines.append(f"if g{i}.data is not d{i} or g{i}.requires_grad is not "
                         f"{requires_grad}: return STALE")
        for i, (fn, ins, kw, out) in enumerate(tracer.ops):
            names[f"f{i}"] = fn
            args = [expr(t) for t in ins] + [f"{k}={expr(t)}" for k, t in kw.items()]
            call = f"f{i}({', '.join(args)})"
            name = getattr(fn, "__qualname__", type(fn).__name__).replace("<locals>.", "")
            if out is None:
                lines.append(f"{call}  # {name}")
            elif type(out) is int:
                lines.append(f"s{out} = {call}  # {name}")
            elif type(out) is tuple:
                lines.append(f"{''.join(f's{slot}, ' for slot in out)}= {call}  # {name}")
            else:
                lines.append(f"r = {call}  # {name}")
                lines += [f"s{slot} = r[{j}]" for j, slot in out]
        lines.append(f"return {expr(tracer.result)}")
        params = ", ".join(f"s{i}" for i in range(tracer.n_inputs))
        self.source = f"def replay({params}):\n" + "".join(f"    {x}\n" for x in lines)
        exec(self.source, names)  # noqa: S102 (code generated from the trace above)
        self.run = names["replay"]


class Compiled:
    """A function traced once per kind of call and replayed (see the module docstring)."""

    def __init__(self, fn: Callable[..., Any], key: Callable[[], Any] | None = None) -> None:
        self.fn = fn
        self.key = key
        self.programs: dict[Any, Any] = {}  # call key -> Tracer (first trace) | Program | str
        self.fallback: str | None = None  # why the last call ran eagerly, if it did
        self._last: Any = None  # (program, argument layouts, key(), grad mode) of a replay
        functools.update_wrapper(self, fn)

    def _call_key(self, args: tuple) -> tuple[Any, list[Any]] | None:
        """(key, input arrays), or None when the call cannot be replayed."""
        parts: list[Any] = [state.grad_enabled, self.key() if self.key is not None else None]
        inputs = []
        for a in args:
            kind = type(a)
            if kind is np.ndarray:
                parts += (a.shape, a.dtype, a.strides)  # flat: no tuple per argument
                inputs.append(a)
            elif kind is Tensor:
                if a.requires_grad or a._prim is not None:
                    return None
                d = a.data
                parts.append(("T", d.shape, d.dtype, d.strides))
                inputs.append(d)
            else:
                try:
                    hash(a)
                except TypeError:
                    return None
                parts.append(("v", kind, a))
        n = len(inputs)
        if n > 1 and (inputs[0] is inputs[1] if n == 2 else len(set(map(id, inputs))) < n):
            return None  # one array in two slots: a replay could not tell them apart
        return tuple(parts), inputs

    def __call__(self, *args: Any) -> Any:
        if state.tracer is not None or state.fwd_level:
            return self.fn(*args)  # inside another trace or forward mode: run inline
        last = self._last  # the program of the last replay, and what it was called with
        if last is not None:
            program, sig, key_value, grad_enabled = last
            if (len(args) == len(sig) and state.grad_enabled is grad_enabled
                    and (self.key is None or self.key() == key_value)
                    and all(type(a) is np.ndarray and a.shape == shape and a.dtype is dtype
                            and a.strides == strides
                            for a, (shape, dtype, strides) in zip(args, sig))
                    and (len(args) < 2 or args[0] is not args[1])):
                out = program.run(*args)
                if out is not _STALE:
                    return out
            self._last = None
        found = self._call_key(args)
        if found is None:
            self.fallback = ("an argument is a Tensor that requires grad, is unhashable, or is "
                             "the same array as another argument")
            return self.fn(*args)
        key, inputs = found
        entry = self.programs.get(key)
        if type(entry) is Program:
            out = entry.run(*inputs)
            if out is not _STALE:
                self.fallback = None
                if all(type(a) is np.ndarray for a in args) and len(args) <= 2:
                    self._last = (entry, [(a.shape, a.dtype, a.strides) for a in args],
                                  key[1], key[0])
                return out
            entry = None  # a parameter was replaced: trace again
        if type(entry) is str:
            self.fallback = entry
            return self.fn(*args)
        if entry is not None and entry.stale():
            entry = None  # the first trace is out of date: it is not compared
        return self._trace(key, args, inputs, entry)

    def _trace(self, key: Any, args: tuple, inputs: list[Any], first: Tracer | None) -> Any:
        tracer = Tracer(inputs)
        state.tracer = tracer
        try:
            result = self.fn(*args)
        except Untraceable as exc:
            state.tracer = None
            self.programs[key] = self.fallback = str(exc)
            return self.fn(*args)
        finally:
            state.tracer = None
        tracer.result = tracer.template(result)  # values it did not make are constants
        if first is None:
            self.programs[key] = tracer
        else:
            reason = _differs(first, tracer)
            self.programs[key] = reason if reason else Program(tracer)
        self.fallback = None
        return result


def _differs(a: Tracer, b: Tracer) -> str | None:
    """Why two traces of one kind of call are not the same program (None if they are)."""
    if a.signature() != b.signature() or a.consts.keys() != b.consts.keys():
        return "two traces recorded different programs (Python branches on values?)"
    for s, v in a.consts.items():
        if not _same(v, b.consts[s]):
            op = next((fn for fn, ins, kw, _ in b.ops if s in ins or s in kw.values()), None)
            name = getattr(op, "__qualname__", repr(op))
            return (f"an input of {name} changed between two calls but was not made by a "
                    f"traced op (computed outside the engine?)")
    return None


def compile(fn: Callable[..., Any], key: Callable[[], Any] | None = None) -> Compiled:
    """Trace ``fn`` once per kind of call and replay the record on later calls.

    ``fn`` takes arrays (ndarrays, or Tensors that do not require grad) and hashable
    constants, and returns arrays, Tensors, or a tuple or list of them; a replay returns
    the same structure with the new values. ``key()`` (optional) is called on every call:
    a different value traces anew (say, a model's training mode). See the module
    docstring for what is recorded and what is guarded."""
    return Compiled(fn, key)
