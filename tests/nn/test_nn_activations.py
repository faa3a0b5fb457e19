import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F
from chainrule.testing import GradientCheckError, check_grads

RNG = np.random.default_rng(1234)


def away_from(points, shape=(3, 4), margin=0.1, scale=2.0):
    """Random float64 values at least ``margin`` from every kink in ``points``."""
    x = RNG.uniform(-scale, scale, size=shape)
    for p in points:
        close = np.abs(x - p) < margin
        x[close] = p + np.where(x[close] >= p, margin, -margin) * 2
    return x


# (name, function of one Tensor, kinks) -- every elementwise activation
ELEMENTWISE = [
    ("identity", F.identity, []),
    ("step", F.step, [0.0]),
    ("sign", F.sign, [0.0]),
    ("piecewise_linear", F.piecewise_linear, [-0.5, 0.5]),
    ("sigmoid", F.sigmoid, []),
    ("tanh", F.tanh, []),
    ("relu", F.relu, [0.0]),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1), [0.0]),
    ("elu", lambda x: F.elu(x, 0.7), [0.0]),
    ("softplus", F.softplus, []),
    ("softplus_beta", lambda x: F.softplus(x, beta=2.5), []),
    ("softsign", F.softsign, [0.0]),
    ("silu", F.silu, []),
    ("swish_beta", lambda x: F.swish(x, 1.7), []),
    ("gelu", F.gelu, []),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), []),
    ("softmax", F.softmax, []),
    ("log_softmax", F.log_softmax, []),
    ("softmax_axis0", lambda x: F.softmax(x, axis=0), []),
    ("maxout", lambda x: F.maxout(x, 2), []),
]
SMOOTH_ORDER = {"relu": 1, "leaky_relu": 1, "elu": 1, "step": 1, "sign": 1,
                "piecewise_linear": 1, "maxout": 1}


@pytest.mark.parametrize("name,fn,kinks", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_check_grads_both_modes(name, fn, kinks):
    x = away_from(kinks)
    check_grads(fn, [x], order=SMOOTH_ORDER.get(name, 2))


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "maxout"])
def test_second_order_of_piecewise_smooth_is_checked_too(name):
    fn = dict((e[0], e[1]) for e in ELEMENTWISE)[name]
    check_grads(fn, [away_from([0.0])], order=2)


def test_prelu_grads_wrt_input_and_slope():
    x = away_from([0.0], shape=(5, 3))
    check_grads(F.prelu, [x, np.array([0.2, -0.3, 0.5])], order=2)
    check_grads(F.prelu, [x, np.array([0.25])], order=2)


def test_silu_grads_wrt_learned_beta():
    check_grads(lambda x, b: F.silu(x, b), [away_from([]), np.array([1.3])], order=2)


def test_checker_is_not_vacuous_here():
    # a term the derivative misses (slope 1e-4, a constant to autodiff) must be caught
    with pytest.raises(GradientCheckError):
        check_grads(lambda x: F.gelu(x) + cr.Tensor(x.data * 1e-4), [away_from([])], order=1)


MODULES = {
    "identity": nn.Identity(), "step": nn.Step(), "sign": nn.Sign(),
    "piecewise_linear": nn.PiecewiseLinear(), "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(),
    "relu": nn.ReLU(), "leaky_relu": nn.LeakyReLU(0.1), "prelu": nn.PReLU(),
    "elu": nn.ELU(), "softplus": nn.Softplus(), "softplus2": nn.Softplus(beta=2.0),
    "softsign": nn.Softsign(),
    "silu": nn.SiLU(), "silu_learned": nn.SiLU(1.5, learn_beta=True), "gelu": nn.GELU(),
    "gelu_tanh": nn.GELU("tanh"), "softmax": nn.Softmax(), "log_softmax": nn.LogSoftmax(),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(MODULES))
def test_finite_values_and_gradients_at_plus_minus_1000(name, dtype):
    module = MODULES[name]
    module.astype(dtype)
    x = cr.Tensor(np.array([[-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0]], dtype=dtype),
                  requires_grad=True)
    y = module(x)
    assert y.dtype == dtype
    assert np.all(np.isfinite(y.data)), y.data
    (y * y).sum().backward()
    assert np.all(np.isfinite(x.grad.data)), x.grad.data
    for p in module.parameters():
        assert np.all(np.isfinite(p.grad.data))
        p.grad = None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functional_values_at_plus_minus_1000(dtype):
    x = np.array([-1000.0, 1000.0], dtype=dtype)
    np.testing.assert_array_equal(F.sigmoid(x).data, [0.0, 1.0])
    np.testing.assert_array_equal(F.softplus(x).data, [0.0, 1000.0])
    np.testing.assert_array_equal(F.gelu(x).data, [0.0, 1000.0])
    np.testing.assert_array_equal(F.elu(x).data, [-1.0, 1000.0])
    np.testing.assert_array_equal(F.silu(x).data, [0.0, 1000.0])
    np.testing.assert_allclose(F.log_softmax(x).data, [-2000.0, 0.0])


def derivative(fn, x):
    return cr.grad(lambda t: fn(t).sum())(np.asarray(x, dtype=np.float64)).data


def test_kink_values_and_derivatives():
    z = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(F.step(z).data, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(derivative(F.step, z), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(F.sign(z).data, [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(derivative(F.sign, z), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(derivative(F.relu, z), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(derivative(lambda t: F.leaky_relu(t, 0.2), z), [0.2, 0.2, 1.0])
    np.testing.assert_allclose(derivative(lambda t: F.elu(t, 0.5), z),
                               [0.5 * math.exp(-1), 0.5, 1.0])
    np.testing.assert_allclose(derivative(lambda t: F.prelu(t, np.array([0.3])), z),
                               [0.3, 0.3, 1.0])


def test_piecewise_linear_table():
    z = np.array([-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0])
    np.testing.assert_array_equal(F.piecewise_linear(z).data,
                                  [0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0])
    np.testing.assert_array_equal(derivative(F.piecewise_linear, z),
                                  [0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0])


def test_maxout_ties_share_the_gradient():
    g = derivative(lambda t: F.maxout(t, 2), np.array([[1.0, 1.0, 3.0, 2.0]]))
    np.testing.assert_array_equal(g, [[0.5, 0.5, 1.0, 0.0]])


def test_backward_through_a_step_network_gives_zeros():
    layer = nn.Linear(3, 2, rng=0)
    loss = nn.Step()(layer(np.ones((4, 3), np.float32))).sum()
    loss.backward()
    np.testing.assert_array_equal(layer.weight.grad.data, 0.0)
    np.testing.assert_array_equal(layer.bias.grad.data, 0.0)


def test_values_match_reference_formulas():
    z = np.linspace(-4, 4, 17)
    np.testing.assert_allclose(F.sigmoid(z).data, 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_allclose(F.softplus(z, 2.0).data, np.log1p(np.exp(2 * z)) / 2, rtol=1e-14)
    np.testing.assert_allclose(F.silu(z, 2.0).data, z / (1 + np.exp(-2 * z)), rtol=1e-14)
    phi = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in z])
    np.testing.assert_allclose(F.gelu(z).data, z * phi, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(F.gelu(z, "tanh").data, z * phi, atol=1e-3)
    np.testing.assert_allclose(F.elu(z, 2.0).data, np.where(z > 0, z, 2 * np.expm1(z)))
    np.testing.assert_allclose(F.leaky_relu(z, 0.1).data, np.where(z > 0, z, 0.1 * z))
    np.testing.assert_allclose(F.softsign(z).data, z / (1 + np.abs(z)), rtol=1e-15)
    t = cr.Tensor(z, requires_grad=True)
    F.softsign(t).sum().backward()
    np.testing.assert_allclose(t.grad.data, 1 / (1 + np.abs(z)) ** 2, rtol=1e-15)
    s = F.softmax(z.reshape(1, -1)).data
    np.testing.assert_allclose(s.sum(), 1.0)


def test_modules_call_their_function():
    z = cr.Tensor(away_from([0.0, 0.5, -0.5]))
    pairs = [(nn.ReLU(), F.relu), (nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh),
             (nn.GELU(), F.gelu), (nn.SiLU(), F.silu), (nn.Softplus(), F.softplus),
             (nn.Step(), F.step), (nn.Sign(), F.sign), (nn.PiecewiseLinear(), F.piecewise_linear),
             (nn.ELU(), F.elu), (nn.LeakyReLU(), F.leaky_relu), (nn.Identity(), F.identity),
             (nn.Softmax(), F.softmax), (nn.LogSoftmax(), F.log_softmax),
             (nn.Softsign(), F.softsign)]
    for module, fn in pairs:
        np.testing.assert_array_equal(module(z).data, fn(z).data)


def test_single_primitive_modules_record_one_node():
    x = cr.Tensor(np.ones((2, 2)), requires_grad=True)
    for module, prim in [(nn.ReLU(), "relu"), (nn.Sigmoid(), "sigmoid"), (nn.Tanh(), "tanh"),
                         (nn.Softplus(), "softplus")]:
        out = module(x)
        assert out._prim.name == prim and out._parents == (x,)


def test_learned_parameters():
    prelu = nn.PReLU(num_parameters=3, init=0.1)
    assert [n for n, _ in prelu.named_parameters()] == ["weight"]
    x = cr.Tensor(np.array([[-1.0, -2.0, 3.0]], np.float32))
    prelu(x).sum().backward()
    np.testing.assert_allclose(prelu.weight.grad.data, [-1.0, -2.0, 0.0])
    silu = nn.SiLU(learn_beta=True)
    assert [n for n, _ in silu.named_parameters()] == ["beta"]
    assert list(nn.SiLU().parameters()) == []
    with pytest.raises(ValueError, match="prelu: weight of size 3"):
        prelu(cr.Tensor(np.ones((2, 4), np.float32)))


def test_swish_is_silu():
    assert nn.Swish is nn.SiLU and F.swish is F.silu


@pytest.mark.parametrize("name", ["identity", "linear", "step", "sign", "piecewise_linear",
                                  "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu",
                                  "softplus", "softsign", "silu", "swish", "gelu", "softmax",
                                  "log_softmax"])
def test_get_activation_by_name(name):
    m = nn.get_activation(name)
    assert isinstance(m, nn.Module)
    rebuilt = nn.from_config(m.get_config())
    assert type(rebuilt) is type(m)


def test_get_activation_errors_and_passthrough():
    relu = nn.ReLU()
    assert nn.get_activation(relu) is relu
    with pytest.raises(ValueError, match="unknown activation 'rectifier'"):
        nn.get_activation("rectifier")
    with pytest.raises(TypeError, match="expected a name or a Module"):
        nn.get_activation(3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="gelu: approximate"):
        F.gelu(np.ones(2), approximate="fast")
    with pytest.raises(ValueError, match="GELU: approximate"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="maxout: the last axis"):
        F.maxout(np.ones((2, 5)), 2)
    with pytest.raises(ValueError, match="Softplus: beta"):
        nn.Softplus(beta=0.0)
    with pytest.raises(ValueError, match="PReLU: num_parameters"):
        nn.PReLU(0)
