"""Optimisers by name, for the CLI's ``--optimizer`` and for configuration files."""
from __future__ import annotations

from typing import Any, Iterable

from .adaptive import Adagrad, Adam, AdamW, RMSProp
from .lbfgs import LBFGS
from .newton_cg import NewtonCG
from .optimizer import Optimizer
from .sgd import SGD, GradientDescent

#: name -> (class, default keyword arguments); explicit keywords override the defaults.
_REGISTRY: dict[str, tuple[type[Optimizer], dict[str, Any]]] = {
    "sgd": (SGD, {"lr": 0.01}),
    "gd": (GradientDescent, {"lr": 0.1}),
    "momentum": (SGD, {"lr": 0.01, "momentum": 0.9}),
    "nesterov": (SGD, {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    "adagrad": (Adagrad, {"lr": 0.01}),
    "rmsprop": (RMSProp, {"lr": 0.001}),
    "adam": (Adam, {"lr": 0.001}),
    "adamw": (AdamW, {"lr": 0.001, "weight_decay": 0.01}),
    "lbfgs": (LBFGS, {"lr": 1.0}),
    "newton-cg": (NewtonCG, {"lr": 1.0}),
}


def available_optimizers() -> list[str]:
    """The names :func:`get_optimizer` accepts."""
    return list(_REGISTRY)


def get_optimizer(name: str, params: Iterable[Any], **kwargs: Any) -> Optimizer:
    """Build the optimiser called ``name`` (case-insensitive, ``_`` or ``-``) on ``params``.

    ``"sgd"`` is plain SGD (lr 0.01), ``"gd"`` full-batch gradient descent (lr 0.1),
    ``"momentum"`` / ``"nesterov"`` SGD with momentum 0.9, ``"adagrad"`` (0.01),
    ``"rmsprop"`` and ``"adam"`` (0.001), ``"adamw"`` (0.001, weight decay 0.01),
    ``"lbfgs"`` and ``"newton-cg"`` (step 1, need a closure: check ``opt.needs_closure``).
    ``kwargs`` override these defaults.

    Example: ``get_optimizer("adam", model.parameters(), lr=3e-4)``.
    """
    if not isinstance(name, str):
        raise TypeError(f"get_optimizer: name must be a string, got {type(name).__name__}")
    key = name.strip().lower().replace("_", "-")
    if key not in _REGISTRY:
        raise ValueError(f"get_optimizer: unknown optimiser {name!r}; available: "
                         f"{', '.join(_REGISTRY)}")
    cls, defaults = _REGISTRY[key]
    return cls(params, **{**defaults, **kwargs})
