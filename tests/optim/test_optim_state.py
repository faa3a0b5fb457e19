"""state_dict / load_state_dict and the JSON + arrays split."""
import json

import numpy as np
import pytest

from chainrule import Tensor
from chainrule.nn.parameter import Parameter
from chainrule.optim import (LBFGS, SGD, Adagrad, Adam, AdamW, NewtonCG, RMSProp,
                             flatten_state, unflatten_state)

CASES = [(SGD, dict(lr=0.1, momentum=0.9)), (Adagrad, {}),
         (RMSProp, dict(momentum=0.5, centered=True)), (Adam, dict(amsgrad=True)),
         (AdamW, {})]


def make(seed=0):
    rng = np.random.default_rng(seed)
    return [Parameter(rng.normal(size=s)) for s in [(3, 2), (2,)]]


def grads_for(step):
    rng = np.random.default_rng(100 + step)
    return [rng.normal(size=(3, 2)), rng.normal(size=(2,))]


def steps(opt, ps, start, stop):
    for t in range(start, stop):
        for p, g in zip(ps, grads_for(t)):
            p.grad = Tensor(g)
        opt.step()


def roundtrip(sd, tmp_path):
    """Through JSON and .npz, as chainrule.train stores it."""
    meta, arrays = flatten_state(sd)
    (tmp_path / "opt.json").write_text(json.dumps(meta))
    np.savez(tmp_path / "opt.npz", **arrays)
    with np.load(tmp_path / "opt.npz") as z:
        loaded = {k: z[k] for k in z.files}
    return unflatten_state(json.loads((tmp_path / "opt.json").read_text()), loaded)


@pytest.mark.parametrize("cls,kw", CASES)
def test_resume_matches_uninterrupted(cls, kw, tmp_path):
    ps = make()
    opt = cls(ps, **kw)
    steps(opt, ps, 0, 3)
    sd = opt.state_dict()
    json.dumps(flatten_state(sd)[0])  # only arrays are non-JSON
    saved_params = [p.data.copy() for p in ps]
    steps(opt, ps, 3, 6)

    ps2 = [Parameter(a) for a in saved_params]
    opt2 = cls(ps2, lr=123.0)  # hyperparameters come back from the state
    opt2.load_state_dict(roundtrip(sd, tmp_path))
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    steps(opt2, ps2, 3, 6)
    for a, b in zip(ps, ps2):
        np.testing.assert_array_equal(a.data, b.data)


def test_state_dict_layout():
    ps = make()
    opt = Adam([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.1}])
    steps(opt, ps, 0, 1)
    sd = opt.state_dict()
    assert sd["type"] == "Adam"
    assert sd["param_groups"][1] == {"lr": 0.1, "betas": [0.9, 0.999], "eps": 1e-8,
                                     "weight_decay": 0.0, "amsgrad": False, "params": [1]}
    assert set(sd["state"]) == {"0", "1"}
    assert sd["state"]["1"]["step"] == 1 and sd["state"]["1"]["exp_avg"].shape == (2,)
    sd["state"]["0"]["exp_avg"][...] = 99  # a copy, not the live buffer
    assert not np.any(opt.state[ps[0]]["exp_avg"] == 99)


def test_float32_state_loads_into_the_parameter_dtype():
    ps = [Parameter(np.zeros(2, dtype=np.float32))]
    opt = Adam(ps)
    ps[0].grad = Tensor(np.ones(2, dtype=np.float32))
    opt.step()
    sd = opt.state_dict()
    sd["state"]["0"]["exp_avg"] = sd["state"]["0"]["exp_avg"].astype(np.float64)
    opt2 = Adam([Parameter(np.zeros(2, dtype=np.float32))])
    opt2.load_state_dict(sd)
    assert next(iter(opt2.state.values()))["exp_avg"].dtype == np.float32


def test_load_validates_before_changing_anything():
    ps = make()
    opt = Adam(ps, lr=0.01)
    steps(opt, ps, 0, 1)
    good = opt.state_dict()
    target = Adam(make(), lr=0.5)
    wrong_shape = opt.state_dict()
    wrong_shape["state"]["1"]["exp_avg"] = np.zeros(3)
    bad_lr = opt.state_dict()
    bad_lr["param_groups"][0]["lr"] = -1.0
    bad_key = opt.state_dict()
    bad_key["state"]["7"] = bad_key["state"].pop("1")
    missing = opt.state_dict()
    del missing["state"]["0"]["exp_avg_sq"]
    for sd, match in [(dict(good, type="SGD"), "saved by SGD, this optimiser is Adam"),
                      (dict(good, param_groups=good["param_groups"] * 2),
                       "2 parameter groups"),
                      (wrong_shape, r"shape \(3,\), the parameter has shape \(2,\)"),
                      (bad_lr, "lr"), (bad_key, "'7'"), (missing, "keys")]:
        with pytest.raises(ValueError, match=match):
            target.load_state_dict(sd)
        assert target.param_groups[0]["lr"] == 0.5 and target.state == {}
    small = Adam([Parameter(np.zeros((3, 2)))])
    with pytest.raises(ValueError, match="group 0"):
        small.load_state_dict(good)


def test_lbfgs_state_roundtrip(tmp_path):
    def setup(x0):
        x = Parameter(np.array(x0))
        opt = LBFGS([x], max_iter=3)

        def closure():
            opt.zero_grad()
            loss = ((x - 1.0) ** 4).sum() + (x * x).sum()
            loss.backward()
            return loss
        return x, opt, closure

    x, opt, closure = setup([3.0, -2.0, 0.5])
    opt.step(closure)
    sd = opt.state_dict()
    assert isinstance(sd["state"]["0"]["old_dirs"], list)
    x_saved = x.data.copy()
    opt.step(closure)
    x2, opt2, closure2 = setup(x_saved)
    opt2.load_state_dict(roundtrip(sd, tmp_path))
    opt2.step(closure2)
    np.testing.assert_array_equal(x.data, x2.data)
    sd["state"]["0"]["d"] = np.zeros(5)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        opt2.load_state_dict(sd)


def test_newton_cg_state_roundtrip():
    x = Parameter(np.array([2.0]))
    opt = NewtonCG([x])
    opt.step(lambda: (x * x).sum())
    sd = json.loads(json.dumps(opt.state_dict()))
    other = NewtonCG([Parameter(np.array([0.0]))])
    other.load_state_dict(sd)
    assert other.state_dict()["state"] == sd["state"]


def test_flatten_and_unflatten_errors():
    meta, arrays = flatten_state({"a": [np.zeros(2), {"b": np.ones(1)}], "c": (1, 2.5)})
    assert meta == {"a": [{"__array__": "a.0"}, {"b": {"__array__": "a.1.b"}}], "c": [1, 2.5]}
    assert set(arrays) == {"a.0", "a.1.b"}
    with pytest.raises(ValueError, match="'a.0' is missing"):
        unflatten_state(meta, {"a.1.b": np.ones(1)})
    with pytest.raises(ValueError, match="not referenced"):
        unflatten_state(meta, dict(arrays, extra=np.ones(1)))
    with pytest.raises(TypeError, match="x is a set"):
        flatten_state({"x": {1, 2}})
    with pytest.raises(TypeError, match="not a string"):
        flatten_state({1: 2})
