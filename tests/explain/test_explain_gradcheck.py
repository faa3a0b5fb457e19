"""Finite-difference gradient checks, per parameter tensor."""
import numpy as np
import pytest

from chainrule import Tensor, nn
from chainrule.explain import gradcheck, gradcheck_model


def test_correct_gradients_pass():
    rng = np.random.default_rng(0)
    W = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = Tensor(rng.standard_normal(3), requires_grad=True)
    x = rng.standard_normal((5, 4))
    report = gradcheck(lambda: ((x @ W.T + b).tanh() ** 2).sum(), {"W": W, "b": b})
    assert report.passed
    assert [r.name for r in report.results] == ["W", "b"]
    assert report.results[0].checked == 12 and report.worst_error < 1e-7
    assert "PASSED" in report.to_text()


def test_a_wrong_gradient_fails():
    w = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    # the detached factor hides half of d(w*w)/dw from reverse mode
    report = gradcheck(lambda: (w * w.detach()).sum(), {"w": w})
    assert not report.passed
    assert report.results[0].worst_error == pytest.approx(0.5, rel=1e-6)
    assert "FAIL" in report.to_text()


def test_sampling_and_restoring():
    W = Tensor(np.arange(200.0).reshape(10, 20) / 100, requires_grad=True)
    before = W.data.copy()
    report = gradcheck(lambda: (W * W).sum(), {"W": W}, max_entries=7)
    assert report.results[0].checked == 7
    np.testing.assert_array_equal(W.data, before)


def test_model_check():
    model = nn.MLP(2, [4], 1, activation="tanh", seed=0, dtype=np.float64)
    X = np.random.default_rng(0).standard_normal((6, 2))
    y = np.ones((6, 1))
    report = gradcheck_model(model, X, y, nn.BCEWithLogitsLoss())
    assert report.passed and len(report.results) == 4


def test_bad_input():
    w32 = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda: w32.sum(), {"w": w32})
    with pytest.raises(ValueError, match="non-empty"):
        gradcheck(lambda: None, {})
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="scalar"):
        gradcheck(lambda: w * 2.0, {"w": w})
    with pytest.raises(TypeError, match="named_parameters"):
        gradcheck_model(object(), np.ones((1, 2)), np.ones(1), lambda a, b: a)
