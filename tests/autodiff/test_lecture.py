"""The lecture's worked examples, reproduced exactly in float64.

1. L = -y log sigma(w x) at x = 3, y = 1, w = 3 (the forward- and backward-mode tables):
   dL/dw = -3 e^-9 / (1 + e^-9) ~ -3.7018e-4.
2. The homework network: sigmoid units 3, 4 (hidden) and 5 (output), squared loss, every
   dL/dw against the closed-form deltas computed here in plain NumPy.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from chainrule import Tensor, grad, jvp, value_and_grad
from chainrule.autodiff import backprop, ops

E9 = np.exp(-9.0)
DL_DW = -3.0 * E9 / (1.0 + E9)


def xi_chain(w: Tensor, x: float = 3.0, y: float = 1.0) -> list[Tensor]:
    """The lecture's nodes: xi1 = -w x, xi2 = e^xi1, xi3 = 1 + xi2, xi4 = 1/xi3 = p,
    xi5 = log xi4, L = -y xi5."""
    xi1 = -(w * x)
    xi2 = ops.exp(xi1)
    xi3 = 1.0 + xi2
    xi4 = 1.0 / xi3
    xi5 = ops.log(xi4)
    return [xi1, xi2, xi3, xi4, xi5, -y * xi5]


def loss_sigmoid(w: Tensor) -> Tensor:
    return -1.0 * ops.log(ops.sigmoid(w * 3.0))


W = np.float64(3.0)


def test_closed_form_value() -> None:
    assert DL_DW == pytest.approx(-3.7018e-4, rel=1e-4)


@pytest.mark.parametrize("loss", [lambda w: xi_chain(w)[-1], loss_sigmoid],
                         ids=["xi-chain", "sigmoid"])
def test_dl_dw_reverse_mode(loss: Any) -> None:
    w = Tensor(W, requires_grad=True)
    loss(w).backward()
    assert w.grad.item() == pytest.approx(DL_DW, rel=1e-12, abs=0)
    assert grad(loss)(W).item() == pytest.approx(DL_DW, rel=1e-12, abs=0)


@pytest.mark.parametrize("loss", [lambda w: xi_chain(w)[-1], loss_sigmoid],
                         ids=["xi-chain", "sigmoid"])
def test_dl_dw_forward_mode(loss: Any) -> None:
    value, tangent = jvp(loss, (W,), (np.float64(1.0),))
    assert value.item() == pytest.approx(np.log1p(E9), rel=1e-12)
    assert tangent.item() == pytest.approx(DL_DW, rel=1e-12, abs=0)


def test_forward_mode_table_column() -> None:
    """d xi_n / dw, node by node (the last column of the forward-mode table, with the sign
    of d xi4/d xi3 = -1/xi3^2 carried through)."""
    _, tangents = jvp(lambda w: ops.stack(xi_chain(w)), (W,), (np.float64(1.0),))
    want = [-3.0, -3 * E9, -3 * E9, 3 * E9 / (1 + E9) ** 2, 3 * E9 / (1 + E9), DL_DW]
    np.testing.assert_allclose(tangents.data, want, rtol=1e-12)


def test_backward_mode_adjoints() -> None:
    """dL / d xi_n for every node, as the backward pass stores them."""
    w = Tensor(W, requires_grad=True)
    nodes = xi_chain(w)
    cots = backprop(nodes[-1], keep_all=True)
    got = [float(cots[id(n)]) for n in nodes]
    want = [E9 / (1 + E9), 1 / (1 + E9), 1 / (1 + E9), -(1 + E9), -1.0, 1.0]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    values = [n.item() for n in nodes]
    np.testing.assert_allclose(values, [-9.0, E9, 1 + E9, 1 / (1 + E9), -np.log1p(E9),
                                        np.log1p(E9)], rtol=1e-12)
    assert w.grad.item() == pytest.approx(DL_DW, rel=1e-12)


# ------------------------------------------------------------------ the homework network
WEIGHTS = {"w03": 1.0, "w04": -1.0, "w05": 1.0, "w13": 2.0, "w14": 4.0, "w23": 3.0,
           "w24": 1.0, "w35": 2.0, "w45": 3.0}
X1, X2, Y = 5.0, -3.0, 1.0


def g_np(z: float) -> float:
    return 1.0 / (1.0 + np.exp(-z))


def closed_form() -> tuple[float, dict[str, float]]:
    """y_hat and dL/dw from the delta formulas, in plain NumPy."""
    w = WEIGHTS
    in3 = w["w03"] + w["w13"] * X1 + w["w23"] * X2
    in4 = w["w04"] + w["w14"] * X1 + w["w24"] * X2
    a3, a4 = g_np(in3), g_np(in4)
    in5 = w["w05"] + w["w35"] * a3 + w["w45"] * a4
    y_hat = g_np(in5)

    def dg(z: float) -> float:
        return g_np(z) * (1.0 - g_np(z))

    d5 = 2.0 * (y_hat - Y) * dg(in5)
    d3 = d5 * w["w35"] * dg(in3)
    d4 = d5 * w["w45"] * dg(in4)
    grads = {"w05": d5, "w35": d5 * a3, "w45": d5 * a4,
             "w03": d3, "w13": d3 * X1, "w23": d3 * X2,
             "w04": d4, "w14": d4 * X1, "w24": d4 * X2}
    return y_hat, grads


def network(p: dict[str, Any]) -> tuple[Tensor, Tensor]:
    a3 = ops.sigmoid(p["w03"] + p["w13"] * X1 + p["w23"] * X2)
    a4 = ops.sigmoid(p["w04"] + p["w14"] * X1 + p["w24"] * X2)
    y_hat = ops.sigmoid(p["w05"] + p["w35"] * a3 + p["w45"] * a4)
    return (Y - y_hat) ** 2, y_hat


def params() -> dict[str, np.ndarray]:
    return {k: np.float64(v) for k, v in WEIGHTS.items()}


def test_homework_closed_form_is_sane() -> None:
    y_hat, grads = closed_form()
    assert 0.5 < y_hat < 1.0
    assert all(np.isfinite(v) and v != 0.0 for v in grads.values())


def test_homework_reverse_mode_functional() -> None:
    y_hat, want = closed_form()
    (loss, got_yhat), got = value_and_grad(network, has_aux=True)(params())
    assert got_yhat.item() == pytest.approx(y_hat, rel=1e-14)
    assert loss.item() == pytest.approx((Y - y_hat) ** 2, rel=1e-12)
    assert set(got) == set(want)
    for name, value in want.items():
        assert got[name].item() == pytest.approx(value, rel=1e-10, abs=1e-15), name


def test_homework_reverse_mode_backward() -> None:
    _, want = closed_form()
    p = {k: Tensor(v, requires_grad=True) for k, v in params().items()}
    loss, _ = network(p)
    loss.backward()
    for name, value in want.items():
        assert p[name].grad.item() == pytest.approx(value, rel=1e-10, abs=1e-15), name


@pytest.mark.parametrize("name", sorted(WEIGHTS))
def test_homework_forward_mode(name: str) -> None:
    _, want = closed_form()
    keys = sorted(WEIGHTS)
    base = params()

    def f(*vals: Tensor) -> Tensor:
        return network(dict(zip(keys, vals)))[0]

    tangents = tuple(np.float64(1.0 if k == name else 0.0) for k in keys)
    _, t = jvp(f, tuple(base[k] for k in keys), tangents)
    assert t.item() == pytest.approx(want[name], rel=1e-10, abs=1e-15)


def test_homework_matrix_form_with_linear() -> None:
    """The same network as two fused linear layers (W is (out, in), biases apart)."""
    _, want = closed_form()
    w = WEIGHTS
    W1 = np.array([[w["w13"], w["w23"]], [w["w14"], w["w24"]]])
    b1 = np.array([w["w03"], w["w04"]])
    W2 = np.array([[w["w35"], w["w45"]]])
    b2 = np.array([w["w05"]])
    x = np.array([[X1, X2]])

    def loss(W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) -> Tensor:
        h = ops.sigmoid(ops.linear(x, W1, b1))
        y_hat = ops.sigmoid(ops.linear(h, W2, b2))
        return ((Y - y_hat) ** 2).sum()

    gW1, gb1, gW2, gb2 = grad(loss, argnums=(0, 1, 2, 3))(W1, b1, W2, b2)
    np.testing.assert_allclose(gW1.data, [[want["w13"], want["w23"]],
                                          [want["w14"], want["w24"]]], rtol=1e-10)
    np.testing.assert_allclose(gb1.data, [want["w03"], want["w04"]], rtol=1e-10)
    np.testing.assert_allclose(gW2.data, [[want["w35"], want["w45"]]], rtol=1e-10)
    np.testing.assert_allclose(gb2.data, [want["w05"]], rtol=1e-10)
