"""The hook protocol of `fit` and the built-in callbacks.

A callback overrides some of these hooks; the trainer calls them in this order::

    on_train_begin(logs)
      on_epoch_begin(epoch, logs)
        on_batch_begin(batch, logs)
        on_before_step(batch, logs)   # after backward, right before optimizer.step()
        on_batch_end(batch, logs)     # logs: {"loss": float, "size": int}
      on_epoch_end(epoch, logs)       # logs: {"loss", metrics..., "val_loss", "val_...", "lr"}
    on_train_end(logs)

``epoch`` and ``batch`` are 0-based. ``logs`` holds plain floats; validation values have
``val_`` keys. Setting ``trainer.stop_training = True`` is the one way to end training early;
an error (e.g. `TrainingDivergedError`) is raised, not signalled. A callback that must survive
a resume implements ``state_dict()`` / ``load_state_dict()`` (JSON values and ndarrays).

Within a hook callbacks run in ``priority`` order (then in the order given): `History` first,
`ModelCheckpoint` last, so a checkpoint holds the state every other callback reached at the
end of the epoch.
"""
from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

import numpy as np

if TYPE_CHECKING:
    from .trainer import Trainer

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_batch_begin",
         "on_before_step", "on_batch_end")
_MAX_HINTS = ("acc", "f1", "precision", "recall", "r2", "auc")


class TrainingDivergedError(RuntimeError):
    """The loss or the weights became NaN or infinite during training."""


class Callback:
    """Base class: every hook does nothing. Override the ones you need."""

    priority = 0
    trainer: "Trainer | None" = None
    model: Any = None

    def set_trainer(self, trainer: "Trainer") -> None:
        self.trainer = trainer

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, logs: dict[str, float]) -> None:
        """Called once before the first epoch."""

    def on_train_end(self, logs: dict[str, float]) -> None:
        """Called once after the last epoch (also after an early stop)."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, float]) -> None:
        """Called at the start of each epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        """Called after the epoch's training and validation; ``logs`` has every value."""

    def on_batch_begin(self, batch: int, logs: dict[str, float]) -> None:
        """Called before a batch's forward pass."""

    def on_before_step(self, batch: int, logs: dict[str, float]) -> None:
        """Called after backward and right before ``optimizer.step()``. ``logs["loss"]`` is
        the batch loss, except for optimizers that evaluate the loss themselves (L-BFGS)."""

    def on_batch_end(self, batch: int, logs: dict[str, float]) -> None:
        """Called after the optimizer step with ``{"loss": float, "size": int}``."""

    def state_dict(self) -> dict[str, Any]:
        """What a resumed run needs to continue exactly (JSON values and ndarrays)."""
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`."""


def _overrides(cb: Callback, hook: str) -> bool:
    return hook in vars(cb) or getattr(type(cb), hook) is not getattr(Callback, hook)


class CallbackList:
    """Dispatches each hook to the callbacks that override it (others cost nothing)."""

    def __init__(self, callbacks: Iterable[Callback], trainer: "Trainer") -> None:
        items = list(callbacks)
        for cb in items:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances, got "
                                f"{type(cb).__name__}")
        self.callbacks = sorted(items, key=lambda cb: cb.priority)
        for cb in self.callbacks:
            cb.set_trainer(trainer)
            cb.set_model(trainer.model)
        self._active = {hook: [getattr(cb, hook) for cb in self.callbacks
                               if _overrides(cb, hook)] for hook in HOOKS}

    def call(self, hook: str, *args: Any) -> None:
        for fn in self._active[hook]:
            fn(*args)

    def has(self, hook: str) -> bool:
        return bool(self._active[hook])


def infer_mode(monitor: str, mode: str) -> str:
    """``"min"`` or ``"max"``: ``"auto"`` maximises accuracy-like names, minimises the rest."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    return "max" if any(h in monitor for h in _MAX_HINTS) else "min"


def _check_monitor(owner: str, monitor: str, trainer: "Trainer | None") -> None:
    keys = trainer.log_keys() if trainer is not None else None
    if keys is not None and monitor not in keys:
        hint = " (pass val_data to fit)" if monitor.startswith("val_") else ""
        raise ValueError(f"{owner}: monitor {monitor!r} is not among the logged values "
                         f"{keys}{hint}")


class _Monitor:
    """Tracks the best value of one logged quantity (shared by EarlyStopping and checkpoints)."""

    def __init__(self, monitor: str, mode: str, min_delta: float = 0.0) -> None:
        if not isinstance(monitor, str):
            raise TypeError(f"monitor must be a log key (str), got {type(monitor).__name__}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta}")
        self.monitor = monitor
        self.mode = infer_mode(monitor, mode)
        self.min_delta = float(min_delta)
        self.best = math.inf if self.mode == "min" else -math.inf

    def improved(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class History(Callback):
    """Records every epoch's logs: ``history.history["val_loss"][e]`` is epoch ``e``'s value.

    `fit` returns the trainer's History; ``history.epoch`` lists the epochs recorded.
    """

    priority = -100

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, [math.nan] * (len(self.epoch) - 1)).append(value)
        for key, values in self.history.items():  # a key missing this epoch
            if len(values) < len(self.epoch):
                values.append(math.nan)

    def state_dict(self) -> dict[str, Any]:
        return {"history": {k: list(v) for k, v in self.history.items()},
                "epoch": list(self.epoch)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.history = {str(k): [float(x) for x in v] for k, v in state["history"].items()}
        self.epoch = [int(e) for e in state["epoch"]]

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"

    def plot(self, metrics: Any = None, path: Any = None) -> Any:
        """One panel per metric over the epochs (:func:`chainrule.viz.plot_history`)."""
        from ..viz import plot_history
        return plot_history(self.history, path=path, metrics=metrics)

    def _repr_png_(self) -> bytes | None:
        """Jupyter shows a History as its plot (when matplotlib is installed)."""
        from ..viz import figure_png
        return figure_png(self.plot) if self.epoch else None


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs in a row (Keras semantics: ``patience=0`` stops at the first epoch without
    improvement).

    ``mode``: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy-like names).
    ``restore_best_weights=True`` (default) puts the weights of the best epoch back when
    training ends, whether it stopped early or ran out of epochs. ``baseline``: the value the
    monitor must beat for an epoch to count as an improvement.
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True,
                 baseline: float | None = None) -> None:
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) \
                or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        self._mon = _Monitor(monitor, mode, min_delta)
        if baseline is not None:
            self._mon.best = float(baseline)
        self.monitor, self.mode = monitor, self._mon.mode
        self.patience = int(patience)
        self.restore_best_weights = bool(restore_best_weights)
        self.wait = 0
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.best_weights: dict[str, np.ndarray] | None = None

    @property
    def best(self) -> float:
        return self._mon.best

    def on_train_begin(self, logs: dict[str, float]) -> None:
        _check_monitor("EarlyStopping", self.monitor, self.trainer)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        value = logs.get(self.monitor)
        if value is None:
            raise ValueError(f"EarlyStopping: monitor {self.monitor!r} is not in the logs "
                             f"{sorted(logs)}")
        if self._mon.improved(value):
            self._mon.best = value
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def on_train_end(self, logs: dict[str, float]) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            self.model.load_state_dict(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {"best": self._mon.best, "wait": self.wait,
                                 "best_epoch": self.best_epoch}
        if self.best_weights is not None:
            state["best_weights"] = dict(self.best_weights)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self._mon.best = float(state["best"])
        self.wait = int(state["wait"])
        self.best_epoch = None if state["best_epoch"] is None else int(state["best_epoch"])
        weights = state.get("best_weights")
        self.best_weights = None if weights is None else {k: np.array(v) for k, v in
                                                          weights.items()}


class LearningRateScheduler(Callback):
    """Step a learning-rate schedule once per epoch, after validation.

    ``schedule``: a `chainrule.optim` schedule (``StepLR``, ``CosineAnnealingLR``, ...) built
    on the trainer's optimizer -- `ReduceLROnPlateau` is stepped with the value of ``monitor``
    -- or a function ``schedule(epoch, lr) -> new_lr`` (Keras style) applied to every
    parameter group before each epoch. The epoch's learning rate is logged as ``"lr"``.
    """

    def __init__(self, schedule: Any, monitor: str = "val_loss") -> None:
        self.schedule = schedule
        self.monitor = monitor
        self._is_object = callable(getattr(schedule, "step", None))
        if not self._is_object and not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a chainrule.optim "
                            f"schedule or a function (epoch, lr) -> lr, got "
                            f"{type(schedule).__name__}")
        from ..optim import ReduceLROnPlateau

        self._plateau = isinstance(schedule, ReduceLROnPlateau)

    def on_train_begin(self, logs: dict[str, float]) -> None:
        if self._plateau:
            _check_monitor("LearningRateScheduler", self.monitor, self.trainer)

    def on_epoch_begin(self, epoch: int, logs: dict[str, float]) -> None:
        if self._is_object:
            return
        for group in self.trainer.optimizer.param_groups:
            lr = self.schedule(epoch, float(group["lr"]))
            if not isinstance(lr, (int, float, np.floating)) or not math.isfinite(lr) or lr < 0:
                raise ValueError(f"LearningRateScheduler: schedule({epoch}, lr) returned "
                                 f"{lr!r}; expected a finite float >= 0")
            group["lr"] = float(lr)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        if not self._is_object:
            return
        if self._plateau:
            self.schedule.step(logs[self.monitor])
        else:
            self.schedule.step()

    def state_dict(self) -> dict[str, Any]:
        return {"schedule": self.schedule.state_dict()} if self._is_object else {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        if self._is_object and "schedule" in state:
            self.schedule.load_state_dict(state["schedule"])


class NaNGuard(Callback):
    """Stop with `TrainingDivergedError` as soon as the loss or the weights are not finite,
    leaving the last finite weights in place.

    Per step it costs one ``np.copyto`` of the weights (into buffers allocated once):

    * before each ``optimizer.step()`` the batch loss is checked, so a NaN loss never reaches
      the weights. A step that made the weights NaN or Inf shows up here too, one batch
      later: a non-finite weight makes every output it touches NaN. Then the copy taken
      before that step is put back (``restore=True``, the default).
    * at the end of each epoch the weights are checked once more (the epoch's last step has
      no later forward pass), before any checkpoint of that epoch is written.

    The error names the epoch and the batch, 1-based as the progress bar counts them.
    """

    def __init__(self, restore: bool = True) -> None:
        self.restore = bool(restore)
        self._params: list[Any] = []
        self._saved: list[np.ndarray] = []
        self._epoch = 0
        self._last_batch = 0
        self._loss_seen = False

    def on_train_begin(self, logs: dict[str, float]) -> None:
        self._params = list(self.model.parameters())
        self._saved = [np.empty_like(p.data) for p in self._params] if self.restore else []

    def on_epoch_begin(self, epoch: int, logs: dict[str, float]) -> None:
        self._epoch = epoch

    def _weights_finite(self, arrays: list[np.ndarray]) -> bool:
        return all(np.isfinite(a).all() for a in arrays)

    def _fail(self, what: str, batch: int) -> None:
        """Put the saved weights back if the current ones are not finite, then raise."""
        self.trainer.stop_training = True
        current = [p.data for p in self._params]
        if self._weights_finite(current):
            tail = "the weights are those of the last finite step"
        elif self.restore and self._weights_finite(self._saved):
            for buf, p in zip(self._saved, self._params):
                np.copyto(p.data, buf)
            tail = "weights restored to the last finite step"
        else:
            tail = ("the weights are not finite (NaNGuard(restore=True) keeps the last "
                    "finite ones)")
        raise TrainingDivergedError(f"{what} at epoch {self._epoch + 1}, batch {batch + 1}; "
                                    f"{tail}")

    def on_before_step(self, batch: int, logs: dict[str, float]) -> None:
        loss = logs.get("loss")
        self._loss_seen = loss is not None
        if self._loss_seen and not math.isfinite(loss):
            self._fail(f"loss became {_describe(loss)}", batch)
        for buf, p in zip(self._saved, self._params):
            np.copyto(buf, p.data)

    def on_batch_end(self, batch: int, logs: dict[str, float]) -> None:
        self._last_batch = batch
        loss = logs.get("loss")
        if not self._loss_seen and loss is not None and not math.isfinite(loss):
            self._fail(f"loss became {_describe(loss)}", batch)  # a closure optimizer's

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        if not self._weights_finite([p.data for p in self._params]):
            self._fail("weights became NaN or Inf", self._last_batch)


def _describe(value: float) -> str:
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")


class ModelCheckpoint(Callback):
    """Save a resumable checkpoint folder (model, config, optimizer, trainer state).

    ``filepath`` may contain format fields: ``{epoch}`` (1-based) and any logged value, e.g.
    ``"ckpts/epoch-{epoch:03d}"`` or ``"ckpts/{epoch:02d}-{val_loss:.4f}"``. With
    ``save_best_only=True`` a checkpoint is written only when ``monitor`` improves (use a
    fixed path such as ``"ckpts/best"``: it is replaced atomically). Otherwise one is written
    every ``every_n_epochs`` epochs. Load with `chainrule.train.load_model` or resume with
    ``Trainer.load_checkpoint``.
    """

    priority = 100

    def __init__(self, filepath: Any, monitor: str = "val_loss", mode: str = "auto",
                 save_best_only: bool = False, every_n_epochs: int = 1,
                 weights_format: str | None = None) -> None:
        if isinstance(every_n_epochs, bool) or not isinstance(every_n_epochs, (int, np.integer)) \
                or every_n_epochs < 1:
            raise ValueError(f"ModelCheckpoint: every_n_epochs must be an int >= 1, got "
                             f"{every_n_epochs!r}")
        self.filepath = str(filepath)
        self.monitor = monitor
        self.save_best_only = bool(save_best_only)
        self.every_n_epochs = int(every_n_epochs)
        self.weights_format = weights_format
        self._mon = _Monitor(monitor, mode)
        self.last_saved: str | None = None

    @property
    def best(self) -> float:
        return self._mon.best

    def on_train_begin(self, logs: dict[str, float]) -> None:
        if self.save_best_only:
            _check_monitor("ModelCheckpoint", self.monitor, self.trainer)
        keys = self.trainer.log_keys() if self.trainer is not None else None
        for name in _FIELD.findall(self.filepath):
            if name != "epoch" and keys is not None and name not in keys:
                raise ValueError(f"ModelCheckpoint: filepath field {{{name}}} is not a logged "
                                 f"value; expected 'epoch' or one of {keys}")

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None:
                raise ValueError(f"ModelCheckpoint: monitor {self.monitor!r} is not in the "
                                 f"logs {sorted(logs)}")
            if not self._mon.improved(value):
                return
            self._mon.best = value
        elif (epoch + 1) % self.every_n_epochs:
            return
        path = self.filepath.format(epoch=epoch + 1, **logs)
        self.trainer.save_checkpoint(path, weights_format=self.weights_format)
        self.last_saved = path

    def state_dict(self) -> dict[str, Any]:
        return {"best": self._mon.best, "last_saved": self.last_saved}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self._mon.best = float(state["best"])
        self.last_saved = state.get("last_saved")


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, **hooks: Callable[..., None]) -> None:
        unknown = set(hooks) - set(HOOKS)
        if unknown:
            raise ValueError(f"LambdaCallback: unknown hook(s) {sorted(unknown)}; expected "
                             f"some of {list(HOOKS)}")
        for name, fn in hooks.items():
            if not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be callable")
            setattr(self, name, fn)
