"""The PyTorch-style reverse-mode API: ``backward``, ``.grad``, ``zero_grad``, ``no_grad``,
``detach``, ``requires_grad``."""
from __future__ import annotations


import numpy as np
import pytest

import chainrule as cr
from chainrule import Tensor
from chainrule.autodiff import ops


def f64(x: object, requires_grad: bool = True) -> Tensor:
    return Tensor(np.asarray(x, dtype=np.float64), requires_grad=requires_grad)


def test_grad_lands_on_leaves_only() -> None:
    x = f64([1.0, 2.0])
    h = x * 2.0
    (h * h).sum().backward()
    np.testing.assert_allclose(x.grad.data, 8 * x.data)
    assert h.grad is None
    assert x.is_leaf and not h.is_leaf


def test_backward_twice_accumulates_the_same_gradient_again() -> None:
    """d/dx (x*x)*(x*x) = 4x^3 = 108 at x = 3; a second backward on the same graph adds
    108 again (216), it does not double-count inner nodes (micrograd gives 324)."""
    x = f64(3.0)
    y = (x * x) * (x * x)
    y.backward()
    assert x.grad.item() == 108.0
    y.backward()
    assert x.grad.item() == 216.0


def test_zero_grad_resets_accumulation() -> None:
    x = f64(3.0)
    y = (x * x) * (x * x)
    y.backward()
    x.zero_grad()
    assert x.grad is None
    y.backward()
    assert x.grad.item() == 108.0


def test_accumulation_across_different_graphs() -> None:
    x = f64([1.0, 2.0])
    (x * x).sum().backward()
    (3.0 * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data + 3.0)


def test_grad_is_a_copy_not_an_alias_of_internal_buffers() -> None:
    x = f64([1.0, 2.0])
    y = x * 1.0
    seed = np.array([1.0, 1.0])
    y.backward(seed)
    x.grad.data[...] = 0.0
    np.testing.assert_array_equal(seed, [1.0, 1.0])
    y.backward(seed)
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_no_grad_records_nothing() -> None:
    x = f64([1.0, 2.0])
    with cr.no_grad():
        y = ops.exp(x) * x
        assert not cr.is_grad_enabled()
    assert cr.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y._parents == ()
    with pytest.raises(ValueError, match="does not depend on any tensor that requires grad"):
        y.sum().backward()


def test_no_grad_as_decorator_and_enable_grad_inside() -> None:
    x = f64(2.0)

    @cr.no_grad()
    def f(t: Tensor) -> tuple[Tensor, Tensor]:
        a = t * t
        with cr.enable_grad():
            b = t * t
        return a, b

    a, b = f(x)
    assert not a.requires_grad
    assert b.requires_grad
    b.backward()
    assert x.grad.item() == 4.0
    assert cr.is_grad_enabled()


def test_no_grad_restores_state_after_an_exception() -> None:
    with pytest.raises(RuntimeError):
        with cr.no_grad():
            raise RuntimeError("boom")
    assert cr.is_grad_enabled()


def test_detach_cuts_the_graph_and_shares_data() -> None:
    x = f64([1.0, 2.0])
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.is_leaf
    y = (x * d).sum()  # d is a constant: dy/dx = d = 2x
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)
    assert x.detach().data is x.data


def test_requires_grad_only_on_floats() -> None:
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        Tensor(np.array([1, 2]), requires_grad=True)
    with pytest.raises(TypeError, match="int64"):
        Tensor(np.array([1, 2]), requires_grad=False).requires_grad_()
    assert Tensor([1, 2], requires_grad=True).dtype == np.float32  # Python ints -> float32


def test_requires_grad_flag_propagates() -> None:
    x = f64(1.0)
    c = f64(2.0, requires_grad=False)
    assert (x + c).requires_grad
    assert not (c * c).requires_grad
    assert not ops.argmax(x * c).requires_grad
    assert not (x > c).requires_grad


def test_requires_grad_underscore_refuses_non_leaves() -> None:
    x = f64(1.0)
    with pytest.raises(ValueError, match="leaf"):
        (x * 2.0).requires_grad_()
    y = (x * 2.0).detach().requires_grad_()
    (y * y).backward()
    assert y.grad.item() == 4.0


def test_long_chain_backpropagates_iteratively() -> None:
    """No recursion: far deeper than Python's recursion limit (speed is measured in
    benchmarks/bench_scaling.py, not here)."""
    import sys

    x = f64(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    assert 100_000 > 10 * sys.getrecursionlimit()
    y.backward()
    assert x.grad.item() == pytest.approx(1.0000001 ** 100_000, rel=1e-9)


def test_diamond_graph() -> None:
    """x -> a = x^2, b = sin x -> y = a * b: dy/dx = 2x sin x + x^2 cos x."""
    x = f64(0.7)
    a = x * x
    b = ops.sin(x)
    (a * b).backward()
    v = 0.7
    assert x.grad.item() == pytest.approx(2 * v * np.sin(v) + v * v * np.cos(v), rel=1e-14)


def test_tensor_used_many_times() -> None:
    x = f64([0.5, -1.0])
    total = x * 0.0
    for k in range(1, 11):
        total = total + x * float(k)  # sum_k k x = 55 x
    y = total * x  # 55 x^2
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 110 * x.data, rtol=1e-14)


def test_deep_diamond_chain_shares_nodes() -> None:
    """y_{k+1} = y_k + y_k doubles: 60 levels of shared nodes, exact gradient 2^60."""
    x = f64(1.0)
    y = x
    for _ in range(60):
        y = y + y
    y.backward()
    assert x.grad.item() == 2.0 ** 60


def test_seed_for_non_scalar_outputs() -> None:
    x = f64([[1.0, 2.0], [3.0, 4.0]])
    y = x * x
    seed = np.array([[1.0, 0.0], [2.0, -1.0]])
    y.backward(seed)
    np.testing.assert_allclose(x.grad.data, 2 * x.data * seed)
    x.zero_grad()
    y.backward(Tensor(seed))
    np.testing.assert_allclose(x.grad.data, 2 * x.data * seed)


def test_broadcast_gradients_are_reduced_to_leaf_shapes() -> None:
    x = f64(np.arange(6.0).reshape(2, 3))
    b = f64([[1.0, 2.0, 3.0]])
    s = f64(2.0)
    ((x + b) * s).sum().backward()
    assert b.grad.shape == (1, 3) and s.grad.shape == ()
    np.testing.assert_allclose(b.grad.data, [[4.0, 4.0, 4.0]])
    assert s.grad.item() == pytest.approx(np.sum(x.data + b.data))


def test_create_graph_gives_differentiable_grad() -> None:
    x = f64(2.0)
    y = x ** 3
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.item() == pytest.approx(12.0)
    x.zero_grad()
    g.backward()  # d/dx 3x^2 = 6x
    assert x.grad.item() == pytest.approx(12.0)
    x.zero_grad()
    (x ** 3).backward(create_graph=True)
    x.grad.backward(create_graph=True)  # accumulates 6x into .grad (3x^2 + 6x)
    assert x.grad.item() == pytest.approx(24.0)


def test_grad_of_grad_of_sigmoid_via_backward() -> None:
    x = f64(0.3)
    ops.sigmoid(x).backward(create_graph=True)
    g1 = x.grad
    x.zero_grad()
    g1.backward()
    s = 1 / (1 + np.exp(-0.3))
    assert x.grad.item() == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-12)


def test_leaf_grad_keeps_leaf_dtype() -> None:
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    (ops.cast(x, dtype=np.float64) * 2.0).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0])


def test_constant_parents_receive_nothing() -> None:
    x = f64([1.0, 2.0])
    c = f64([3.0, 4.0], requires_grad=False)
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad.data, c.data)


def test_leaf_grad_never_aliases_the_seed() -> None:
    """d(x + 1)/dx is the seed itself: the leaf must get its own writable copy."""
    x = f64(2.0)
    (x + 1.0).backward()
    (x + 1.0).backward()
    assert x.grad.item() == 2.0
    x.grad.data[...] = 0.0  # writable, and no other tensor's gradient changes with it
    y = f64(5.0)
    (y + 1.0).backward()
    assert y.grad.item() == 1.0


def test_a_column_major_weight_gradient_is_its_own_array_kept_without_a_copy() -> None:
    """A column-major weight's gradient (Xᵀ G)ᵀ is made in an array of its own: kept as is."""
    rng = np.random.default_rng(0)
    w = f64(np.asfortranarray(rng.normal(size=(3, 4))))
    x = rng.normal(size=(5, 4))
    ops.linear(x, w).sum().backward()
    g = w.grad.data
    assert g.flags.f_contiguous and g.base is None and g.flags.writeable
    np.testing.assert_array_equal(g, (x.T @ np.ones((5, 3))).T)


def test_views_of_a_shared_or_read_only_array_are_copied_into_grad() -> None:
    a, b = f64(np.ones(2)), f64(np.ones(3))
    c = ops.concatenate([a, b])  # the rule hands a and b two views of one cotangent
    (c * f64(np.arange(5.0), requires_grad=False)).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0, 1])
    np.testing.assert_array_equal(b.grad.data, [2, 3, 4])
    a.grad.data += 100  # a's gradient owns its memory: b's is untouched
    np.testing.assert_array_equal(b.grad.data, [2, 3, 4])
    x = f64(np.ones((2, 3)))
    ops.transpose(x).sum().backward()  # a transposed read-only broadcast of ones
    assert x.grad.data.flags.writeable
    x.grad.data += 1
    np.testing.assert_array_equal(x.grad.data, 2 * np.ones((2, 3)))


