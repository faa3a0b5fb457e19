"""chainrule.optim: optimisers, gradient clipping and learning-rate schedules::

    opt = Adam(model.parameters(), lr=1e-3)
    sched = CosineAnnealingLR(opt, T_max=50)
    for epoch in range(50):
        for X, y in loader:
            opt.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        sched.step()

Updates are in place on the parameters' arrays (float32 stays float32), and a step
validates every gradient before it changes anything. L-BFGS and Newton-CG are full-batch
methods whose ``step`` takes a closure (``opt.needs_closure``).
"""
from __future__ import annotations

from .adaptive import Adagrad, Adam, AdamW, RMSProp, RMSprop
from .clip import clip_grad_norm_, clip_grad_value_
from .lbfgs import LBFGS
from .newton_cg import NewtonCG
from .optimizer import Optimizer
from .registry import available_optimizers, get_optimizer
from .schedules import (CosineAnnealingLR, ExponentialLR, InverseTimeLR, LinearWarmup,
                        LRScheduler, ReduceLROnPlateau, StepLR)
from .serialization import flatten_state, unflatten_state
from .sgd import SGD, GradientDescent

__all__ = [
    "Adagrad", "Adam", "AdamW", "CosineAnnealingLR", "ExponentialLR", "GradientDescent",
    "InverseTimeLR", "LBFGS", "LRScheduler", "LinearWarmup", "NewtonCG", "Optimizer",
    "RMSProp", "RMSprop", "ReduceLROnPlateau", "SGD", "StepLR", "available_optimizers",
    "clip_grad_norm_", "clip_grad_value_", "flatten_state", "get_optimizer",
    "unflatten_state",
]
