"""`Trainer` and `fit`: a thin training loop over the callback protocol.

One step is ``zero_grad -> logits = model(x) -> loss(logits, y).backward() -> step``, run
by `TrainStep` (compiled: the same rules replayed without building a graph); the
loop adds only float bookkeeping to it. Training metrics are computed once per epoch from
the logits the steps already produced (no extra forward pass), validation runs batched under
``no_grad`` in evaluation mode.

A run is resumable: `Trainer.save_checkpoint` stores the model, the optimizer state, the
number of completed epochs, the DataLoader's shuffle state, the dropout generators and every
callback's state; `Trainer.load_checkpoint` restores them, and ``fit(..., epochs=N)`` then
runs the remaining epochs and ends bit for bit where an uninterrupted run of N epochs ends.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..autodiff import Tensor
from ..extend import wrap_array
from ..optim import clip_grad_norm_
from .callbacks import Callback, CallbackList, History, NaNGuard
from .checkpoint import load_checkpoint, save_checkpoint
from .inference import (as_input, forward_batches, model_dtype, output_unit_of, split_data,
                        resolve_metrics)
from .metrics import compute_metrics
from .progress import ProgressBar
from .step import TrainStep
from .validation import check_training_data

DataLike = Any  # (X, y) pair | chainrule.data.Dataset | chainrule.data.DataLoader


def _positive_int(value: Any, name: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"fit: {name} must be an int >= {low}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class _Plan:
    """A checked ``fit`` call: the training batches, the validation arrays, the epochs."""

    loader: Any
    val: tuple[np.ndarray, np.ndarray] | None
    epochs: int
    val_batch_size: int


class Trainer:
    """Holds what a training run needs and runs it: ``Trainer(model, loss, opt).fit(data)``.

    Args:
        model: a callable ``model(Tensor) -> Tensor`` of logits with ``parameters()``,
            ``state_dict()``/``load_state_dict()`` (a `chainrule.nn.Module`).
        loss: ``loss(logits, targets) -> scalar Tensor`` (e.g. ``nn.CrossEntropyLoss()``).
        optimizer: a `chainrule.optim` optimizer over ``model.parameters()``.
        callbacks: extra `Callback` objects. A `History` (``trainer.history``) is always
            there, and a `ProgressBar` is added when ``verbose > 0`` and none is given.
        metrics: names (see `chainrule.train.metrics.available_metrics`) or callables;
            ``"auto"``: accuracy for classifiers, mae for regression.
        verbose: 0 silent, 1 progress bar (one line per epoch when not a terminal), 2 one
            line per epoch.
        seed: seeds the shuffling of the training data when it is given as arrays.
        clip_grad_norm: when set, gradients are scaled to this global 2-norm before a step.
        metadata: JSON-serialisable facts saved with every checkpoint (class names, ...).
        nan_guard: add a `NaNGuard` (unless one is given): a NaN or infinite loss or weight
            stops training with `TrainingDivergedError` and the last finite weights. False
            lets training run on (every later value is NaN).

    ``trainer.stop_training = True`` (from a callback) ends training after the current epoch.
    """

    def __init__(self, model: Any, loss: Callable[[Any, Any], Any], optimizer: Any, *,
                 callbacks: Iterable[Callback] | None = None, metrics: Any = "auto",
                 verbose: int = 1, seed: int | None = 0, clip_grad_norm: float | None = None,
                 metadata: dict[str, Any] | None = None, nan_guard: bool = True) -> None:
        if not callable(model) or not callable(getattr(model, "parameters", None)):
            raise TypeError(f"Trainer: model must be callable and have parameters(), got "
                            f"{type(model).__name__}")
        if not callable(loss):
            raise TypeError(f"Trainer: loss must be callable (e.g. nn.CrossEntropyLoss()), "
                            f"got {type(loss).__name__}")
        for method in ("step", "zero_grad"):
            if not callable(getattr(optimizer, method, None)):
                raise TypeError(f"Trainer: optimizer must have {method}(), got "
                                f"{type(optimizer).__name__}")
        if not isinstance(nan_guard, bool):
            raise TypeError(f"Trainer: nan_guard must be a bool, got {nan_guard!r}")
        if verbose not in (0, 1, 2):
            raise ValueError(f"Trainer: verbose must be 0, 1 or 2, got {verbose!r}")
        if clip_grad_norm is not None and not (isinstance(clip_grad_norm, (int, float))
                                               and clip_grad_norm > 0):
            raise ValueError(f"Trainer: clip_grad_norm must be a positive number or None, "
                             f"got {clip_grad_norm!r}")
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.output_unit = output_unit_of(model, loss)
        # targets are checked against the output unit only for chainrule's own losses: a
        # custom loss may pack other columns (weights, masks) into its targets
        own_loss = type(loss).__module__.startswith("chainrule.nn")
        self._target_unit = self.output_unit if own_loss else "linear"
        self.metrics = resolve_metrics(metrics, self.output_unit)
        self.verbose = verbose
        self.seed = seed
        self.clip_grad_norm = clip_grad_norm
        self.metadata = dict(metadata or {})
        self.history = History()
        self.callbacks: list[Callback] = [self.history, *(callbacks or [])]
        for cb in self.callbacks[1:]:
            if not isinstance(cb, Callback):
                raise TypeError(f"Trainer: callbacks must be Callback instances, got "
                                f"{type(cb).__name__}")
            if isinstance(cb, History):
                raise ValueError("Trainer: a History is always included (trainer.history); "
                                 "do not pass one")
        if nan_guard and not any(isinstance(cb, NaNGuard) for cb in self.callbacks):
            self.callbacks.append(NaNGuard())
        if verbose and not any(isinstance(cb, ProgressBar) for cb in self.callbacks):
            self.callbacks.append(ProgressBar(verbose))
        self.epoch = 0  # completed epochs
        self.epochs = 0  # the target of the current fit
        self.steps_per_epoch = 0
        self.stop_training = False
        self.stopped_early = False
        self._has_val = False
        self._loader: Any = None
        self._pending_loader_state: dict | None = None
        self._dtype = model_dtype(model)
        self._step = TrainStep(model, loss, optimizer, clip_grad_norm)

    # ----------------------------------------------------------------- data
    def _make_loader(self, data: DataLike, batch_size: int, shuffle: bool) -> Any:
        """The training batches, after checking every row of the data (see
        `chainrule.train.validation`)."""
        from ..data import DataLoader

        if isinstance(data, DataLoader):
            if data.y is None:
                raise ValueError("fit: train_data has no targets (its y is None)")
            check_training_data(self.model, data.X, data.y, self._target_unit, "fit")
            return data
        X, y = split_data(data, "fit: train_data")
        if y is None:
            raise ValueError("fit: train_data has no targets (y is None)")
        X = as_input(X, self._dtype, "fit")
        y = np.asarray(y.data if isinstance(y, Tensor) else y)
        check_training_data(self.model, X, y, self._target_unit, "fit")
        return DataLoader(X, y, batch_size=batch_size, shuffle=shuffle, seed=self.seed)

    def _val_arrays(self, data: DataLike) -> tuple[np.ndarray, np.ndarray]:
        X, y = split_data(data, "fit: val_data")
        if y is None:
            raise ValueError("fit: val_data has no targets (y is None)")
        X = as_input(X, self._dtype, "fit (val_data)")
        y = np.asarray(y.data if isinstance(y, Tensor) else y)
        if len(X) == 0:
            raise ValueError("fit: val_data has no rows")
        check_training_data(self.model, X, y, self._target_unit, "fit (val_data)")
        return X, y

    def log_keys(self) -> list[str]:
        """The keys of the epoch logs this run produces, in order."""
        names = [m if isinstance(m, str) else getattr(m, "__name__", "metric")
                 for m in self.metrics]
        keys = ["loss", *names]
        if self._has_val:
            keys += ["val_loss", *(f"val_{n}" for n in names)]
        if getattr(self.optimizer, "param_groups", None):
            keys.append("lr")
        return keys

    # ----------------------------------------------------------------- the loop
    def fit(self, train_data: DataLike, val_data: DataLike | None = None, epochs: int = 10,
            batch_size: int = 32, shuffle: bool = True,
            val_batch_size: int | None = None) -> History:
        """Train until ``epochs`` epochs are complete (counting those of a loaded checkpoint)
        or a callback sets ``stop_training``; return the `History`.

        ``train_data`` / ``val_data``: an ``(X, y)`` pair of arrays, a
        `chainrule.data.Dataset`, or a `chainrule.data.DataLoader` (used as it is: its own
        batch size and shuffling). ``X`` is cast to the model's dtype. Every row is checked
        before the first step: a NaN or infinite value, or a label the model cannot output,
        is refused naming its row, with the weights and the optimiser untouched.
        """
        return self._run(self._plan(train_data, val_data, epochs, batch_size, shuffle,
                                    val_batch_size))

    def _plan(self, train_data: DataLike, val_data: DataLike | None, epochs: int,
              batch_size: int, shuffle: bool, val_batch_size: int | None) -> _Plan:
        """Every argument and every row checked; nothing changed yet."""
        epochs = _positive_int(epochs, "epochs")
        batch_size = _positive_int(batch_size, "batch_size")
        if not isinstance(shuffle, bool):
            raise TypeError(f"fit: shuffle must be a bool, got {shuffle!r}")
        val_bs = max(batch_size, 1024) if val_batch_size is None else _positive_int(
            val_batch_size, "val_batch_size")
        loader = self._make_loader(train_data, batch_size, shuffle)
        if len(loader) == 0:
            raise ValueError("fit: train_data has no samples (or fewer than one batch with "
                             "drop_last=True)")
        val = None if val_data is None else self._val_arrays(val_data)
        return _Plan(loader, val, epochs, val_bs)

    def _run(self, plan: _Plan) -> History:
        loader, val, epochs, val_bs = plan.loader, plan.val, plan.epochs, plan.val_batch_size
        if self._pending_loader_state is not None:
            loader.set_state(self._pending_loader_state)
            self._pending_loader_state = None
        self._loader = loader
        self._has_val = val is not None
        self.epochs = epochs
        self.steps_per_epoch = len(loader)
        self.stop_training = self.stopped_early = False
        cbs = CallbackList(self.callbacks, self)
        cbs.call("on_train_begin", {})
        logs: dict[str, float] = {}
        for epoch in range(self.epoch, epochs):
            cbs.call("on_epoch_begin", epoch, {})
            lr = self._lr()
            logs = self._train_epoch(loader, cbs)
            if val is not None:
                logits, val_loss = forward_batches(self.model, val[0], val[1], self.loss,
                                                   val_bs)
                logs["val_loss"] = val_loss
                logs.update(compute_metrics(self.metrics, val[1], logits, self.output_unit,
                                            prefix="val_"))
            if lr is not None:
                logs["lr"] = lr
            self.epoch = epoch + 1
            cbs.call("on_epoch_end", epoch, logs)
            if self.stop_training:
                self.stopped_early = self.epoch < epochs
                break
        cbs.call("on_train_end", dict(logs))
        return self.history

    def _lr(self) -> float | None:
        groups = getattr(self.optimizer, "param_groups", None)
        return float(groups[0]["lr"]) if groups else None

    def _train_epoch(self, loader: Any, cbs: CallbackList) -> dict[str, float]:
        model, loss_fn, opt = self.model, self.loss, self.optimizer
        if callable(getattr(model, "train", None)):
            model.train()
        keep: list[tuple[np.ndarray, np.ndarray]] | None = [] if self.metrics else None
        begin, before = cbs.has("on_batch_begin"), cbs.has("on_before_step")
        closure_opt = bool(getattr(opt, "needs_closure", False))
        step = self._step
        step.clip_grad_norm = self.clip_grad_norm
        total, count = 0.0, 0
        for batch, (xb, yb) in enumerate(loader):
            if begin:
                cbs.call("on_batch_begin", batch, {})
            x = wrap_array(xb if xb.dtype == self._dtype else xb.astype(self._dtype))
            size = len(xb)
            logs: dict[str, float] = {"size": size}
            if closure_opt:
                first: list[Any] = []
                closure = self._closure(x, yb, first)
                if before:
                    cbs.call("on_before_step", batch, logs)
                opt.step(closure)
                logits, value = first
            elif before:
                logits, value = step.gradients(x, yb)
                logs["loss"] = value
                cbs.call("on_before_step", batch, logs)
                opt.step()
            else:  # the whole step compiled, the optimiser's update included
                logits, value = step(x, yb)
                logs["loss"] = value
            if closure_opt:
                logs["loss"] = value
            cbs.call("on_batch_end", batch, logs)
            total += value * size
            count += size
            if keep is not None:
                keep.append((logits, yb))
        out_logs = {"loss": total / count if count else math.nan}
        if keep:
            logits_all = np.concatenate([k[0] for k in keep], axis=0)
            targets = np.concatenate([k[1] for k in keep], axis=0)
            out_logs.update(compute_metrics(self.metrics, targets, logits_all, self.output_unit))
        return out_logs

    def _closure(self, x: Any, y: np.ndarray, first: list[Any]) -> Callable[[], Any]:
        """The closure a full-batch optimiser calls: the loss recorded as a graph (L-BFGS
        reads the gradients ``backward`` leaves; Newton-CG differentiates the returned Tensor
        again for its Hessian-vector products). The first call's logits and loss value go
        into ``first``."""
        model, loss_fn, opt = self.model, self.loss, self.optimizer
        params = list(model.parameters())

        def closure() -> Any:
            opt.zero_grad()
            out = model(x)
            loss_t = loss_fn(out, y)
            if loss_t.size != 1:
                raise ValueError(f"fit: the loss must return a scalar, got shape "
                                 f"{loss_t.shape} (use reduction='mean')")
            loss_t.backward()
            if self.clip_grad_norm is not None:
                clip_grad_norm_(params, self.clip_grad_norm)
            if not first:
                first.extend((out.data, float(loss_t.data)))
            return loss_t

        return closure

    # ----------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything but the weights a resumed run needs (JSON values and ndarrays)."""
        state: dict[str, Any] = {"epoch": self.epoch}
        loader = self._loader
        if loader is not None and callable(getattr(loader, "get_state", None)):
            state["loader"] = loader.get_state()
        elif self._pending_loader_state is not None:
            state["loader"] = self._pending_loader_state
        if callable(getattr(self.model, "rng_states", None)):
            state["model_rng"] = self.model.rng_states()
        if callable(getattr(self.optimizer, "state_dict", None)):
            state["optimizer"] = self.optimizer.state_dict()
        state["callbacks"] = [{"class": type(cb).__name__, "state": cb.state_dict()}
                              for cb in self.callbacks]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` (the weights are restored by `load_checkpoint`)."""
        try:
            epoch = int(state["epoch"])
        except (KeyError, TypeError, ValueError):
            raise ValueError("trainer state: missing or bad 'epoch'") from None
        if "optimizer" in state:
            self.optimizer.load_state_dict(state["optimizer"])
        if "model_rng" in state and callable(getattr(self.model, "set_rng_states", None)):
            self.model.set_rng_states(state["model_rng"])
        saved = list(state.get("callbacks", []))
        for cb in self.callbacks:
            name = type(cb).__name__
            match = next((i for i, s in enumerate(saved) if s.get("class") == name), None)
            if match is not None:
                cb.load_state_dict(saved.pop(match)["state"])
        self._pending_loader_state = state.get("loader")
        self.epoch = epoch

    def save_checkpoint(self, path: str | Path, weights_format: str | None = None) -> Path:
        """Write a resumable checkpoint folder (atomically; see `chainrule.train.checkpoint`)."""
        return save_checkpoint(path, self.model, self.state_dict(), metadata=self.metadata,
                               weights_format=weights_format)

    def load_checkpoint(self, path: str | Path) -> None:
        """Load weights, optimizer, epoch, RNG and callback states from a checkpoint folder;
        the next `fit` continues from there. The model must have the checkpoint's
        architecture (its seed and initialiser may differ: the weights are replaced)."""
        ckpt = load_checkpoint(path)
        if ckpt.trainer_state is None:
            raise ValueError(f"{path} holds a model but no training state (not a checkpoint "
                             f"written by Trainer.save_checkpoint); load it with load_model")
        own = self.model.get_config() if callable(getattr(self.model, "get_config", None)) \
            else None
        saved = ckpt.config["model"]
        if own is not None and _architecture(own) != _architecture(saved):
            raise ValueError(f"{path}: the checkpoint's model {saved} differs from this "
                             f"trainer's model {own}")
        self.model.load_state_dict(ckpt.weights)
        self.load_state_dict(ckpt.trainer_state)
        self.metadata = {**ckpt.metadata, **self.metadata}


def _architecture(config: dict[str, Any]) -> dict[str, Any]:
    """A model config without what only sets the initial weights (seed, initialiser)."""
    return {k: v for k, v in config.items() if k not in ("seed", "init")}


def fit(model: Any, loss: Callable[[Any, Any], Any], optimizer: Any, train_data: DataLike,
        val_data: DataLike | None = None, epochs: int = 10, batch_size: int = 32,
        callbacks: Sequence[Callback] | None = None, shuffle: bool = True, seed: int | None = 0,
        verbose: int = 1, metrics: Any = "auto", clip_grad_norm: float | None = None,
        resume_from: str | Path | None = None, nan_guard: bool = True) -> History:
    """Train ``model`` and return its `History` (``history.history["val_loss"]`` ...).

    The data are checked row by row before anything changes (see `Trainer.fit`).
    ``resume_from``: a checkpoint folder written by `ModelCheckpoint` or
    `Trainer.save_checkpoint`; training continues from its epoch up to ``epochs``.
    ``nan_guard`` (default True): stop with `TrainingDivergedError` when the loss or a weight
    becomes NaN or infinite. See `Trainer` for the other arguments.
    """
    trainer = Trainer(model, loss, optimizer, callbacks=callbacks, metrics=metrics,
                      verbose=verbose, seed=seed, clip_grad_norm=clip_grad_norm,
                      nan_guard=nan_guard)
    plan = trainer._plan(train_data, val_data, epochs, batch_size, shuffle, None)
    if resume_from is not None:
        trainer.load_checkpoint(resume_from)
    return trainer._run(plan)
