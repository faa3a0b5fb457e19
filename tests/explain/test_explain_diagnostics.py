"""Gradient norms, activation statistics and the vanishing-gradient demo."""
import numpy as np
import pytest

from chainrule import Tensor, nn
from chainrule.explain import GradientDiagnostics, activation_stats, vanishing_gradient_demo


def test_vanishing_gradients_sigmoid_vs_relu():
    norms = vanishing_gradient_demo(depth=8, width=16, n=128, seed=0)
    sig, relu = norms["sigmoid"], norms["relu"]
    assert sig.shape == relu.shape == (9,)
    assert sig[0] < 1e-3 * sig[-1]  # the first layer barely learns
    assert relu[0] > 0.1 * relu[-1]
    assert np.all(np.diff(np.log(sig[:-1])) > 0)  # shrinks layer after layer


def test_activation_stats():
    z = np.array([[0.001, 0.5, 0.999], [0.995, 0.5, 0.2]])
    assert activation_stats("sigmoid", z)["saturated"] == pytest.approx(3 / 6)
    assert activation_stats("tanh", np.array([[0.995, -0.999], [0.1, 0.2]]))["saturated"] == 0.5
    r = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 3.0]])
    assert activation_stats("ReLU", r)["dead"] == pytest.approx(1 / 3)


def _train(cb, model, X, y, epochs=3, batches=2):
    loss_fn = nn.BCEWithLogitsLoss()
    cb.set_model(model)
    cb.on_train_begin({})
    for epoch in range(epochs):
        cb.on_epoch_begin(epoch, {})
        for b in range(batches):
            model.zero_grad()
            loss_fn(model(Tensor(X)), y).backward()
            for p in model.parameters():
                np.subtract(p.data, 0.1 * p.grad.data, out=p.data)
            cb.on_batch_end(b, {"loss": 0.0, "size": len(X)})
        cb.on_epoch_end(epoch, {})


def test_callback_records_norms_and_stats():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 2)).astype(np.float32)
    y = (X[:, :1] > 0).astype(np.float32)
    model = nn.MLP(2, [8, 8], 1, activation="relu", seed=0)
    cb = GradientDiagnostics(probe=X)
    _train(cb, model, X, y)
    assert len(cb.batch_grad_norms) == 6 and len(cb.epoch_grad_norms) == 3
    assert all(len(row) == 3 and all(v > 0 for v in row) for row in cb.batch_grad_norms)
    expected = np.mean(cb.batch_grad_norms[4:6], axis=0)
    np.testing.assert_allclose(cb.epoch_grad_norms[2], expected)
    assert len(cb.activation_stats) == 3 and "dead" in cb.activation_stats[0][0]
    assert cb.history()["layers"][0] == "layer 1 (relu)"


def test_callback_with_the_trainer():
    train = pytest.importorskip("chainrule.train")
    from chainrule import optim  # noqa: F401  (the trainer needs an optimiser)

    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 2)).astype(np.float32)
    y = (X[:, :1] > 0).astype(np.float32)
    model = nn.MLP(2, [4], 1, activation="sigmoid", seed=0)
    cb = GradientDiagnostics(probe=X)
    train.fit(model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y),
              epochs=2, batch_size=16, callbacks=[cb], verbose=0)
    assert len(cb.epoch_grad_norms) == 2 and len(cb.batch_grad_norms) == 4
    assert "saturated" in cb.activation_stats[-1][0]


def test_callback_needs_a_model():
    with pytest.raises(RuntimeError, match="set_model"):
        GradientDiagnostics().grad_norms()
