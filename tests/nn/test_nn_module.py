import json

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4, rng=0)
        self.act = nn.Tanh()
        self.scale = nn.Parameter(np.ones(1, np.float32))
        self.note = "plain attribute"

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


def make_model():
    return nn.Sequential(nn.Linear(4, 5, rng=1), nn.ReLU(), nn.Dropout(0.5, rng=2),
                         nn.Linear(5, 2, rng=3))


def test_registration_and_names():
    block = Block()
    names = [n for n, _ in block.named_parameters()]
    assert names == ["scale", "fc.weight", "fc.bias"]
    assert [type(m).__name__ for m in block.children()] == ["Linear", "Tanh"]
    assert [n for n, _ in block.named_modules()] == ["", "fc", "act"]
    assert block.num_parameters() == 3 * 4 + 4 + 1
    block.fc = nn.Identity()  # replacing a submodule drops its parameters
    assert [n for n, _ in block.named_parameters()] == ["scale"]
    block.scale = 2.0  # a plain value unregisters the parameter
    assert list(block.parameters()) == []


def test_sequential_names_and_indexing():
    model = make_model()
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "3.weight",
                                                        "3.bias"]
    assert isinstance(model[1], nn.ReLU) and len(model) == 4
    assert [type(m).__name__ for m in model[2:]] == ["Dropout", "Linear"]
    with pytest.raises(TypeError, match="Sequential: expected a Module, got function"):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2, rng=0)
    model = nn.Sequential(lin, nn.Tanh(), lin)
    assert len(list(model.parameters())) == 2


def test_assigning_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"Bad: cannot assign 'fc' before "
                                             r"Module.__init__\(\)"):
        Bad()


def test_no_getattr_magic():
    block = Block()
    with pytest.raises(AttributeError):
        block.missing  # noqa: B018
    assert "__getattr__" not in vars(nn.Module)


def test_state_dict_is_a_copy_and_round_trips():
    a, b = make_model(), make_model()
    for p in b.parameters():
        p.data[...] = 0
    state = a.state_dict()
    state["0.weight"][...] = 123.0  # a copy: the model is not changed
    assert not np.any(a[0].weight.data == 123.0)
    state = a.state_dict()
    weights_before = [id(p.data) for p in b.parameters()]
    b.load_state_dict(state)
    assert [id(p.data) for p in b.parameters()] == weights_before  # copied in place
    for (n1, p1), (n2, p2) in zip(a.named_parameters(), b.named_parameters()):
        assert n1 == n2
        np.testing.assert_array_equal(p1.data, p2.data)


@pytest.mark.parametrize("mutate,error,match", [
    (lambda s: s.pop("3.bias"), ValueError, r"missing \['3.bias'\], unexpected \[\]"),
    (lambda s: s.update(extra=np.zeros(2)), ValueError, r"unexpected \['extra'\]"),
    (lambda s: s.update({"3.weight": np.zeros((3, 5), np.float32)}), ValueError,
     r"'3.weight': expected shape \(2, 5\), got \(3, 5\)"),
    (lambda s: s.update({"3.bias": np.zeros(2, np.float64)}), TypeError,
     r"'3.bias': expected dtype float32, got float64"),
])
def test_load_state_dict_errors_leave_parameters_unchanged(mutate, error, match):
    model = make_model()
    before = model.state_dict()
    state = {k: np.full_like(v, 7.0) for k, v in before.items()}
    mutate(state)
    with pytest.raises(error, match=match):
        model.load_state_dict(state)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_load_state_dict_non_strict_reports_keys():
    model = make_model()
    state = model.state_dict()
    state.pop("0.bias")
    state["other"] = np.zeros(1)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["other"]
    with pytest.raises(TypeError, match="expected a mapping"):
        model.load_state_dict([1, 2])


def test_train_eval_flags_propagate_and_dropout_obeys():
    model = make_model()
    x = np.ones((64, 4), np.float32)
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    np.testing.assert_array_equal(model(x).data, model(x).data)
    model.train()
    assert all(m.training for m in model.modules())
    assert not np.array_equal(model(x).data, model(x).data)


def test_zero_grad():
    model = make_model()
    model.eval()
    model(np.ones((2, 4), np.float32)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_config_round_trip_rebuilds_the_same_function():
    model = nn.Sequential(nn.Linear(4, 6, init="he_normal", rng=5), nn.LeakyReLU(0.2),
                          nn.Maxout(6, 3, pieces=2, rng=1), nn.GELU("tanh"), nn.PReLU(3),
                          nn.SiLU(2.0, learn_beta=True), nn.Dropout(0.1, rng=4),
                          nn.Linear(3, 2, bias=False, rng=9), nn.LogSoftmax())
    config = json.loads(json.dumps(model.get_config()))
    clone = nn.from_config(config)
    assert clone.get_config() == model.get_config()
    clone.load_state_dict(model.state_dict())
    model.eval(), clone.eval()
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_array_equal(clone(x).data, model(x).data)


def test_from_config_errors():
    with pytest.raises(ValueError, match="from_config: unknown module class 'Conv2d'"):
        nn.from_config({"class": "Conv2d"})
    with pytest.raises(ValueError, match="expected a dict with a 'class' key"):
        nn.from_config([1])
    with pytest.raises(TypeError, match="from_config: cannot build Linear"):
        nn.from_config({"class": "Linear", "in_features": 2, "out_features": 3, "width": 4})
    with pytest.raises(NotImplementedError, match="Block does not implement get_config"):
        Block().get_config()


def test_register_custom_module():
    @nn.register_module
    class TimesFactorForConfigTest(nn.Module):
        def __init__(self, factor=2.0):
            super().__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor

        def get_config(self):
            return {"class": "TimesFactorForConfigTest", "factor": self.factor}

    model = nn.from_config(nn.Sequential(TimesFactorForConfigTest(3.0)).get_config())
    assert model[0].factor == 3.0


def test_astype_for_float64_gradient_checks():
    model = make_model().astype(np.float64)
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model.get_config()["layers"][0]["dtype"] == "float64"
    model.eval()
    out = model(np.ones((2, 4)))
    assert out.dtype == np.float64
    assert model.to(np.float32) is model and model[0].weight.dtype == np.float32
    with pytest.raises(TypeError, match="expected a floating dtype"):
        model.astype(np.int32)


def test_rng_states_resume_bit_for_bit():
    model = nn.Sequential(nn.Dropout(0.5, rng=0), nn.Sequential(nn.Dropout(0.3, rng=1)))
    x = np.ones((4, 8), np.float32)
    model(x)
    states = json.loads(json.dumps(model.rng_states()))
    assert sorted(states) == ["0", "1.0"]
    first = model(x).data
    model.set_rng_states(states)
    np.testing.assert_array_equal(model(x).data, first)
    bad = dict(states, **{"1.0": {"bit_generator": "MT19937"}})
    with pytest.raises(ValueError, match="expected the state dict of a PCG64"):
        model.set_rng_states(bad)
    with pytest.raises(ValueError, match=r"expected states for \['0', '1.0'\]"):
        model.set_rng_states({"0": states["0"]})


def test_repr_lists_the_tree():
    text = repr(make_model())
    assert "(0): Linear(in_features=4, out_features=5, bias=True)" in text
    assert "(2): Dropout(p=0.5)" in text


def test_call_is_forward():
    block = Block()
    x = cr.Tensor(np.ones((2, 3), np.float32))
    np.testing.assert_array_equal(block(x).data, block.forward(x).data)
