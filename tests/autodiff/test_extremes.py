"""Stable ops at extreme inputs (+-1000) in float32 and float64: values and gradients are
finite and equal to the exact limits, and no RuntimeWarning (overflow, log(0)) is raised."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from chainrule import Tensor, grad, jvp
from chainrule.autodiff import ops

pytestmark = [pytest.mark.filterwarnings("error"),
              pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])]

BIG = [-1000.0, 1000.0]


def leaf(values: Any, dtype: Any) -> Tensor:
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def value_grad_tangent(fn: Callable[[Tensor], Tensor], values: Any,
                       dtype: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """fn(x), d sum(fn)/dx by backward, and the forward-mode tangent along ones."""
    x = leaf(values, dtype)
    out = fn(x)
    out.sum().backward()
    _, t = jvp(fn, (x.data,), (np.ones(x.shape, dtype=dtype),))
    for a in (out, x.grad, t):
        assert a.dtype == dtype
        assert np.all(np.isfinite(a.data))
    return out.data, x.grad.data, t.data


def test_sigmoid(dtype: Any) -> None:
    val, g, t = value_grad_tangent(ops.sigmoid, BIG, dtype)
    np.testing.assert_array_equal(val, [0.0, 1.0])
    np.testing.assert_array_equal(g, [0.0, 0.0])
    np.testing.assert_array_equal(t, [0.0, 0.0])
    mid, gmid, _ = value_grad_tangent(ops.sigmoid, [-30.0, 0.0, 30.0], dtype)
    np.testing.assert_allclose(mid, [np.exp(-30.0), 0.5, 1.0], rtol=1e-6)
    # sigma' = sigma (1 - sigma): absolutely (not relatively) accurate where sigma ~ 1
    np.testing.assert_allclose(gmid, [np.exp(-30.0), 0.25, np.exp(-30.0)], rtol=1e-5,
                               atol=1e-7 if dtype == np.float32 else 1e-15)


def test_sigmoid_second_derivative(dtype: Any) -> None:
    d2 = grad(lambda x: grad(lambda y: ops.sigmoid(y).sum())(x).sum())(
        np.asarray(BIG, dtype=dtype))
    assert d2.dtype == dtype
    np.testing.assert_array_equal(d2.data, [0.0, 0.0])


def test_softplus(dtype: Any) -> None:
    val, g, t = value_grad_tangent(ops.softplus, BIG, dtype)
    np.testing.assert_array_equal(val, [0.0, 1000.0])  # e^-1000 underflows to 0
    np.testing.assert_array_equal(g, [0.0, 1.0])
    np.testing.assert_array_equal(t, [0.0, 1.0])
    small, _, _ = value_grad_tangent(ops.softplus, [-20.0, 0.0, 20.0], dtype)
    np.testing.assert_allclose(small, [np.exp(-20.0), np.log(2.0), 20.0], rtol=1e-6)


@pytest.mark.parametrize("values, want, want_grad", [
    ([1000.0, 1000.0], 1000.0 + np.log(2.0), [0.5, 0.5]),
    ([-1000.0, -1000.0], -1000.0 + np.log(2.0), [0.5, 0.5]),
    ([1000.0, -1000.0], 1000.0, [1.0, 0.0]),
    ([-1000.0, 0.0, -1000.0], 0.0, [0.0, 1.0, 0.0]),
])
def test_logsumexp(dtype: Any, values: list[float], want: float,
                   want_grad: list[float]) -> None:
    val, g, t = value_grad_tangent(ops.logsumexp, values, dtype)
    np.testing.assert_allclose(val, want, rtol=1e-7)
    np.testing.assert_allclose(g, want_grad, atol=1e-7)
    np.testing.assert_allclose(t, 1.0, rtol=1e-6)  # sum of the softmax weights


def test_logsumexp_rows_with_axis(dtype: Any) -> None:
    z = [[1000.0, -1000.0, 999.0], [-1000.0, -1000.0, -1000.0]]
    val, g, _ = value_grad_tangent(lambda x: ops.logsumexp(x, axis=1), z, dtype)
    np.testing.assert_allclose(val, [1000.0 + np.log1p(np.exp(-1.0)), -1000.0 + np.log(3.0)],
                               rtol=1e-7)
    e = np.exp(-1.0)
    np.testing.assert_allclose(g, [[1 / (1 + e), 0.0, e / (1 + e)], [1 / 3, 1 / 3, 1 / 3]],
                               rtol=1e-6, atol=1e-7)


def test_softmax_and_log_softmax(dtype: Any) -> None:
    z = [1000.0, -1000.0, 0.0]
    val, g, _ = value_grad_tangent(ops.softmax, z, dtype)
    np.testing.assert_array_equal(val, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(g, 0.0, atol=1e-7)  # the softmax sums to 1
    val, g, t = value_grad_tangent(ops.log_softmax, z, dtype)
    np.testing.assert_array_equal(val, [0.0, -2000.0, -1000.0])
    np.testing.assert_allclose(g, [1 - 3.0, 1.0, 1.0], atol=1e-7)  # 1 - n * softmax
    np.testing.assert_allclose(t, [0.0, 0.0, 0.0], atol=1e-7)


@pytest.mark.parametrize("label, loss, dz", [
    (0, 0.0, [0.0, 0.0, 0.0]),
    (1, 2000.0, [1.0, -1.0, 0.0]),
    (2, 1000.0, [1.0, 0.0, -1.0]),
])
def test_softmax_cross_entropy(dtype: Any, label: int, loss: float, dz: list[float]) -> None:
    labels = np.array([label])
    val, g, _ = value_grad_tangent(lambda z: ops.softmax_cross_entropy(z, labels),
                                   [[1000.0, -1000.0, 0.0]], dtype)
    np.testing.assert_array_equal(val, [loss])
    np.testing.assert_allclose(g, [dz], atol=1e-7)


@pytest.mark.parametrize("z, target, loss, dz", [
    (1000.0, 1.0, 0.0, 0.0),
    (1000.0, 0.0, 1000.0, 1.0),
    (-1000.0, 1.0, 1000.0, -1.0),
    (-1000.0, 0.0, 0.0, 0.0),
    (1000.0, 0.25, 750.0, 0.75),
])
def test_sigmoid_binary_cross_entropy(dtype: Any, z: float, target: float, loss: float,
                                      dz: float) -> None:
    t = np.asarray(target, dtype=dtype)
    val, g, tan = value_grad_tangent(lambda x: ops.sigmoid_binary_cross_entropy(x, t), z,
                                     dtype)
    assert val == loss and g == dz and tan == dz


def test_tanh_exp_and_log_paths(dtype: Any) -> None:
    val, g, _ = value_grad_tangent(ops.tanh, BIG, dtype)
    np.testing.assert_array_equal(val, [-1.0, 1.0])
    np.testing.assert_array_equal(g, [0.0, 0.0])
    val, _, _ = value_grad_tangent(lambda x: ops.log_softmax(x)[0], [[-1000.0, 1000.0]],
                                   dtype)
    np.testing.assert_array_equal(val, [-2000.0, 0.0])
