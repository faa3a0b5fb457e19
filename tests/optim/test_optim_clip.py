"""Gradient clipping by norm and by value, in place."""
import math

import numpy as np
import pytest

from chainrule import Tensor
from chainrule.nn.parameter import Parameter
from chainrule.optim import clip_grad_norm_, clip_grad_value_


def with_grads(*grads, dtype=np.float64):
    ps = []
    for g in grads:
        p = Parameter(np.zeros(np.shape(g), dtype=dtype))
        p.grad = Tensor(np.array(g, dtype=dtype))
        ps.append(p)
    return ps


def test_clip_by_norm_scales_together():
    ps = with_grads([3.0, 0.0], [[0.0], [4.0]])  # joint 2-norm 5
    g0 = ps[0].grad.data
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert total == pytest.approx(5.0) and isinstance(total, float)
    assert ps[0].grad.data is g0  # in place
    np.testing.assert_allclose(ps[0].grad.data, [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(ps[1].grad.data, [[0.0], [0.8]], rtol=1e-5)


def test_clip_by_norm_below_the_limit_is_a_no_op():
    ps = with_grads([3.0, 4.0])
    assert clip_grad_norm_(ps, 10.0) == pytest.approx(5.0)
    np.testing.assert_array_equal(ps[0].grad.data, [3.0, 4.0])


def test_other_norms_float32_and_missing_grads():
    ps = with_grads([1.0, -3.0], [2.0], dtype=np.float32)
    ps.append(Parameter(np.zeros(2)))  # no grad: ignored
    assert clip_grad_norm_(ps, 100.0, norm_type=math.inf) == 3.0
    assert clip_grad_norm_(ps, 100.0, norm_type=1) == pytest.approx(6.0)
    clip_grad_norm_(ps, 1.5, norm_type=1)
    assert ps[0].grad.dtype == np.float32
    np.testing.assert_allclose(ps[0].grad.data, [0.25, -0.75], rtol=1e-5)
    assert clip_grad_norm_([Parameter(np.zeros(2))], 1.0) == 0.0


def test_nonfinite_norm():
    ps = with_grads([np.inf, 1.0])
    assert clip_grad_norm_(ps, 1.0) == math.inf
    np.testing.assert_array_equal(ps[0].grad.data, [np.inf, 1.0])
    with pytest.raises(ValueError, match="no gradient was clipped"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)


def test_clip_by_value():
    ps = with_grads([-3.0, 0.5, 2.0])
    clip_grad_value_(ps, 1.0)
    np.testing.assert_array_equal(ps[0].grad.data, [-1.0, 0.5, 1.0])
    clip_grad_value_(ps[0], 0.25)  # a single parameter works too
    np.testing.assert_array_equal(ps[0].grad.data, [-0.25, 0.25, 0.25])


def test_bad_arguments():
    ps = with_grads([1.0])
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_(ps, -1.0)
    with pytest.raises(ValueError, match="norm_type"):
        clip_grad_norm_(ps, 1.0, norm_type=0)
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_(ps, -0.1)
    with pytest.raises(TypeError, match="parameter 1 is a ndarray"):
        clip_grad_norm_([ps[0], np.ones(2)], 1.0)
