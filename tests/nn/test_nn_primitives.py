import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.autodiff import PRIMITIVES
from chainrule.nn import functional as F
from chainrule.testing import check_grads


def test_erf_and_erfc_match_the_standard_library():
    x = np.concatenate([np.linspace(-30, 30, 20001), [0.0, -0.0, 0.46875, -0.46875, 4.0,
                                                      -4.0, 1e-300, 26.5]])
    want_erf = np.array([math.erf(v) for v in x])
    want_erfc = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(F.erf(x).data, want_erf, rtol=2e-15, atol=0)
    normal = want_erfc > 1e-300  # below that erfc is subnormal
    np.testing.assert_allclose(F.erfc(x).data[normal], want_erfc[normal], rtol=2e-15, atol=0)


def test_erf_special_values_and_dtypes():
    x = np.array([-np.inf, np.inf, np.nan, -1000.0, 1000.0])
    np.testing.assert_array_equal(F.erf(x).data, [-1.0, 1.0, np.nan, -1.0, 1.0])
    np.testing.assert_array_equal(F.erfc(x).data, [2.0, 0.0, np.nan, 2.0, 0.0])
    x32 = np.array([0.5, -2.0], dtype=np.float32)
    out = F.erf(x32).data
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [math.erf(0.5), math.erf(-2.0)], rtol=1e-7)


@pytest.mark.parametrize("fn", [F.erf, F.erfc])
def test_erf_gradients(fn):
    x = np.random.default_rng(0).uniform(-3, 3, size=(4, 5))
    check_grads(fn, [x], order=2)
    g = cr.grad(lambda t: fn(t).sum())(np.array([0.0, 1.0]))
    sign = 1.0 if fn is F.erf else -1.0
    np.testing.assert_allclose(g.data, sign * 2 / math.sqrt(math.pi) * np.exp(-np.array([0.0, 1.0])))


def test_every_new_primitive_has_both_rules():
    for name in ["heaviside", "signum", "piecewise_linear", "erf", "erfc"]:
        prim = PRIMITIVES[name]
        assert prim.differentiable
        assert 0 in prim.vjps and 0 in prim.jvps


def test_flat_primitives_have_zero_gradient_of_every_order():
    x = np.array([-1.0, 0.3, 2.0])
    for fn in (F.step, F.sign):
        check_grads(fn, [x], order=2)
        np.testing.assert_array_equal(cr.grad(lambda t: fn(t).sum())(x).data, 0.0)
