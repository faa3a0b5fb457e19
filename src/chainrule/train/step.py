"""`TrainStep`: one training step, the gradients of the loss and the optimiser's update.

    zero_grad -> logits = model(x) -> value = loss(logits, y) -> backward -> [clip] -> step

This is the loop a user writes, compiled with `chainrule.compile`: the first calls run it
eagerly under the tracer, later calls replay the recorded primitives, VJP rules and
update on the new batch, without Tensors or a graph walk. Any model, loss and optimiser
works the same way (the replay runs their own rules), and the numbers are bit for bit
those of the eager loop. A new trace is made when the batch's shape or dtype, the model's
training/eval mode, ``clip_grad_norm``, gradient recording or a parameter changes.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..autodiff import compile
from ..nn import Module

_mode_version = Module.mode_version


def _scalar(value: np.ndarray) -> float:
    if value.size != 1:
        raise ValueError(f"TrainStep: the loss must return a scalar, got shape {value.shape} "
                         f"(use reduction='mean')")
    return float(value)


class TrainStep:
    """``step(x, y) -> (logits, loss value)``: zero the gradients, compute the loss and its
    gradients, clip them (``clip_grad_norm``), update the parameters.

    `gradients` does everything but the update (for closures and ``on_before_step``
    callbacks). ``step.compiled`` and ``step.compiled_gradients`` are the two compiled
    functions (their ``fallback`` says why a call ran eagerly, if one did).
    """

    def __init__(self, model: Any, loss: Callable[[Any, Any], Any], optimizer: Any,
                 clip_grad_norm: float | None = None) -> None:
        from ..optim import Optimizer

        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.clip_grad_norm = clip_grad_norm
        self._params = list(model.parameters())
        modules = getattr(model, "modules", None)
        self._modules = list(modules()) if callable(modules) else []
        # an optimiser's zero_grad and step are replayed when they are the library's own
        # (marked `replayed`); one that overrides them runs them eagerly around the replay
        kind = type(optimizer)
        self._replay_zero = isinstance(optimizer, Optimizer) and \
            kind.zero_grad is Optimizer.zero_grad
        self._replay_update = isinstance(optimizer, Optimizer) and kind.step is Optimizer.step
        # chainrule modules count the assignments of their training flags; other models'
        # modes are read on every call
        self._modes_tracked = all(isinstance(m, Module) for m in self._modules)
        self._key_cache: tuple[Any, ...] = (None, None, None)
        self.compiled = compile(self._step, key=self._key)
        self.compiled_gradients = compile(self._gradients, key=self._key)

    def _key(self) -> tuple[Any, ...]:
        """What the trace depends on besides the batch: modes and the clipping norm (the
        modes are read again only when a module's training flag was assigned)."""
        version = _mode_version() if self._modes_tracked else None
        cached = self._key_cache
        if version is not None and cached[0] == version and cached[1] is self.clip_grad_norm:
            return cached[2]
        key = (self.clip_grad_norm, *[m.training for m in self._modules])
        self._key_cache = (version, self.clip_grad_norm, key)
        return key

    def __call__(self, x: Any, y: Any) -> tuple[np.ndarray, float]:
        if not self._replay_update:
            logits, value = self.gradients(x, y)
            self.optimizer.step()
            return logits, value
        if not self._replay_zero:
            self.optimizer.zero_grad()
        logits, value = self.compiled(x, y)
        return logits, _scalar(value)

    def gradients(self, x: Any, y: Any) -> tuple[np.ndarray, float]:
        """Zero the gradients, then fill ``.grad`` with d loss / d parameter (clipped when
        ``clip_grad_norm`` is set); return the logits (an array) and the loss value."""
        if not self._replay_zero:
            self.optimizer.zero_grad()
        logits, value = self.compiled_gradients(x, y)
        return logits, _scalar(value)

    def _gradients(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        if self._replay_zero:
            self.optimizer.zero_grad()
        out = self.model(x)
        loss_t = self.loss(out, y)
        _scalar(loss_t.data)
        loss_t.backward()
        if self.clip_grad_norm is not None:
            from ..optim import clip_grad_norm_

            clip_grad_norm_(self._params, self.clip_grad_norm)
        return out.data, loss_t.data

    def _step(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        logits, value = self._gradients(x, y)
        self.optimizer.step()
        return logits, value
