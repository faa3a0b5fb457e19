"""L-BFGS and Newton-CG on Rosenbrock, a convex quadratic and logistic regression."""
import numpy as np
import pytest

from chainrule import Tensor, softplus
from chainrule.nn.parameter import Parameter
from chainrule.optim import LBFGS, SGD, NewtonCG


def rosenbrock(x):
    a, b = x[0], x[1]
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2


def counted_closure(opt, loss_fn):
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss
    return closure, calls


def test_lbfgs_minimises_rosenbrock_in_few_evaluations():
    x = Parameter(np.array([-1.5, 2.0]))
    opt = LBFGS([x], max_iter=100, max_eval=200, tolerance_grad=1e-12,
                tolerance_change=1e-15)
    closure, calls = counted_closure(opt, lambda: rosenbrock(x))
    first = opt.step(closure)
    assert float(first) == pytest.approx(12.5)
    np.testing.assert_allclose(x.data, [1.0, 1.0], atol=1e-5)
    assert calls[0] < 100
    assert opt.state[x]["func_evals"] == calls[0]


def test_lbfgs_fixed_steps_without_line_search():
    x = Parameter(np.array([3.0, -4.0]))
    opt = LBFGS([x], lr=0.5, line_search_fn=None, max_iter=50, tolerance_change=0.0)
    closure, _ = counted_closure(opt, lambda: (x * x).sum() * 0.5)
    opt.step(closure)
    np.testing.assert_allclose(x.data, 0.0, atol=1e-6)


def logistic_data(n=200, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ np.array([1.5, -2.0, 0.5]) + 0.3 + rng.normal(size=n) > 0).astype(np.float64)
    return Tensor(X), Tensor(2 * y - 1)


def logistic_loss(w, b, X, s, lam=1e-2):
    """Mean logistic loss plus an L2 penalty (a unique, finite optimum)."""
    z = X @ w + b
    return softplus(-s * z).mean() + 0.5 * lam * (w * w).sum()


def gd_optimum(X, s, steps=3000):
    w, b = Parameter(np.zeros(3)), Parameter(np.zeros(()))
    opt = SGD([w, b], lr=2.0)
    for _ in range(steps):
        opt.zero_grad()
        logistic_loss(w, b, X, s).backward()
        opt.step()
    return w.data.copy(), float(b.data)


@pytest.fixture(scope="module")
def logistic():
    X, s = logistic_data()
    return X, s, gd_optimum(X, s)


def test_lbfgs_logistic_regression_reaches_the_gd_optimum(logistic):
    X, s, (w_gd, b_gd) = logistic
    w, b = Parameter(np.zeros(3)), Parameter(np.zeros(()))
    opt = LBFGS([w, b], tolerance_grad=1e-10, tolerance_change=1e-14)
    closure, calls = counted_closure(opt, lambda: logistic_loss(w, b, X, s))
    opt.step(closure)
    np.testing.assert_allclose(w.data, w_gd, atol=1e-6)
    assert float(b.data) == pytest.approx(b_gd, abs=1e-6)
    assert calls[0] <= 25


def test_newton_cg_solves_a_convex_quadratic_in_one_step():
    A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])
    c = np.array([1.0, -2.0, 0.5])
    x = Parameter(np.array([5.0, 5.0, -5.0]))
    opt = NewtonCG([x])
    loss = opt.step(lambda: 0.5 * (x * (Tensor(A) @ x)).sum() - (Tensor(c) * x).sum())
    assert float(loss) > 0
    np.testing.assert_allclose(x.data, np.linalg.solve(A, c), atol=1e-9)
    assert opt.state[x]["n_iter"] == 1 and opt.state[x]["hvp_evals"] <= 3


def test_newton_cg_logistic_regression_converges_in_few_iterations(logistic):
    X, s, (w_gd, b_gd) = logistic
    w, b = Parameter(np.zeros(3)), Parameter(np.zeros(()))
    opt = NewtonCG([w, b], tolerance_grad=1e-10)
    # the same closure as L-BFGS (it calls backward; Newton-CG does not need it)
    closure, _ = counted_closure(opt, lambda: logistic_loss(w, b, X, s))
    for _ in range(8):
        opt.step(closure)
    np.testing.assert_allclose(w.data, w_gd, atol=1e-6)
    assert float(b.data) == pytest.approx(b_gd, abs=1e-6)
    assert opt.state[w]["n_iter"] <= 7


def test_newton_cg_negative_curvature_falls_back_to_descent():
    # f'' < 0 in x0 at 0.2: a pure Newton step would head for the maximum at x0 = 0
    x = Parameter(np.array([0.2, 0.1]))
    opt = NewtonCG([x])
    f = lambda: (x[0] ** 4 - x[0] ** 2 + x[1] ** 2).sum()  # noqa: E731
    before = float(f().data)
    opt.step(f)
    assert float(f().data) < before and x.data[0] > 0.2
    assert opt.state[x]["hvp_evals"] == 1
    for _ in range(10):
        opt.step(f)
    np.testing.assert_allclose(x.data, [np.sqrt(0.5), 0.0], atol=1e-8)


def test_second_order_need_a_closure_and_a_loss_tensor():
    x = Parameter(np.array([1.0]))
    for cls in (LBFGS, NewtonCG):
        assert cls.needs_closure
        with pytest.raises(TypeError, match="needs a closure"):
            cls([x]).step()
    with pytest.raises(TypeError, match="must return the loss as a Tensor"):
        NewtonCG([x]).step(lambda: 1.0)
    with pytest.raises(ValueError, match="scalar"):
        NewtonCG([x]).step(lambda: x * Tensor(np.ones(2)))


def test_second_order_restrictions():
    p32 = Parameter(np.zeros(2, dtype=np.float32))
    p64 = Parameter(np.zeros(2))
    with pytest.raises(TypeError, match="one dtype"):
        LBFGS([p32, p64])
    with pytest.raises(ValueError, match="single parameter group"):
        NewtonCG([{"params": [p32]}, {"params": [Parameter(np.zeros(1, np.float32))]}])


def test_failure_inside_a_step_restores_the_parameters():
    x = Parameter(np.array([-1.5, 2.0]))
    opt = LBFGS([x])
    calls = [0]

    def closure():
        calls[0] += 1
        if calls[0] == 3:
            raise RuntimeError("data went away")
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    with pytest.raises(RuntimeError):
        opt.step(closure)
    np.testing.assert_array_equal(x.data, [-1.5, 2.0])
    assert opt.state == {}


def test_lbfgs_float32():
    x = Parameter(np.array([2.0, -1.0], dtype=np.float32))
    data = x.data
    opt = LBFGS([x])
    closure, _ = counted_closure(opt, lambda: ((x - 1.0) ** 2).sum())
    opt.step(closure)
    assert x.data is data and x.dtype == np.float32
    np.testing.assert_allclose(x.data, [1.0, 1.0], atol=1e-5)


def test_newton_cg_forcing_term_and_damping(logistic):
    X, s, (w_gd, b_gd) = logistic
    for kw in (dict(tol=None), dict(damping=1e-3)):
        w, b = Parameter(np.zeros(3)), Parameter(np.zeros(()))
        opt = NewtonCG([w, b], max_iter=30, tolerance_grad=1e-10, **kw)
        opt.step(lambda: logistic_loss(w, b, X, s))
        np.testing.assert_allclose(w.data, w_gd, atol=1e-6)


def test_newton_cg_parameters_with_constant_or_no_gradient():
    x, y, unused = Parameter(np.array([2.0])), Parameter(np.array([1.0])), \
        Parameter(np.array([7.0]))
    opt = NewtonCG([x, y, unused])
    f = lambda: (x * x).sum() + (y * 0.5).sum()  # noqa: E731  d/dy is constant
    before = float(f().data)
    opt.step(f)
    assert float(f().data) < before and abs(x.data[0]) < 2.0 and y.data[0] < 1.0
    assert unused.data[0] == 7.0 and unused.grad is None


def test_full_batch_optimisers_refuse_a_second_group():
    opt = LBFGS([Parameter(np.zeros(2))])
    with pytest.raises(ValueError, match="single parameter group"):
        opt.add_param_group({"params": [Parameter(np.zeros(2))]})
