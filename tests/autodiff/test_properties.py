"""Property-based tests (hypothesis) of the elementwise and broadcasting ops: random shapes
that broadcast, random float64 values in safe ranges; results equal NumPy's, gradients
equal finite differences, and forward and reverse mode agree."""
from __future__ import annotations

from typing import Any, Callable

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule import Tensor, jvp, vjp
from chainrule.autodiff import ops
from chainrule.testing import check_grads

SETTINGS = settings(max_examples=30, deadline=None, database=None)


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def half_integers(lo: int = -20, hi: int = 20) -> st.SearchStrategy[float]:
    """k + 0.5: never 0 and never equal to an integer, so no kinks or ties are hit."""
    return st.integers(lo, hi).map(lambda k: k / 4.0 + 0.125)


def integers_as_floats(lo: int = -20, hi: int = 20) -> st.SearchStrategy[float]:
    return st.integers(lo, hi).map(lambda k: k / 4.0)


@st.composite
def broadcast_pair(draw: Any, x_elems: st.SearchStrategy[float],
                   y_elems: st.SearchStrategy[float]) -> tuple[np.ndarray, np.ndarray]:
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                    max_side=3))
    sx, sy = shapes.input_shapes
    x = draw(hnp.arrays(np.float64, sx, elements=x_elems))
    y = draw(hnp.arrays(np.float64, sy, elements=y_elems))
    return x, y


BINARY: dict[str, tuple[Callable[..., Any], Callable[..., Any], Any, Any]] = {
    # name: (chainrule op, numpy op, x elements, y elements)
    "add": (ops.add, np.add, floats(-5, 5), floats(-5, 5)),
    "subtract": (ops.subtract, np.subtract, floats(-5, 5), floats(-5, 5)),
    "multiply": (ops.multiply, np.multiply, floats(-5, 5), floats(-5, 5)),
    "divide": (ops.divide, np.divide, floats(-5, 5), floats(0.5, 5)),
    "power": (ops.power, np.power, floats(0.5, 3), floats(-2, 2)),
    "maximum": (ops.maximum, np.maximum, integers_as_floats(), half_integers()),
    "minimum": (ops.minimum, np.minimum, half_integers(), integers_as_floats()),
}


def _binary_property(name: str) -> Callable[..., None]:
    op, np_op, xe, ye = BINARY[name]

    @SETTINGS
    @given(pair=broadcast_pair(xe, ye))
    def check(pair: tuple[np.ndarray, np.ndarray]) -> None:
        x, y = pair
        out = op(Tensor(x), Tensor(y))
        want = np_op(x, y)
        assert out.shape == np.shape(want) and out.dtype == np.float64
        np.testing.assert_allclose(out.data, want, rtol=1e-15, atol=0)
        check_grads(op, (x, y), modes=("fwd", "rev"), order=1)

    check.__name__ = f"test_{name}_matches_numpy_and_finite_differences"
    return check


test_add = _binary_property("add")
test_subtract = _binary_property("subtract")
test_multiply = _binary_property("multiply")
test_divide = _binary_property("divide")
test_power = _binary_property("power")
test_maximum = _binary_property("maximum")
test_minimum = _binary_property("minimum")


UNARY: dict[str, tuple[Callable[..., Any], Callable[..., Any], Any]] = {
    "exp": (ops.exp, np.exp, floats(-5, 5)),
    "log": (ops.log, np.log, floats(0.1, 10)),
    "sqrt": (ops.sqrt, np.sqrt, floats(0.1, 10)),
    "log1p": (ops.log1p, np.log1p, floats(-0.5, 5)),
    "expm1": (ops.expm1, np.expm1, floats(-5, 5)),
    "sin": (ops.sin, np.sin, floats(-5, 5)),
    "cos": (ops.cos, np.cos, floats(-5, 5)),
    "tanh": (ops.tanh, np.tanh, floats(-5, 5)),
    "negative": (ops.negative, np.negative, floats(-5, 5)),
    "abs": (ops.abs, np.abs, half_integers()),
    "relu": (ops.relu, lambda a: np.maximum(a, 0.0), half_integers()),
    "sigmoid": (ops.sigmoid, lambda a: 1.0 / (1.0 + np.exp(-a)), floats(-20, 20)),
    "softplus": (ops.softplus, lambda a: np.logaddexp(0.0, a), floats(-20, 20)),
}


@SETTINGS
@given(name=st.sampled_from(sorted(UNARY)), data=st.data())
def test_unary_ops_match_numpy_and_finite_differences(name: str, data: Any) -> None:
    op, np_op, elems = UNARY[name]
    x = data.draw(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
                             elements=elems))
    out = op(Tensor(x))
    np.testing.assert_allclose(out.data, np_op(x), rtol=1e-14, atol=1e-300)
    check_grads(op, (x,), modes=("fwd", "rev"), order=1)


@SETTINGS
@given(pair=broadcast_pair(floats(-5, 5), floats(-5, 5)))
def test_broadcast_gradients_count_the_copies(pair: tuple[np.ndarray, np.ndarray]) -> None:
    """d sum(x + y)/dx = how many output entries each entry of x was broadcast to."""
    x, y = pair
    out_size = np.broadcast(x, y).size
    tx, ty = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    (tx + ty).sum().backward()
    assert tx.grad.shape == x.shape and ty.grad.shape == y.shape
    np.testing.assert_array_equal(tx.grad.data, np.full(x.shape, out_size / max(x.size, 1)))
    np.testing.assert_array_equal(ty.grad.data, np.full(y.shape, out_size / max(y.size, 1)))


@SETTINGS
@given(pair=broadcast_pair(floats(-3, 3), floats(0.5, 3)), seed=st.integers(0, 2 ** 16))
def test_forward_and_reverse_mode_are_dual(pair: tuple[np.ndarray, np.ndarray],
                                           seed: int) -> None:
    """<u, J v> from jvp equals <J^T u, v> from vjp, to rounding (no finite differences)."""
    x, y = pair
    rng = np.random.default_rng(seed)

    def f(a: Tensor, b: Tensor) -> Tensor:
        return ops.tanh(a * b) / b + ops.sigmoid(a - b) * ops.exp(-b)

    vx, vy = rng.standard_normal(x.shape), rng.standard_normal(y.shape)
    out, t = jvp(f, (x, y), (vx, vy))
    u = rng.standard_normal(out.shape)
    gx, gy = vjp(f, x, y)[1](u)
    lhs = float(np.vdot(u, t.data))
    rhs = float(np.vdot(gx.data, vx) + np.vdot(gy.data, vy))
    scale = float(np.abs(u).sum() * np.abs(t.data).max(initial=0.0)) + 1.0
    assert abs(lhs - rhs) <= 1e-12 * scale


@SETTINGS
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                    elements=floats(-5, 5)),
       data=st.data())
def test_reductions_match_numpy(x: np.ndarray, data: Any) -> None:
    axis = data.draw(st.sampled_from([None, 0, -1, x.ndim - 1]))
    keepdims = data.draw(st.booleans())
    t = Tensor(x)
    for ours, theirs in ((ops.sum, np.sum), (ops.mean, np.mean), (ops.max, np.max),
                         (ops.min, np.min), (ops.var, np.var)):
        got = ours(t, axis=axis, keepdims=keepdims)
        want = theirs(x, axis=axis, keepdims=keepdims)
        assert got.shape == np.shape(want)
        np.testing.assert_allclose(got.data, want, rtol=1e-13, atol=1e-13)
    lse = ops.logsumexp(t, axis=axis, keepdims=keepdims)
    m = np.max(x, axis=axis, keepdims=True)
    want = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    np.testing.assert_allclose(lse.data, want if keepdims else np.squeeze(want, axis=axis),
                               rtol=1e-13)
    check_grads(lambda a: ops.logsumexp(a, axis=axis, keepdims=keepdims), (x,), order=1)


@SETTINGS
@given(pair=broadcast_pair(floats(-5, 5), floats(-5, 5)), data=st.data())
def test_where_broadcasts_and_routes_gradients(pair: tuple[np.ndarray, np.ndarray],
                                               data: Any) -> None:
    x, y = pair
    shape = np.broadcast_shapes(x.shape, y.shape)
    cond = data.draw(hnp.arrays(np.bool_, shape))
    tx, ty = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    out = ops.where(cond, tx, ty)
    np.testing.assert_array_equal(out.data, np.where(cond, x, y))
    out.sum().backward()
    np.testing.assert_array_equal(tx.grad.data, np_sum_to(np.where(cond, 1.0, 0.0), x.shape))
    np.testing.assert_array_equal(ty.grad.data, np_sum_to(np.where(cond, 0.0, 1.0), y.shape))


def np_sum_to(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Plain-NumPy reference for undoing broadcasting."""
    lead = a.ndim - len(shape)
    a = a.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and a.shape[i] != 1)
    return a.sum(axis=axes, keepdims=True).reshape(shape)
