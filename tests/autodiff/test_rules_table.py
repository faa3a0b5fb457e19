"""The meta-test of the primitive table: every primitive has its rules, every edge's
cotangent has its input's shape, and a missing rule is reported by name and argnum."""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import pytest

import chainrule.autodiff as ad
from chainrule import Tensor, jvp
from chainrule.autodiff import backprop, ops, toposort
from chainrule.extend import Primitive, defjvp, defvjp

# the differentiable arguments of the library's primitives (the others are constants:
# the condition of where, the labels of softmax_cross_entropy)
EXPECTED_ARGNUMS = {
    "add": {0, 1}, "subtract": {0, 1}, "multiply": {0, 1}, "divide": {0, 1},
    "power": {0, 1}, "maximum": {0, 1}, "minimum": {0, 1}, "where": {1, 2},
    "matmul": {0, 1}, "linear": {0, 1, 2}, "softmax_cross_entropy": {0},
    "sigmoid_binary_cross_entropy": {0, 1}, "squared_error": {0, 1},
}


_UNARY = {"negative", "exp", "log", "log1p", "expm1", "sqrt", "abs", "sin", "cos", "tanh",
          "sigmoid", "softplus", "relu", "clip", "cast", "reshape", "transpose",
          "broadcast_to", "getitem", "scatter_add", "sum", "max", "min", "logsumexp", "softmax"}


@pytest.mark.parametrize("name", sorted(ad.PRIMITIVES))
def test_every_primitive_has_both_rules_or_is_non_differentiable(name: str) -> None:
    _check_rules(name)


def test_primitives_registered_later_have_their_rules_too() -> None:
    """The table as it is when the test runs (other packages' primitives included)."""
    for name in sorted(ad.PRIMITIVES):
        _check_rules(name)


def _check_rules(name: str) -> None:
    prim = ad.PRIMITIVES[name]
    if not prim.differentiable:
        assert not prim.vjps and not prim.jvps, f"{name}: rules on a non-differentiable op"
        return
    for general in ("argnum", "all"):  # one rule for every argument, or for all at once
        vjp, jvp_ = getattr(prim, f"vjp_{general}", None), getattr(prim, f"jvp_{general}", None)
        if vjp is not None or jvp_ is not None:
            assert callable(vjp) and callable(jvp_), \
                f"{name}: a vjp_{general}/jvp_{general} rule for one mode only"
            return
    assert prim.vjps, f"{name} has no VJP rule"
    assert set(prim.vjps) == set(prim.jvps), \
        f"{name}: VJP for arguments {sorted(prim.vjps)}, JVP for {sorted(prim.jvps)}"
    if name in EXPECTED_ARGNUMS:
        assert set(prim.vjps) == EXPECTED_ARGNUMS[name]
    elif name in _UNARY:
        assert set(prim.vjps) == {0}, f"{name}: unexpected argnums {sorted(prim.vjps)}"
    for i in prim.vjps:
        assert callable(prim.vjp_rule(i)) and callable(prim.jvp_rule(i))


def test_non_differentiable_ops_never_record() -> None:
    x = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    for out in (x > 0, x >= 0, x < 0, x <= 0, x == x, x != x, ops.sign(x), ops.floor(x),
                ops.ceil(x), ops.round(x), ops.argmax(x), ops.argmin(x), ops.isfinite(x),
                ops.logical_not(x > 0), ops.logical_and(x > 0, x < 1),
                ops.logical_or(x > 0, x < 1)):
        assert not out.requires_grad and out.is_leaf


def test_every_edge_cotangent_has_its_input_shape(prim_case: Any) -> None:
    xs = [Tensor(a, requires_grad=True) for a in prim_case.args]
    out = prim_case.fn(*xs)
    cots = backprop(out, np.ones(out.shape), keep_all=True, accumulate=False)
    for node in toposort(out):
        assert np.shape(cots[id(node)]) == node.shape, f"{node._prim or 'leaf'}"


def test_broadcasting_graph_cotangent_shapes() -> None:
    rng = np.random.default_rng(1)
    a = Tensor(rng.standard_normal((2, 1, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    c = Tensor(rng.standard_normal(()), requires_grad=True)
    d = Tensor(rng.standard_normal((4, 1)), requires_grad=True)
    h = ops.tanh(a * b + c) / (ops.exp(d) + 1.0)  # (2, 4, 3)
    m = ops.maximum(h, d - 5.0).sum(axis=1, keepdims=True)  # (2, 1, 3)
    out = ops.logsumexp(m + ops.where(np.array([True, False, True]), a, c), axis=-1)  # (2, 1)
    cots = backprop(out, np.ones((2, 1)), keep_all=True)
    nodes = toposort(out)
    assert len(nodes) > 10
    for node in nodes:
        assert cots[id(node)].shape == node.shape
    for leaf in (a, b, c, d):
        assert leaf.grad.shape == leaf.shape and np.all(np.isfinite(leaf.grad.data))
    # the reduced cotangents hold the right numbers: compare with plain finite differences
    base = a.data.copy()
    eps = 1e-6

    def f(av: np.ndarray) -> float:
        t = Tensor(av)
        hh = ops.tanh(t * b.data + c.data) / (np.exp(d.data) + 1.0)
        mm = ops.maximum(hh, Tensor(d.data - 5.0)).sum(axis=1, keepdims=True)
        return float(ops.logsumexp(mm + ops.where(np.array([True, False, True]), t, c.data),
                                   axis=-1).sum().item())

    e = np.zeros_like(base)
    e[1, 0, 2] = eps
    assert a.grad.data[1, 0, 2] == pytest.approx((f(base + e) - f(base - e)) / (2 * eps),
                                                 rel=1e-6)


@pytest.fixture
def half_ruled() -> Iterator[Primitive]:
    """A registered primitive of two arguments with rules for argument 0 only."""
    prim = Primitive("test_half_ruled_product", np.multiply)
    defvjp(prim, lambda g, ans, x, y: g * y)
    defjvp(prim, lambda x_dot, ans, x, y: x_dot * y)
    yield prim
    del ad.PRIMITIVES[prim.name]


def test_missing_vjp_raises_with_name_and_argnum(half_ruled: Primitive) -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    half_ruled(x, y.data).sum().backward()  # argument 1 is a constant: fine
    np.testing.assert_allclose(x.grad.data, [3.0, 4.0])
    out = half_ruled(x, y).sum()
    with pytest.raises(NotImplementedError,
                       match="VJP of test_half_ruled_product with respect to argument 1"):
        out.backward()


def test_missing_jvp_raises_with_name_and_argnum(half_ruled: Primitive) -> None:
    with pytest.raises(NotImplementedError,
                       match="JVP of test_half_ruled_product with respect to argument 1"):
        jvp(lambda a, b: half_ruled(a, b), (np.ones(2), np.ones(2)), (np.ones(2), np.ones(2)))


def test_missing_rule_for_a_primitive_without_any_rules() -> None:
    prim = Primitive("test_unruled", np.sin)
    try:
        x = Tensor(np.array(1.0), requires_grad=True)
        with pytest.raises(NotImplementedError,
                           match="VJP of test_unruled with respect to argument 0"):
            prim(x).backward()
    finally:
        del ad.PRIMITIVES[prim.name]


def test_primitive_names_are_unique() -> None:
    with pytest.raises(ValueError, match="'exp' is already registered"):
        Primitive("exp", np.exp)
    assert ad.PRIMITIVES["exp"].impl is np.exp
