"""Checking the estimators' hyperparameters, and turning them into chainrule objects:
the network's widths and activations, the optimiser of each solver."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import optim
from ..nn.activations import ACTIVATIONS

SOLVERS = ("sgd", "momentum", "adam", "lbfgs", "newton-cg")
#: solvers that take one full-batch step per iteration through a closure
FULL_BATCH_SOLVERS = ("lbfgs", "newton-cg")
SCHEDULES = ("constant", "invscaling", "adaptive")
#: scikit-learn's activation names that chainrule spells differently
_ALIASES = {"logistic": "sigmoid"}


def _error(owner: str, name: str, expected: str, value: Any) -> ValueError:
    return ValueError(f"{owner}: {name} must be {expected}, got {value!r}")


def _real(owner: str, name: str, value: Any, low: float, high: float | None = None,
          low_open: bool = False, high_open: bool = False) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            high is None or (value < high if high_open else value <= high))
    if not ok:
        lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
        span = f"in {lo}{low}, {high}{hi}" if high is not None else \
            f"a real number {'>' if low_open else '>='} {low}"
        raise _error(owner, name, span, value)
    return float(value)


def _int(owner: str, name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise _error(owner, name, f"an int >= {low}", value)
    return int(value)


def hidden_sizes(owner: str, value: Any) -> list[int]:
    """``hidden_layer_sizes`` as a list of positive ints (an int means one layer)."""
    sizes = [value] if isinstance(value, numbers.Integral) and not isinstance(value, bool) \
        else value
    try:
        sizes = list(sizes)
    except TypeError:
        raise _error(owner, "hidden_layer_sizes", "an int or a sequence of ints", value) from None
    if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in sizes):
        raise _error(owner, "hidden_layer_sizes", "positive ints", value)
    return [int(s) for s in sizes]


def activations(owner: str, value: Any, n_hidden: int) -> list[str]:
    """One chainrule activation name per hidden layer (scikit-learn's 'logistic' is
    chainrule's 'sigmoid')."""
    names = list(value) if isinstance(value, (list, tuple)) else [value] * n_hidden
    if len(names) != n_hidden:
        raise ValueError(f"{owner}: activation lists {len(names)} names for {n_hidden} hidden "
                         f"layers; give one name, or one per hidden layer")
    out = []
    for name in names:
        key = _ALIASES.get(name, name) if isinstance(name, str) else None
        if key not in ACTIVATIONS or key in ("softmax", "log_softmax"):
            choices = sorted(set(ACTIVATIONS) - {"softmax", "log_softmax"} | set(_ALIASES))
            raise _error(owner, "activation", f"one of {choices} (or a list of them)", name)
        out.append(key)
    return out


def check_hyperparameters(est: Any) -> dict[str, Any]:
    """Every hyperparameter checked; returns the ones the fit uses in their checked form."""
    owner = type(est).__name__
    hidden = hidden_sizes(owner, est.hidden_layer_sizes)
    if est.solver not in SOLVERS:
        raise _error(owner, "solver", f"one of {list(SOLVERS)}", est.solver)
    if est.learning_rate not in SCHEDULES:
        raise _error(owner, "learning_rate", f"one of {list(SCHEDULES)}", est.learning_rate)
    batch = est.batch_size
    if batch != "auto":
        batch = _int(owner, "batch_size", batch, 1)
    for flag in ("shuffle", "warm_start", "early_stopping", "nesterovs_momentum"):
        if not isinstance(getattr(est, flag), (bool, np.bool_)):
            raise _error(owner, flag, "True or False", getattr(est, flag))
    checked = {
        "hidden": hidden, "activations": activations(owner, est.activation, len(hidden)),
        "batch_size": batch,
        "alpha": _real(owner, "alpha", est.alpha, 0.0),
        "learning_rate_init": _real(owner, "learning_rate_init", est.learning_rate_init, 0.0,
                                    low_open=True),
        "power_t": _real(owner, "power_t", est.power_t, 0.0),
        "max_iter": _int(owner, "max_iter", est.max_iter, 1),
        "tol": _real(owner, "tol", est.tol, 0.0),
        "momentum": _real(owner, "momentum", est.momentum, 0.0, 1.0),
        "validation_fraction": _real(owner, "validation_fraction", est.validation_fraction,
                                     0.0, 1.0, low_open=True, high_open=True),
        "beta_1": _real(owner, "beta_1", est.beta_1, 0.0, 1.0, high_open=True),
        "beta_2": _real(owner, "beta_2", est.beta_2, 0.0, 1.0, high_open=True),
        "epsilon": _real(owner, "epsilon", est.epsilon, 0.0, low_open=True),
        "n_iter_no_change": _int(owner, "n_iter_no_change", est.n_iter_no_change, 1),
        "nesterovs_momentum": bool(est.nesterovs_momentum),
    }
    if est.solver == "momentum" and checked["momentum"] == 0.0:
        raise ValueError(f"{owner}: solver='momentum' needs momentum > 0, got 0")
    if not (isinstance(est.verbose, (numbers.Integral, np.bool_)) and est.verbose >= 0):
        raise _error(owner, "verbose", "a bool or an int >= 0", est.verbose)
    return checked


def build_optimizer(solver: str, hp: dict[str, Any], weights: list, biases: list,
                    weight_decay: float) -> optim.Optimizer:
    """The chainrule optimiser of ``solver``. First-order solvers put the L2 penalty on the
    weights (not the biases) as coupled weight decay, as scikit-learn's gradient does; the
    full-batch solvers get it in their loss instead (``weight_decay`` is then 0)."""
    lr = hp["learning_rate_init"]
    groups = [{"params": weights, "weight_decay": weight_decay},
              {"params": biases, "weight_decay": 0.0}]
    if solver == "adam":
        return optim.Adam(groups, lr=lr, betas=(hp["beta_1"], hp["beta_2"]), eps=hp["epsilon"])
    if solver in ("sgd", "momentum"):
        mu = hp["momentum"]
        nesterov = solver == "sgd" and hp["nesterovs_momentum"] and mu > 0
        return optim.SGD(groups, lr=lr, momentum=mu, nesterov=nesterov)
    params = [*weights, *biases]
    if solver == "lbfgs":
        return optim.LBFGS(params, lr=1.0, max_iter=1, tolerance_grad=0.0,
                           tolerance_change=0.0)
    return optim.NewtonCG(params, lr=1.0, max_iter=1, tolerance_grad=0.0)
