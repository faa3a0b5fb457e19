"""`TrainStep`: the compiled step gives the eager loop's numbers bit for bit, for any model,
and validates every batch like the eager loop."""
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


def _replayed(step):
    """The step's compiled function replayed its last call (no eager fallback)."""
    from chainrule.autodiff import Compiled

    assert isinstance(step.compiled, Compiled) and step.compiled.fallback is None
    return any(type(p).__name__ == "Program" for p in step.compiled.programs.values())


@pytest.mark.parametrize("case", sorted(CASES))
def test_compiled_step_equals_the_eager_loop_bit_for_bit(case):
    make_model, make_loss, (x, y) = CASES[case]
    (m1, l1, o1), (m2, l2, o2) = _pair(make_model, make_loss)
    step = TrainStep(m1, l1, o1)
    for _ in range(5):
        logits, value = step(x, y)
        ref_logits, ref_value = _graph_step(m2, l2, o2, x, y)
        assert value == ref_value
        assert np.array_equal(logits, ref_logits)
        assert all(np.array_equal(a, b) for a, b in zip(_grads(m1), _grads(m2)))
        assert _same(m1, m2)
    assert _replayed(step)
    if m1.dropout:  # the masks came from the same generators, in the same order
        assert m1.rng_states() == m2.rng_states()


def test_a_1d_input_identity_output_and_clipping():
    """A 1-D input gives the output bias a read-only broadcast cotangent: it must be copied
    into .grad, so clipping (in place) works, compiled as eagerly."""
    make = lambda: nn.MLP(3, [4], 2, output="linear", seed=0)  # noqa: E731
    (m1, _, o1), (m2, _, o2) = _pair(make, lambda: None,
                                     lambda ps: optim.SGD(ps, lr=0.1))
    loss = lambda z, y: z.sum()  # noqa: E731
    step = TrainStep(m1, loss, o1, clip_grad_norm=1e-3)
    x, y = np.ones(3, "f4"), np.zeros(2, "f4")
    for _ in range(4):
        assert step(x, y)[1] == _graph_step(m2, loss, o2, x, y, clip=1e-3)[1]
        assert all(p.grad.data.flags.writeable for p in m1.parameters())
        assert all(np.array_equal(a, b) for a, b in zip(_grads(m1), _grads(m2)))
        assert _same(m1, m2)
    assert _replayed(step)


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


def test_any_model_is_compiled():
    x, y = CLASSES

    class Scaled(nn.MLP):
        def forward(self, x):
            return super().forward(x) * 2.0

    makers = [lambda: nn.Sequential(nn.Linear(5, 8, rng=np.random.default_rng(0)), nn.ReLU(),
                                    nn.Linear(8, 3, rng=np.random.default_rng(1))),
              lambda: Scaled(5, [8], 3, seed=0),
              lambda: nn.MLP(5, [8], 3, activation="elu", seed=0)]
    for make in makers:
        (m1, l1, o1), (m2, l2, o2) = _pair(make, nn.CrossEntropyLoss)
        step = TrainStep(m1, l1, o1)
        for _ in range(3):
            assert step(x, y)[1] == _graph_step(m2, l2, o2, x, y)[1]
        assert _replayed(step) and _same(m1, m2)


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


def test_float64_models_train_compiled():
    x, y = CLASSES
    (m1, l1, o1), (m2, l2, o2) = _pair(lambda: nn.MLP(5, [8], 3, seed=0, dtype=np.float64),
                                       nn.CrossEntropyLoss)
    step = TrainStep(m1, l1, o1)
    logits, _ = step(x.astype(np.float64), y)
    _graph_step(m2, l2, o2, x.astype(np.float64), y)
    assert logits.dtype == np.float64 and _same(m1, m2)


# ------------------------------------------------- every activation, loss and optimiser
BATCHES = [(rng.standard_normal((12, 4)).astype(np.float32),
            rng.integers(0, 3, 12)) for _ in range(3)]
ACTIVATIONS = sorted(set(nn.activations.ACTIVATIONS) - {"softmax", "log_softmax", "linear"})
OPTIMISERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.05),
    "sgd-momentum-wd": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "sgd-nesterov": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
    "gradient-descent": lambda ps: optim.GradientDescent(ps, lr=0.05, weight_decay=1e-3),
    "adagrad": lambda ps: optim.Adagrad(ps, lr=0.05, lr_decay=0.01, weight_decay=1e-3),
    "rmsprop": lambda ps: optim.RMSProp(ps, lr=0.01, momentum=0.5, weight_decay=1e-3),
    "rmsprop-centered": lambda ps: optim.RMSProp(ps, lr=0.01, centered=True),
    "adam": lambda ps: optim.Adam(ps, lr=0.01, weight_decay=1e-3),
    "adam-amsgrad": lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
    "adamw": lambda ps: optim.AdamW(ps, lr=0.01),
}


def _onehot(y):
    return (np.eye(3, dtype=np.float32)[y] * 0.9 + 0.1 / 3).astype(np.float32)


LOSSES = {  # (model output unit, loss, target from the labels)
    "cross-entropy": ("softmax", nn.CrossEntropyLoss, lambda y: y),
    "cross-entropy-sum": ("softmax", lambda: nn.CrossEntropyLoss(reduction="sum"),
                          lambda y: y),
    "cross-entropy-probabilities": ("softmax", nn.CrossEntropyLoss, _onehot),
    "nll": ("log_softmax", nn.NLLLoss, lambda y: y),
    "bce-with-logits": ("sigmoid", nn.BCEWithLogitsLoss,
                        lambda y: (y > 0).astype(np.float32)[:, None]),
    "bce-with-logits-flat-target": ("sigmoid", nn.BCEWithLogitsLoss,
                                    lambda y: (y > 0).astype(np.float32)),
    "bce": ("probability", nn.BCELoss, lambda y: (y > 0).astype(np.float32)[:, None]),
    "mse": ("linear", nn.MSELoss, _onehot),
    "mse-half-float64-target": ("linear", lambda: nn.MSELoss(half=True),
                                lambda y: _onehot(y).astype(np.float64)),
    "l1": ("linear", nn.L1Loss, _onehot),
    "huber": ("linear", lambda: nn.HuberLoss(delta=0.5), _onehot),
    "output-loss-softmax": ("softmax", lambda: OutputLoss(nn.MSELoss(), "softmax", 3),
                            lambda y: y),
}


def _model(activation="tanh", unit="softmax", dropout=0.25, seed=0):
    out = 1 if unit in ("sigmoid", "probability") else 3
    mlp = nn.MLP(4, [6, 5], out, activation=activation, dropout=dropout, seed=seed,
                 output="linear" if unit != "sigmoid" else "sigmoid")
    if unit == "probability":
        return nn.Sequential(mlp, nn.Sigmoid())
    if unit == "log_softmax":
        return nn.Sequential(mlp, nn.LogSoftmax())
    return mlp


def _run_both(make_model, make_loss, make_opt, target=lambda y: y, clip=0.5, steps=20):
    """20 steps compiled and eagerly on cycling batches: every logit, loss value, gradient,
    parameter and dropout draw equal bit for bit."""
    (m1, l1, o1), (m2, l2, o2) = _pair(make_model, make_loss, make_opt)
    step = TrainStep(m1, l1, o1, clip_grad_norm=clip)
    for i in range(steps):
        x, labels = BATCHES[i % len(BATCHES)]
        y = target(labels)
        logits, value = step(x, y)
        ref_logits, ref_value = _graph_step(m2, l2, o2, x, y, clip=clip)
        assert value == ref_value, f"step {i}"
        assert np.array_equal(logits, ref_logits), f"step {i}"
        assert all(np.array_equal(a, b) for a, b in zip(_grads(m1), _grads(m2))), f"step {i}"
        assert _same(m1, m2), f"step {i}"
    assert _replayed(step)
    return m1, m2


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_replays_bit_for_bit(activation):
    m1, m2 = _run_both(lambda: _model(activation), nn.CrossEntropyLoss,
                       OPTIMISERS["sgd-momentum-wd"])
    assert m1.rng_states() == m2.rng_states()


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_loss_replays_bit_for_bit(loss):
    unit, make_loss, target = LOSSES[loss]
    _run_both(lambda: _model("relu", unit), make_loss, OPTIMISERS["adam"], target)


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_every_optimiser_replays_bit_for_bit(name):
    _run_both(lambda: _model("elu"), nn.CrossEntropyLoss, OPTIMISERS[name])


def test_a_schedule_changing_lr_between_replays_is_followed():
    def make_opt(ps):
        return optim.SGD(ps, lr=0.1, momentum=0.9)

    (m1, l1, o1), (m2, l2, o2) = _pair(lambda: _model("relu", dropout=0.0),
                                       nn.CrossEntropyLoss, make_opt)
    step = TrainStep(m1, l1, o1)
    for i in range(6):
        for o in (o1, o2):
            o.param_groups[0]["lr"] = 0.1 / (1 + i)
        x, y = BATCHES[i % 3]
        assert step(x, y)[1] == _graph_step(m2, l2, o2, x, y)[1]
    assert _replayed(step) and _same(m1, m2)


def test_guards_retrace_on_shape_mode_clipping_and_parameters():
    model = _model("tanh", dropout=0.0)
    loss, opt = nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1)
    step = TrainStep(model, loss, opt)
    x, y = BATCHES[0]
    for _ in range(3):
        step(x, y)
    programs = len(step.compiled.programs)
    step(x[:5], y[:5])  # a new batch shape
    model.eval()
    step(x, y)  # dropout off: another program
    model.train()
    step.clip_grad_norm = 1.0
    step(x, y)
    assert len(step.compiled.programs) == programs + 3
    # a parameter's array replaced (not updated in place): the replay refuses, traces anew
    ref = _model("tanh", dropout=0.0)
    ref.load_state_dict(model.state_dict())
    ref_opt = optim.SGD(ref.parameters(), lr=0.1)
    w = model.layers[0].weight
    w.data = w.data.copy()
    ref.layers[0].weight.data = ref.layers[0].weight.data.copy()
    for _ in range(3):
        assert step(x, y)[1] == _graph_step(ref, loss, ref_opt, x, y, clip=1.0)[1]
    assert _same(model, ref) and _replayed(step)
    # freezing a layer changes the backward pass: traced anew, the frozen weight untouched
    frozen = model.layers[0].weight.data.copy()
    model.layers[0].weight.requires_grad = False
    for _ in range(3):
        step(x, y)
    assert np.array_equal(model.layers[0].weight.data, frozen)
    assert model.layers[0].weight.grad is None


def _replaying(model, opt=None):
    """A TrainStep (cross-entropy, SGD unless ``opt``) after three steps on CLASSES, so
    that it replays."""
    opt = optim.SGD(model.parameters(), lr=0.1) if opt is None else opt
    step = TrainStep(model, nn.CrossEntropyLoss(), opt)
    for _ in range(3):
        step(*CLASSES)
    return step


def test_bad_labels_in_a_replayed_batch_raise_and_change_nothing():
    model = nn.MLP(5, [8], 3, seed=0)
    step = _replaying(model)
    x, y = CLASSES
    assert _replayed(step)
    before = model.state_dict()
    with pytest.raises(ValueError, match="labels must be in"):
        step(x, np.array([0, 1, 7] * 10 + [0, 0]))
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_bad_binary_targets_in_a_replayed_batch_raise():
    x, y = BINARY
    model = nn.MLP(2, [4], 1, output="sigmoid", seed=0)
    step = TrainStep(model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.1))
    for _ in range(3):
        step(x, y)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"must be probabilities in \[0, 1\]"):
        step(x, y * 3)
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_an_optimiser_overriding_step_and_zero_grad_runs_them_eagerly():
    """A custom optimiser whose step() and zero_grad() are plain Python on .data (not
    replayed) still updates and clears on every call of a compiled step."""
    class Plain(optim.SGD):
        def zero_grad(self, set_to_none=True):
            for p in self.param_groups[0]["params"]:
                p.grad = None

        def step(self, closure=None):
            for p in self.param_groups[0]["params"]:
                p.data -= 0.1 * p.grad.data

    (m1, l1, _), (m2, l2, _) = _pair(lambda: _model("relu", dropout=0.0),
                                     nn.CrossEntropyLoss)
    o1, o2 = Plain(m1.parameters(), lr=0.1), Plain(m2.parameters(), lr=0.1)
    step = TrainStep(m1, l1, o1)
    for i in range(5):
        x, y = BATCHES[i % 3]
        assert step(x, y)[1] == _graph_step(m2, l2, o2, x, y)[1]
    assert _same(m1, m2)


def test_a_replayed_update_with_check_finite_refuses_nan_and_changes_nothing():
    model = nn.MLP(5, [8], 3, seed=0)
    step = _replaying(model, optim.SGD(model.parameters(), lr=0.1, check_finite=True))
    x, y = CLASSES
    assert _replayed(step)
    before = model.state_dict()
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or Inf; nothing was updated"):
        step(bad, y)
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())
    step(x, y)  # the next good batch replays again
    assert _replayed(step)


def test_the_replay_records_the_update_without_re_validating_gradients():
    step = _replaying(nn.MLP(5, [8], 3, seed=0))
    source = next(iter(step.compiled.programs.values())).source
    assert "Optimizer._replay_update" in source and "Optimizer.update" not in source


def test_a_training_flag_assigned_directly_on_a_submodule_traces_anew():
    model = nn.MLP(5, [16], 3, dropout=0.5, seed=0)
    step = _replaying(model)
    x, y = CLASSES
    programs = len(step.compiled.programs)
    dropout = next(m for m in model.modules() if type(m).__name__ == "Dropout")
    dropout.training = False  # no train()/eval(): the flag itself
    step(x, y)
    assert len(step.compiled.programs) == programs + 1
    with no_grad():
        expected = model(x).data  # dropout off: the same logits as an eval pass
    assert np.array_equal(step(x, y)[0], expected)
