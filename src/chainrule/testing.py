"""Gradient checking that ships with the library.

``check_grads(f, args)`` compares chainrule's derivatives of ``f`` with central finite
differences in float64, along random directions:

* reverse mode:  <u, J v>_numerical  ==  sum_i <vjp(u)_i, v_i>
* forward mode:  J v_numerical       ==  jvp(f, args, v)    (every output entry)

and, for ``order=2``, checks the derivative functions themselves the same way
(reverse-over-reverse, forward-over-reverse and reverse-over-forward; forward-over-forward
needs nested ``jvp``, which chainrule does not support). A rule wrong by a factor of 1.001
fails: the default tolerance is 1e-6 relative.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .autodiff import Tensor, as_tensor, jvp, no_grad, vjp
from .autodiff import concatenate, reshape

EPS = 1e-6
RTOL = 1e-6
ATOL = 1e-9


class GradientCheckError(AssertionError):
    """Raised when a derivative disagrees with finite differences."""


def _as_float64(args: Sequence[Any]) -> tuple[np.ndarray, ...]:
    out = []
    for i, a in enumerate(args):
        arr = np.asarray(a.data if isinstance(a, Tensor) else a)
        if arr.dtype.kind not in "fiu":
            raise TypeError(f"check_grads: argument {i} has dtype {arr.dtype}; expected numbers")
        out.append(arr.astype(np.float64))
    return tuple(out)


def _call(f: Callable[..., Any], xs: Sequence[Any]) -> np.ndarray:
    with no_grad():
        out = as_tensor(f(*[Tensor(x) for x in xs]))
    return np.asarray(out.data, dtype=np.float64)


def numerical_jvp(f: Callable[..., Any], xs: Sequence[np.ndarray], vs: Sequence[np.ndarray],
                  eps: float = EPS) -> np.ndarray:
    """(f(x + eps v) - f(x - eps v)) / (2 eps): the directional derivative J v."""
    plus = _call(f, [x + eps * v for x, v in zip(xs, vs)])
    minus = _call(f, [x - eps * v for x, v in zip(xs, vs)])
    return (plus - minus) / (2 * eps)


def _close(name: str, got: np.ndarray, want: np.ndarray, scale: float, rtol: float,
           atol: float) -> None:
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    err = np.max(np.abs(got - want)) if got.size else 0.0
    tol = atol + rtol * max(scale, 1e-300)
    if not np.isfinite(err) or err > tol:
        raise GradientCheckError(
            f"{name}: derivative disagrees with finite differences: got {got!r}, expected "
            f"{want!r} (max abs error {err:.3e} > tolerance {tol:.3e})")


def _flat(outputs: Sequence[Tensor]) -> Tensor:
    return concatenate([reshape(o, (-1,)) for o in outputs])


def check_grads(f: Callable[..., Any], args: Sequence[Any], modes: Sequence[str] = ("fwd", "rev"),
                order: int = 2, eps: float = EPS, rtol: float = RTOL, atol: float = ATOL,
                seed: int = 0) -> None:
    """Raise :class:`GradientCheckError` unless ``f``'s derivatives match finite differences.

    ``f`` takes Tensors (one per entry of ``args``) and returns a Tensor of any shape.
    All arguments are checked, in float64.
    """
    for m in modes:
        if m not in ("fwd", "rev"):
            raise ValueError(f"check_grads: unknown mode {m!r}; expected 'fwd' or 'rev'")
    if order < 1:
        raise ValueError(f"check_grads: order must be >= 1, got {order}")
    xs = _as_float64(args)
    rng = np.random.default_rng(seed)
    vs = tuple(rng.standard_normal(x.shape) for x in xs)
    num = numerical_jvp(f, xs, vs, eps)
    name = getattr(f, "__name__", "f")
    if "fwd" in modes:
        _, t = jvp(f, tuple(Tensor(x) for x in xs), tuple(Tensor(v) for v in vs))
        _close(f"{name} (forward mode)", t.data, num, float(np.max(np.abs(num), initial=0.0)),
               rtol, atol)
    if "rev" in modes:
        out, pullback = vjp(f, *[Tensor(x) for x in xs])
        u = rng.standard_normal(out.shape)
        grads = pullback(u)
        got = sum(float(np.vdot(g.data, v)) for g, v in zip(grads, vs))
        want = float(np.vdot(u, num))
        scale = float(np.abs(u).ravel() @ np.abs(num).ravel()) + sum(
            float(np.abs(g.data).ravel() @ np.abs(v).ravel()) for g, v in zip(grads, vs))
        _close(f"{name} (reverse mode)", np.array(got), np.array(want), scale, rtol, atol)
    if order > 1:
        # the derivative functions, checked one order lower (looser: they are differenced)
        if "rev" in modes:
            u = rng.standard_normal(_call(f, xs).shape)

            def f_vjp(*ys: Tensor) -> Tensor:
                return _flat(vjp(f, *ys)[1](u))

            f_vjp.__name__ = f"vjp({name})"
            check_grads(f_vjp, xs, modes, order - 1, eps, rtol * 10, atol * 10, seed + 1)
        if "fwd" in modes:
            def f_jvp(*ys: Tensor) -> Tensor:
                return jvp(f, ys, tuple(Tensor(v) for v in vs))[1]

            f_jvp.__name__ = f"jvp({name})"
            check_grads(f_jvp, xs, ("rev",), order - 1, eps, rtol * 10, atol * 10, seed + 2)
