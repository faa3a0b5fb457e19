import numpy as np
import pytest

from chainrule import Tensor, nn, no_grad, train
from chainrule.autodiff.ops import softmax


def _data(n=50, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(np.float32), rng.integers(0, 3, size=n)


def test_predict_and_proba_are_batched_and_match_the_model():
    X, y = _data()
    model = nn.MLP(4, [8], 3, dropout=0.5, seed=0)
    with no_grad():
        model.eval()
        expected = softmax(model(Tensor(X)), axis=-1).data
        model.train()
    proba = train.predict_proba(model, X, batch_size=7)
    np.testing.assert_allclose(proba, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(train.predict(model, X, batch_size=7), expected.argmax(1))
    assert model.training  # the previous mode is put back
    assert train.predict_logits(model, X.astype(np.float64)).dtype == np.float32


def test_binary_and_regression_outputs():
    X, _ = _data()
    binary = nn.MLP(4, [8], 1, output="sigmoid", seed=0)
    proba = train.predict_proba(binary, X)
    assert proba.shape == (50, 2)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(train.predict(binary, X), (proba[:, 1] > 0.5).astype(int))
    reg = nn.MLP(4, [8], 1, output="linear", seed=0)
    assert train.predict(reg, X).shape == (50,)
    with pytest.raises(ValueError, match="regression"):
        train.predict_proba(reg, X)


def test_evaluate_matches_hand_computation():
    X, y = _data()
    model = nn.MLP(4, [8], 3, seed=1)
    out = train.evaluate(model, (X, y), nn.CrossEntropyLoss(), metrics=["accuracy", "f1"],
                         batch_size=16)
    with no_grad():
        logits = model(Tensor(X))
        loss = float(nn.CrossEntropyLoss()(logits, y).data)
    assert out["loss"] == pytest.approx(loss, rel=1e-5)
    assert out["accuracy"] == pytest.approx(np.mean(logits.data.argmax(1) == y))
    assert set(out) == {"loss", "accuracy", "f1"}
    with pytest.raises(TypeError, match="data must be"):
        train.evaluate(model, X)
    with pytest.raises(ValueError, match="rows"):
        train.evaluate(model, (X, y[:-1]))


def test_output_loss_is_the_loss_on_probabilities():
    X, y = _data()
    model = nn.MLP(4, [8], 3, seed=2)
    loss = train.OutputLoss(nn.MSELoss(), "softmax", n_classes=3)
    logits = model(Tensor(X))
    value = loss(logits, y)
    expected = np.mean((softmax(logits, axis=-1).data - np.eye(3)[y]) ** 2)
    assert float(value.data) == pytest.approx(expected, rel=1e-5)
    value.backward()
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(ValueError, match="labels"):
        loss(logits, np.full(50, 3))
    with pytest.raises(ValueError, match="n_classes"):
        train.OutputLoss(nn.MSELoss(), "softmax")


def test_evaluate_infers_a_classifier_from_integer_targets():
    """A plain Sequential has no output unit and no loss is given: integer labels still
    mean accuracy, not the mean absolute error of logits against labels."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    seq = nn.Sequential(nn.Linear(2, 1, rng=0))
    seq[0].weight.data[...] = [[5.0, 0.0]]
    seq[0].bias.data[...] = 0.0
    out = train.evaluate(seq, (X, y))
    assert out == {"accuracy": 1.0}
    multi = nn.Sequential(nn.Linear(2, 3, rng=0))
    assert set(train.evaluate(multi, (X, y))) == {"accuracy"}
    regression = train.evaluate(seq, (X, y.astype(np.float32)))
    assert set(regression) == {"mae"}
