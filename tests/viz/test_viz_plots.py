"""Every plot is written as a PNG that is not blank."""
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from chainrule import nn, viz  # noqa: E402
from chainrule.explain import GradientDiagnostics, vanishing_gradient_demo  # noqa: E402


def _not_blank(path):
    import matplotlib.image as mpimg

    img = mpimg.imread(str(path))
    assert img.ndim == 3 and img.shape[0] > 50 and img.shape[1] > 50
    assert img.var() > 0
    assert len(np.unique(img.reshape(-1, img.shape[-1]), axis=0)) > 10


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, (80, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return X, y


def test_activation_gallery(tmp_path):
    fig = viz.plot_activations(["sigmoid", "relu", "tanh"], tmp_path / "act.png")
    _not_blank(tmp_path / "act.png")
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 3


def test_activation_derivatives_come_from_autodiff():
    x = np.linspace(-3, 3, 7)
    y, dy = viz.activation_curve("sigmoid", x)
    np.testing.assert_allclose(dy, y * (1 - y), rtol=1e-12)
    with pytest.raises(ValueError, match="unknown activation"):
        viz.plot_activations(["wiggle"])


def test_decision_boundary_binary_and_multiclass(tmp_path, data):
    X, y = data
    model = nn.MLP(2, [6], 1, activation="tanh", seed=0)
    fig = viz.plot_decision_boundary(model, X, y, tmp_path / "db.png", resolution=60)
    _not_blank(tmp_path / "db.png")
    assert fig.axes[0].get_title() == "Decision boundary"
    three = nn.MLP(2, [6], 3, activation="relu", seed=0)
    viz.plot_decision_boundary(lambda t: three(t), X, y % 3, tmp_path / "db3.png",
                               resolution=60)
    _not_blank(tmp_path / "db3.png")
    with pytest.raises(ValueError, match="2-D inputs"):
        viz.plot_decision_boundary(model, np.ones((4, 3)), np.ones(4))


def test_hidden_layers(tmp_path, data):
    X, y = data
    model = nn.MLP(2, [2, 5], 1, activation="sigmoid", seed=0)
    fig = viz.plot_hidden_layers(model, X, y, tmp_path / "hidden.png")
    _not_blank(tmp_path / "hidden.png")
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 3 and "principal components" in titles[2]
    assert "principal" not in titles[1]


def test_history_confusion_and_gradient_norms(tmp_path):
    hist = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.7, 0.5], "accuracy": [0.5, 0.7, 0.8],
            "val_accuracy": [0.4, 0.6, 0.7], "lr": [0.1, 0.1, 0.1]}
    fig = viz.plot_history(hist, tmp_path / "hist.png")
    _not_blank(tmp_path / "hist.png")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    with pytest.raises(ValueError, match="no series"):
        viz.plot_history(hist, metrics=["f1"])
    viz.plot_confusion_matrix(np.array([[5, 1], [2, 7]]), ["no", "yes"], tmp_path / "cm.png",
                              normalize=True)
    _not_blank(tmp_path / "cm.png")
    with pytest.raises(ValueError, match="square"):
        viz.plot_confusion_matrix(np.ones((2, 3)), None, None)
    viz.plot_gradient_norms(vanishing_gradient_demo(depth=4, n=64), tmp_path / "vg.png")
    _not_blank(tmp_path / "vg.png")


def test_gradient_norms_of_a_callback(tmp_path, data):
    X, y = data
    from chainrule import Tensor

    model = nn.MLP(2, [4], 1, activation="tanh", seed=0)
    cb = GradientDiagnostics(probe=X)
    cb.set_model(model)
    cb.on_train_begin({})
    for epoch in range(3):
        cb.on_epoch_begin(epoch, {})
        model.zero_grad()
        nn.BCEWithLogitsLoss()(model(Tensor(X)), y.reshape(-1, 1).astype(np.float32)).backward()
        cb.on_batch_end(0, {})
        cb.on_epoch_end(epoch, {})
    fig = viz.plot_gradient_norms(cb, tmp_path / "cb.png")
    _not_blank(tmp_path / "cb.png")
    assert len(fig.axes) == 2


def test_missing_matplotlib_names_the_extra(monkeypatch):
    from chainrule.viz import _mpl

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"chainrule\[viz\]"):
        _mpl.pyplot()
