import numpy as np
import pytest

from chainrule import nn
from chainrule.nn import init

SHAPE = (300, 200)  # (out_features, in_features): fan_in 200, fan_out 300


@pytest.mark.parametrize("name,std", [
    ("glorot_uniform", np.sqrt(2 / 500)), ("glorot_normal", np.sqrt(2 / 500)),
    ("he_uniform", np.sqrt(2 / 200)), ("he_normal", np.sqrt(2 / 200)),
    ("lecun_uniform", np.sqrt(1 / 200)), ("lecun_normal", np.sqrt(1 / 200)),
])
def test_variance_scaling_uses_fans_of_out_in_weights(name, std):
    w = getattr(init, name)(SHAPE, np.random.default_rng(0))
    assert w.shape == SHAPE and w.dtype == np.float32
    assert abs(w.mean()) < 0.05 * std
    assert w.std() == pytest.approx(std, rel=0.02)
    if name.endswith("uniform"):
        assert np.abs(w).max() <= std * np.sqrt(3) + 1e-7


def test_aliases_and_simple_initialisers():
    assert init.xavier_uniform is init.glorot_uniform and init.xavier_normal is init.glorot_normal
    assert init.kaiming_uniform is init.he_uniform and init.kaiming_normal is init.he_normal
    np.testing.assert_array_equal(init.zeros((2, 3), None), 0.0)
    np.testing.assert_array_equal(init.constant(4, None, value=0.5), 0.5)
    u = init.uniform((1000,), np.random.default_rng(0), low=-2, high=3)
    assert u.min() >= -2 and u.max() < 3
    n = init.normal((20000,), np.random.default_rng(0), dtype=np.float64, mean=1.0, std=2.0)
    assert n.dtype == np.float64 and n.mean() == pytest.approx(1.0, abs=0.05)
    assert n.std() == pytest.approx(2.0, rel=0.02)
    assert init.fans((3, 4)) == (4, 3) and init.fans((5,)) == (5, 5)


@pytest.mark.parametrize("name", sorted(init.INITIALIZERS))
def test_seeded_generator_is_bit_for_bit_reproducible(name):
    fn = init.INITIALIZERS[name]
    a = fn((4, 3), np.random.default_rng(42), dtype=np.float64)
    b = fn((4, 3), np.random.default_rng(42), dtype=np.float64)
    assert a.tobytes() == b.tobytes()
    assert fn((4, 3), 42).tobytes() == fn((4, 3), 42).tobytes()  # an int seed works too


def test_initialiser_errors():
    with pytest.raises(TypeError, match="glorot_uniform: rng must be a numpy.random.Generator"):
        init.glorot_uniform((2, 2), rng="seed")
    with pytest.raises(TypeError, match="he_normal: expected a floating-point dtype"):
        init.he_normal((2, 2), 0, dtype=np.int32)
    with pytest.raises(ValueError, match="uniform: expected low < high"):
        init.uniform((2,), 0, low=1.0, high=1.0)
    with pytest.raises(ValueError, match=r"cannot compute fans of a weight of shape \(0, 3\)"):
        init.lecun_normal((0, 3), 0)
    with pytest.raises(ValueError, match="Linear.*unknown initialiser 'orthogonal'"):
        nn.Linear(2, 3, init="orthogonal")


def test_linear_uses_the_initialiser_and_generator():
    lin = nn.Linear(200, 300, init="he_normal", bias_init="zeros", rng=3)
    assert lin.weight.data.std() == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    np.testing.assert_array_equal(lin.bias.data, 0.0)
    custom = nn.Linear(2, 3, init=lambda shape, rng, dtype: np.ones(shape, dtype), rng=0)
    np.testing.assert_array_equal(custom.weight.data, 1.0)
    assert custom.get_config()["init"] is None
    assert nn.Linear(2, 3, rng=7).weight.data.tobytes() == \
        nn.Linear(2, 3, rng=np.random.default_rng(7)).weight.data.tobytes()
