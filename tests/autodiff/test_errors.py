"""Bad input gets a clear error naming the op, the shapes and what was expected."""
from __future__ import annotations

import re

import numpy as np
import pytest

from chainrule import Tensor, grad, jacobian, jvp, vjp
from chainrule.autodiff import ops


def ones(*shape: int) -> Tensor:
    return Tensor(np.ones(shape))


def raises(exc: type[Exception], *fragments: str) -> pytest.RaisesContext:
    """pytest.raises matching every fragment (literally, in order)."""
    return pytest.raises(exc, match=".*".join(re.escape(f) for f in fragments))


# ------------------------------------------------------------------------ shapes
def test_matmul_mismatched_shapes() -> None:
    with raises(ValueError, "matmul: shapes (2, 3) and (4, 5) are not aligned",
                "(3) must equal the second-to-last dimension of the second (4)"):
        ones(2, 3) @ ones(4, 5)
    with raises(ValueError, "matmul: shapes (3,) and (4,)", "only dimension of the second (4)"):
        ops.matmul(ones(3), ones(4))
    with raises(ValueError, "matmul: batch dimensions of shapes (2, 2, 3) and (3, 3, 2) "
                            "do not broadcast"):
        ops.matmul(ones(2, 2, 3), ones(3, 3, 2))
    with raises(ValueError, "matmul: operands must have at least one dimension",
                "() and (3,)"):
        ops.matmul(ones(), ones(3))


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "maximum", "minimum",
                                "power"])
def test_non_broadcastable_shapes(op: str) -> None:
    with raises(ValueError, f"{op}: shapes (2, 3) and (4,) do not broadcast",
                "equal or 1"):
        getattr(ops, op)(ones(2, 3), ones(4))


def test_non_broadcastable_operators_and_where() -> None:
    with raises(ValueError, "add: shapes (2, 3) and (4,) do not broadcast"):
        ones(2, 3) + ones(4)
    with raises(ValueError, "where: shapes (2, 2) and (2, 3) and () do not broadcast"):
        ops.where(np.ones((2, 2), dtype=bool), ones(2, 3), 0.0)


def test_bad_reshape() -> None:
    with raises(ValueError, "reshape: cannot reshape an array of shape (2, 3) (6 elements) "
                            "into shape (4, 2)", "same number of elements"):
        ones(2, 3).reshape(4, 2)


def test_bad_broadcast_to_concatenate_stack_squeeze() -> None:
    with raises(ValueError, "broadcast_to: cannot broadcast shape (2, 3) to (3, 3)"):
        ops.broadcast_to(ones(2, 3), (3, 3))
    with raises(ValueError, "concatenate: cannot concatenate shapes [(2, 3), (2, 2)] along "
                            "axis 0", "equal sizes on every other axis"):
        ops.concatenate([ones(2, 3), ones(2, 2)], axis=0)
    with raises(ValueError, "concatenate: expected at least one tensor"):
        ops.concatenate([])
    with raises(ValueError, "stack: all tensors must have the same shape",
                "[(2, 2), (2, 3)]"):
        ops.stack([ones(2, 3), ones(2, 2)])
    with raises(ValueError, "squeeze: cannot squeeze axis 0 of shape (2, 3)"):
        ops.squeeze(ones(2, 3), 0)


def test_bad_index_and_axis() -> None:
    with raises(IndexError, "getitem: index 5 is not valid for an array of shape (2, 3)"):
        ones(2, 3)[5]
    with pytest.raises(ValueError, match=r"sum: .*axis 2 is out of bounds .* dimension 2"):
        ops.sum(ones(2, 3), axis=2)


def test_linear_shapes() -> None:
    with raises(ValueError, "linear: input of shape (2, 3) does not match weight of shape "
                            "(4, 2)", "in_features = 2"):
        ops.linear(ones(2, 3), ones(4, 2))
    with raises(ValueError, "linear: bias of shape (3,) does not match out_features = 4"):
        ops.linear(ones(2, 3), ones(4, 3), ones(3))
    with raises(ValueError, "linear: bias of shape (1,) does not match out_features = 4"):
        ops.linear(ones(2, 3), ones(4, 3), ones(1))  # no silent broadcasting of the bias
    with raises(ValueError, "linear: weight must be 2-D (out_features, in_features)",
                "(4, 3, 1)"):
        ops.linear(ones(2, 3), ones(4, 3, 1))


# --------------------------------------------------------------- differentiation
def test_differentiating_a_non_float_output() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with raises(TypeError, "backward: cannot differentiate an output of dtype int64",
                "floating-point"):
        ops.argmax(x).backward()
    with raises(TypeError, "grad: the function returned dtype bool", "floating-point scalar"):
        grad(lambda a: (a > 0).sum() > 0)(np.ones(3))
    with raises(TypeError, "cannot differentiate with respect to an argument of dtype int64",
                "1.0 instead of 1"):
        grad(lambda a: a * 2.0)(np.array(1))


def test_backward_of_an_output_without_graph() -> None:
    with raises(ValueError, "backward: the output does not depend on any tensor that "
                            "requires grad"):
        ones(3).sum().backward()


def test_non_scalar_output_without_a_seed() -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with raises(ValueError, "backward: the output has shape (2, 3); pass a gradient of that "
                            "shape as the seed"):
        (x * 2.0).backward()
    assert x.grad is None


def test_seed_of_the_wrong_shape() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with raises(ValueError, "backward: the seed has shape (4,), expected the output's shape "
                            "(3,)"):
        (x * 2.0).backward(np.ones(4))
    assert x.grad is None
    with raises(ValueError, "vjp: the cotangent has shape (2,), expected the output's "
                            "shape (3,)"):
        vjp(lambda a: a * 2.0, np.ones(3))[1](np.ones(2))


def test_grad_of_a_non_scalar_function() -> None:
    with raises(ValueError, "grad: the function must return a scalar, got shape (3,)",
                "use vjp or jacobian"):
        grad(lambda a: a * 2.0)(np.ones(3))


def test_jvp_argument_errors() -> None:
    with raises(ValueError, "jvp: tangent of shape (4,) for a primal of shape (3,)",
                "equal shapes"):
        jvp(lambda a: a * 2.0, (np.ones(3),), (np.ones(4),))
    with raises(ValueError, "jvp: got 1 primals but 2 tangents"):
        jvp(lambda a: a * 2.0, (np.ones(3),), (np.ones(3), np.ones(3)))
    with raises(TypeError, "jvp: primals and tangents must be tuples"):
        jvp(lambda a: a * 2.0, np.ones(3), np.ones(3))
    with raises(TypeError, "jvp: primal of dtype int64"):
        jvp(lambda a: a * 2.0, (np.array([1, 2]),), (np.ones(2),))


def test_nested_forward_mode_is_refused_clearly() -> None:
    def inner(a: Tensor) -> Tensor:
        return jvp(ops.sin, (a,), (np.ones(a.shape),))[1]

    with raises(NotImplementedError, "jvp: nested forward mode"):
        jvp(inner, (np.ones(2),), (np.ones(2),))


def test_jacobian_and_argnums_errors() -> None:
    with raises(ValueError, "jacobian: mode must be 'rev' or 'fwd', got 'backward'"):
        jacobian(ops.sin, mode="backward")
    with raises(ValueError, "argnums (0, 3) out of range for a call with 2 positional"):
        grad(lambda a, b: (a * b).sum(), argnums=(0, 3))(np.ones(2), np.ones(2))


# ---------------------------------------------------------------------- labels
def test_softmax_cross_entropy_labels() -> None:
    logits = ones(2, 3)
    with raises(ValueError, "softmax_cross_entropy: label 3 is out of range for 3 classes",
                "[0, 2]"):
        ops.softmax_cross_entropy(logits, np.array([0, 3]))
    with raises(ValueError, "softmax_cross_entropy: label -1 is out of range"):
        ops.softmax_cross_entropy(logits, np.array([0, -1]))
    with raises(TypeError, "softmax_cross_entropy: labels must be an integer array of class "
                           "indices, got float64"):
        ops.softmax_cross_entropy(logits, np.array([0.0, 1.0]))
    with raises(ValueError, "softmax_cross_entropy: labels of shape (3,) do not match logits "
                            "of shape (2, 3); expected labels of shape (2,)"):
        ops.softmax_cross_entropy(logits, np.array([0, 1, 2]))
    with raises(ValueError, "softmax_cross_entropy: reduction must be one of"):
        ops.softmax_cross_entropy(logits, np.array([0, 1]), reduction="avg")


def test_squared_error_bad_inputs() -> None:
    with raises(ValueError, "squared_error: reduction must be one of ('none', 'mean', 'sum'), "
                            "got 'avg'"):
        ops.squared_error(ones(3), ones(3), reduction="avg")
    with raises(TypeError, "squared_error: operands have dtypes float64 and float32"):
        ops.squared_error(ones(3), np.ones(3, dtype=np.float32))
    with raises(ValueError, "squared_error:", "(operands: float64[2, 3], float64[4])"):
        ops.squared_error(ones(2, 3), ones(4))


def test_errors_leave_no_state_behind() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError):
        ops.softmax_cross_entropy(x[None], np.array([7]))
    with pytest.raises(ValueError):
        (x * 2.0).backward(np.ones(2))
    assert x.grad is None
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])
