import json

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
XOR_Y = np.array([0, 1, 1, 0])


def test_xor_is_learned_by_a_2_2_1_sigmoid_network():
    model = nn.MLP(2, [2], 1, activation="sigmoid")  # seeded default initialisation
    assert model.output_unit == "sigmoid"
    loss_fn = nn.default_loss(model.output_unit)
    lr = 2.0
    for step in range(2000):
        model.zero_grad()
        loss = loss_fn(model(XOR_X), XOR_Y)
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad.data
        if np.array_equal(model.predict(XOR_X), XOR_Y):
            break
    np.testing.assert_array_equal(model.predict(XOR_X), XOR_Y)
    assert step < 2000 - 1


def course_network():
    """The course's regression example: sigmoid units A, B, linear output C."""
    model = nn.MLP(2, [2], 1, activation="sigmoid", task="regression")
    model.load_state_dict({
        "layers.0.weight": np.array([[1, -0.2], [10, -2]], np.float32),
        "layers.0.bias": np.array([5, -12], np.float32),
        "layers.2.weight": np.array([[40, -10]], np.float32),
        "layers.2.bias": np.array([-15.2], np.float32),
    })
    return model


def test_course_regression_example():
    model = course_network()
    x, y = np.array([[-2.0, 5.0]], np.float32), np.array([[15.0]], np.float32)
    y_hat = model(x)
    assert y_hat.item() == pytest.approx(20.03, abs=0.005)
    loss = nn.MSELoss(reduction="sum")(y_hat, y)  # (y - y_hat)^2
    loss.backward()
    b_c = model.layers[2].bias
    assert b_c.grad.item() == pytest.approx(10.06, abs=0.01)
    assert b_c.grad.item() == pytest.approx(2 * (y_hat.item() - 15.0), rel=1e-6)
    for p in model.parameters():  # one plain gradient-descent step
        p.data -= 1e-3 * p.grad.data
    new_loss = nn.MSELoss(reduction="sum")(model(x), y).item()
    assert new_loss < loss.item()


def test_seed_gives_bit_identical_weights():
    a = nn.MLP(5, [8, 4], 3, seed=0)
    b = nn.MLP(5, [8, 4], 3, seed=0)
    c = nn.MLP(5, [8, 4], 3, seed=1)
    for (n, p), (_, q), (_, r) in zip(a.named_parameters(), b.named_parameters(),
                                      c.named_parameters()):
        assert p.data.tobytes() == q.data.tobytes(), n
        if n.endswith("weight"):
            assert p.data.tobytes() != r.data.tobytes(), n
    # one layer's initial weights do not depend on the other layers' widths
    d = nn.MLP(5, [8, 9], 3, seed=0)
    assert a.layers[0].weight.data.tobytes() == d.layers[0].weight.data.tobytes()


def test_layers_are_exposed_for_introspection():
    model = nn.MLP(3, [4, 5], 2, activation=["tanh", "relu"], dropout=0.2)
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert [n for n, _ in model.named_parameters()][:2] == ["layers.0.weight", "layers.0.bias"]
    assert model.output_unit == "softmax"


def test_default_init_he_for_relu_glorot_otherwise():
    relu = nn.MLP(400, [300], 2, activation="relu", seed=0)
    tanh = nn.MLP(400, [300], 2, activation="tanh", seed=0)
    assert relu.layers[0].init == "he_uniform" and tanh.layers[0].init == "glorot_uniform"
    assert relu.layers[2].init == "glorot_uniform"
    assert relu.layers[0].weight.data.std() == pytest.approx(np.sqrt(2 / 400), rel=0.03)
    assert tanh.layers[0].weight.data.std() == pytest.approx(np.sqrt(2 / 700), rel=0.03)
    assert nn.MLP(4, [3], 1, init="lecun_normal").layers[2].init == "lecun_normal"


@pytest.mark.parametrize("task,out,unit,loss", [
    ("binary", 1, "sigmoid", nn.BCEWithLogitsLoss), ("multiclass", 3, "softmax",
                                                     nn.CrossEntropyLoss),
    ("regression", 2, "linear", nn.MSELoss), (None, 1, "sigmoid", nn.BCEWithLogitsLoss),
    (None, 4, "softmax", nn.CrossEntropyLoss),
])
def test_output_unit_follows_the_task(task, out, unit, loss):
    model = nn.MLP(3, [5], out, task=task)
    assert model.output_unit == unit
    assert isinstance(nn.default_loss(model.output_unit), loss)


def test_predict_and_predict_proba():
    x = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    clf = nn.MLP(3, [5], 4, seed=2)
    z = clf(x).data
    proba = clf.predict_proba(x)
    np.testing.assert_allclose(proba, np.exp(z) / np.exp(z).sum(1, keepdims=True), rtol=1e-5)
    np.testing.assert_array_equal(clf.predict(x), z.argmax(1))
    binary = nn.MLP(3, [5], 1, seed=2)
    p = binary.predict_proba(x)
    assert p.shape == (6, 1)
    np.testing.assert_array_equal(binary.predict(x), (p[:, 0] > 0.5).astype(int))
    reg = nn.MLP(3, [5], 2, output="linear")
    np.testing.assert_array_equal(reg.predict(x), reg(x).data)
    with pytest.raises(ValueError, match="regression model .* has no probabilities"):
        reg.predict_proba(x)
    # inference helpers record no graph
    assert not cr.Tensor(clf.predict_proba(x)).requires_grad


def test_mlp_config_round_trip():
    model = nn.MLP(3, [4, 4], 2, activation=["elu", "gelu"], output="softmax", dropout=0.1,
                   seed=3)
    config = json.loads(json.dumps(model.get_config()))
    clone = nn.from_config(config)
    assert clone.get_config() == model.get_config()
    x = np.ones((2, 3), np.float32)
    model.eval(), clone.eval()
    np.testing.assert_array_equal(clone(x).data, model(x).data)  # same seed: same weights
    clone.astype(np.float64)
    assert clone.get_config()["dtype"] == "float64"


def test_mlp_bad_input():
    model = nn.MLP(4, [3], 2)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"Linear\(4 -> 3\): expected input with last dimension "
                                         r"4, got shape \(2, 5\)"):
        model(np.zeros((2, 5), np.float32))
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    with pytest.raises(ValueError, match="MLP: got 1 activations for 2 hidden layers"):
        nn.MLP(4, [3, 3], 2, activation=["relu"])
    with pytest.raises(ValueError, match="MLP: unknown activation 'relux'"):
        nn.MLP(4, [3], 2, activation="relux")
    with pytest.raises(ValueError, match="output='softmax' contradicts task='binary'"):
        nn.MLP(4, [3], 2, output="softmax", task="binary")
    with pytest.raises(ValueError, match="MLP: task must be one of"):
        nn.MLP(4, [3], 2, task="ranking")
    with pytest.raises(ValueError, match="a softmax output needs out_features >= 2"):
        nn.MLP(4, [3], 1, output="softmax")
    with pytest.raises(TypeError, match="MLP: hidden must be a list"):
        nn.MLP(4, 3, 2)
    with pytest.raises(ValueError, match="MLP: layer widths must be positive ints"):
        nn.MLP(4, [0], 2)
    with pytest.raises(ValueError, match=r"MLP: dropout must be in \[0, 1\)"):
        nn.MLP(4, [3], 2, dropout=1.0)


def test_training_step_rejects_bad_labels_before_changing_parameters():
    model = nn.MLP(4, [3], 3)
    before = model.state_dict()
    loss_fn = nn.default_loss(model.output_unit)
    x = np.zeros((2, 4), np.float32)
    for bad in (np.array([0, 3]), np.array([0.0, 1.0]), np.eye(2, dtype=np.float32)):
        with pytest.raises((TypeError, ValueError), match="CrossEntropyLoss"):
            loss_fn(model(x), bad)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_hidden_may_be_empty():
    model = nn.MLP(3, [], 1, task="regression")
    assert [type(m).__name__ for m in model.layers] == ["Linear"]
