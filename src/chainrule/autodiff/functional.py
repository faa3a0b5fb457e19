"""The functional API, JAX style: ``grad``, ``value_and_grad``, ``vjp``, ``jvp``, ``hvp``,
``jacobian``.

Arguments may be Tensors, arrays, numbers, or nested dicts/lists/tuples of them.
Results are Tensors (shaped like the arguments). Transformations compose:
``grad(grad(f))`` is the second derivative, ``jvp(grad(f), ...)`` forward-over-reverse.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ._state import enable_grad, state
from .backprop import backprop
from .tensor import Tensor, as_tensor
from .tree import tree_flatten, tree_unflatten


def _leaf_for(x: Any) -> Tensor:
    """A tensor to differentiate with respect to.

    An argument that is already being traced (it requires grad: an outer ``grad`` is
    watching) is used as is, so the result stays differentiable for the outer level.
    """
    if isinstance(x, Tensor) and x.requires_grad:
        return x
    t = as_tensor(x)
    if t.dtype.kind != "f":
        raise TypeError(f"cannot differentiate with respect to an argument of dtype {t.dtype};"
                        f" expected a floating-point array (e.g. 1.0 instead of 1)")
    leaf = Tensor(t.data, requires_grad=True)
    leaf._tangent = t._tangent
    return leaf


def _argnums_tuple(argnums: int | Sequence[int], n_args: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not -n_args <= i < n_args:
            raise ValueError(f"argnums {argnums} out of range for a call with {n_args} "
                             f"positional arguments")
    return tuple(i % n_args for i in nums)


def _scalar_output(out: Any, fname: str) -> Tensor:
    if not isinstance(out, Tensor):
        out = as_tensor(out)
    if out.size != 1:
        raise ValueError(f"{fname}: the function must return a scalar, got shape {out.shape};"
                         f" use vjp or jacobian for non-scalar outputs")
    if out.dtype.kind != "f":
        raise TypeError(f"{fname}: the function returned dtype {out.dtype}; expected a "
                        f"floating-point scalar")
    return out


def _gradients(out: Tensor, leaves: list[Tensor], seed: Any = None,
               create: bool = False) -> list[Tensor]:
    """d out / d leaf for each leaf (zeros where out does not depend on it)."""
    got: dict[int, Any] = {}
    if out.requires_grad:
        got = backprop(out, seed, create_graph=create, targets=leaves, accumulate=False)
    grads = []
    for leaf in leaves:
        g = got.get(id(leaf))
        if g is None:
            g = np.zeros(leaf.shape, dtype=leaf.dtype)
        grads.append(g if isinstance(g, Tensor) else Tensor(g))
    return grads


_DEPTH = [0]  # how many grad/vjp transformations are running (nesting)


def _must_record(leaves: list[Tensor], given: list[Any]) -> bool:
    """Keep the backward graph when an enclosing transformation may differentiate it."""
    return (_DEPTH[0] > 0 or state.fwd_level > 0
            or any(leaf is x for leaf, x in zip(leaves, given)))


def value_and_grad(fun: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """``fun``'s value and its gradient with respect to the arguments in ``argnums``.

    Returns ``(value, grad)``, or ``((value, aux), grad)`` with ``has_aux``; ``grad`` is a
    tuple when ``argnums`` is a sequence.
    """

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums_tuple(argnums, len(args))
        call_args = list(args)
        specs = {}
        all_leaves: list[Tensor] = []
        for i in nums:
            flat, spec = tree_flatten(args[i])
            leaves = [_leaf_for(x) for x in flat]
            specs[i] = (spec, len(all_leaves), len(leaves))
            all_leaves.extend(leaves)
            call_args[i] = tree_unflatten(spec, leaves)
        given = [x for i in nums for x in tree_flatten(args[i])[0]]
        create = _must_record(all_leaves, given)
        _DEPTH[0] += 1
        try:
            with enable_grad():
                out = fun(*call_args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise TypeError("value_and_grad(has_aux=True): the function must return "
                                    "a pair (output, aux)")
                out, aux = out
            out = _scalar_output(out, "grad")
            grads = _gradients(out, all_leaves, create=create)
        finally:
            _DEPTH[0] -= 1
        per_arg = []
        for i in nums:
            spec, start, n = specs[i]
            per_arg.append(tree_unflatten(spec, grads[start:start + n]))
        g = per_arg[0] if isinstance(argnums, int) else tuple(per_arg)
        value = out.reshape(()) if out.ndim else out
        if not create:  # top level: do not hand back (and keep alive) the forward graph
            value = value.detach()
        return ((value, aux), g) if has_aux else (value, g)

    wrapped.__name__ = f"value_and_grad({getattr(fun, '__name__', 'f')})"
    return wrapped


def grad(fun: Callable[..., Any], argnums: int | Sequence[int] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """The gradient of a scalar function: ``grad(f)(x)`` = df/dx, shaped like ``x``."""
    vg = value_and_grad(fun, argnums, has_aux)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        (value, g) = vg(*args, **kwargs)
        if has_aux:
            return g, value[1]
        return g

    wrapped.__name__ = f"grad({getattr(fun, '__name__', 'f')})"
    return wrapped


def vjp(fun: Callable[..., Any], *primals: Any) -> tuple[Tensor, Callable[[Any], tuple]]:
    """``(out, vjp_fn)`` where ``vjp_fn(u)`` = uᵀ J, one result per primal."""
    leaves = [_leaf_for(p) for p in primals]
    create = _must_record(leaves, list(primals))
    _DEPTH[0] += 1
    try:
        with enable_grad():
            out = as_tensor(fun(*leaves))
    finally:
        _DEPTH[0] -= 1

    def vjp_fn(cotangent: Any) -> tuple[Tensor, ...]:
        u = cotangent if isinstance(cotangent, Tensor) else np.asarray(cotangent,
                                                                      dtype=out.dtype)
        if u.shape != out.shape:
            raise ValueError(f"vjp: the cotangent has shape {u.shape}, expected the output's "
                             f"shape {out.shape}")
        return tuple(_gradients(out, leaves, seed=u, create=create or _DEPTH[0] > 0))

    return out, vjp_fn


def jvp(fun: Callable[..., Any], primals: Sequence[Any],
        tangents: Sequence[Any]) -> tuple[Tensor, Tensor]:
    """Forward mode: ``(f(primals), J @ tangents)``, pushing tangents through each primitive."""
    if not isinstance(primals, (list, tuple)) or not isinstance(tangents, (list, tuple)):
        raise TypeError("jvp: primals and tangents must be tuples, e.g. jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents")
    if state.fwd_level:
        raise NotImplementedError("jvp: nested forward mode (jvp inside jvp) is not "
                                  "supported; use reverse mode for the inner derivative")
    inputs = []
    for p, t in zip(primals, tangents):
        x = p if isinstance(p, Tensor) else as_tensor(p)
        if x.dtype.kind != "f":
            raise TypeError(f"jvp: primal of dtype {x.dtype}; expected a floating-point array")
        t_arr = t if isinstance(t, Tensor) else as_tensor(np.asarray(t, dtype=x.dtype))
        if t_arr.shape != x.shape:
            raise ValueError(f"jvp: tangent of shape {t_arr.shape} for a primal of shape "
                             f"{x.shape}; expected equal shapes")
        if t_arr.dtype != x.dtype:
            t_arr = t_arr.astype(x.dtype)
        # a fresh node carrying the tangent, still connected to x's graph if it has one
        xin = x * 1.0 if x.requires_grad else Tensor(x.data)
        xin._tangent = t_arr if t_arr.requires_grad else t_arr.data
        inputs.append(xin)
    state.fwd_level += 1
    try:
        out = as_tensor(fun(*inputs))
    finally:
        state.fwd_level -= 1
    t_out = out._tangent
    out._tangent = None
    if t_out is None:
        t_out = np.zeros(out.shape, dtype=out.dtype if out.dtype.kind == "f" else np.float32)
    return out, t_out if isinstance(t_out, Tensor) else Tensor(t_out)


def hvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """Hessian-vector product H v of a scalar function (reverse over reverse).

    Returns one result per primal (a tuple when there are several).
    """
    if not isinstance(primals, (list, tuple)):
        primals, tangents = (primals,), (tangents,)
    n = len(primals)

    def inner(*xs: Any) -> Tensor:
        gs = grad(fun, argnums=tuple(range(n)))(*xs)
        total = None
        for g, v in zip(gs, tangents):
            term = (g * as_tensor(np.asarray(v.data if isinstance(v, Tensor) else v,
                                             dtype=g.dtype))).sum()
            total = term if total is None else total + term
        return total

    out = grad(inner, argnums=tuple(range(n)))(*primals)
    return out[0] if n == 1 else out


def jacobian(fun: Callable[[Any], Any], mode: str = "rev") -> Callable[[Any], Tensor]:
    """The Jacobian of ``fun`` at ``x``, shaped ``out.shape + x.shape``.

    ``mode="rev"`` builds it row by row with VJPs, ``"fwd"`` column by column with JVPs.
    """
    if mode not in ("rev", "fwd"):
        raise ValueError(f"jacobian: mode must be 'rev' or 'fwd', got {mode!r}")

    def wrapped(x: Any) -> Tensor:
        x = as_tensor(x)
        if mode == "rev":
            out, pullback = vjp(fun, x)
            rows = []
            for k in range(out.size):
                u = np.zeros(out.size, dtype=out.dtype)
                u[k] = 1
                rows.append(pullback(u.reshape(out.shape))[0].data)
            jac = np.stack(rows).reshape(out.shape + x.shape) if rows else \
                np.zeros(out.shape + x.shape, dtype=x.dtype)
            return Tensor(jac)
        cols = []
        out_shape: tuple[int, ...] = ()
        for k in range(x.size):
            v = np.zeros(x.size, dtype=x.dtype)
            v[k] = 1
            out, t = jvp(fun, (x,), (v.reshape(x.shape),))
            out_shape = out.shape
            cols.append(t.data.reshape(-1))
        if not cols:
            out_shape = as_tensor(fun(x)).shape
            return Tensor(np.zeros(out_shape + x.shape, dtype=x.dtype))
        jac = np.stack(cols, axis=-1).reshape(out_shape + x.shape)
        return Tensor(jac)

    return wrapped
