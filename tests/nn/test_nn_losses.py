import json

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F
from chainrule.testing import check_grads

RNG = np.random.default_rng(7)
N, K = 6, 4
PRED = RNG.normal(size=(N, 3))
TARGET = PRED + RNG.choice([-1, 1], size=(N, 3)) * RNG.uniform(0.2, 0.8, size=(N, 3))
LOGITS = RNG.normal(size=(N, K))
LABELS = RNG.integers(0, K, size=N)
SOFT = RNG.dirichlet(np.ones(K), size=N) * 0.9 + 0.1 / K
PROBS = RNG.uniform(0.05, 0.95, size=(N, 1))
BITS = RNG.integers(0, 2, size=(N, 1)).astype(np.float64)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_check_grads(reduction):
    # residuals are in +-[0.2, 0.8]: away from the kinks of L1 (0) and Huber (+-delta)
    check_grads(lambda p, t: F.mse_loss(p, t, reduction), [PRED, TARGET])
    check_grads(lambda p, t: F.mse_loss(p, t, reduction, half=True), [PRED, TARGET])
    check_grads(lambda p, t: F.l1_loss(p, t, reduction), [PRED, TARGET])
    check_grads(lambda p, t: F.huber_loss(p, t, 0.5, reduction), [PRED, TARGET], order=1)
    check_grads(lambda p, t: F.huber_loss(p, t, 1.0, reduction), [PRED, TARGET])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_classification_losses_check_grads(reduction):
    check_grads(lambda p, t: F.binary_cross_entropy(p, t, reduction), [PROBS, BITS * 0.8 + 0.1])
    check_grads(lambda z, t: F.binary_cross_entropy_with_logits(z, t, reduction),
                [PRED, np.clip(np.abs(TARGET) / 3, 0, 1)])
    check_grads(lambda z: F.cross_entropy(z, LABELS, reduction), [LOGITS])
    check_grads(lambda z, t: F.cross_entropy(z, t, reduction), [LOGITS, SOFT])
    check_grads(lambda z: F.nll_loss(F.log_softmax(z), LABELS, reduction), [LOGITS])


def test_penalties_check_grads():
    w = RNG.normal(size=(3, 2))
    b = RNG.normal(size=3)
    check_grads(lambda a, c: nn.l2_penalty([a, c], 0.3), [w, b])
    check_grads(lambda a, c: nn.l1_penalty([a, c], 0.3), [w, b])


def test_values_against_numpy():
    r = PRED - TARGET
    np.testing.assert_allclose(nn.MSELoss()(PRED, TARGET).item(), np.mean(r ** 2))
    np.testing.assert_allclose(nn.MSELoss(half=True)(PRED, TARGET).item(), 0.5 * np.mean(r ** 2))
    np.testing.assert_allclose(nn.MSELoss("sum", half=True)(PRED, TARGET).item(),
                               0.5 * np.sum(r ** 2))
    np.testing.assert_allclose(nn.L1Loss()(PRED, TARGET).item(), np.mean(np.abs(r)))
    a = np.abs(r)
    huber = np.where(a <= 0.5, 0.5 * r ** 2, 0.5 * (a - 0.25))
    np.testing.assert_allclose(nn.HuberLoss(0.5, "none")(PRED, TARGET).data, huber)
    bce = -(BITS * np.log(PROBS) + (1 - BITS) * np.log(1 - PROBS))
    np.testing.assert_allclose(nn.BCELoss("none")(PROBS, BITS).data, bce)
    z = np.log(PROBS / (1 - PROBS))
    np.testing.assert_allclose(nn.BCEWithLogitsLoss("none")(z, BITS).data, bce, rtol=1e-12)
    logp = LOGITS - np.log(np.exp(LOGITS).sum(1, keepdims=True))
    ce = -logp[np.arange(N), LABELS]
    np.testing.assert_allclose(nn.CrossEntropyLoss("none")(LOGITS, LABELS).data, ce)
    onehot = np.eye(K)[LABELS]
    np.testing.assert_allclose(nn.CrossEntropyLoss()(LOGITS, onehot).item(), ce.mean())
    np.testing.assert_allclose(nn.CrossEntropyLoss("sum")(LOGITS, SOFT).item(),
                               -(SOFT * logp).sum())
    np.testing.assert_allclose(nn.NLLLoss()(logp, LABELS).item(), ce.mean())


def _mse_composition(p, t, reduction, half):
    """The loss as subtract, multiply, scale and reduce (the fused primitive's reference)."""
    r = p - t
    per = r * r
    if half:
        per = per * 0.5
    return per.mean() if reduction == "mean" else per.sum() if reduction == "sum" else per


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(16, 1), (7, 3), (1000, 10), ()])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("half", [False, True])
def test_mse_is_one_fused_node_with_the_composition_value_and_analytic_gradient(
        dtype, shape, reduction, half):
    rng = np.random.default_rng(3)
    p = rng.normal(size=shape).astype(dtype)
    t = rng.normal(size=shape).astype(dtype)
    pred = cr.Tensor(p, requires_grad=True)
    target = cr.Tensor(t, requires_grad=True)
    loss = F.mse_loss(pred, target, reduction, half=half)
    assert loss._prim.name == "squared_error" and loss._parents[0] is pred
    reference = _mse_composition(cr.Tensor(p), cr.Tensor(t), reduction, half)
    assert loss.dtype == dtype and loss.shape == reference.shape
    np.testing.assert_array_max_ulp(loss.data, reference.data, maxulp=1)
    (loss if reduction != "none" else loss.sum()).backward()
    r = p - t
    c = 1.0 if half else 2.0
    n = r.size if reduction == "mean" else 1
    expected = r * np.asarray(c / n, dtype=dtype)  # c r / n, rounded once
    assert pred.grad.dtype == dtype and target.grad.dtype == dtype
    np.testing.assert_array_equal(pred.grad.data, expected)
    np.testing.assert_array_equal(target.grad.data, -expected)
    np.testing.assert_allclose(pred.grad.data, c * (p.astype(np.float64) - t) / n,
                               rtol=2 * np.finfo(dtype).eps, atol=0)


def test_mse_with_column_predictions_and_flat_targets_reduces_gradients():
    pred = cr.Tensor(PRED[:, :1], requires_grad=True)
    loss = F.mse_loss(pred, TARGET[:, 0], half=True)
    loss.backward()
    r = PRED[:, :1] - TARGET[:, :1]
    np.testing.assert_allclose(loss.item(), 0.5 * np.mean(r ** 2), rtol=1e-15)
    np.testing.assert_allclose(pred.grad.data, r / N, rtol=1e-15)


def test_mae_alias_and_default_losses():
    assert nn.MAELoss is nn.L1Loss and F.mae_loss is F.l1_loss
    assert isinstance(nn.default_loss("sigmoid"), nn.BCEWithLogitsLoss)
    assert isinstance(nn.default_loss("softmax"), nn.CrossEntropyLoss)
    assert isinstance(nn.default_loss("linear"), nn.MSELoss)
    with pytest.raises(ValueError, match="default_loss: unknown output unit 'tanh'"):
        nn.default_loss("tanh")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finite_at_plus_minus_1000(dtype):
    z = cr.Tensor(np.array([[-1000.0, 1000.0, 0.0], [1000.0, -1000.0, 5.0]], dtype=dtype),
                  requires_grad=True)
    y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=dtype)
    losses = [nn.BCEWithLogitsLoss()(z, y), nn.CrossEntropyLoss()(z, np.array([0, 1])),
              nn.CrossEntropyLoss()(z, y / y.sum(1, keepdims=True)),
              nn.NLLLoss()(F.log_softmax(z), np.array([0, 1])), nn.MSELoss()(z, y),
              nn.L1Loss()(z, y), nn.HuberLoss()(z, y)]
    for loss in losses:
        assert loss.dtype == dtype and np.isfinite(loss.item())
        z.grad = None
        loss.backward()
        assert np.all(np.isfinite(z.grad.data))
    # the wrong-side logits of +-1000 cost about 1000 (not inf)
    assert 600 < nn.BCEWithLogitsLoss()(z, y).item() < 700


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_on_saturated_probabilities_is_clamped_like_pytorch(dtype):
    p = cr.Tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype), requires_grad=True)
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss = nn.BCELoss("none")(p, y)
    np.testing.assert_allclose(loss.data, [100.0, 100.0, 0.0, 0.0])
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad.data))


def test_reduction_shapes():
    assert nn.CrossEntropyLoss("none")(LOGITS, LABELS).shape == (N,)
    assert nn.MSELoss("none")(PRED, TARGET).shape == (N, 3)
    assert nn.MSELoss("sum")(PRED, TARGET).shape == ()
    with pytest.raises(ValueError, match="MSELoss: reduction must be one of"):
        nn.MSELoss(reduction="average")
    with pytest.raises(ValueError, match="cross_entropy: reduction"):
        F.cross_entropy(LOGITS, LABELS, reduction="avg")


def test_bce_with_logits_accepts_flat_targets_for_column_logits():
    z = RNG.normal(size=(5, 1)).astype(np.float32)
    y = np.array([0, 1, 1, 0, 1])
    a = nn.BCEWithLogitsLoss()(z, y).item()
    b = nn.BCEWithLogitsLoss()(z[:, 0], y.astype(np.float32)).item()
    assert a == pytest.approx(b)


def test_float64_numpy_targets_work_with_float32_predictions():
    z = cr.Tensor(np.zeros((3, 1), np.float32), requires_grad=True)
    loss = nn.MSELoss()(z, np.ones(3))
    assert loss.dtype == np.float32 and loss.item() == 1.0


# ------------------------------------------------------------------- bad input
def test_cross_entropy_errors():
    logits = np.zeros((8, 4), np.float32)
    with pytest.raises(ValueError, match=r"CrossEntropyLoss: targets of shape \(8, 3\) do not "
                                         r"match logits of shape \(8, 4\)"):
        nn.CrossEntropyLoss()(logits, np.eye(3, dtype=np.float32)[np.zeros(8, int)])
    with pytest.raises(TypeError, match=r"CrossEntropyLoss: class labels must be integers, got "
                                        r"dtype float64 .*shape \(8,\).*\(8, 4\)"):
        nn.CrossEntropyLoss()(logits, np.zeros(8))
    with pytest.raises(ValueError, match=r"CrossEntropyLoss: labels must be in \[0, 3\] for "
                                         r"logits of shape \(8, 4\), got \[4, -1\]"):
        nn.CrossEntropyLoss()(logits, np.array([0, 1, 4, 0, -1, 0, 0, 0]))
    with pytest.raises(ValueError, match=r"CrossEntropyLoss: labels of shape \(7,\) do not "
                                         r"match logits of shape \(8, 4\)"):
        nn.CrossEntropyLoss()(logits, np.zeros(7, int))
    with pytest.raises(TypeError, match="CrossEntropyLoss: class labels must be integers, got "
                                        "dtype bool"):
        nn.CrossEntropyLoss()(logits, np.zeros(8, bool))
    with pytest.raises(ValueError, match="CrossEntropyLoss: probability targets .* must sum"):
        nn.CrossEntropyLoss()(logits, np.full((8, 4), 0.5))
    with pytest.raises(ValueError, match=r"NLLLoss: labels must be in \[0, 3\]"):
        nn.NLLLoss()(logits, np.full(8, 9))


def test_bce_errors():
    with pytest.raises(ValueError, match=r"BCELoss: input of shape \(3,\) must be probabilities "
                                         r"in \[0, 1\], got values in \[-0.5, 2\]"):
        nn.BCELoss()(np.array([0.5, -0.5, 2.0]), np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="BCELoss: input .* and NaN"):
        nn.BCELoss()(np.array([0.5, np.nan]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"BCELoss: target of shape \(2,\) must be probabilities"):
        nn.BCELoss()(np.array([0.5, 0.5]), np.array([0.0, 3.0]))
    with pytest.raises(ValueError, match=r"BCEWithLogitsLoss: target of shape \(4,\) does not "
                                         r"match logits of shape \(5, 1\)"):
        nn.BCEWithLogitsLoss()(np.zeros((5, 1)), np.zeros(4))
    with pytest.raises(ValueError, match="BCEWithLogitsLoss: target of shape"):
        nn.BCEWithLogitsLoss()(np.zeros(2), np.array([0.0, 2.0]))


def test_regression_errors():
    with pytest.raises(ValueError, match=r"MSELoss: target of shape \(4,\) does not match input "
                                         r"of shape \(5, 1\)"):
        nn.MSELoss()(np.zeros((5, 1)), np.zeros(4))
    with pytest.raises(TypeError, match="MSELoss: expected a floating-point input, got dtype "
                                        "int64"):
        nn.MSELoss()(np.zeros(3, dtype=np.int64), np.zeros(3))
    with pytest.raises(ValueError, match="HuberLoss: delta must be > 0"):
        nn.HuberLoss(delta=0)
    with pytest.raises(TypeError, match="l2_penalty: expected Tensors"):
        nn.l2_penalty([np.ones(3)])
    with pytest.raises(ValueError, match="l1_penalty: no parameters"):
        nn.l1_penalty([])


def test_penalties_on_a_module_and_on_chosen_parameters():
    layer = nn.Linear(3, 2, rng=0)
    w, b = layer.weight.data, layer.bias.data
    assert nn.l2_penalty(layer, 0.5).item() == pytest.approx(0.5 * ((w ** 2).sum() + (b ** 2).sum()))
    assert nn.l1_penalty([layer.weight]).item() == pytest.approx(np.abs(w).sum())
    nn.l2_penalty([layer.weight], 0.5).backward()
    np.testing.assert_allclose(layer.weight.grad.data, w)
    assert layer.bias.grad is None


def test_loss_configs_round_trip():
    for loss in [nn.MSELoss("sum", half=True), nn.L1Loss(), nn.HuberLoss(0.3, "none"),
                 nn.BCELoss(), nn.BCEWithLogitsLoss(), nn.CrossEntropyLoss(), nn.NLLLoss()]:
        config = json.loads(json.dumps(loss.get_config()))
        assert nn.from_config(config).get_config() == loss.get_config()
