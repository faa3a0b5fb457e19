import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F
from chainrule.testing import check_grads


def test_linear_computes_x_wt_plus_b_in_one_primitive():
    lin = nn.Linear(4, 3, rng=0)
    assert lin.weight.shape == (3, 4) and lin.bias.shape == (3,)
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    out = lin(x)
    np.testing.assert_allclose(out.data, x @ lin.weight.data.T + lin.bias.data, rtol=1e-6)
    assert out._prim.name == "linear"
    assert lin(x[0]).shape == (3,)  # a single example
    assert nn.Linear(4, 3, bias=False).bias is None


def test_linear_gradients_check_in_float64():
    rng = np.random.default_rng(2)
    check_grads(F.linear, [rng.normal(size=(5, 4)), rng.normal(size=(3, 4)),
                           rng.normal(size=3)])


def test_a_large_linear_weight_is_column_major_and_its_gradient_follows_its_layout():
    assert not nn.Linear(5, 3, rng=0).weight.data.flags.f_contiguous  # small: row-major
    lin = nn.Linear(80, 60, rng=0)
    w = lin.weight.data
    assert w.shape == (60, 80) and w.flags.f_contiguous and not w.flags.c_contiguous
    rng = np.random.default_rng(3)
    lin.load_state_dict({"weight": rng.normal(size=(60, 80)).astype(np.float32),
                         "bias": np.zeros(60, np.float32)})
    assert lin.weight.data is w and w.flags.f_contiguous  # copied in place, layout kept
    assert lin.astype("float64").weight.data.flags.f_contiguous
    x = rng.normal(size=(4, 80))
    g = rng.normal(size=(4, 60))
    out = lin(x)
    out.backward(g)
    gw = lin.weight.grad.data
    assert gw.flags.f_contiguous and not gw.flags.c_contiguous
    np.testing.assert_allclose(gw, g.T @ x, rtol=1e-12)
    # a row-major weight (e.g. built by hand) gets a row-major gradient
    wc = cr.Tensor(np.ascontiguousarray(lin.weight.data), requires_grad=True)
    F.linear(x, wc).backward(g)
    assert wc.grad.data.flags.c_contiguous
    np.testing.assert_allclose(wc.grad.data, gw, rtol=1e-12)


@pytest.mark.parametrize("order", ["C", "F"])
def test_linear_gradients_check_for_either_weight_layout(order):
    rng = np.random.default_rng(4)
    w = np.asarray(rng.normal(size=(3, 4)), order=order)
    check_grads(F.linear, [rng.normal(size=(5, 4)), w, rng.normal(size=3)])


def test_linear_wrong_width_error_before_any_computation():
    lin = nn.Linear(4, 3, rng=0)
    before = lin.state_dict()
    with pytest.raises(ValueError) as info:
        lin(np.zeros((2, 5), np.float32))
    assert str(info.value) == ("Linear(4 -> 3): expected input with last dimension 4, got "
                               "shape (2, 5)")
    with pytest.raises(ValueError, match=r"Linear\(4 -> 3\): .* got shape \(\)"):
        lin(cr.Tensor(np.float32(1.0)))
    for k, v in lin.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_linear_dtypes():
    lin = nn.Linear(2, 2, rng=0)
    # raw data (lists, float64 or int arrays) is converted to the layer's dtype
    assert lin([[1, 2]]).dtype == np.float32
    assert lin(np.ones((1, 2))).dtype == np.float32
    with pytest.raises(TypeError, match=r"Linear\(2 -> 2\): input has dtype float64 but the "
                                        r"layer's parameters are float32"):
        lin(cr.Tensor(np.ones((1, 2))))
    with pytest.raises(TypeError, match="dtype must be floating point"):
        nn.Linear(2, 2, dtype=np.int64)
    with pytest.raises(ValueError, match="Linear: in_features must be a positive int"):
        nn.Linear(0, 2)


def test_maxout_layer():
    layer = nn.Maxout(3, 2, pieces=3, rng=0)
    assert layer.weight.shape == (6, 3) and layer.bias.shape == (6,)
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    z = x @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(x).data, z.reshape(4, 2, 3).max(-1), rtol=1e-6)
    with pytest.raises(ValueError, match=r"Maxout\(3 -> 2, pieces=3\): expected input with "
                                         r"last dimension 3, got shape \(4, 2\)"):
        layer(np.zeros((4, 2), np.float32))
    rng = np.random.default_rng(3)
    check_grads(lambda x, w, b: F.maxout(F.linear(x, w, b), 3),
                [rng.normal(size=(4, 3)), rng.normal(size=(6, 3)), rng.normal(size=6)], order=1)


def test_dropout_scales_and_is_reproducible():
    x = np.ones((200, 50), np.float32)
    drop = nn.Dropout(0.25, rng=0)
    y = drop(x).data
    kept = y != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.02)
    np.testing.assert_allclose(y[kept], 1 / 0.75)
    assert nn.Dropout(0.25, rng=0)(x).data.tobytes() == y.tobytes()
    drop.eval()
    np.testing.assert_array_equal(drop(x).data, x)
    np.testing.assert_array_equal(nn.Dropout(1.0, rng=0)(x).data, 0.0)
    with pytest.raises(ValueError, match="Dropout: p must be a probability in"):
        nn.Dropout(1.5)


def test_dropout_gradient_uses_the_same_mask():
    t = cr.Tensor(np.ones((3, 4)), requires_grad=True)
    out = F.dropout(t, 0.5, rng=np.random.default_rng(1))
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.data, out.data)
    check_grads(lambda x: F.dropout(x, 0.3, rng=np.random.default_rng(5)),
                [np.random.default_rng(0).normal(size=(3, 4))])
