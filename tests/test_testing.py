"""``chainrule.testing.check_grads`` catches wrong rules (off by a factor of 1.001, in either
mode, or wrong only at second order) and passes correct ones."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np
import pytest

import chainrule.autodiff as ad
from chainrule.autodiff import ops
from chainrule.extend import Primitive, defjvp, defvjp
from chainrule.testing import GradientCheckError, check_grads, numerical_jvp

X = np.array([0.3, -1.2, 2.0])


@pytest.fixture
def make_primitive() -> Iterator[Callable[..., Primitive]]:
    """Register primitives with unique names for one test, and unregister them after."""
    made: list[str] = []

    def make(name: str, impl: Callable[..., Any], vjp: Any, jvp: Any) -> Primitive:
        prim = Primitive(f"test_testing_{name}", impl, float_op=True)
        defvjp(prim, vjp)
        defjvp(prim, jvp)
        made.append(prim.name)
        return prim

    yield make
    for name in made:
        del ad.PRIMITIVES[name]


def _cube(x: np.ndarray) -> np.ndarray:
    return x ** 3


def test_correct_rules_pass(make_primitive: Callable[..., Primitive]) -> None:
    cube = make_primitive("cube_ok", _cube, lambda g, ans, x: g * 3.0 * x * x,
                          lambda x_dot, ans, x: x_dot * 3.0 * x * x)
    check_grads(cube, (X,), modes=("fwd", "rev"), order=2)
    check_grads(lambda a, b: cube(a) * ops.sin(b), (X, X[::-1].copy()), order=2)


def test_reverse_rule_off_by_1_001_is_caught(make_primitive: Callable[..., Primitive]) -> None:
    cube = make_primitive("cube_bad_vjp", _cube, lambda g, ans, x: g * 3.003 * x * x,
                          lambda x_dot, ans, x: x_dot * 3.0 * x * x)
    with pytest.raises(GradientCheckError, match="reverse mode"):
        check_grads(cube, (X,), modes=("rev",), order=1)
    check_grads(cube, (X,), modes=("fwd",), order=2)  # the forward rule is right


def test_forward_rule_off_by_1_001_is_caught(make_primitive: Callable[..., Primitive]) -> None:
    cube = make_primitive("cube_bad_jvp", _cube, lambda g, ans, x: g * 3.0 * x * x,
                          lambda x_dot, ans, x: x_dot * 3.003 * x * x)
    with pytest.raises(GradientCheckError, match="forward mode"):
        check_grads(cube, (X,), modes=("fwd",), order=1)
    check_grads(cube, (X,), modes=("rev",), order=2)  # the reverse rule is right


def test_wrong_rule_is_caught_inside_a_larger_function(
        make_primitive: Callable[..., Primitive]) -> None:
    cube = make_primitive("cube_bad_inside", _cube, lambda g, ans, x: g * 3.003 * x * x,
                          lambda x_dot, ans, x: x_dot * 3.0 * x * x)
    with pytest.raises(GradientCheckError):
        check_grads(lambda a, b: ops.tanh(cube(a * 0.5) + b).sum(), (X, X * 2.0), order=1)


def test_existing_rule_off_by_1_001_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    prim = ad.PRIMITIVES["logsumexp"]
    right = prim.vjp_rule(0)
    monkeypatch.setitem(prim.vjps, 0, lambda g, ans, x, **p: right(g, ans, x, **p) * 1.001)
    x = np.array([[0.5, -0.2, 1.0], [2.0, 0.1, -1.0]])
    with pytest.raises(GradientCheckError, match="reverse mode"):
        check_grads(lambda a: ops.logsumexp(a, axis=1), (x,), modes=("rev",), order=1)
    check_grads(lambda a: ops.logsumexp(a, axis=1), (x,), modes=("fwd",), order=1)


def _const_cos(x: Any) -> np.ndarray:
    """cos x computed in plain NumPy: right as a value, but invisible to differentiation."""
    return np.cos(np.asarray(x, dtype=np.float64))


def test_order_two_catches_a_wrong_second_derivative(
        make_primitive: Callable[..., Primitive]) -> None:
    """sin with rules that use a constant cos x: first derivatives are right, the second
    derivative comes out 0 instead of -sin x."""
    sin = make_primitive("sin_const_rule", np.sin, lambda g, ans, x: g * _const_cos(x),
                         lambda x_dot, ans, x: x_dot * _const_cos(x))
    check_grads(sin, (X,), modes=("fwd", "rev"), order=1)
    with pytest.raises(GradientCheckError, match=r"vjp\("):
        check_grads(sin, (X,), modes=("rev",), order=2)
    with pytest.raises(GradientCheckError, match=r"jvp\("):
        check_grads(sin, (X,), modes=("fwd",), order=2)


def test_order_two_catches_a_second_derivative_off_by_1_001(
        make_primitive: Callable[..., Primitive]) -> None:
    """x^3 whose VJP is right in value (3x^2) but written so its derivative is 6.006 x."""
    def vjp(g: Any, ans: Any, x: Any) -> Any:
        return g * (3.003 * x * x - 0.003 * np.asarray(x, dtype=np.float64) ** 2)

    cube = make_primitive("cube_bad_second", _cube, vjp,
                          lambda x_dot, ans, x: x_dot * 3.0 * x * x)
    check_grads(cube, (X,), modes=("rev",), order=1)
    with pytest.raises(GradientCheckError):
        check_grads(cube, (X,), modes=("rev",), order=2)


def test_rejects_unknown_modes_and_orders() -> None:
    with pytest.raises(ValueError, match="unknown mode 'reverse'; expected 'fwd' or 'rev'"):
        check_grads(ops.sin, (X,), modes=("reverse",))
    with pytest.raises(ValueError, match="order must be >= 1, got 0"):
        check_grads(ops.sin, (X,), order=0)
    with pytest.raises(TypeError, match="argument 0 has dtype <U1; expected numbers"):
        check_grads(ops.sin, (np.array(["a"]),))


def test_integer_and_float32_arguments_are_checked_in_float64() -> None:
    check_grads(lambda a: a * a, (np.array([1, 2, 3]),), order=2)
    check_grads(ops.tanh, (X.astype(np.float32),), order=2)


def test_numerical_jvp_is_a_central_difference() -> None:
    v = np.array([1.0, 0.0, -2.0])
    got = numerical_jvp(ops.sin, (X,), (v,))
    np.testing.assert_allclose(got, np.cos(X) * v, rtol=1e-9)


def test_error_message_names_the_function_and_the_numbers(
        make_primitive: Callable[..., Primitive]) -> None:
    cube = make_primitive("cube_bad_message", _cube, lambda g, ans, x: g * 3.003 * x * x,
                          lambda x_dot, ans, x: x_dot * 3.003 * x * x)

    def my_function(a: Any) -> Any:
        return cube(a)

    with pytest.raises(GradientCheckError,
                       match=r"my_function \(forward mode\).*max abs error .* > tolerance"):
        check_grads(my_function, (X,), order=1)
