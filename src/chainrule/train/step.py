"""`TrainStep`: one training step, the gradients of the loss and the optimiser's update.

    zero_grad -> logits = model(x) -> value = loss(logits, y) -> backward -> [clip] -> step

Two ways to the same numbers:

- **fused**: for a fused `nn.MLP` (its forward is one ``dense_stack`` primitive), the step
  calls the stack's NumPy forward and its VJP rule directly, with no Tensor and no graph
  walk. A loss with a ``kernel`` (one fused primitive: ``BCEWithLogitsLoss``,
  ``CrossEntropyLoss`` on labels) is run the same way; any other loss is recorded on the
  logits and differentiated by the graph walk, down to the logits only. These are the
  functions ``backward()`` calls, in the same order on the same arrays, so the gradients
  are bit for bit those of the graph (tested); inputs are validated as ``forward`` does.
- **graph**: any other model or loss records the step and calls ``backward()``.

`fit` runs its steps through this class. At playground size (2-8-8-1, batch 16), where
every framework is overhead, the fused step takes ~45 µs against ~70 µs for the graph
step and ~25 µs for a hand-written NumPy step that computes no loss value and validates
nothing (``benchmarks/bench_tiny_step.py``).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..autodiff import Tensor
from ..autodiff._state import state
from ..autodiff.backprop import backprop, ones_seed, store_leaf_grad
from ..autodiff.ops.dense import backward_arrays, dense_stack_p, forward_arrays
from ..autodiff.ops.fused import VALUE_AND_GRAD
from ..autodiff.ops.shape import sum_to
from ..autodiff.primitive import apply
from ..autodiff.tensor import wrap_array


def _scalar(value: Any) -> float:
    size = value.size if type(value) is np.ndarray else np.size(value)
    if size != 1:
        raise ValueError(f"TrainStep: the loss must return a scalar, got shape {np.shape(value)} "
                         f"(use reduction='mean')")
    return float(value)


class TrainStep:
    """``step(x, y) -> (logits, loss value)``: zero the gradients, compute the loss and its
    gradients, clip them (``clip_grad_norm``), update the parameters.

    `gradients` does everything but the update (for closures and ``on_before_step``
    callbacks). ``step.fused`` says whether the model's forward can run fused (a fused
    ``nn.MLP``); a step falls back to the graph when, at that call, it cannot (``model.fused``
    switched off, recording disabled with ``no_grad``, no parameter requiring grad).
    """

    def __init__(self, model: Any, loss: Callable[[Any, Any], Any], optimizer: Any,
                 clip_grad_norm: float | None = None) -> None:
        from ..nn.mlp import MLP

        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.clip_grad_norm = clip_grad_norm
        self._params = list(model.parameters())
        # a subclass that overrides forward() computes something else: use the graph
        self.fused = isinstance(model, MLP) and type(model).forward is MLP.forward
        kernel = getattr(loss, "kernel", None)
        self._kernel = kernel if callable(kernel) else None

    def __call__(self, x: Any, y: Any) -> tuple[np.ndarray, float]:
        logits, value = self.gradients(x, y)
        self.optimizer.step()
        return logits, value

    def gradients(self, x: Any, y: Any) -> tuple[np.ndarray, float]:
        """Zero the gradients, then fill ``.grad`` with d loss / d parameter (clipped when
        ``clip_grad_norm`` is set); return the logits (an array) and the loss value."""
        self.optimizer.zero_grad()
        parts = self.model.fused_inputs(x) if self.fused and state.grad_enabled else None
        need = None if parts is None else [
            i for i, p in enumerate(parts[1], 1) if p.requires_grad]
        if need:
            xs = parts[0]
            logits, value = self._fused(xs.data if type(xs) is Tensor else xs, parts[1],
                                        parts[2], y, need)
        else:  # the graph (with the inputs already drawn, if any: masks are drawn once)
            out = self.model(x) if parts is None else apply(dense_stack_p, parts[0],
                                                            *parts[1], **parts[2])
            loss_t = self.loss(out, y)
            value = _scalar(loss_t.data)
            loss_t.backward()
            logits = out.data
        if self.clip_grad_norm is not None:
            from ..optim import clip_grad_norm_

            clip_grad_norm_(self._params, self.clip_grad_norm)
        return logits, value

    def _fused(self, xs: np.ndarray, wb: list[Tensor], params: dict[str, Any], y: Any,
               need: list[int]) -> tuple[np.ndarray, float]:
        """The fused step; ``need``: the arguments of the stack (1 + the index in ``wb``)
        whose gradient is wanted."""
        arrays = [p.data for p in wb]
        acts, masks = params["activations"], params["masks"]
        res = forward_arrays(xs, arrays, acts, masks)
        logits = res[0][-1]
        g, value = self._logits_cotangent(logits, y)
        grads = backward_arrays(g, arrays, acts, masks, res, need) if g.ndim == 2 else \
            dense_stack_p.vjp_all(g, logits, xs, *arrays, need=need, res=res, **params)
        given: set[int] | None = None
        for i in need:
            p, g = wb[i - 1], grads[i]
            if p.grad is None and g.dtype is p.data.dtype:
                p.grad = wrap_array(g)  # a fresh product or sum, made for this parameter
            else:
                if given is None:
                    given = set()
                store_leaf_grad(p, g, given)
        return logits, value

    def _logits_cotangent(self, logits: np.ndarray, y: Any) -> tuple[np.ndarray, float]:
        """d loss / d logits, and the loss value."""
        kernel = self._kernel(logits, y) if self._kernel is not None else None
        if kernel is not None:
            prim, target, kparams = kernel
            both = VALUE_AND_GRAD.get(prim)
            out = None if both is None else both(logits, target, **kparams)
            if out is not None:  # the forward and first-order rule in one call
                return out[1], _scalar(out[0])
            value = prim.impl(logits, target, **kparams)
            if prim.residuals:
                value, kparams["res"] = value  # the kernel's params are a fresh dict
            value_f = _scalar(value)
            rule = prim.vjps.get(0) or prim.vjp_rule(0)
            g = rule(ones_seed(value.shape, value.dtype), value, logits, target, **kparams)
        else:  # a composed loss: record it on the logits, walk its graph down to them
            z = Tensor(logits, requires_grad=True)
            loss_t = self.loss(z, y)
            value_f = _scalar(loss_t.data)
            g = backprop(loss_t, targets=[z], accumulate=False)[id(z)]
        if g.shape != logits.shape:
            g = sum_to(g, logits.shape)
        return g, value_f
