"""Any set-up the server accepts trains, draws, explains and exports to valid JSON."""
from __future__ import annotations

import json
import warnings

from hypothesis import HealthCheck, given, settings, strategies as st

from chainrule.playground.config import ACTIVATIONS, FEATURES, LOSSES, normalize_setup
from chainrule.playground.driver import Playground
from chainrule.playground.export import model_zip

PROBLEMS = {"circle": ["classification"], "xor": ["classification"],
            "gaussian": ["classification", "multiclass"],
            "spiral": ["classification", "multiclass"], "plane": ["regression"],
            "multigauss": ["regression"]}


@st.composite
def setups(draw):
    dataset = draw(st.sampled_from(sorted(PROBLEMS)))
    problem = draw(st.sampled_from(PROBLEMS[dataset]))
    hidden = draw(st.lists(st.integers(1, 16), max_size=8))
    return {"dataset": dataset, "problem": problem, "hidden": hidden,
            "activations": draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=len(hidden),
                                         max_size=len(hidden))),
            "features": draw(st.lists(st.sampled_from(FEATURES), min_size=1, max_size=7,
                                      unique=True)),
            "loss": draw(st.sampled_from(LOSSES[problem])),
            "noise": draw(st.sampled_from([0, 17.5, 50])),
            "train_ratio": draw(st.sampled_from([10, 50, 90])),
            "batch_size": draw(st.sampled_from([1, 10, 64])),
            "n_points": draw(st.sampled_from([50, 200])),
            "n_classes": draw(st.integers(3, 5)),
            "seed": draw(st.integers(0, 2**31 - 1)),
            "optimizer": draw(st.sampled_from(["sgd", "momentum", "adam"])),
            "lr": draw(st.sampled_from([1e-5, 0.03, 10.0])),
            "regularization": draw(st.sampled_from(["none", "l1", "l2"])),
            "reg_rate": draw(st.sampled_from([0, 0.003, 10]))}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(setups())
def test_every_accepted_setup_gives_json_safe_frames(setup):
    pg = Playground(normalize_setup(setup))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value noise either
        for _ in range(2):
            pg.train_epoch()
        for payload in (pg.frame(), pg.backprop(len(pg.train_x) - 1), pg.data(),
                        pg.history_since(-1)):
            json.dumps(payload, allow_nan=False)
    name, data = model_zip(pg)
    assert name.endswith(".zip") and data[:2] == b"PK"
