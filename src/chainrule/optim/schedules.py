"""Learning-rate schedules: they set ``optimizer.param_groups[i]["lr"]``.

Call ``sched.step()`` once per epoch, after the epoch's optimiser steps
(``ReduceLROnPlateau.step(metric)`` with the monitored value). At construction a schedule
sets the epoch-0 learning rate; after the k-th ``step()`` the rate is the schedule's value
at epoch k, computed in closed form from the base rates (the groups' rates at
construction). ``state_dict()`` is JSON-able.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

from .optimizer import Optimizer, check_int, check_number


class LRScheduler(ABC):
    """Base class: holds the optimiser, the base rates and the epoch counter."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected a chainrule.optim Optimizer, "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lrs = [check_number(type(self).__name__, "the optimiser's lr", g["lr"])
                         for g in optimizer.param_groups]
        self.last_epoch = 0
        self._last_lr = list(self.base_lrs)

    def _configure(self, config: dict[str, Any]) -> None:
        """Validate the schedule's hyperparameters and set them as attributes."""
        self._validate(config)
        self._config_keys = list(config)
        for k, v in config.items():
            setattr(self, k, v)

    def _validate(self, config: dict[str, Any]) -> None:
        """Check (and normalise in place) the hyperparameters; subclasses extend."""

    @abstractmethod
    def step(self, *args: Any) -> None:
        """Advance one epoch and set the new learning rates."""

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group, as last set by this schedule."""
        return list(self._last_lr)

    def _set_lrs(self, lrs: list[float], epoch: int) -> None:
        """Set the rates of epoch ``epoch``; a rate that is not a finite number >= 0 (an
        overflowing growth factor) is refused before any group changes."""
        for lr in lrs:
            if not (math.isfinite(lr) and lr >= 0):
                raise ValueError(f"{type(self).__name__}: the learning rate at epoch {epoch} "
                                 f"would be {lr}; expected a finite number >= 0")
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = float(lr)
        self._last_lr = [float(lr) for lr in lrs]

    def state_dict(self) -> dict[str, Any]:
        """``{"type", "last_epoch", "base_lrs", "last_lr", <hyperparameters>}`` (JSON-able)."""
        out = {"type": type(self).__name__, "last_epoch": self.last_epoch,
               "base_lrs": list(self.base_lrs), "last_lr": list(self._last_lr)}
        out.update({k: getattr(self, k) for k in self._config_keys})
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` (validated first; the optimiser is not touched:
        its own state dict carries the current rates)."""
        name = type(self).__name__
        keys = set(self.state_dict())
        if not isinstance(state, dict) or set(state) != keys:
            got = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"{name}.load_state_dict: expected keys {sorted(keys)}, "
                             f"got {got}")
        if state["type"] != name:
            raise ValueError(f"{name}.load_state_dict: the state was saved by "
                             f"{state['type']}")
        n = len(self.optimizer.param_groups)
        lists = {k: state[k] for k in ("base_lrs", "last_lr")}
        for k, v in lists.items():
            if not isinstance(v, list) or len(v) != n:
                raise ValueError(f"{name}.load_state_dict: {k} must list one rate per "
                                 f"parameter group ({n})")
            lists[k] = [check_number(name, k, x) for x in v]
        config = {k: state[k] for k in self._config_keys}
        self._validate(config)
        last_epoch = check_int(name, "last_epoch", state["last_epoch"])
        extra = self._load_extra(state)
        self.last_epoch = last_epoch
        self.base_lrs, self._last_lr = lists["base_lrs"], lists["last_lr"]
        for k, v in config.items():
            setattr(self, k, v)
        for k, v in extra.items():
            setattr(self, k, v)

    def _load_extra(self, state: dict[str, Any]) -> dict[str, Any]:
        """Validated extra attributes (counters) of a subclass's state."""
        return {}

    def __repr__(self) -> str:
        config = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._config_keys)
        return f"{type(self).__name__}({config}, last_epoch={self.last_epoch})"


class _ClosedForm(LRScheduler):
    """A schedule given by a formula ``lr_at(base_lr, t)`` of the epoch ``t``."""

    def __init__(self, optimizer: Optimizer) -> None:
        super().__init__(optimizer)
        self._set_lrs(self._rates(0), 0)

    @abstractmethod
    def lr_at(self, base_lr: float, t: int) -> float:
        """The learning rate at epoch ``t`` for a group whose base rate is ``base_lr``."""

    def _rates(self, t: int) -> list[float]:
        """Every group's rate at epoch ``t``; an overflow is an infinite rate."""
        out = []
        for b in self.base_lrs:
            try:
                out.append(float(self.lr_at(b, t)))
            except OverflowError:
                out.append(math.inf)
        return out

    def step(self) -> None:  # type: ignore[override]
        epoch = self.last_epoch + 1
        self._set_lrs(self._rates(epoch), epoch)
        self.last_epoch = epoch


class StepLR(_ClosedForm):
    r"""Decay by ``gamma`` every ``step_size`` epochs:
    :math:`\eta_t = \eta_0\,\gamma^{\lfloor t / \text{step\_size} \rfloor}`."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self._configure({"step_size": step_size, "gamma": gamma})
        super().__init__(optimizer)

    def _validate(self, config: dict[str, Any]) -> None:
        config["step_size"] = check_int("StepLR", "step_size", config["step_size"], low=1)
        config["gamma"] = check_number("StepLR", "gamma", config["gamma"], low_inclusive=False)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(_ClosedForm):
    r"""Decay by ``gamma`` every epoch: :math:`\eta_t = \eta_0\,\gamma^t`."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self._configure({"gamma": gamma})
        super().__init__(optimizer)

    def _validate(self, config: dict[str, Any]) -> None:
        config["gamma"] = check_number("ExponentialLR", "gamma", config["gamma"],
                                       low_inclusive=False)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** t


class InverseTimeLR(_ClosedForm):
    r"""Inverse-time decay: :math:`\eta_t = \eta_0 / (1 + \text{decay}\cdot t)`."""

    def __init__(self, optimizer: Optimizer, decay: float) -> None:
        self._configure({"decay": decay})
        super().__init__(optimizer)

    def _validate(self, config: dict[str, Any]) -> None:
        config["decay"] = check_number("InverseTimeLR", "decay", config["decay"])

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr / (1.0 + self.decay * t)


class CosineAnnealingLR(_ClosedForm):
    r"""Cosine annealing from :math:`\eta_0` to ``eta_min`` over ``T_max`` epochs:
    :math:`\eta_t = \eta_{min} + \tfrac12(\eta_0 - \eta_{min})(1 + \cos(\pi t / T))`,
    then ``eta_min`` for t > T (no restart)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self._configure({"T_max": T_max, "eta_min": eta_min})
        super().__init__(optimizer)

    def _validate(self, config: dict[str, Any]) -> None:
        config["T_max"] = check_int("CosineAnnealingLR", "T_max", config["T_max"], low=1)
        config["eta_min"] = check_number("CosineAnnealingLR", "eta_min", config["eta_min"])

    def lr_at(self, base_lr: float, t: int) -> float:
        t = min(t, self.T_max)
        return self.eta_min + 0.5 * (base_lr - self.eta_min) * (
            1.0 + math.cos(math.pi * t / self.T_max))


class LinearWarmup(_ClosedForm):
    r"""Linear warm-up over ``warmup_steps`` epochs, then hand over to ``after``.

    :math:`\eta_t = \eta_0\,(f + (1 - f)\,t / W)` for :math:`t < W` (``start_factor`` =
    f, ``warmup_steps`` = W); from t = W on, the rate is ``after``'s at epoch t − W, or
    :math:`\eta_0` when ``after`` is None. ``after`` is a closed-form schedule (StepLR,
    ExponentialLR, InverseTimeLR, CosineAnnealingLR) built on the same optimiser just
    before; only the warm-up is stepped::

        sched = LinearWarmup(opt, 5, after=CosineAnnealingLR(opt, T_max=95))
    """

    def __init__(self, optimizer: Optimizer, warmup_steps: int,
                 after: LRScheduler | None = None, start_factor: float = 0.1) -> None:
        if after is not None:
            if not isinstance(after, _ClosedForm) or isinstance(after, LinearWarmup):
                raise TypeError(f"LinearWarmup: after must be a StepLR, ExponentialLR, "
                                f"InverseTimeLR or CosineAnnealingLR, got "
                                f"{type(after).__name__}")
            if after.optimizer is not optimizer:
                raise ValueError("LinearWarmup: after schedules a different optimiser")
            if after.last_epoch != 0:
                raise ValueError("LinearWarmup: after has already been stepped; build it "
                                 "just before the warm-up")
        self.after = after
        self._configure({"warmup_steps": warmup_steps, "start_factor": start_factor})
        if after is not None:
            for group, lr in zip(optimizer.param_groups, after.base_lrs):
                group["lr"] = lr
        super().__init__(optimizer)

    def _validate(self, config: dict[str, Any]) -> None:
        config["warmup_steps"] = check_int("LinearWarmup", "warmup_steps",
                                           config["warmup_steps"], low=1)
        config["start_factor"] = check_number("LinearWarmup", "start_factor",
                                              config["start_factor"], high=1.0,
                                              high_inclusive=True)

    def lr_at(self, base_lr: float, t: int) -> float:
        w = self.warmup_steps
        if t < w:
            return base_lr * (self.start_factor + (1.0 - self.start_factor) * t / w)
        return self.after.lr_at(base_lr, t - w) if self.after is not None else base_lr

    def step(self) -> None:  # type: ignore[override]
        super().step()
        if self.after is not None:
            self.after.last_epoch = max(0, self.last_epoch - self.warmup_steps)
            self.after._last_lr = self.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        out["after"] = self.after.state_dict() if self.after is not None else None
        return out

    def _load_extra(self, state: dict[str, Any]) -> dict[str, Any]:
        sub = state["after"]
        if (sub is None) != (self.after is None):
            raise ValueError("LinearWarmup.load_state_dict: the saved warm-up "
                             f"{'has no' if sub is None else 'has an'} 'after' schedule, "
                             f"this one {'has' if self.after is not None else 'has none'}")
        if self.after is not None:
            self.after.load_state_dict(sub)
        return {}


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rates by ``factor`` when a metric has stopped improving for
    ``patience`` epochs (Keras/PyTorch semantics).

    ``step(metric)`` once per epoch. Improvement means ``metric < best·(1 − threshold)``
    (mode "min", threshold_mode "rel"), ``metric < best − threshold`` ("abs"), and the
    mirror images for mode "max". After a reduction, ``cooldown`` epochs pass before bad
    epochs are counted again. Rates never go below ``min_lr`` (a float or one per group),
    and a change smaller than ``eps`` is skipped. A NaN metric counts as no improvement.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0.0,
                 eps: float = 1e-8) -> None:
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * n
        self._configure({"mode": mode, "factor": factor, "patience": patience,
                         "threshold": threshold, "threshold_mode": threshold_mode,
                         "cooldown": cooldown, "min_lr": min_lrs, "eps": eps})
        super().__init__(optimizer)
        if len(self.min_lr) != len(optimizer.param_groups):
            raise ValueError(f"ReduceLROnPlateau: min_lr has {len(self.min_lr)} entries, the "
                             f"optimiser has {len(optimizer.param_groups)} parameter groups")
        self._last_lr = [float(g["lr"]) for g in optimizer.param_groups]
        self.best: float | None = None
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def _validate(self, config: dict[str, Any]) -> None:
        name = "ReduceLROnPlateau"
        if config["mode"] not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {config['mode']!r}")
        if config["threshold_mode"] not in ("rel", "abs"):
            raise ValueError(f"{name}: threshold_mode must be 'rel' or 'abs', got "
                             f"{config['threshold_mode']!r}")
        config["factor"] = check_number(name, "factor", config["factor"], high=1.0)
        config["patience"] = check_int(name, "patience", config["patience"])
        config["cooldown"] = check_int(name, "cooldown", config["cooldown"])
        config["threshold"] = check_number(name, "threshold", config["threshold"])
        config["eps"] = check_number(name, "eps", config["eps"])
        if not isinstance(config["min_lr"], list):
            raise TypeError(f"{name}: min_lr must be a float or a list of floats")
        config["min_lr"] = [check_number(name, "min_lr", v) for v in config["min_lr"]]

    def _is_better(self, value: float) -> bool:
        if self.best is None:
            return not math.isnan(value)
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return value < (self.best * (1.0 - self.threshold) if rel
                            else self.best - self.threshold)
        return value > (self.best * (1.0 + self.threshold) if rel
                        else self.best + self.threshold)

    def step(self, metric: Any) -> None:  # type: ignore[override]
        """Record this epoch's ``metric`` (a number or scalar Tensor); reduce if stalled."""
        try:
            value = float(metric)
        except (TypeError, ValueError):
            raise TypeError(f"ReduceLROnPlateau.step: metric must be a number, got "
                            f"{type(metric).__name__}") from None
        self.last_epoch += 1
        if self._is_better(value):
            self.best = value
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        lrs = [float(g["lr"]) for g in self.optimizer.param_groups]
        if self.num_bad_epochs > self.patience:
            for i, old in enumerate(lrs):
                new = max(old * self.factor, self.min_lr[i])
                if old - new > self.eps:
                    lrs[i] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._set_lrs(lrs, self.last_epoch)

    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        out.update({"best": self.best, "num_bad_epochs": self.num_bad_epochs,
                    "cooldown_counter": self.cooldown_counter})
        return out

    def _load_extra(self, state: dict[str, Any]) -> dict[str, Any]:
        name = "ReduceLROnPlateau.load_state_dict"
        best = state["best"]
        return {"best": None if best is None else check_number(name, "best", best,
                                                                 low=-math.inf, finite=False),
                "num_bad_epochs": check_int(name, "num_bad_epochs", state["num_bad_epochs"]),
                "cooldown_counter": check_int(name, "cooldown_counter",
                                              state["cooldown_counter"])}
