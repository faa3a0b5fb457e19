"""Optimisers by CLI name."""
import numpy as np
import pytest

from chainrule.nn.parameter import Parameter
from chainrule.optim import (LBFGS, SGD, Adagrad, Adam, AdamW, GradientDescent, NewtonCG,
                             RMSProp, available_optimizers, get_optimizer)


@pytest.mark.parametrize("name,cls,expected", [
    ("sgd", SGD, {"momentum": 0.0}), ("gd", GradientDescent, {"lr": 0.1}),
    ("momentum", SGD, {"momentum": 0.9, "nesterov": False}),
    ("nesterov", SGD, {"momentum": 0.9, "nesterov": True}), ("adagrad", Adagrad, {}),
    ("rmsprop", RMSProp, {}), ("adam", Adam, {"lr": 0.001}),
    ("adamw", AdamW, {"weight_decay": 0.01}), ("lbfgs", LBFGS, {}),
    ("newton-cg", NewtonCG, {})])
def test_names_map_to_classes_with_defaults(name, cls, expected):
    opt = get_optimizer(name, [Parameter(np.zeros(2))])
    assert type(opt) is cls
    for k, v in expected.items():
        assert opt.param_groups[0][k] == v
    assert name in available_optimizers()


def test_overrides_spelling_and_errors():
    p = Parameter(np.zeros(2))
    assert get_optimizer("Newton_CG", [p], max_iter=3).param_groups[0]["max_iter"] == 3
    assert get_optimizer("momentum", [p], momentum=0.5).param_groups[0]["momentum"] == 0.5
    with pytest.raises(ValueError, match="unknown optimiser 'adamax'.*adamw"):
        get_optimizer("adamax", [p])
    with pytest.raises(TypeError):
        get_optimizer("adam", [p], momentum=0.9)
    with pytest.raises(TypeError, match="name must be a string"):
        get_optimizer(None, [p])
