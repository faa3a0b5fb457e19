"""Activation functions and the stateless maths of layers (linear, maxout, dropout).

Derivatives at the kinks (the value the library uses where the function is not
differentiable):

================  =====================================  ===============================
function          value                                  derivative used at the kink
================  =====================================  ===============================
step (Heaviside)  0 (z<0), 0.5 (z=0), 1 (z>0)            0 everywhere, also at 0
sign              -1, 0, 1                               0 everywhere, also at 0
piecewise_linear  0 (z<=-1/2), z+1/2, 1 (z>=1/2)         1 on (-1/2, 1/2); 0 at +-1/2
relu              max(z, 0)                              0 at z = 0 (PyTorch, JAX)
leaky_relu        z (z>0), a z (z<=0)                    a at z = 0 (as PyTorch)
prelu             z (z>0), a z (z<=0), a learned         a at z = 0; d/da = z (0 at 0)
elu               z (z>0), a (e^z - 1) (z<=0)            a at z = 0 (the left derivative)
maxout            max over k pieces                      ties share the gradient evenly
================  =====================================  ===============================

The flat functions (step, sign) are differentiable primitives whose derivative is
exactly 0, so backward through a step network runs and returns zeros. Every smooth
activation stays finite, with finite derivatives, at z = +-1000 in float32 and float64.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...autodiff import Tensor, as_tensor, replayed
from ...autodiff import (expm1, linear as _linear, log_softmax as _log_softmax, max as _max,
                             reshape, sigmoid as _sigmoid, softmax as _softmax,
                             softplus as _softplus, tanh as _tanh, relu as _relu, where)
from ...extend import public
from ..primitives import erf_p, erfc_p, heaviside_p, piecewise_linear_p, signum_p

_step = public(heaviside_p)
_signum = public(signum_p)
_pwl = public(piecewise_linear_p)
_erf = public(erf_p)
_erfc = public(erfc_p)

_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def identity(x: Any) -> Tensor:
    """phi(z) = z (the linear unit)."""
    return as_tensor(x)


def step(x: Any) -> Tensor:
    """Heaviside step: 0 for z < 0, 0.5 at 0, 1 for z > 0; derivative 0."""
    return _step(x)


def sign(x: Any) -> Tensor:
    """Signum: -1, 0, 1; derivative 0."""
    return _signum(x)


def piecewise_linear(x: Any) -> Tensor:
    """0 for z <= -1/2, z + 1/2 on (-1/2, 1/2), 1 for z >= 1/2."""
    return _pwl(x)


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + e^-z); sigma' = sigma (1 - sigma). Stable for any z."""
    return _sigmoid(x)


def tanh(x: Any) -> Tensor:
    """tanh z; tanh' = 1 - tanh^2."""
    return _tanh(x)


def relu(x: Any) -> Tensor:
    """max(z, 0); relu'(0) = 0."""
    return _relu(x)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """z for z > 0, negative_slope * z otherwise (derivative at 0: negative_slope)."""
    x = as_tensor(x)
    return where(x > 0, x, x * negative_slope)


def prelu(x: Any, weight: Any) -> Tensor:
    """Parametric ReLU: z for z > 0, a z otherwise, with ``weight`` = a learned.

    ``weight`` has one entry, or one per feature (the last axis of ``x``).
    """
    x = as_tensor(x)
    size = int(np.size(weight.data if isinstance(weight, Tensor) else weight))
    if size != 1 and (x.ndim == 0 or size != x.shape[-1]):
        raise ValueError(f"prelu: weight of size {size} does not match input of shape "
                         f"{x.shape}; expected 1 or the size of the last axis")
    return where(x > 0, x, x * weight)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """z for z > 0, alpha (e^z - 1) otherwise (expm1: exact near 0, finite at +1000)."""
    x = as_tensor(x)
    pos = x > 0
    return where(pos, x, expm1(where(pos, 0.0, x)) * alpha)


def softplus(x: Any, beta: float = 1.0) -> Tensor:
    """log(1 + e^(beta z)) / beta; softplus' = sigmoid(beta z). Stable for any z."""
    if beta == 1.0:
        return _softplus(x)
    return _softplus(as_tensor(x) * beta) / beta


def silu(x: Any, beta: Any = 1.0) -> Tensor:
    """Swish / SiLU: z sigmoid(beta z); ``beta`` may be a (learned) Tensor."""
    x = as_tensor(x)
    if not isinstance(beta, Tensor) and beta == 1.0:
        return x * _sigmoid(x)
    return x * _sigmoid(x * beta)


swish = silu


def erf(x: Any) -> Tensor:
    """The error function (Cody's rational approximations, ~1e-16 relative)."""
    return _erf(x)


def erfc(x: Any) -> Tensor:
    """1 - erf(x), accurate in the tail."""
    return _erfc(x)


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """GELU: z Phi(z), Phi the standard normal CDF.

    ``approximate="none"`` (default, as PyTorch): Phi(z) = erfc(-z / sqrt 2) / 2, exact to
    float64 precision; ``"tanh"``: (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))) / 2.
    """
    x = as_tensor(x)
    if approximate == "none":
        return x * _erfc(x * -_SQRT_HALF) * 0.5
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
        return x * (_tanh(inner) + 1.0) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def softmax(x: Any, axis: int = -1) -> Tensor:
    """e^z / sum e^z along ``axis`` (stable)."""
    return _softmax(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """z - logsumexp(z) along ``axis`` (never log 0)."""
    return _log_softmax(x, axis=axis)


def maxout(x: Any, pieces: int) -> Tensor:
    """Max over groups of ``pieces`` consecutive features of the last axis.

    ``(..., m * pieces) -> (..., m)``: unit j is max(z[j*pieces : (j+1)*pieces]).
    """
    x = as_tensor(x)
    if not isinstance(pieces, (int, np.integer)) or pieces < 1:
        raise ValueError(f"maxout: pieces must be a positive int, got {pieces!r}")
    if x.ndim == 0 or x.shape[-1] % pieces:
        raise ValueError(f"maxout: the last axis of the input (shape {x.shape}) must be a "
                         f"multiple of pieces = {pieces}")
    units = x.shape[-1] // pieces
    return _max(reshape(x, x.shape[:-1] + (units, int(pieces))), axis=-1)


def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """a = x W^T + b in one fused primitive (W is (out_features, in_features))."""
    return _linear(x, weight, bias)


def dropout(x: Any, p: float = 0.5, training: bool = True,
            rng: np.random.Generator | None = None) -> Tensor:
    """Inverted dropout: zero each entry with probability ``p``, scale the rest by 1/(1-p).

    The identity when ``training`` is False or ``p == 0``. ``rng`` draws the mask (a fresh
    unseeded Generator when None).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    x = as_tensor(x)
    if not training or p == 0.0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"dropout: expected a floating-point input, got dtype {x.dtype}")
    if p == 1.0:
        return x * 0.0
    return x * dropout_mask(x.shape, p, rng, x.dtype)


@replayed
def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator | None,
                 dtype: Any) -> np.ndarray:
    """The inverted-dropout mask: 1/(1-p) where a uniform draw is >= p, else 0, drawn from
    ``rng`` (a fresh unseeded Generator when None). A compiled step draws a new mask on
    every replay."""
    dtype = np.dtype(dtype)
    gen = rng if rng is not None else np.random.default_rng()
    dt = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)
    keep = gen.random(shape, dtype=dt) >= p
    return keep.astype(dtype) * dtype.type(1.0 / (1.0 - p))


__all__ = [
    "dropout", "dropout_mask", "elu", "erf", "erfc", "gelu", "identity", "leaky_relu", "linear",
    "log_softmax", "maxout", "piecewise_linear", "prelu", "relu", "sigmoid", "sign", "silu",
    "softmax", "softplus", "step", "swish", "tanh",
]
