"""`axpy`: y += a x in one pass through NumPy's own BLAS for plain SGD's large arrays, and
NumPy wherever that cannot apply."""
import numpy as np
import pytest

from chainrule import Tensor
from chainrule.nn.parameter import Parameter
from chainrule.optim import SGD, Adam, _blas

rng = np.random.default_rng(0)
BIG = (256, 300)  # 76 800 entries >= MIN_SIZE


def _blas_available() -> bool:
    if _blas._funcs is None:
        _blas._funcs = _blas._load()
    return bool(_blas._funcs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_axpy_matches_numpy_to_a_rounding(dtype, order):
    if not _blas_available():
        pytest.skip("NumPy's bundled OpenBLAS was not found: the NumPy path is used")
    y = np.asarray(rng.normal(size=BIG), dtype=dtype, order=order)
    x = np.asarray(rng.normal(size=BIG), dtype=dtype, order=order)
    expected = y - np.asarray(0.01, dtype) * x
    assert _blas.axpy(y, -0.01, x) is True
    assert y.dtype == dtype and y.flags[f"{order}_CONTIGUOUS"]
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(y, expected, rtol=2 * eps, atol=2 * eps)


def test_axpy_declines_what_it_cannot_do_and_changes_nothing():
    y = rng.normal(size=BIG).astype(np.float32)
    before = y.copy()
    small = np.ones(10, np.float32)
    assert not _blas.axpy(small, 1.0, small.copy())  # too small to pay
    assert not _blas.axpy(y, 1.0, np.ones(BIG, np.float64))  # another dtype
    assert not _blas.axpy(y, 1.0, np.asfortranarray(np.ones(BIG, np.float32)))  # layout
    assert not _blas.axpy(y, 1.0, y)  # the same memory
    strided = np.ones((256, 600), np.float32)[:, ::2]
    assert not _blas.axpy(strided, 1.0, np.ones(BIG, np.float32))  # not contiguous
    ro = y.copy()
    ro.flags.writeable = False
    assert not _blas.axpy(ro, 1.0, np.ones(BIG, np.float32))  # read-only
    assert np.array_equal(y, before)


def test_plain_sgd_on_a_large_parameter_is_p_minus_lr_g():
    p = Parameter(rng.normal(size=BIG).astype(np.float32))
    start = p.data.copy()
    g = rng.normal(size=BIG).astype(np.float32)
    p.grad = Tensor(g)
    SGD([p], lr=0.05).step()
    np.testing.assert_allclose(p.data, start - np.float32(0.05) * g, rtol=1e-6, atol=1e-6)
    assert p.data.dtype == np.float32


def test_a_library_that_computes_wrong_is_not_used():
    def wrong(n, a, x, incx, y, incy):  # leaves y alone
        return None

    assert not _blas._works(wrong, np.dtype(np.float32))


def test_adam_on_a_large_parameter_follows_the_rule():
    """Adam's moving averages and its update go through axpy on a large array: the same
    rule to a rounding (checked in float64 against the formula)."""
    p = Parameter(np.asfortranarray(rng.normal(size=BIG)))
    start = p.data.copy()
    opt = Adam([p], lr=1e-2)
    m = np.zeros(BIG)
    v = np.zeros(BIG)
    expected = start.copy()
    for t in (1, 2):
        g = rng.normal(size=BIG)
        p.grad = Tensor(np.asfortranarray(g))
        opt.step()
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        expected -= 1e-2 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(p.data, expected, rtol=1e-10, atol=1e-12)
    assert p.data.flags.f_contiguous


def test_loaded_optimiser_state_takes_the_parameter_layout():
    p = Parameter(np.asfortranarray(rng.normal(size=(40, 30))))
    opt = Adam([p])
    p.grad = Tensor(np.asfortranarray(rng.normal(size=(40, 30))))
    opt.step()
    saved = opt.state_dict()
    saved["state"]["0"]["exp_avg"] = np.ascontiguousarray(saved["state"]["0"]["exp_avg"])
    fresh = Adam([p])
    fresh.load_state_dict(saved)
    buf = fresh.state[p]["exp_avg"]
    assert buf.flags.f_contiguous and buf.dtype == p.dtype
    np.testing.assert_array_equal(buf, saved["state"]["0"]["exp_avg"])


def test_momentum_sgd_on_a_large_parameter_follows_the_rule():
    p = Parameter(rng.normal(size=BIG))
    expected = p.data.copy()
    opt = SGD([p], lr=0.1, momentum=0.9)
    buf = None
    for _ in range(3):
        g = rng.normal(size=BIG)
        p.grad = Tensor(g)
        opt.step()
        buf = g if buf is None else 0.9 * buf + g
        expected -= 0.1 * buf
    np.testing.assert_allclose(p.data, expected, rtol=1e-12, atol=1e-12)
