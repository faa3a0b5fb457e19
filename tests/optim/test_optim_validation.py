"""Bad input raises a clear error before any parameter or state changes."""
import numpy as np
import pytest

from chainrule import Tensor
from chainrule.nn.parameter import Parameter
from chainrule.optim import (LBFGS, SGD, Adagrad, Adam, AdamW, NewtonCG, Optimizer, RMSProp,
                             available_optimizers, get_optimizer)

ALL = [SGD, Adagrad, RMSProp, Adam, AdamW]


def params(*shapes, dtype=np.float64):
    rng = np.random.default_rng(0)
    return [Parameter(rng.normal(size=s).astype(dtype)) for s in shapes]


@pytest.mark.parametrize("cls", ALL + [LBFGS, NewtonCG])
def test_empty_parameter_list(cls):
    with pytest.raises(ValueError, match="empty"):
        cls([])
    with pytest.raises(ValueError, match="empty"):
        cls(iter([]))


def test_bad_parameters_name_their_index():
    good = Parameter(np.zeros(2))
    with pytest.raises(TypeError, match="parameter 1 is a ndarray"):
        SGD([good, np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 does not require grad"):
        SGD([good, Tensor(np.zeros(2))], lr=0.1)
    with pytest.raises(TypeError, match="parameter 0 has dtype int64"):
        SGD([Tensor(np.zeros(2, dtype=np.int64))], lr=0.1)
    leaf = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="parameter 1 is the result of an operation"):
        SGD([leaf, leaf * 2], lr=0.1)
    with pytest.raises(TypeError, match="single Parameter"):
        SGD(good, lr=0.1)
    with pytest.raises(TypeError, match="iterable"):
        SGD(3, lr=0.1)


def test_leaf_tensors_that_require_grad_are_accepted():
    t = Tensor(np.ones(2), requires_grad=True)
    opt = SGD([t], lr=0.5)
    t.grad = Tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(t.data, [0.5, 0.5])


def test_duplicate_parameters():
    p, q = params(2, 3)
    with pytest.raises(ValueError, match="more than once"):
        SGD([p, q, p], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        SGD([{"params": [p]}, {"params": [q, p]}], lr=0.1)


@pytest.mark.parametrize("cls,kw,name", [
    (SGD, dict(lr=-0.1), "lr"), (SGD, dict(momentum=-1), "momentum"),
    (SGD, dict(weight_decay=-1e-3), "weight_decay"), (SGD, dict(dampening=2.0), "dampening"),
    (SGD, dict(nesterov=True), "nesterov"), (SGD, dict(lr=float("nan")), "lr"),
    (SGD, dict(lr="0.1"), "lr"), (SGD, dict(nesterov=1), "nesterov"),
    (Adam, dict(betas=(0.9, 1.0)), r"betas\[1\]"), (Adam, dict(betas=(-0.1, 0.9)), r"betas\[0\]"),
    (Adam, dict(betas=0.9), "betas"), (Adam, dict(eps=-1e-8), "eps"),
    (AdamW, dict(weight_decay=-0.01), "weight_decay"), (RMSProp, dict(alpha=1.0), "alpha"),
    (RMSProp, dict(eps=-1.0), "eps"), (Adagrad, dict(lr_decay=-1.0), "lr_decay"),
    (Adagrad, dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (LBFGS, dict(history_size=0), "history_size"), (LBFGS, dict(line_search_fn="x"), "line_"),
    (LBFGS, dict(lr=0.0), "lr"), (NewtonCG, dict(max_cg_iter=0), "max_cg_iter"),
    (NewtonCG, dict(damping=-1.0), "damping"), (NewtonCG, dict(tol=-1.0), "tol"),
])
def test_bad_hyperparameters_are_named(cls, kw, name):
    with pytest.raises((ValueError, TypeError), match=name):
        cls(params(3), **kw)


def test_bad_hyperparameters_in_a_group_and_unknown_keys():
    p, q = params(2, 3)
    with pytest.raises(ValueError, match="lr"):
        SGD([{"params": [p]}, {"params": [q], "lr": -1.0}], lr=0.1)
    with pytest.raises(ValueError, match="unknown hyperparameter.*'betas'"):
        SGD([{"params": [p], "betas": (0.9, 0.99)}], lr=0.1)
    with pytest.raises(TypeError, match="mixes"):
        SGD([{"params": [p]}, q], lr=0.1)
    with pytest.raises(TypeError, match="'params' key"):
        SGD([{"lr": 0.1}], lr=0.1)


def test_hyperparameters_are_python_floats():
    opt = Adam(params(2), lr=np.float64(0.01), betas=[np.float32(0.5), 0.9])
    g = opt.param_groups[0]
    assert type(g["lr"]) is float and g["betas"] == (0.5, 0.9)
    assert all(type(b) is float for b in g["betas"])


def test_param_groups_get_their_own_hyperparameters():
    p, q = params(2, 2)
    opt = SGD([{"params": [p]}, {"params": [q], "lr": 1.0}], lr=0.1, momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert opt.param_groups[1]["momentum"] == 0.5
    p0, q0 = p.data.copy(), q.data.copy()
    p.grad = Tensor(np.ones(2))
    q.grad = Tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose(p.data, p0 - 0.1)
    np.testing.assert_allclose(q.data, q0 - 1.0)


@pytest.mark.parametrize("cls", ALL)
def test_bad_gradient_leaves_every_parameter_unchanged(cls):
    ps = params(3, (2, 2), 4)
    opt = cls(ps)
    for p in ps:
        p.grad = Tensor(np.ones(p.shape))
    opt.step()  # creates state
    before = [p.data.copy() for p in ps]
    state_before = {k: {n: np.copy(v) for n, v in s.items()} for k, s in opt.state.items()}
    ps[2].grad = Tensor(np.ones(5))
    with pytest.raises(ValueError, match=r"parameter 2 has shape \(4,\) but its gradient "
                                         r"has shape \(5,\)"):
        opt.step()
    ps[2].grad = Tensor(np.ones(4, dtype=np.float32))
    with pytest.raises(TypeError, match="parameter 2 has dtype float64 but its gradient "
                                        "has dtype float32"):
        opt.step()
    for p, b in zip(ps, before):
        np.testing.assert_array_equal(p.data, b)
    for k, s in opt.state.items():
        for n, v in s.items():
            np.testing.assert_array_equal(v, state_before[k][n])


def test_bad_hyperparameter_set_between_steps_changes_nothing():
    p, q = params(2, 2)
    opt = SGD([{"params": [p]}, {"params": [q]}], lr=0.1)
    p.grad = Tensor(np.ones(2))
    q.grad = Tensor(np.ones(2))
    opt.param_groups[1]["lr"] = -1.0
    p0 = p.data.copy()
    with pytest.raises(ValueError, match="lr"):
        opt.step()
    np.testing.assert_array_equal(p.data, p0)


def test_check_finite():
    p, q = params(2, 2)
    opt = Adam([p, q], check_finite=True)
    p.grad = Tensor(np.ones(2))
    q.grad = Tensor(np.array([1.0, np.nan]))
    p0 = p.data.copy()
    with pytest.raises(ValueError, match="parameter 1 contains NaN or Inf"):
        opt.step()
    np.testing.assert_array_equal(p.data, p0)
    assert opt.state == {}
    loose = Adam([p, q])  # the default follows PyTorch: no check, NaN propagates
    loose.step()
    assert np.isnan(q.data[1])
    with pytest.raises(TypeError, match="check_finite"):
        SGD([p], check_finite="yes")


def test_parameters_without_grad_are_skipped():
    p, q = params(2, 2)
    opt = SGD([p, q], lr=0.1, momentum=0.9)
    q0 = q.data.copy()
    p.grad = Tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(q.data, q0)
    assert q not in opt.state and "momentum_buffer" in opt.state[p]


def test_zero_grad():
    p, q = params(2, 2)
    opt = SGD([p, q], lr=0.1)
    p.grad = Tensor(np.ones(2))
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and np.all(g.data == 0) and q.grad is None
    opt.zero_grad()
    assert p.grad is None


@pytest.mark.parametrize("n", [1, 3])
def test_update_needs_one_gradient_per_parameter(n):
    p, q = params(2, 2)
    before = [p.data.copy(), q.data.copy()]
    with pytest.raises(ValueError, match=f"got {n} gradients for 2 parameters"):
        SGD([p, q], lr=0.1).update([np.ones(2)] * n)
    assert np.array_equal(p.data, before[0]) and np.array_equal(q.data, before[1])


def test_step_returns_the_closure_loss_and_records_inside_no_grad():
    from chainrule import no_grad
    p = Parameter(np.array([3.0]))
    opt = SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with no_grad():
        loss = opt.step(closure)
    assert float(loss) == 9.0
    np.testing.assert_allclose(p.data, [3.0 - 0.1 * 6.0])


def test_base_optimizer_needs_an_update_rule():
    opt = Optimizer(params(2), {"lr": 0.1})
    opt.param_groups[0]["params"][0].grad = Tensor(np.ones(2))
    with pytest.raises(NotImplementedError, match="_update"):
        opt.step()
    with pytest.raises(ValueError, match="lr"):
        Optimizer(params(2), {"lr": -1.0})


INF = float("inf")


@pytest.mark.parametrize("name", available_optimizers())
@pytest.mark.parametrize("lr", [INF, -INF, np.float32(np.inf)])
def test_an_infinite_lr_is_refused_by_every_optimizer(name, lr):
    with pytest.raises(ValueError, match=r"lr must be a finite number, got -?inf"):
        get_optimizer(name, params(3), lr=lr)


@pytest.mark.parametrize("cls", [Adam, AdamW, RMSProp, Adagrad])
@pytest.mark.parametrize("eps", [0.0, -0.0, INF])
def test_eps_must_be_a_positive_finite_number(cls, eps):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: eps must be (> 0.0|a finite)"):
        cls(params(3), eps=eps)


def test_adam_with_the_smallest_valid_eps_and_zero_gradients_stays_finite():
    ps = params(3)
    opt = Adam(ps, eps=1e-300)
    ps[0].grad = Tensor(np.zeros(3))
    opt.step()
    assert np.isfinite(ps[0].data).all()


@pytest.mark.parametrize("kw", [dict(momentum=INF), dict(weight_decay=INF),
                                dict(max_iter=5, tolerance_grad=INF)])
def test_other_infinite_hyperparameters_are_refused(kw):
    cls = LBFGS if "max_iter" in kw else SGD
    with pytest.raises(ValueError, match="must be a finite number"):
        cls(params(3), **kw)


def test_an_infinite_lr_set_between_steps_changes_nothing():
    p, q = params(2, 2)
    opt = Adam([{"params": [p]}, {"params": [q]}], lr=0.1)
    p.grad, q.grad = Tensor(np.ones(2)), Tensor(np.ones(2))
    opt.param_groups[1]["lr"] = INF
    p0, q0 = p.data.copy(), q.data.copy()
    with pytest.raises(ValueError, match="lr must be a finite number"):
        opt.step()
    np.testing.assert_array_equal(p.data, p0)
    np.testing.assert_array_equal(q.data, q0)
    assert opt.state == {}


def test_schedules_refuse_infinite_rates():
    from chainrule.optim import ExponentialLR, ReduceLROnPlateau, StepLR

    opt = SGD(params(2), lr=0.1)
    with pytest.raises(ValueError, match="gamma must be a finite number"):
        StepLR(opt, step_size=1, gamma=INF)
    sched = ExponentialLR(opt, gamma=1e200)
    sched.step()  # 0.1 * 1e200
    with pytest.raises(ValueError, match=r"ExponentialLR: the learning rate at epoch 2 would "
                                         r"be inf; expected a finite number >= 0"):
        sched.step()
    assert sched.last_epoch == 1 and opt.param_groups[0]["lr"] == pytest.approx(1e199)
    opt.param_groups[0]["lr"] = INF
    with pytest.raises(ValueError, match="ReduceLROnPlateau: the optimiser's lr must be a "
                                         "finite number, got inf"):
        ReduceLROnPlateau(opt)
    with pytest.raises(ValueError, match="min_lr must be a finite number"):
        ReduceLROnPlateau(SGD(params(2), lr=0.1), min_lr=INF)


def test_update_takes_tensors_arrays_and_any_iterable():
    p, q = params(2, 2)
    opt = SGD([p, q], lr=0.5)
    opt.update(g for g in [Tensor(np.ones(2)), np.ones(2)])
    p0, q0 = params(2, 2)
    np.testing.assert_array_equal(p.data, p0.data - 0.5)
    np.testing.assert_array_equal(q.data, q0.data - 0.5)
    with pytest.raises(TypeError, match="expected a list of gradients"):
        opt.update(3)
