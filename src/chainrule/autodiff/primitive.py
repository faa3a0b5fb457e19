"""The primitive table and the one function that applies a primitive.

A :class:`Primitive` holds, side by side, its NumPy forward (``impl``), one VJP rule per
differentiable argument and one JVP rule per differentiable argument::

    exp_p = Primitive("exp", np.exp, float_op=True)
    defvjp(exp_p, lambda g, ans, x: g * ans)
    defjvp(exp_p, lambda x_dot, ans, x: x_dot * ans)

Rules are written with the library's own ops (operators and functions of
``chainrule.autodiff.ops``). Those ops are *dual*: given plain ndarrays they return plain
ndarrays without recording (the fast path of a first-order backward pass), given
Tensors they record (so grad-of-grad and Hessian-vector products come free).

Naming of rule arguments, everywhere: ``g`` the incoming cotangent, ``ans`` the output,
``x``/``y`` the inputs, ``x_dot`` a tangent.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._state import state
from .tensor import Tensor, next_seq, wrap_array

Rule = Callable[..., Any]

PRIMITIVES: dict[str, "Primitive"] = {}
"""Every registered primitive by name (the meta-test walks this table)."""


class Primitive:
    """One operation of the engine: a NumPy forward plus its differentiation rules.

    Args:
        name: unique name, shown in errors and in explain tables.
        impl: forward on NumPy arrays (``impl(*arrays, **params) -> ndarray``).
        float_op: integer/bool array inputs are cast to float32 first (``exp`` of an int).
        differentiable: ``False`` for ops such as ``argmax`` or comparisons, whose outputs
            never carry gradients.
        same_dtype: the floating inputs must share one dtype (no silent upcast).
        variadic: the inputs are one sequence (``concatenate``), rules are per argnum.
    """

    __slots__ = ("name", "impl", "float_op", "differentiable", "same_dtype", "variadic",
                 "vjps", "jvps", "vjp_argnum", "jvp_argnum", "vjp_all", "jvp_all",
                 "residuals", "expr", "error_hint")

    def __init__(self, name: str, impl: Callable[..., np.ndarray], *, float_op: bool = False,
                 differentiable: bool = True, same_dtype: bool = False,
                 variadic: bool = False, residuals: bool = False,
                 expr: "str | Callable[..., str] | None" = None) -> None:
        if name in PRIMITIVES:
            raise ValueError(f"a primitive named {name!r} is already registered")
        self.name = name
        self.impl = impl
        self.float_op = float_op
        self.differentiable = differentiable
        self.same_dtype = same_dtype
        self.variadic = variadic
        self.vjps: dict[int, Rule] = {}
        self.jvps: dict[int, Rule] = {}
        self.vjp_argnum: Rule | None = None
        self.jvp_argnum: Rule | None = None
        # a fused block (e.g. a whole dense stack) may give all cotangents / the tangent in
        # one rule, and keep forward intermediates ("residuals") for its backward
        self.vjp_all: Rule | None = None
        self.jvp_all: Rule | None = None
        self.residuals = residuals
        # format string for explain tables, e.g. "{0} * {1}", or a function of the node's
        # parameters that returns one
        self.expr = expr
        self.error_hint: Callable[..., str] | None = None
        PRIMITIVES[name] = self

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __call__(self, *args: Any, **params: Any) -> Any:
        """Dual call used inside rules: plain arrays go straight to ``impl`` (no recording,
        no checks: the fast path of first-order backward); Tensors go through ``apply``."""
        for a in (args[0] if self.variadic else args):
            if isinstance(a, Tensor):
                return apply(self, *args, **params)
        out = self.impl(*args, **params)
        return out[0] if self.residuals else out

    def vjp_rule(self, argnum: int) -> Rule:
        rule = self.vjps.get(argnum)
        if rule is None and self.vjp_all is not None:
            whole = self.vjp_all
            return lambda g, ans, *args, **p: whole(g, ans, *args, need=(argnum,), **p)[argnum]
        if rule is None and self.vjp_argnum is not None:
            general = self.vjp_argnum
            return lambda g, ans, *args, **p: general(argnum, g, ans, *args, **p)
        if rule is None:
            raise NotImplementedError(
                f"VJP of {self.name} with respect to argument {argnum} is not defined")
        return rule

    def jvp_rule(self, argnum: int) -> Rule:
        rule = self.jvps.get(argnum)
        if rule is None and self.jvp_all is not None:
            whole = self.jvp_all
            return lambda t, ans, *args, **p: whole(
                [t if j == argnum else None for j in range(len(args))], ans, *args, **p)
        if rule is None and self.jvp_argnum is not None:
            general = self.jvp_argnum
            return lambda t, ans, *args, **p: general(argnum, t, ans, *args, **p)
        if rule is None:
            raise NotImplementedError(
                f"JVP of {self.name} with respect to argument {argnum} is not defined")
        return rule


def defvjp(prim: Primitive, *rules: Rule | None) -> None:
    """Register the reverse rules of ``prim``, one per argument (``None``: not differentiable)."""
    for i, rule in enumerate(rules):
        if rule is not None:
            prim.vjps[i] = rule


def defjvp(prim: Primitive, *rules: Rule | None) -> None:
    """Register the forward rules of ``prim``, one per argument (``None``: not differentiable)."""
    for i, rule in enumerate(rules):
        if rule is not None:
            prim.jvps[i] = rule


def defvjp_all(prim: Primitive, rule: Rule) -> None:
    """One reverse rule for all arguments: ``rule(g, ans, *args, need=indices, **params)``
    returns a list of cotangents aligned with ``args`` (entries not in ``need`` may be
    None)."""
    prim.vjp_all = rule


def defjvp_all(prim: Primitive, rule: Rule) -> None:
    """One forward rule for all arguments: ``rule(tangents, ans, *args, **params)`` with
    ``tangents`` aligned with ``args`` (None where an argument has no tangent)."""
    prim.jvp_all = rule


def defvjp_argnum(prim: Primitive, rule: Rule) -> None:
    """One reverse rule ``rule(argnum, g, ans, *args, **params)`` for every argument."""
    prim.vjp_argnum = rule


def defjvp_argnum(prim: Primitive, rule: Rule) -> None:
    """One forward rule ``rule(argnum, x_dot, ans, *args, **params)`` for every argument."""
    prim.jvp_argnum = rule


_FLOATING = "f"
_FLOAT32 = np.dtype(np.float32)


def _raw(a: Any) -> Any:
    """A non-Tensor argument as NumPy sees it.

    float32/float16 NumPy scalars (which NumPy's own 0-d arithmetic returns inside rules)
    keep their dtype as 0-d arrays; other NumPy scalars (np.float64 is a Python float, and
    integers) become weak Python scalars, like ``2.0`` in ``x * 2.0``.
    """
    if isinstance(a, np.generic):
        if isinstance(a, np.floating) and not isinstance(a, float):
            return np.asarray(a)
        return a.item()
    return a


def _check_same_dtype(prim: Primitive, vals: list[Any]) -> None:
    """Refuse mixed float dtypes; cast integer arrays (in place in ``vals``) to the float
    dtype of the other operands, so float32 * int64 stays float32 as in PyTorch."""
    seen = None
    ints = False
    for v in vals:
        if type(v) is np.ndarray:
            dt = v.dtype
            if dt.kind == _FLOATING:
                if seen is None:
                    seen = dt
                elif dt is not seen and dt != seen:
                    raise TypeError(
                        f"{prim.name}: operands have dtypes {seen} and {dt}; chainrule never "
                        f"upcasts silently, cast one of them with .astype() first")
            elif dt.kind in "iu":
                ints = True
    if ints and seen is not None:
        for i, v in enumerate(vals):
            if type(v) is np.ndarray and v.dtype.kind in "iu":
                vals[i] = v.astype(seen)


def _describe(vals: list[Any]) -> str:
    parts = []
    for v in vals:
        if isinstance(v, np.ndarray):
            parts.append(f"{v.dtype}{list(v.shape)}")
        else:
            parts.append(type(v).__name__)
    return ", ".join(parts)


def apply(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Run ``prim`` on ``args``; record a reverse-mode node and push tangents when needed.

    Returns a plain ndarray when no argument is a Tensor, otherwise a Tensor. A recorded
    Tensor keeps ``_parents`` (the arguments), ``_vals`` (their arrays, as the forward saw
    them), ``_params`` and ``_grad_idx`` (which arguments need a cotangent).
    """
    if prim.variadic:
        seq = args[0] if len(args) == 1 else None
        if not isinstance(seq, (list, tuple)):
            raise TypeError(f"{prim.name} expects one sequence of arrays, got {len(args)} "
                            f"positional arguments")
        args = tuple(seq)
    vals = list(args)
    grad_idx = None
    has_tensor = False
    i = 0
    for a in args:
        if isinstance(a, Tensor):
            has_tensor = True
            vals[i] = a.data
            if a.requires_grad:
                if grad_idx is None:
                    grad_idx = [i]
                else:
                    grad_idx.append(i)
        elif isinstance(a, np.generic):
            vals[i] = _raw(a)
        i += 1
    if i > 1 and prim.same_dtype:
        v0, v1 = vals[0], vals[1]
        # two arrays of one dtype (the common case) need no check and no cast
        if i > 2 or type(v0) is not np.ndarray or type(v1) is not np.ndarray or \
                v0.dtype is not v1.dtype:
            _check_same_dtype(prim, vals)
    if prim.float_op:  # integer and boolean arrays become float32
        for v in vals:
            if type(v) is np.ndarray and v.dtype.kind in "iub":
                vals = [x.astype(_FLOAT32) if type(x) is np.ndarray and x.dtype.kind in "iub"
                        else x for x in vals]
                break
    try:
        out = prim.impl(*vals, **params) if not prim.variadic else prim.impl(vals, **params)
    except (ValueError, TypeError, IndexError) as exc:
        hint = None
        if prim.error_hint is not None:
            hint = prim.error_hint(vals, **params) if prim.variadic else \
                prim.error_hint(*vals, **params)
        msg = hint or f"{exc} (operands: {_describe(vals)})"
        raise type(exc)(f"{prim.name}: {msg}") from exc
    tracer = state.tracer
    if tracer is not None:
        tracer.forward(prim, args, vals, params, out)
    if prim.residuals:
        out, params["res"] = out  # kept for the fast backward; rules recompute on Tensors
    if not has_tensor:
        return out
    if type(out) is not np.ndarray:
        scalar, out = out, np.asarray(out)
        if tracer is not None:
            tracer.record(np.asarray, (scalar,), None, out)
    if grad_idx is not None and prim.differentiable and state.grad_enabled:
        # a recorded node, its fields set in line: this runs once per primitive call
        t = Tensor.__new__(Tensor)
        t.data = out
        t._grad = None
        t._tangent = None
        t.name = None
        t._seq = next_seq()
        t.requires_grad = True
        t._prim = prim
        t._parents = args
        t._params = params
        t._vals = vals
        t._grad_idx = grad_idx
    else:
        t = wrap_array(out)
    if state.fwd_level and prim.differentiable:
        if tracer is not None:
            from .tracing import Untraceable

            raise Untraceable("forward mode (jvp) inside a compiled function")
        _push_tangent(prim, t, args, params)
    return t


def _push_tangent(prim: Primitive, out: Tensor, args: tuple, params: dict) -> None:
    """Forward mode: out_dot = sum_i JVP_i(x_i_dot, ans, *args)."""
    tangents = [a._tangent if isinstance(a, Tensor) else None for a in args]
    if all(t is None for t in tangents):
        return
    as_tensors = out.requires_grad or any(
        isinstance(t, Tensor) and t.requires_grad for t in tangents)
    if as_tensors:
        ans: Any = out
        rule_args: Any = args
    else:
        ans = out.data
        rule_args = tuple(a.data if isinstance(a, Tensor) else a for a in args)
        tangents = [t.data if isinstance(t, Tensor) else t for t in tangents]
    total: Any = None
    level = state.fwd_level
    state.fwd_level = 0  # the rules' own ops carry no tangents (no nested forward mode)
    try:
        if prim.jvp_all is not None:
            total = prim.jvp_all(tangents, ans, *rule_args, **params)
        else:
            if prim.variadic:
                rule_args = (list(rule_args),)
            for i, t_dot in enumerate(tangents):
                if t_dot is not None:
                    contrib = prim.jvp_rule(i)(t_dot, ans, *rule_args, **params)
                    total = contrib if total is None else total + contrib
    finally:
        state.fwd_level = level
    from .ops.shape import broadcast_to_p  # local: ops import this module

    if total.shape != out.data.shape:
        total = broadcast_to_p(total, shape=out.data.shape)
    if getattr(total, "dtype", out.data.dtype) != out.data.dtype:
        total = total.astype(out.data.dtype)
    out._tangent = total
