"""Activation modules (each a thin holder over :mod:`chainrule.nn.functional`).

The values and derivatives used at the kinks are listed in
:mod:`chainrule.nn.functional.activations`. ``get_activation("relu")`` builds one by name.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autodiff import Tensor
from ..autodiff import relu as _relu, sigmoid as _sigmoid, softplus as _softplus, tanh as _tanh
from . import functional as F
from .module import Module, dtype_name, register_module
from .parameter import Parameter


class _Activation(Module):
    """An activation without constructor arguments."""

    def get_config(self) -> dict[str, Any]:
        return {"class": type(self).__name__}


@register_module
class Identity(_Activation):
    """phi(z) = z (the linear output unit)."""

    def forward(self, x: Any) -> Tensor:
        return F.identity(x)


@register_module
class Step(_Activation):
    """Heaviside step: 0, 0.5 at 0, 1; derivative 0."""

    def forward(self, x: Any) -> Tensor:
        return F.step(x)


@register_module
class Sign(_Activation):
    """Signum: -1, 0, 1; derivative 0."""

    def forward(self, x: Any) -> Tensor:
        return F.sign(x)


@register_module
class PiecewiseLinear(_Activation):
    """0 below -1/2, z + 1/2 between, 1 above."""

    def forward(self, x: Any) -> Tensor:
        return F.piecewise_linear(x)


@register_module
class Sigmoid(_Activation):
    """The logistic function 1 / (1 + e^-z)."""

    def forward(self, x: Any) -> Tensor:
        return _sigmoid(x)


@register_module
class Tanh(_Activation):
    """Hyperbolic tangent."""

    def forward(self, x: Any) -> Tensor:
        return _tanh(x)


@register_module
class Softsign(_Activation):
    """z / (1 + |z|), a tanh with polynomial tails."""

    def forward(self, x: Any) -> Tensor:
        return F.softsign(x)


@register_module
class ReLU(_Activation):
    """max(z, 0); derivative 0 at 0."""

    def forward(self, x: Any) -> Tensor:
        return _relu(x)


@register_module
class LeakyReLU(Module):
    """z for z > 0, negative_slope * z otherwise."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"

    def get_config(self) -> dict[str, Any]:
        return {"class": "LeakyReLU", "negative_slope": self.negative_slope}


@register_module
class PReLU(Module):
    """Parametric ReLU: the negative slope ``weight`` is learned (one, or one per feature)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) \
                or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got "
                             f"{num_parameters!r}")
        self.num_parameters = num_parameters
        self.init = float(init)
        self.weight = Parameter(np.full(num_parameters, self.init), dtype=dtype)

    def forward(self, x: Any) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"

    def get_config(self) -> dict[str, Any]:
        return {"class": "PReLU", "num_parameters": self.num_parameters, "init": self.init,
                "dtype": dtype_name(self.weight.dtype)}


@register_module
class ELU(Module):
    """z for z > 0, alpha (e^z - 1) otherwise."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x: Any) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"

    def get_config(self) -> dict[str, Any]:
        return {"class": "ELU", "alpha": self.alpha}


@register_module
class Softplus(Module):
    """log(1 + e^(beta z)) / beta, a smooth ReLU."""

    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        if not beta > 0:
            raise ValueError(f"Softplus: beta must be > 0, got {beta}")
        self.beta = float(beta)

    def forward(self, x: Any) -> Tensor:
        if self.beta == 1.0:
            return _softplus(x)
        return F.softplus(x, self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}"

    def get_config(self) -> dict[str, Any]:
        return {"class": "Softplus", "beta": self.beta}


@register_module
class SiLU(Module):
    """Swish / SiLU: z sigmoid(beta z); ``learn_beta=True`` makes beta a Parameter."""

    def __init__(self, beta: float = 1.0, learn_beta: bool = False,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.learn_beta = bool(learn_beta)
        self.beta_init = float(beta)
        self.dtype = np.dtype(dtype)
        if self.learn_beta:
            self.beta: Any = Parameter(np.array([self.beta_init]), dtype=self.dtype)
        else:
            self.beta = self.beta_init

    def forward(self, x: Any) -> Tensor:
        return F.silu(x, self.beta)

    def _set_dtype(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    def extra_repr(self) -> str:
        return f"beta={self.beta_init}, learn_beta={self.learn_beta}"

    def get_config(self) -> dict[str, Any]:
        return {"class": "SiLU", "beta": self.beta_init, "learn_beta": self.learn_beta,
                "dtype": dtype_name(self.dtype)}


Swish = SiLU


@register_module
class GELU(Module):
    """z Phi(z); ``approximate="tanh"`` for the tanh approximation."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Any) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"

    def get_config(self) -> dict[str, Any]:
        return {"class": "GELU", "approximate": self.approximate}


class _AxisActivation(Module):
    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = int(axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"

    def get_config(self) -> dict[str, Any]:
        return {"class": type(self).__name__, "axis": self.axis}


@register_module
class Softmax(_AxisActivation):
    """e^z / sum e^z along ``axis``."""

    def forward(self, x: Any) -> Tensor:
        return F.softmax(x, self.axis)


@register_module
class LogSoftmax(_AxisActivation):
    """z - logsumexp(z) along ``axis``."""

    def forward(self, x: Any) -> Tensor:
        return F.log_softmax(x, self.axis)


ACTIVATIONS: dict[str, type[Module]] = {
    "identity": Identity, "linear": Identity, "step": Step, "sign": Sign,
    "piecewise_linear": PiecewiseLinear, "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU,
    "leaky_relu": LeakyReLU, "prelu": PReLU, "elu": ELU, "softplus": Softplus,
    "softsign": Softsign, "silu": SiLU, "swish": SiLU, "gelu": GELU, "softmax": Softmax,
    "log_softmax": LogSoftmax,
}


def get_activation(name_or_module: str | Module) -> Module:
    """A new activation module by name (default arguments), or the module itself."""
    if isinstance(name_or_module, Module):
        return name_or_module
    if isinstance(name_or_module, str):
        cls = ACTIVATIONS.get(name_or_module.lower())
        if cls is None:
            raise ValueError(f"get_activation: unknown activation {name_or_module!r}; expected "
                             f"one of {sorted(ACTIVATIONS)} or a Module")
        return cls()
    raise TypeError(f"get_activation: expected a name or a Module, got "
                    f"{type(name_or_module).__name__}")


__all__ = [
    "ACTIVATIONS", "ELU", "GELU", "Identity", "LeakyReLU", "LogSoftmax", "PReLU",
    "PiecewiseLinear", "ReLU", "SiLU", "Sigmoid", "Sign", "Softmax", "Softplus", "Softsign",
    "Step",
    "Swish", "Tanh", "get_activation",
]
