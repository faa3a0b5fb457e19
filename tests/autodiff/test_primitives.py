"""Every differentiable primitive against finite differences (float64, both modes, order 2).

The cases live in ``conftest.py`` (one line per call: op, shapes, axis/keepdims, indices);
this file checks each of them and that together they cover every differentiable primitive
the autodiff package registers.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import numpy as np

import chainrule.autodiff as ad
from chainrule.autodiff import Tensor, toposort
from chainrule.testing import check_grads


def test_check_grads(prim_case: Any) -> None:
    check_grads(prim_case.fn, prim_case.args, modes=("fwd", "rev"), order=2)


def test_forward_values_match_numpy_for_simple_cases() -> None:
    x = np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]])
    y = np.array([[1.5, 0.5, -2.0]])
    tx, ty = Tensor(x), Tensor(y)
    np.testing.assert_allclose((tx * ty + tx / ty - ty).data, x * y + x / y - y)
    np.testing.assert_allclose(ad.ops.logsumexp(tx, axis=1).data,
                               np.log(np.exp(x).sum(axis=1)))
    np.testing.assert_allclose(ad.ops.sigmoid(tx).data, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(ad.ops.softplus(tx).data, np.log1p(np.exp(x)))
    np.testing.assert_allclose(ad.ops.var(tx, axis=0).data, x.var(axis=0))
    np.testing.assert_allclose(ad.ops.std(tx, axis=1, ddof=1).data, x.std(axis=1, ddof=1))
    np.testing.assert_allclose(ad.ops.softmax(tx).data,
                               np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True))
    labels = np.array([2, 0])
    np.testing.assert_allclose(
        ad.ops.softmax_cross_entropy(tx, labels).data,
        np.log(np.exp(x).sum(axis=1)) - x[np.arange(2), labels])


def _autodiff_primitives() -> set[str]:
    """Differentiable primitives defined by chainrule.autodiff's op modules."""
    names = set()
    for info in pkgutil.iter_modules(ad.ops.__path__):
        module = importlib.import_module(f"{ad.ops.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, ad.Primitive) and value.differentiable:
                names.add(value.name)
    return names


def test_every_differentiable_primitive_has_a_case(all_prim_cases: list[Any]) -> None:
    covered: set[str] = set()
    for case in all_prim_cases:
        out = case.fn(*[Tensor(a, requires_grad=True) for a in case.args])
        covered.update(t._prim.name for t in toposort(out) if t._prim is not None)
    own = _autodiff_primitives()
    assert own <= set(ad.PRIMITIVES)
    assert own - covered == set(), f"primitives without a gradient check: {own - covered}"


def _grad_of_sum(fn: Any, x: np.ndarray) -> np.ndarray:
    t = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    fn(t).sum().backward()
    return t.grad.data


def test_conventions_at_kinks_and_ties() -> None:
    """Where finite differences cannot decide, the documented choice (as PyTorch/JAX)."""
    xs = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(_grad_of_sum(ad.ops.relu, xs), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(_grad_of_sum(ad.ops.abs, xs), [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(_grad_of_sum(lambda t: ad.ops.clip(t, 0.0, 2.0), xs),
                                  [0.0, 1.0, 1.0])  # bounds inclusive
    np.testing.assert_array_equal(
        _grad_of_sum(lambda t: ad.ops.maximum(t, np.zeros(3)), xs), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(
        _grad_of_sum(lambda t: ad.ops.minimum(t, np.zeros(3)), xs), [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(_grad_of_sum(ad.ops.max, [1.0, 3.0, 3.0, 2.0]),
                                  [0.0, 0.5, 0.5, 0.0])
    np.testing.assert_array_equal(
        _grad_of_sum(lambda t: ad.ops.min(t, axis=1), [[1.0, 1.0, 1.0], [0.0, 2.0, 0.0]]),
        [[1 / 3, 1 / 3, 1 / 3], [0.5, 0.0, 0.5]])


def test_power_at_zero_base() -> None:
    """d/dx x^0 = 0 and d/dx x^2 = 0 at x = 0 (no 0 * inf = nan); d/dy x^y = 0 at x = 0."""
    zeros = np.zeros(2)
    np.testing.assert_array_equal(_grad_of_sum(lambda t: t ** 0.0, zeros), [0.0, 0.0])
    np.testing.assert_array_equal(_grad_of_sum(lambda t: t ** 2, zeros), [0.0, 0.0])
    y = np.array([0.0, 2.0])
    np.testing.assert_array_equal(_grad_of_sum(lambda t: t ** Tensor(y), zeros), [0.0, 0.0])
    np.testing.assert_array_equal(_grad_of_sum(lambda t: Tensor(zeros) ** t, y), [0.0, 0.0])
    second = ad.grad(lambda a: ad.grad(lambda b: (b ** Tensor(y)).sum())(a).sum())(zeros)
    np.testing.assert_array_equal(second.data, [0.0, 2.0])  # y (y - 1) x^(y-2), 0^0 = 1


def test_squared_error_on_python_numbers_lists_and_integers() -> None:
    """Integer data is squared in floating point (as every float op casts it), Python
    floats stay weak scalars next to float32 arrays."""
    mean = ad.ops.squared_error([1, 2], [0, 0], "mean")
    assert mean.dtype == np.float32 and mean.item() == 2.5
    assert ad.ops.squared_error(1.0, 2.0, "sum", half=True).item() == 0.5
    x = np.array([1.0, 3.0], dtype=np.float32)
    per = ad.ops.squared_error(x, 0.5)
    assert per.dtype == np.float32
    np.testing.assert_array_equal(per.data, [0.25, 6.25])
