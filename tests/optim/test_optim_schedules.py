"""Learning-rate schedules: values per epoch, hand-over, plateau logic, state."""
import json
import math

import numpy as np
import pytest

from chainrule.nn.parameter import Parameter
from chainrule.optim import (SGD, CosineAnnealingLR, ExponentialLR, InverseTimeLR,
                             LinearWarmup, LRScheduler, ReduceLROnPlateau, StepLR)


def opt(lr=1.0, groups=1):
    if groups == 1:
        return SGD([Parameter(np.zeros(2))], lr=lr)
    return SGD([{"params": [Parameter(np.zeros(2))], "lr": lr * (i + 1)}
                for i in range(groups)], lr=lr)


def trace(sched, n):
    """The rate of group 0 at epochs 0..n-1."""
    out = [sched.optimizer.param_groups[0]["lr"]]
    for _ in range(n - 1):
        sched.step()
        out.append(sched.optimizer.param_groups[0]["lr"])
    assert sched.get_last_lr()[0] == out[-1]
    return out


def test_step_lr():
    np.testing.assert_allclose(trace(StepLR(opt(0.5), step_size=2, gamma=0.1), 6),
                               [0.5, 0.5, 0.05, 0.05, 0.005, 0.005])


def test_exponential_lr():
    np.testing.assert_allclose(trace(ExponentialLR(opt(2.0), gamma=0.5), 4),
                               [2.0, 1.0, 0.5, 0.25])


def test_inverse_time_lr():
    np.testing.assert_allclose(trace(InverseTimeLR(opt(1.0), decay=0.5), 4),
                               [1.0, 1 / 1.5, 1 / 2.0, 1 / 2.5])


def test_cosine_annealing_ends_at_eta_min_and_stays():
    got = trace(CosineAnnealingLR(opt(1.0), T_max=4, eta_min=0.2), 7)
    half = [0.2 + 0.4 * (1 + math.cos(math.pi * t / 4)) for t in range(5)]
    np.testing.assert_allclose(got, half + [0.2, 0.2])
    np.testing.assert_allclose(got[2], 0.6)


def test_schedules_scale_each_group_from_its_own_base():
    o = opt(1.0, groups=2)
    s = ExponentialLR(o, gamma=0.5)
    s.step()
    assert s.get_last_lr() == [0.5, 1.0]
    assert s.base_lrs == [1.0, 2.0]


def test_linear_warmup_alone_and_with_a_schedule():
    np.testing.assert_allclose(trace(LinearWarmup(opt(1.0), 4, start_factor=0.2), 6),
                               [0.2, 0.4, 0.6, 0.8, 1.0, 1.0])
    o = opt(1.0)
    after = CosineAnnealingLR(o, T_max=2)
    w = LinearWarmup(o, 2, after=after, start_factor=0.5)
    np.testing.assert_allclose(trace(w, 6), [0.5, 0.75, 1.0, 0.5, 0.0, 0.0], atol=1e-15)
    assert after.last_epoch == 3


def test_linear_warmup_validation():
    o = opt()
    with pytest.raises(TypeError, match="after must be"):
        LinearWarmup(o, 2, after=ReduceLROnPlateau(o))
    with pytest.raises(ValueError, match="different optimiser"):
        LinearWarmup(o, 2, after=StepLR(opt(), 1))
    stepped = StepLR(o, 1)
    stepped.step()
    with pytest.raises(ValueError, match="already been stepped"):
        LinearWarmup(o, 2, after=stepped)
    with pytest.raises(ValueError, match="warmup_steps"):
        LinearWarmup(o, 0)
    with pytest.raises(ValueError, match="start_factor"):
        LinearWarmup(o, 3, start_factor=1.5)


def test_reduce_on_plateau_patience_cooldown_min_lr():
    o = opt(1.0)
    s = ReduceLROnPlateau(o, factor=0.5, patience=1, cooldown=1, min_lr=0.2)
    lrs = []
    for metric in [1.0, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]:
        s.step(metric)
        lrs.append(s.get_last_lr()[0])
    # bad epochs: 0.6 x2 -> halve (0.5); one cooldown epoch; 2 bad -> 0.25; ... floor 0.2
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2]
    assert o.param_groups[0]["lr"] == 0.2


def test_reduce_on_plateau_max_mode_thresholds_and_nan():
    s = ReduceLROnPlateau(opt(1.0), mode="max", patience=0, threshold=0.1,
                          threshold_mode="abs")
    s.step(0.5)
    s.step(0.55)  # not better than 0.5 + 0.1: reduce
    assert s.get_last_lr() == [0.1]
    s.step(0.7)
    assert s.best == 0.7 and s.get_last_lr() == [0.1]
    s.step(float("nan"))
    assert s.get_last_lr() == [pytest.approx(0.01)]
    with pytest.raises(TypeError, match="metric must be a number"):
        s.step("loss")
    with pytest.raises(ValueError, match="mode"):
        ReduceLROnPlateau(opt(), mode="up")
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(opt(), factor=1.0)
    with pytest.raises(ValueError, match="min_lr has 1 entries"):
        ReduceLROnPlateau(opt(groups=2), min_lr=[0.0])


@pytest.mark.parametrize("make", [
    lambda o: StepLR(o, 2, 0.5), lambda o: ExponentialLR(o, 0.9),
    lambda o: InverseTimeLR(o, 0.1), lambda o: CosineAnnealingLR(o, 5, 0.01),
    lambda o: LinearWarmup(o, 2, after=CosineAnnealingLR(o, 5)),
    lambda o: ReduceLROnPlateau(o, patience=1)])
def test_state_dict_roundtrip_through_json(make):
    o = opt(1.0)
    s = make(o)
    for i in range(3):
        s.step(1.0) if isinstance(s, ReduceLROnPlateau) else s.step()
    sd = json.loads(json.dumps(s.state_dict()))
    o2 = opt(1.0)
    s2 = make(o2)
    s2.load_state_dict(sd)
    o2.param_groups[0]["lr"] = o.param_groups[0]["lr"]  # the optimiser's own state carries it
    for i in range(3):
        if isinstance(s, ReduceLROnPlateau):
            s.step(1.0)
            s2.step(1.0)
        else:
            s.step()
            s2.step()
        assert s.get_last_lr() == s2.get_last_lr()
    with pytest.raises(ValueError, match="expected keys"):
        s2.load_state_dict({"type": "StepLR"})


def test_load_state_dict_validates():
    s = StepLR(opt(), 2)
    sd = s.state_dict()
    with pytest.raises(ValueError, match="saved by ExponentialLR"):
        s.load_state_dict(dict(sd, type="ExponentialLR"))
    with pytest.raises(ValueError, match="step_size"):
        s.load_state_dict(dict(sd, step_size=0))
    with pytest.raises(ValueError, match="one rate per parameter group"):
        s.load_state_dict(dict(sd, base_lrs=[1.0, 2.0]))
    assert s.step_size == 2


def test_constructor_validation():
    with pytest.raises(TypeError, match="Optimizer"):
        StepLR(object(), 2)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt(), 0)
    with pytest.raises(ValueError, match="gamma"):
        ExponentialLR(opt(), -0.5)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(opt(), 0)
    with pytest.raises(ValueError, match="decay"):
        InverseTimeLR(opt(), -1.0)
    assert issubclass(ReduceLROnPlateau, LRScheduler) and issubclass(StepLR, LRScheduler)
