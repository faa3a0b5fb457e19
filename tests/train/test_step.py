"""`TrainStep`: the fused step gives the graph's numbers bit for bit, validates like the
graph, and falls back to the graph wherever it cannot fuse."""
import numpy as np
import pytest

from chainrule import nn, no_grad, optim
from chainrule.train import OutputLoss, TrainStep

rng = np.random.default_rng(0)


def _pair(make_model, make_loss, make_opt=lambda ps: optim.SGD(ps, lr=0.1)):
    """Two identical (model, loss, optimizer) triples."""
    out = []
    for _ in range(2):
        model = make_model()
        out.append((model, make_loss(), make_opt(model.parameters())))
    return out


def _graph_step(model, loss_fn, opt, x, y, clip=None):
    opt.zero_grad()
    out = model(x)
    value = loss_fn(out, y)
    value.backward()
    if clip is not None:
        optim.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return out.data, float(value.data)


def _same(m1, m2):
    s1, s2 = m1.state_dict(), m2.state_dict()
    return all(np.array_equal(s1[k], s2[k]) for k in s1)


def _grads(model):
    return [None if p.grad is None else p.grad.data.copy() for p in model.parameters()]


BINARY = (rng.standard_normal((16, 2)).astype(np.float32),
          (rng.random(16) > 0.5).astype(np.float32))
CLASSES = (rng.standard_normal((32, 5)).astype(np.float32), rng.integers(0, 3, 32))
REGRESSION = (rng.standard_normal((24, 3)).astype(np.float32),
              rng.standard_normal((24, 2)).astype(np.float32))

CASES = {
    "bce-tanh": (lambda: nn.MLP(2, [8, 8], 1, activation="tanh", output="sigmoid", seed=0),
                 nn.BCEWithLogitsLoss, BINARY),
    "ce-relu": (lambda: nn.MLP(5, [16, 8], 3, seed=1), nn.CrossEntropyLoss, CLASSES),
    "ce-sigmoid-sum": (lambda: nn.MLP(5, [7], 3, activation="sigmoid", seed=2),
                       lambda: nn.CrossEntropyLoss(reduction="sum"), CLASSES),
    "mse-identity": (lambda: nn.MLP(3, [6], 2, activation="identity", output="linear",
                                    seed=3), nn.MSELoss, REGRESSION),
    "huber-relu": (lambda: nn.MLP(3, [6, 6], 2, output="linear", seed=4), nn.HuberLoss,
                   REGRESSION),
    "dropout": (lambda: nn.MLP(5, [16, 16], 3, dropout=0.3, seed=5), nn.CrossEntropyLoss,
                CLASSES),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fused_step_equals_the_graph_bit_for_bit(case):
    make_model, make_loss, (x, y) = CASES[case]
    (m1, l1, o1), (m2, l2, o2) = _pair(make_model, make_loss)
    step = TrainStep(m1, l1, o1)
    assert step.fused
    for _ in range(5):
        logits, value = step(x, y)
        ref_logits, ref_value = _graph_step(m2, l2, o2, x, y)
        assert value == ref_value
        assert np.array_equal(logits, ref_logits)
        assert all(np.array_equal(a, b) for a, b in zip(_grads(m1), _grads(m2)))
        assert _same(m1, m2)
    for p in m1.parameters():  # gradients come out in the (column-major) weights' layout
        assert p.grad.data.flags.f_contiguous == p.data.flags.f_contiguous
    if m1.dropout:  # the masks came from the same generators, in the same order
        assert m1.rng_states() == m2.rng_states()


def test_fused_step_matches_layer_by_layer_recording():
    make_model, make_loss, (x, y) = CASES["ce-relu"]
    (m1, l1, o1), (m2, l2, o2) = _pair(make_model, make_loss)
    m2.fused = False
    step = TrainStep(m1, l1, o1)
    for _ in range(3):
        _, value = step(x, y)
        _, ref = _graph_step(m2, l2, o2, x, y)
        assert value == pytest.approx(ref, rel=1e-6)
    for a, b in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-5, atol=1e-6)


def test_probability_targets_and_output_losses_use_the_recorded_loss():
    x, labels = CLASSES
    probs = np.eye(3, dtype=np.float32)[labels] * 0.8 + 0.2 / 3
    for make_loss, y in ((nn.CrossEntropyLoss, probs),
                         (lambda: OutputLoss(nn.MSELoss(), "softmax", n_classes=3), labels)):
        (m1, l1, o1), (m2, l2, o2) = _pair(lambda: nn.MLP(5, [8], 3, seed=0), make_loss)
        for _ in range(3):
            assert TrainStep(m1, l1, o1)(x, y)[1] == _graph_step(m2, l2, o2, x, y)[1]
        assert _same(m1, m2)


def test_adam_momentum_and_clipping_match():
    make_model, make_loss, (x, y) = CASES["ce-relu"]
    for make_opt in (lambda ps: optim.Adam(ps, lr=0.01),
                     lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True)):
        (m1, l1, o1), (m2, l2, o2) = _pair(make_model, make_loss, make_opt)
        step = TrainStep(m1, l1, o1, clip_grad_norm=0.5)
        for _ in range(4):
            step(x, y)
            _graph_step(m2, l2, o2, x, y, clip=0.5)
        assert _same(m1, m2)


def test_frozen_parameters_and_accumulation_follow_backward():
    make_model, make_loss, (x, y) = CASES["bce-tanh"]
    models = [make_model() for _ in range(2)]
    for m in models:
        m.layers[0].weight.requires_grad = False
        # the optimizer holds only the last layer: the others accumulate, as with backward()
    o1, o2 = (optim.SGD(m.layers[-1].parameters(), lr=0.1) for m in models)
    step = TrainStep(models[0], nn.BCEWithLogitsLoss(), o1)
    for _ in range(2):
        step(x, y)
        _graph_step(models[1], nn.BCEWithLogitsLoss(), o2, x, y)
    assert models[0].layers[0].weight.grad is None
    assert all(np.array_equal(a, b) for a, b in zip(_grads(models[0]), _grads(models[1])))
    assert _same(*models)


def test_gradients_fill_grad_without_updating():
    make_model, make_loss, (x, y) = CASES["ce-relu"]
    model = make_model()
    before = model.state_dict()
    logits, value = TrainStep(model, make_loss(), optim.SGD(model.parameters(), lr=1.0)
                              ).gradients(x, y)
    assert logits.shape == (32, 3) and np.isfinite(value)
    assert all(p.grad is not None for p in model.parameters())
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_falls_back_to_the_graph_where_it_cannot_fuse():
    x, y = CLASSES

    class Scaled(nn.MLP):
        def forward(self, x):
            return super().forward(x) * 2.0

    makers = [lambda: nn.Sequential(nn.Linear(5, 8, rng=np.random.default_rng(0)), nn.ReLU(),
                                    nn.Linear(8, 3, rng=np.random.default_rng(1))),
              lambda: Scaled(5, [8], 3, seed=0),
              lambda: nn.MLP(5, [8], 3, activation="elu", seed=0)]
    for make, fusable in zip(makers, (False, False, True)):
        (m1, l1, o1), (m2, l2, o2) = _pair(make, nn.CrossEntropyLoss)
        step = TrainStep(m1, l1, o1)
        assert step.fused is fusable  # elu: an MLP, but its forward records layer by layer
        for _ in range(3):
            assert step(x, y)[1] == _graph_step(m2, l2, o2, x, y)[1]
        assert _same(m1, m2)


@pytest.mark.parametrize("bad, message", [
    ((CLASSES[0], np.array([0, 1, 7] * 10 + [0, 0])), "labels must be in"),
    ((CLASSES[0], CLASSES[1].astype(np.float32)), "class labels must be integers"),
    ((CLASSES[0][:, :4], CLASSES[1]), "expected input with last dimension 5"),
])
def test_bad_inputs_raise_the_graph_message_and_change_nothing(bad, message):
    model = nn.MLP(5, [8], 3, seed=0)
    before = model.state_dict()
    step = TrainStep(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises((ValueError, TypeError), match=message):
        step(*bad)
    with pytest.raises((ValueError, TypeError), match=message):  # the graph says the same
        nn.CrossEntropyLoss()(model(bad[0]), bad[1])
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_bad_binary_targets_and_non_scalar_losses_are_refused():
    x, y = BINARY
    model = nn.MLP(2, [4], 1, output="sigmoid", seed=0)
    before = model.state_dict()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"must be probabilities in \[0, 1\]"):
        TrainStep(model, nn.BCEWithLogitsLoss(), opt)(x, y * 3)
    with pytest.raises(ValueError, match="the loss must return a scalar"):
        TrainStep(model, nn.BCEWithLogitsLoss(reduction="none"), opt)(x, y)
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_no_grad_is_refused_like_backward():
    x, y = CLASSES
    model = nn.MLP(5, [8], 3, seed=0)
    step = TrainStep(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1))
    with no_grad(), pytest.raises(ValueError, match="does not depend on any tensor"):
        step(x, y)


def test_float64_models_train_fused():
    x, y = CLASSES
    (m1, l1, o1), (m2, l2, o2) = _pair(lambda: nn.MLP(5, [8], 3, seed=0, dtype=np.float64),
                                       nn.CrossEntropyLoss)
    step = TrainStep(m1, l1, o1)
    logits, _ = step(x.astype(np.float64), y)
    _graph_step(m2, l2, o2, x.astype(np.float64), y)
    assert logits.dtype == np.float64 and _same(m1, m2)
