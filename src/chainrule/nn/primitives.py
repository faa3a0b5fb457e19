"""Primitives the activations need that the autodiff core does not have.

* ``heaviside(x)``: 0 below 0, 0.5 at 0, 1 above; derivative 0 everywhere.
* ``signum(x)``: -1, 0, 1; derivative 0 everywhere.
  (The core's ``sign`` is non-differentiable: its output carries no graph. These two
  are differentiable with an exactly zero derivative, so backward through a step
  network runs and returns zeros instead of failing.)
* ``piecewise_linear(x)``: 0 for x <= -1/2, x + 1/2 between, 1 for x >= 1/2;
  derivative 1 on the open interval (-1/2, 1/2) and 0 elsewhere, including at +-1/2.
* ``erf(x)`` and ``erfc(x) = 1 - erf(x)``, with d erf/dx = 2/sqrt(pi) e^(-x^2).
  NumPy has no erf; the forward is W. J. Cody's rational Chebyshev approximations
  (Math. Comp. 23, 1969), vectorised, evaluated in float64 (relative error about 1e-16
  for erf, and erfc keeps full relative accuracy in the tail, down to underflow near
  x = 26.5). float32 inputs are evaluated in float64 and rounded back.
"""
from __future__ import annotations

import numpy as np

from ..extend import PRIMITIVES, Primitive, defjvp, defvjp

exp_p, greater_p, less_p = PRIMITIVES["exp"], PRIMITIVES["greater"], PRIMITIVES["less"]

# ------------------------------------------------------------- flat functions


def _heaviside_impl(x: np.ndarray) -> np.ndarray:
    return np.heaviside(x, 0.5).astype(x.dtype, copy=False)


def _zero_rule(g, ans, x):
    return g * 0.0


heaviside_p = Primitive("heaviside", _heaviside_impl, float_op=True, expr="step({0})")
defvjp(heaviside_p, _zero_rule)
defjvp(heaviside_p, _zero_rule)

signum_p = Primitive("signum", np.sign, float_op=True, expr="sign({0})")
defvjp(signum_p, _zero_rule)
defjvp(signum_p, _zero_rule)


def _piecewise_linear_impl(x: np.ndarray) -> np.ndarray:
    return np.clip(x + x.dtype.type(0.5), 0, 1)


def _inside(x):
    """1 on the open interval (-1/2, 1/2), 0 elsewhere (a constant: no gradient)."""
    return greater_p(x, -0.5) * less_p(x, 0.5)


piecewise_linear_p = Primitive("piecewise_linear", _piecewise_linear_impl, float_op=True,
                               expr="pwl({0})")
defvjp(piecewise_linear_p, lambda g, ans, x: g * _inside(x))
defjvp(piecewise_linear_p, lambda x_dot, ans, x: x_dot * _inside(x))

# ------------------------------------------------------------------ erf, erfc
# Cody's coefficients: erf on |x| <= 0.46875 (A/B), erfc on (0.46875, 4] (C/D) and
# on (4, inf) (P/Q), highest degree last as in his tables.
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)
_THRESH = 0.46875
_RSQRTPI = 0.5641895835477562869480794515607725858440
_TWO_OVER_SQRTPI = 2.0 * _RSQRTPI


def _erf_small(x: np.ndarray) -> np.ndarray:
    """erf(x) for |x| <= 0.46875."""
    z = x * x
    num = _A[4] * z
    den = z
    for i in range(3):
        num = (num + _A[i]) * z
        den = (den + _B[i]) * z
    return x * (num + _A[3]) / (den + _B[3])


def _erfc_large(y: np.ndarray) -> np.ndarray:
    """erfc(y) for y > 0.46875 (y >= 0)."""
    out = np.empty_like(y)
    mid = y <= 4.0
    ym = y[mid]
    num = _C[8] * ym
    den = ym
    for i in range(7):
        num = (num + _C[i]) * ym
        den = (den + _D[i]) * ym
    out[mid] = (num + _C[7]) / (den + _D[7])
    yt = y[~mid]
    with np.errstate(over="ignore", divide="ignore"):
        z = 1.0 / (yt * yt)
    num = _P[5] * z
    den = z
    for i in range(4):
        num = (num + _P[i]) * z
        den = (den + _Q[i]) * z
    with np.errstate(invalid="ignore"):
        out[~mid] = (_RSQRTPI - z * (num + _P[4]) / (den + _Q[4])) / yt
    # e^(-y^2) as e^(-s^2) e^(-(y-s)(y+s)) with s = y rounded down to 1/16: Cody's
    # splitting, which keeps the rounding error of y^2 out of the exponent.
    s = np.trunc(y * 16.0) / 16.0
    with np.errstate(over="ignore", invalid="ignore"):
        damp = np.exp(-s * s) * np.exp(-(y - s) * (y + s))
        out *= damp
    out[np.isinf(y)] = 0.0
    return out


def _erf_erfc(x: np.ndarray, want_erfc: bool) -> np.ndarray:
    xd = np.asarray(x, dtype=np.float64)
    y = np.abs(xd)
    small = y <= _THRESH
    out = np.empty_like(xd)
    e_small = _erf_small(xd[small])
    out[small] = 1.0 - e_small if want_erfc else e_small
    big = ~small
    xb = xd[big]
    ec = _erfc_large(y[big])  # erfc(|x|)
    if want_erfc:
        out[big] = np.where(xb < 0, 2.0 - ec, ec)
    else:
        out[big] = np.copysign(1.0 - ec, xb)
    out[np.isnan(xd)] = np.nan
    return out.astype(x.dtype, copy=False)


def _erf_impl(x: np.ndarray) -> np.ndarray:
    return _erf_erfc(x, want_erfc=False)


def _erfc_impl(x: np.ndarray) -> np.ndarray:
    return _erf_erfc(x, want_erfc=True)


def _erf_slope(x):
    """d erf/dx = 2/sqrt(pi) e^(-x^2) (written with ops: higher orders work)."""
    return exp_p(-(x * x)) * _TWO_OVER_SQRTPI


erf_p = Primitive("erf", _erf_impl, float_op=True, expr="erf({0})")
defvjp(erf_p, lambda g, ans, x: g * _erf_slope(x))
defjvp(erf_p, lambda x_dot, ans, x: x_dot * _erf_slope(x))

erfc_p = Primitive("erfc", _erfc_impl, float_op=True, expr="erfc({0})")
defvjp(erfc_p, lambda g, ans, x: -g * _erf_slope(x))
defjvp(erfc_p, lambda x_dot, ans, x: -x_dot * _erf_slope(x))

__all__ = ["erf_p", "erfc_p", "heaviside_p", "piecewise_linear_p", "signum_p"]
