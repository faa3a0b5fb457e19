"""Every path by which a gradient reaches ``.grad`` leaves a writable array of the leaf's
own, of its dtype, that no other leaf and no cached constant shares: eagerly
(``backward()``, first order and ``create_graph``) and in a compiled step's replay."""
from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import Tensor, nn, optim


def f32(x: object, requires_grad: bool = True) -> Tensor:
    return Tensor(np.asarray(x, dtype=np.float32), requires_grad=requires_grad)


def _owned(t: Tensor) -> np.ndarray:
    g = t.grad.data
    assert type(g) is np.ndarray and g.flags.writeable and g.dtype == t.dtype
    assert g.shape == t.shape
    return g


def _bias_of_1d_linear(x, w, b):
    """With a 1-D input the bias's cotangent is the output's seed."""
    return cr.linear(x, w, b).sum()


CASES = {
    # a fresh product, kept as it is
    "fresh": (lambda w: (w * w).sum(), [np.ones((2, 3))]),
    # the bias of a linear layer on a 1-D input: a read-only broadcast of the seed
    "read-only-seed": (_bias_of_1d_linear, [np.ones(3), np.ones((2, 3)), np.zeros(2)]),
    # one cotangent handed to two leaves (add's rule returns g for both)
    "shared": (lambda a, b: (a + b).sum(), [np.ones(3), np.ones(3)]),
    # views of one cotangent (concatenate's rule slices it)
    "views": (lambda a, b: cr.concatenate([a, b]).sum(), [np.ones(2), np.ones(3)]),
    # a transposed broadcast
    "transposed": (lambda a: cr.transpose(a).sum(), [np.ones((2, 3))]),
    # a column-major weight's gradient (Xᵀ G)ᵀ
    "column-major": (lambda x, w: cr.linear(x, w).sum(),
                     [np.ones((4, 3)), np.asfortranarray(np.ones((2, 3)))]),
    # the output is the leaf itself
    "root-is-leaf": (lambda a: a, [np.ones(())]),
}


def _leaves(values, requires_grad=True):
    return [f32(np.asarray(v), requires_grad) if np.asarray(v).flags.c_contiguous
            else Tensor(np.asfortranarray(v, dtype=np.float32), requires_grad=requires_grad)
            for v in values]


@pytest.mark.parametrize("case", sorted(CASES))
def test_backward_gives_each_leaf_a_writable_array_of_its_own(case):
    fn, values = CASES[case]
    leaves = _leaves(values)
    fn(*leaves).backward()
    grads = [_owned(t) for t in leaves]
    expected = [g.copy() for g in grads]
    for g in grads:  # writing one gradient changes no other one, nor a later pass
        g += 100.0
    for g, e in zip(grads, expected):
        assert np.array_equal(g, e + 100.0)
    fresh = _leaves(values)
    fn(*fresh).backward()
    assert all(np.array_equal(t.grad.data, e) for t, e in zip(fresh, expected))


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_second_backward_adds_in_place(case):
    fn, values = CASES[case]
    leaves = _leaves(values)
    fn(*leaves).backward()
    first = [t.grad.data for t in leaves]
    once = [g.copy() for g in first]
    fn(*leaves).backward()
    for t, g, o in zip(leaves, first, once):
        assert t.grad.data is g and np.array_equal(g, 2 * o)


def test_grad_array_is_the_array_behind_grad():
    w = f32(np.ones(3))
    assert w.grad is None and w.grad_array is None
    (w * 3.0).sum().backward()
    g = w.grad_array
    assert type(g) is np.ndarray and np.array_equal(g, [3, 3, 3])
    assert isinstance(w.grad, Tensor) and w.grad.data is g and w.grad is w.grad
    w.grad = Tensor(np.zeros(3, np.float32))
    assert w.grad_array is w.grad.data


@pytest.mark.parametrize("bad", [np.zeros(3, np.float64), np.zeros((2, 3), np.float32)])
def test_backward_into_a_grad_of_another_dtype_or_shape_is_refused(bad):
    w = f32(np.ones(3))
    w.grad = Tensor(bad)
    with pytest.raises(TypeError, match="has a .grad of shape .* expected its own shape"):
        (w * 2.0).sum().backward()
    assert np.array_equal(w.grad.data, bad)  # left as it was


def test_a_float64_cotangent_is_cast_to_a_float32_leaf():
    w = f32(np.ones(3))
    (w.astype(np.float64) * 2.0).sum().backward()
    assert w.grad.dtype == np.float32 and np.array_equal(w.grad.data, [2, 2, 2])


def test_create_graph_gives_a_differentiable_grad():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.sum().backward()
    assert np.array_equal(x.grad.data, 6 * x.data)


def test_functional_grad_leaves_grad_untouched():
    x = f32([1.0, 2.0])
    g = cr.grad(lambda t: (t * t).sum())(x)
    assert x.grad is None and np.array_equal(g.data if isinstance(g, Tensor) else g, [2, 4])


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_compiled_step_stores_the_same_gradients_as_backward(case):
    fn, values = CASES[case]
    leaves = _leaves(values)
    eager = _leaves(values)
    opt = optim.SGD(leaves, lr=0.01)
    eager_opt = optim.SGD(eager, lr=0.01)

    def step():
        opt.zero_grad()
        out = fn(*leaves)
        out.backward()
        optim.clip_grad_norm_(leaves, 0.5)  # writes into every .grad in place
        opt.step()
        return out.data

    compiled = cr.compile(step)
    for _ in range(4):
        out = compiled()
        eager_opt.zero_grad()
        ref = fn(*eager)
        ref.backward()
        optim.clip_grad_norm_(eager, 0.5)
        eager_opt.step()
        assert np.array_equal(out, ref.data)
        for t, e in zip(leaves, eager):
            assert np.array_equal(_owned(t), e.grad.data)
            assert np.array_equal(t.data, e.data)
    assert compiled.fallback is None


def test_a_1d_input_with_clipping_trains_compiled():
    from chainrule.train import TrainStep

    model = nn.MLP(3, [4], 2, output="linear")
    step = TrainStep(model, lambda z, y: z.sum(), optim.SGD(model.parameters(), lr=0.1),
                     clip_grad_norm=1e-3)
    for _ in range(3):
        step(np.ones(3, "f4"), np.zeros(2, "f4"))
        assert all(p.grad.data.flags.writeable for p in model.parameters())
