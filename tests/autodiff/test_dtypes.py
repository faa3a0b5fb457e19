"""dtype policy: float32 by default, float64 kept, integer labels kept, never a silent
upcast, and float32 kept through every primitive forward and backward."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import chainrule as cr
from chainrule import Tensor
from chainrule.autodiff import backprop, jvp, ops, toposort, vjp

F32 = np.dtype(np.float32)


def test_python_data_defaults_to_float32() -> None:
    assert Tensor(1.5).dtype == F32
    assert Tensor(3).dtype == F32
    assert Tensor([[1, 2], [3, 4]]).dtype == F32
    assert Tensor([1.0, 2.0]).dtype == F32


def test_arrays_keep_their_dtype() -> None:
    assert Tensor(np.zeros(3)).dtype == np.float64
    assert Tensor(np.zeros(3, dtype=np.float32)).dtype == F32
    assert Tensor(np.array([0, 2, 1])).dtype == np.int64
    assert Tensor(np.array([True, False])).dtype == np.bool_
    assert Tensor([1, 2], dtype=np.int32).dtype == np.int32
    assert Tensor(np.float64(2.0)).dtype == np.float64


def test_float_ops_cast_integers_to_float32() -> None:
    i = Tensor(np.array([1, 2, 3]))
    for out in (ops.exp(i), ops.log(i), ops.sqrt(i), ops.sigmoid(i), ops.tanh(i),
                i / Tensor(np.array([2, 2, 2])), ops.logsumexp(i)):
        assert out.dtype == F32
    np.testing.assert_allclose((i / 2).data, [0.5, 1.0, 1.5])


def test_integer_arithmetic_stays_integer() -> None:
    i = Tensor(np.array([1, 2, 3]))
    assert (i + i).dtype == np.int64
    assert (i * 2).dtype == np.int64
    assert ops.argmax(Tensor(np.array([0.1, 0.9]))).dtype.kind == "i"


def test_integer_arrays_take_the_float_operand_dtype() -> None:
    """float32 (op) int64 is float32, as in PyTorch (NumPy alone would give float64)."""
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    ints = np.arange(3)
    outs = [x * ints, x + Tensor(ints), ints - x, x / ints.clip(1), x ** ints,
            ops.maximum(x, ints), ops.minimum(ints, x), ops.where(ints > 0, x, ints),
            ops.matmul(x, ints), ops.concatenate([x, ints]),
            ops.linear(Tensor(np.ones((2, 3), dtype=np.float32)), np.ones((4, 3), dtype=int))]
    for out in outs:
        assert out.dtype == F32
    (x * ints).sum().backward()
    assert x.grad.dtype == F32
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 2.0])


def test_python_scalars_do_not_upcast() -> None:
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    for out in (x * 2.5, 1.0 - x, x / 3, x ** 2.0, 2.0 ** x, x + np.float64(1.0),
                ops.clip(x, 0.0, 0.5), ops.maximum(x, 0.5), ops.where(x.data > 0, x, 0.0)):
        assert out.dtype == F32


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "power", "maximum",
                                "minimum", "matmul"])
def test_mixing_float32_and_float64_raises(op: str) -> None:
    a = Tensor(np.ones((2, 2), dtype=np.float32))
    b = Tensor(np.ones((2, 2), dtype=np.float64))
    with pytest.raises(TypeError, match=rf"^{op}: .*float32 and float64"):
        getattr(ops, op)(a, b)
    with pytest.raises(TypeError, match=rf"^{op}: .*float64 and float32"):
        getattr(ops, op)(b, a)


def test_mixing_dtypes_in_other_ops_raises() -> None:
    a32 = np.ones(3, dtype=np.float32)
    a64 = np.ones(3)
    with pytest.raises(TypeError, match="concatenate: .*float32 and float64"):
        ops.concatenate([Tensor(a32), Tensor(a64)])
    with pytest.raises(TypeError, match="where: .*float32 and float64"):
        ops.where(a32 > 0, Tensor(a32), Tensor(a64))
    with pytest.raises(TypeError, match="linear: .*float32 and float64"):
        ops.linear(Tensor(np.ones((2, 3), dtype=np.float32)), Tensor(np.ones((4, 3))))
    with pytest.raises(TypeError, match="float32 and float64"):
        Tensor(a32) + a64  # a float64 array constant is no exception


def test_labels_keep_their_integer_dtype() -> None:
    labels = Tensor(np.array([0, 2, 1], dtype=np.int64))
    logits = Tensor(np.zeros((3, 3), dtype=np.float32), requires_grad=True)
    loss = ops.softmax_cross_entropy(logits, labels)
    assert labels.dtype == np.int64 and loss.dtype == F32
    loss.sum().backward()
    assert logits.grad.dtype == F32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_have_the_parameter_dtype(dtype: Any) -> None:
    w = Tensor(np.array([[0.5, -1.0], [2.0, 0.1]], dtype=dtype), requires_grad=True)
    x = Tensor(np.array([[1.0, 2.0]], dtype=dtype))
    loss = ops.sigmoid(ops.linear(x, w)).sum()
    loss.backward()
    assert w.grad.dtype == dtype
    g = cr.grad(lambda p: ops.tanh(ops.matmul(x, p)).sum())(w)
    assert g.dtype == dtype


def test_cast_is_differentiable_and_casts_the_gradient_back() -> None:
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == F32
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0])
    _, t = jvp(lambda a: a.astype(np.float64) * 3.0, (x.data,), (np.ones(2, np.float32),))
    assert t.dtype == np.float64


def _float32_args(case: Any) -> list[Tensor]:
    return [Tensor(a.astype(np.float32), requires_grad=True) for a in case.args]


def test_float32_stays_float32_through_every_primitive(prim_case: Any) -> None:
    """Forward values, every node's cotangent (first-order fast path and recorded graph
    path), leaf gradients and forward-mode tangents are all float32."""
    xs = _float32_args(prim_case)
    out = prim_case.fn(*xs)
    assert out.dtype == F32, f"forward: {out.dtype}"
    nodes = toposort(out)
    # every node is float32, except inside the cast case's deliberate round trip
    assert all(n.dtype == F32 for n in nodes) or "cast" in prim_case.id
    seed = np.ones(out.shape, dtype=np.float32)
    cots = backprop(out, seed, keep_all=True)
    for node in nodes:
        got = np.asarray(cots[id(node)])
        assert got.dtype == node.dtype, f"cotangent of {node._prim or 'leaf'}: {got.dtype}"
    for x in xs:
        assert x.grad.dtype == F32
    cots_graph = backprop(out, seed, keep_all=True, create_graph=True, accumulate=False)
    for node in nodes:
        got = cots_graph[id(node)]
        assert got.dtype == node.dtype, f"graph-path cotangent of {node._prim}: {got.dtype}"
    _, tangent = jvp(prim_case.fn, tuple(x.data for x in xs),
                     tuple(np.ones(x.shape, dtype=np.float32) for x in xs))
    assert tangent.dtype == F32


def test_float32_second_order_stays_float32() -> None:
    x = np.array([0.3, -0.2], dtype=np.float32)
    d2 = cr.grad(lambda a: cr.grad(lambda b: (ops.sigmoid(b) * ops.softplus(b)).sum())(a).sum())(x)
    assert d2.dtype == F32
    _, pullback = vjp(lambda a: ops.logsumexp(a * a, axis=0), x)
    assert pullback(np.float32(1.0))[0].dtype == F32
