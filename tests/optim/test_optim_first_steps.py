"""Each optimiser's first steps against its published update rule, worked out by hand
(numbers written out) or by a few lines of float64 arithmetic that follow the paper."""
import math

import numpy as np
import pytest

from chainrule import Tensor
from chainrule.nn.parameter import Parameter
from chainrule.optim import (SGD, Adagrad, Adam, AdamW, GradientDescent, RMSProp, RMSprop)

P0 = [1.0, -2.0, 3.0]
G = [[0.5, -1.0, 2.0], [1.0, 1.0, -1.0], [0.0, 2.0, 0.0]]


def run(opt_cls, grads=G, p0=P0, dtype=np.float64, **kw):
    """The parameter after each step, for a fixed gradient sequence."""
    p = Parameter(np.array(p0, dtype=dtype))
    opt = opt_cls([p], **kw)
    out = []
    for g in grads:
        p.grad = Tensor(np.array(g, dtype=dtype))
        opt.step()
        out.append(p.data.copy())
    return out


def close(got, expected, tol=1e-12):
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def test_sgd_plain_by_hand():
    p1, p2 = run(SGD, G[:2], lr=0.1)
    close(p1, [0.95, -1.9, 2.8])
    close(p2, [0.85, -2.0, 2.9])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sgd_plain_is_p_minus_lr_g_bit_for_bit_in_every_dtype(dtype):
    rng = np.random.default_rng(0)
    p = Parameter(rng.normal(size=(4, 3)).astype(dtype))
    q = Parameter(rng.normal(size=3).astype(dtype))
    start = [p.data.copy(), q.data.copy()]
    grads = [rng.normal(size=(4, 3)).astype(dtype), rng.normal(size=3).astype(dtype)]
    p.grad, q.grad = Tensor(grads[0]), Tensor(grads[1])
    SGD([p, q], lr=0.0123).step()
    for param, s, g in zip((p, q), start, grads):
        assert param.dtype == dtype
        assert np.array_equal(param.data, s - 0.0123 * g)  # NumPy's own float32 product


def test_gradient_descent_is_sgd_with_full_batch_default_lr():
    p1, p2 = run(GradientDescent, G[:2])  # lr 0.1 by default
    close(p1, [0.95, -1.9, 2.8])
    close(p2, [0.85, -2.0, 2.9])
    assert issubclass(GradientDescent, SGD)


def test_sgd_momentum_by_hand():
    # v1 = g1; v2 = 0.9 v1 + g2 = [1.45, 0.1, 0.8]; v3 = 0.9 v2 + g3 = [1.305, 2.09, 0.72]
    p1, p2, p3 = run(SGD, lr=0.1, momentum=0.9)
    close(p1, [0.95, -1.9, 2.8])
    close(p2, [0.805, -1.91, 2.72])
    close(p3, [0.6745, -2.119, 2.648])


def test_sgd_nesterov_by_hand():
    # step t uses g_t + 0.9 v_t: [0.95, -1.9, 3.8], then [2.305, 1.09, -0.28]
    p1, p2 = run(SGD, G[:2], lr=0.1, momentum=0.9, nesterov=True)
    close(p1, [0.905, -1.81, 2.62])
    close(p2, [0.6745, -1.919, 2.648])


def test_sgd_dampening_by_hand():
    # the first buffer is the gradient itself; then v2 = 0.9 v1 + 0.5 g2 = [0.95, -0.4, 1.3]
    p1, p2 = run(SGD, G[:2], lr=0.1, momentum=0.9, dampening=0.5)
    close(p1, [0.95, -1.9, 2.8])
    close(p2, [0.855, -1.86, 2.67])


def test_sgd_coupled_weight_decay_by_hand():
    # d1 = g1 + 0.1 p0 = [0.6, -1.2, 2.3]; d2 = g2 + 0.1 p1 = [1.094, 0.812, -0.723]
    p1, p2 = run(SGD, G[:2], lr=0.1, weight_decay=0.1)
    close(p1, [0.94, -1.88, 2.77])
    close(p2, [0.8306, -1.9612, 2.8423])


def test_adagrad_by_hand():  # eps must be > 0; 1e-300 vanishes in every sum below
    # s1 = g1^2 -> the first step is lr * sign(g1); s2 = [1.25, 2, 5]
    p1, p2 = run(Adagrad, G[:2], lr=0.1, eps=1e-300)
    close(p1, [0.9, -1.9, 2.9])
    close(p2, [0.9 - 0.1 / math.sqrt(1.25), -1.9 - 0.1 / math.sqrt(2), 2.9 + 0.1 / math.sqrt(5)])


def test_adagrad_lr_decay_and_initial_accumulator():
    # s0 = 1: s1 = [1.25, 2, 5]; step 2 uses lr / (1 + 1 * 0.5) and s2 = [2.25, 3, 6]
    p1, p2 = run(Adagrad, G[:2], lr=0.1, lr_decay=0.5, initial_accumulator_value=1.0,
                 eps=1e-300)
    close(p1, [1 - 0.05 / math.sqrt(1.25), -2 + 0.1 / math.sqrt(2), 3 - 0.2 / math.sqrt(5)])
    clr = 0.1 / 1.5
    close(p2, p1 - clr * np.array([1 / 1.5, 1 / math.sqrt(3), -1 / math.sqrt(6)]))


def test_rmsprop_by_hand():
    # v1 = 0.1 g1^2 -> step lr * sign / sqrt(0.1); v2 = [0.1225, 0.19, 0.46]
    p1, p2 = run(RMSProp, G[:2], lr=0.01, alpha=0.9, eps=1e-300)
    s = 0.01 / math.sqrt(0.1)
    close(p1, [1 - s, -2 + s, 3 - s])
    close(p2, p1 - 0.01 * np.array([1 / 0.35, 1 / math.sqrt(0.19), -1 / math.sqrt(0.46)]))
    assert RMSprop is RMSProp


def ref_rmsprop(grads, lr, alpha, eps, momentum=0.0, centered=False, wd=0.0):
    p = np.array(P0)
    v = np.zeros(3)
    gbar = np.zeros(3)
    b = np.zeros(3)
    out = []
    for g in grads:
        g = np.array(g) + wd * p
        v = alpha * v + (1 - alpha) * g ** 2
        if centered:
            gbar = alpha * gbar + (1 - alpha) * g
            denom = np.sqrt(v - gbar ** 2) + eps
        else:
            denom = np.sqrt(v) + eps
        if momentum:
            b = momentum * b + g / denom
            p = p - lr * b
        else:
            p = p - lr * g / denom
        out.append(p)
    return out


@pytest.mark.parametrize("kw", [dict(momentum=0.5), dict(centered=True),
                                dict(centered=True, momentum=0.9, wd=0.01)])
def test_rmsprop_variants_against_the_rule(kw):
    wd = kw.pop("wd", 0.0)
    got = run(RMSProp, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=wd, **kw)
    for a, b in zip(got, ref_rmsprop(G, 0.01, 0.9, 1e-6, wd=wd, **kw)):
        close(a, b)


def test_adam_by_hand():
    p1, p2 = run(Adam, G[:2], lr=0.1)
    # bias-corrected first step: m_hat = g1, v_hat = g1^2 -> lr * g1 / (|g1| + eps)
    close(p1, [0.9, -1.9, 2.9], tol=1e-8)
    # m2 = 0.09 g1 + 0.1 g2, v2 = 0.000999 g1^2 + 0.001 g2^2, corrections 0.19 and 0.001999
    m_hat = np.array([0.145, 0.01, 0.08]) / 0.19
    v_hat = np.array([0.00124975, 0.001999, 0.004996]) / 0.001999
    close(p2, p1 - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8))


def ref_adam(grads, lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0, decoupled=False, amsgrad=False):
    p = np.array(P0)
    m = np.zeros(3)
    v = np.zeros(3)
    vmax = np.zeros(3)
    out = []
    for t, g in enumerate(grads, start=1):
        g = np.array(g)
        if decoupled:
            p = p - lr * wd * p
        else:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        v_hat = (vmax if amsgrad else v) / (1 - b2 ** t)
        p = p - lr * (m / (1 - b1 ** t)) / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


def test_adam_coupled_weight_decay():
    got = run(Adam, lr=0.1, weight_decay=0.1)
    close(got[0], [0.9, -1.9, 2.9], tol=1e-8)  # g1 + 0.1 p0 has g1's signs
    for a, b in zip(got, ref_adam(G, 0.1, wd=0.1)):
        close(a, b)


def test_adam_amsgrad_uses_the_running_max():
    grads = [[1.0, 1.0, 1.0], [0.01, 0.01, 0.01], [0.01, 0.01, 0.01]]
    got = run(Adam, grads, lr=0.1, betas=(0.5, 0.9), amsgrad=True)
    for a, b in zip(got, ref_adam(grads, 0.1, 0.5, 0.9, amsgrad=True)):
        close(a, b)
    plain = ref_adam(grads, 0.1, 0.5, 0.9)
    assert not np.allclose(got[2], plain[2])


def test_adamw_decoupled_by_hand():
    p1, p2 = run(AdamW, G[:2], lr=0.1, weight_decay=0.1)
    # p <- p (1 - lr wd) = 0.99 p, then the Adam step (lr * sign(g1) at t = 1)
    close(p1, [0.99 - 0.1, -1.98 + 0.1, 2.97 - 0.1], tol=1e-8)
    m_hat = np.array([0.145, 0.01, 0.08]) / 0.19
    v_hat = np.array([0.00124975, 0.001999, 0.004996]) / 0.001999
    close(p2, 0.99 * p1 - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8))
    for a, b in zip(run(AdamW, lr=0.1, weight_decay=0.1), ref_adam(G, 0.1, wd=0.1,
                                                                 decoupled=True)):
        close(a, b)


def test_adamw_default_weight_decay_differs_from_adam():
    assert AdamW([Parameter(np.zeros(2))]).param_groups[0]["weight_decay"] == 0.01
    assert Adam([Parameter(np.zeros(2))]).param_groups[0]["weight_decay"] == 0.0


CASES = [(SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
         (Adagrad, dict(lr=0.1, weight_decay=0.01)),
         (RMSProp, dict(lr=0.01, momentum=0.9, centered=True)),
         (Adam, dict(lr=0.1, amsgrad=True, weight_decay=0.01)),
         (AdamW, dict(lr=0.1))]


@pytest.mark.parametrize("cls,kw", CASES)
def test_float32_stays_float32_in_place(cls, kw):
    p = Parameter(np.array(P0, dtype=np.float32))
    data = p.data
    opt = cls([p], **kw)
    for g in G:
        p.grad = Tensor(np.array(g, dtype=np.float32))
        opt.step()
    assert p.data is data and p.dtype == np.float32
    for s in opt.state[p].values():
        if isinstance(s, np.ndarray):
            assert s.dtype == np.float32
    ref = run(cls, **kw)[-1]
    np.testing.assert_allclose(p.data, ref, rtol=2e-6, atol=2e-6)

