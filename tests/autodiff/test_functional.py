"""The JAX-style functional API: grad, value_and_grad, vjp, jvp, hvp, jacobian, and their
compositions (grad of grad, forward-over-reverse)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from chainrule import Tensor, grad, hvp, jacobian, jvp, value_and_grad, vjp
from chainrule.autodiff import ops

X = np.array([0.3, -0.5, 1.2])
V = np.array([1.0, 0.5, -2.0])


def sigma(v: float) -> float:
    return 1.0 / (1.0 + np.exp(-v))


def f_scalar(x: Tensor) -> Tensor:
    """A non-quadratic scalar function of a vector (a full, non-diagonal Hessian)."""
    return (ops.sin(x) * x).sum() ** 2 + ops.logsumexp(x * x)


def numerical_grad(f: Callable[[np.ndarray], float], x: np.ndarray,
                   eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def numerical_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        cols.append(((f(x + e) - f(x - e)) / (2 * eps)).reshape(-1))
    out_shape = np.shape(f(x))
    return np.stack(cols, axis=-1).reshape(out_shape + x.shape)


def value(f: Callable[[Tensor], Tensor]) -> Callable[[np.ndarray], Any]:
    return lambda a: f(Tensor(a)).data


# ---------------------------------------------------------------------------- grad
def test_grad_matches_finite_differences() -> None:
    g = grad(f_scalar)(X)
    assert g.shape == X.shape and g.dtype == np.float64
    np.testing.assert_allclose(g.data, numerical_grad(value(f_scalar), X), rtol=1e-7)


def test_grad_argnums_int_and_tuple() -> None:
    def f(x: Tensor, y: Tensor, z: Tensor) -> Tensor:
        return (x * y * y).sum() + z.sum()

    x, y, z = np.array([1.0, 2.0]), np.array([3.0, -1.0]), np.array(5.0)
    np.testing.assert_allclose(grad(f)(x, y, z).data, y * y)
    np.testing.assert_allclose(grad(f, argnums=1)(x, y, z).data, 2 * x * y)
    np.testing.assert_allclose(grad(f, argnums=-1)(x, y, z).data, 1.0)
    gx, gz = grad(f, argnums=(0, 2))(x, y, z)
    np.testing.assert_allclose(gx.data, y * y)
    assert gz.shape == () and gz.item() == 1.0
    (gy,) = grad(f, argnums=(1,))(x, y, z)
    np.testing.assert_allclose(gy.data, 2 * x * y)


def test_grad_argnums_out_of_range() -> None:
    with pytest.raises(ValueError, match="argnums 2 out of range"):
        grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)


def test_grad_has_aux() -> None:
    def f(x: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        loss = (x * x).sum()
        return loss, {"double": x * 2.0}

    g, aux = grad(f, has_aux=True)(X)
    np.testing.assert_allclose(g.data, 2 * X)
    np.testing.assert_allclose(aux["double"].data, 2 * X)
    (val, aux2), g2 = value_and_grad(f, has_aux=True)(X)
    assert val.item() == pytest.approx(float(X @ X))
    np.testing.assert_allclose(g2.data, 2 * X)


def test_has_aux_requires_a_pair() -> None:
    with pytest.raises(TypeError, match=r"pair \(output, aux\)"):
        grad(lambda x: (x * x).sum(), has_aux=True)(X)


def test_grad_pytrees_dict_and_list() -> None:
    params = {"w": np.array([1.0, 2.0]), "b": [np.array(3.0), np.array([4.0, -1.0])]}

    def loss(p: dict[str, Any]) -> Tensor:
        return (p["w"] ** 2).sum() + (p["b"][0] * p["b"][1]).sum()

    g = grad(loss)(params)
    assert set(g) == {"w", "b"} and isinstance(g["b"], list) and len(g["b"]) == 2
    np.testing.assert_allclose(g["w"].data, 2 * params["w"])
    assert g["b"][0].item() == pytest.approx(3.0)
    np.testing.assert_allclose(g["b"][1].data, [3.0, 3.0])


def test_grad_pytree_tuple_with_second_argument() -> None:
    def loss(p: tuple[np.ndarray, np.ndarray], x: np.ndarray) -> Tensor:
        w, b = p
        return ((ops.matmul(x, w) + b) ** 2).sum()

    w, b, x = np.array([[1.0], [2.0]]), np.array([0.5]), np.array([[1.0, -1.0], [2.0, 0.0]])
    gw, gb = grad(loss)((w, b), x)
    r = x @ w + b
    np.testing.assert_allclose(gw.data, x.T @ (2 * r))
    np.testing.assert_allclose(gb.data, (2 * r).sum(axis=0))


def test_grad_of_function_independent_of_argument_is_zero() -> None:
    g = grad(lambda x, y: (y * y).sum())(X, X)
    np.testing.assert_array_equal(g.data, np.zeros(3))
    assert g.dtype == np.float64


def test_value_and_grad() -> None:
    val, g = value_and_grad(f_scalar)(X)
    assert val.shape == () and val.item() == pytest.approx(f_scalar(Tensor(X)).item())
    np.testing.assert_allclose(g.data, grad(f_scalar)(X).data)
    v2, (g0, g1) = value_and_grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(X, V)
    assert v2.item() == pytest.approx(float(X @ V))
    np.testing.assert_allclose(g0.data, V)
    np.testing.assert_allclose(g1.data, X)


def test_value_and_grad_value_is_detached_at_top_level_only() -> None:
    val, _ = value_and_grad(f_scalar)(X)
    assert not val.requires_grad and val.is_leaf  # the forward graph is not kept alive
    outer = grad(lambda x: value_and_grad(f_scalar)(x)[0])(X)  # nested: differentiable
    np.testing.assert_allclose(outer.data, grad(f_scalar)(X).data, rtol=1e-14)


def test_grad_does_not_touch_dot_grad_of_inputs() -> None:
    x = Tensor(X, requires_grad=True)
    grad(f_scalar)(x)
    assert x.grad is None


# ----------------------------------------------------------------------- vjp / jvp
def g_vector(x: Tensor) -> Tensor:
    """R^3 -> R^(2,2): mixes entries, so the Jacobian is dense."""
    y = ops.stack([ops.tanh(x[0] * x[1]), x[2] ** 2, ops.exp(x.sum()), x[1] / (x[0] + 3.0)])
    return ops.reshape(y, (2, 2))


def test_vjp_and_jvp_against_numerical_jacobian() -> None:
    J = numerical_jacobian(value(g_vector), X)  # (2, 2, 3)
    out, pullback = vjp(g_vector, X)
    np.testing.assert_allclose(out.data, g_vector(Tensor(X)).data)
    u = np.array([[1.0, -2.0], [0.5, 3.0]])
    (xbar,) = pullback(u)
    np.testing.assert_allclose(xbar.data, np.tensordot(u, J, axes=2), rtol=1e-7)
    out2, tangent = jvp(g_vector, (X,), (V,))
    np.testing.assert_allclose(out2.data, out.data)
    np.testing.assert_allclose(tangent.data, J @ V, rtol=1e-7)


def test_vjp_pullback_can_be_called_twice() -> None:
    _, pullback = vjp(lambda a, b: a * b, X, V)
    first = pullback(np.ones(3))
    second = pullback(np.ones(3))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_allclose(first[0].data, V)
    np.testing.assert_allclose(first[1].data, X)


def test_jvp_several_primals() -> None:
    out, t = jvp(lambda a, b: a * ops.sin(b), (X, V), (np.ones(3), np.full(3, 2.0)))
    np.testing.assert_allclose(out.data, X * np.sin(V))
    np.testing.assert_allclose(t.data, np.sin(V) + X * np.cos(V) * 2.0)


def test_jvp_of_constant_function_is_zero() -> None:
    out, t = jvp(lambda a: Tensor(np.ones(2)), (X,), (V,))
    np.testing.assert_array_equal(t.data, np.zeros(2))


# ------------------------------------------------------------------------ jacobian
@pytest.mark.parametrize("fn", [g_vector, lambda x: ops.softmax(x), lambda x: x[None] * x[:, None]],
                         ids=["dense", "softmax", "outer"])
def test_jacobian_fwd_equals_rev_equals_numerical(fn: Callable[[Tensor], Tensor]) -> None:
    jr = jacobian(fn, mode="rev")(X)
    jf = jacobian(fn, mode="fwd")(X)
    jn = numerical_jacobian(value(fn), X)
    assert jr.shape == jf.shape == jn.shape
    np.testing.assert_allclose(jr.data, jf.data, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(jr.data, jn, rtol=1e-7, atol=1e-9)


def test_jacobian_of_scalar_function_is_the_gradient() -> None:
    np.testing.assert_allclose(jacobian(f_scalar)(X).data, grad(f_scalar)(X).data,
                               rtol=1e-13)


def test_jacobian_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode must be 'rev' or 'fwd'"):
        jacobian(f_scalar, mode="forward")


# ------------------------------------------------------------------------------ hvp
def test_hvp_matches_finite_differences_of_grad() -> None:
    hv = hvp(f_scalar, (X,), (V,))
    eps = 1e-6
    num = (grad(f_scalar)(X + eps * V).data - grad(f_scalar)(X - eps * V).data) / (2 * eps)
    np.testing.assert_allclose(hv.data, num, rtol=1e-6)


def test_hvp_matches_jacobian_of_grad() -> None:
    H = jacobian(grad(f_scalar))(X).data
    np.testing.assert_allclose(H, H.T, rtol=1e-12)
    np.testing.assert_allclose(hvp(f_scalar, (X,), (V,)).data, H @ V, rtol=1e-12)
    Hf = jacobian(grad(f_scalar), mode="fwd")(X).data
    np.testing.assert_allclose(Hf, H, rtol=1e-12)


def test_hvp_several_primals() -> None:
    def f(a: Tensor, b: Tensor) -> Tensor:
        return (a * a * b).sum()

    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    va, vb = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    ha, hb = hvp(f, (a, b), (va, vb))
    # H = [[2 diag(b), 2 diag(a)], [2 diag(a), 0]]
    np.testing.assert_allclose(ha.data, 2 * b * va + 2 * a * vb)
    np.testing.assert_allclose(hb.data, 2 * a * va)


def test_forward_over_reverse_equals_hvp() -> None:
    _, tangent = jvp(grad(f_scalar), (X,), (V,))
    np.testing.assert_allclose(tangent.data, hvp(f_scalar, (X,), (V,)).data, rtol=1e-12)


# ----------------------------------------------------------------------- higher order
@pytest.mark.parametrize("v", [-4.0, -1.5, 0.0, 0.5, 2.0, 6.0])
def test_second_derivative_of_sigmoid(v: float) -> None:
    d2 = grad(grad(ops.sigmoid))(np.float64(v))
    s = sigma(v)
    assert d2.item() == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-12, abs=1e-15)


def test_third_derivatives() -> None:
    d3 = grad(grad(grad(lambda x: x ** 4)))
    assert d3(np.float64(2.0)).item() == pytest.approx(48.0, rel=1e-14)  # 24 x
    d3sin = grad(grad(grad(ops.sin)))
    assert d3sin(np.float64(0.7)).item() == pytest.approx(-np.cos(0.7), rel=1e-14)
    d3exp2 = grad(grad(grad(lambda x: ops.exp(2.0 * x))))
    assert d3exp2(np.float64(0.3)).item() == pytest.approx(8 * np.exp(0.6), rel=1e-14)


def test_grad_of_grad_wrt_other_argument() -> None:
    """d/dy (d/dx x^2 y^3) = d/dy (2 x y^3) = 6 x y^2."""
    def dfdx(x: Tensor, y: Tensor) -> Tensor:
        return grad(lambda a, b: a * a * b ** 3)(x, y)

    assert grad(dfdx, argnums=1)(np.float64(1.5), np.float64(2.0)).item() == \
        pytest.approx(6 * 1.5 * 4.0)
