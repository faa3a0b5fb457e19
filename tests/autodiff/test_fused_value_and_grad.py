"""The fused losses' one-call first order (what `TrainStep` runs) is the forward and the
VJP rule at cotangent 1, bit for bit."""
import numpy as np
import pytest

from chainrule.autodiff.backprop import ones_seed
from chainrule.autodiff.ops.fused import (VALUE_AND_GRAD, sigmoid_bce_p,
                                          softmax_cross_entropy_p)

rng = np.random.default_rng(0)


def _by_the_rule(prim, logits, target, **params):
    value, res = prim.impl(logits, target, **params)
    g = prim.vjps[0](ones_seed(value.shape, value.dtype), value, logits, target, res=res,
                     **params)
    return value, g


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_binary_cross_entropy_on_logits(dtype, reduction):
    z = (rng.normal(size=(13, 1)) * 5).astype(dtype)
    t = (rng.random((13, 1)) > 0.4).astype(dtype)
    value, g = VALUE_AND_GRAD[sigmoid_bce_p](z, t, reduction=reduction)
    ref_value, ref_g = _by_the_rule(sigmoid_bce_p, z, t, reduction=reduction)
    assert value == ref_value and value.dtype == dtype
    assert g.dtype == dtype and np.array_equal(g, ref_g)
    sig = 1 / (1 + np.exp(-z.astype(np.float64)))
    np.testing.assert_allclose(g, (sig - t) / (13 if reduction == "mean" else 1),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_softmax_cross_entropy_on_labels(dtype, reduction):
    z = rng.normal(size=(9, 4)).astype(dtype)
    y = rng.integers(0, 4, 9)
    value, g = VALUE_AND_GRAD[softmax_cross_entropy_p](z, y, reduction=reduction)
    ref_value, ref_g = _by_the_rule(softmax_cross_entropy_p, z, y, reduction=reduction)
    assert value == ref_value and np.array_equal(g, ref_g) and g.dtype == dtype


def test_unreduced_losses_are_left_to_the_rule():
    z, t = np.zeros((3, 1)), np.ones((3, 1))
    assert VALUE_AND_GRAD[sigmoid_bce_p](z, t, reduction="none") is None
    assert VALUE_AND_GRAD[softmax_cross_entropy_p](np.zeros((3, 2)), np.zeros(3, int),
                                                   reduction="none") is None
