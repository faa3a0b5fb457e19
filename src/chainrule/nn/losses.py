"""Loss modules: ``loss(prediction, target)`` returns a scalar Tensor (or per-example losses
with ``reduction="none"``). The maths is in :mod:`chainrule.nn.functional.losses`.

Each output unit has its maximum-likelihood loss (``default_loss``):

=========  ============================  =====================================
unit       distribution of y             loss (on the output layer's logits)
=========  ============================  =====================================
sigmoid    Bernoulli                     BCEWithLogitsLoss
softmax    categorical                   CrossEntropyLoss
linear     Gaussian                      MSELoss
=========  ============================  =====================================
"""
from __future__ import annotations

from typing import Any

from ..autodiff import Tensor
from .functional import losses as L
from .functional.losses import l1_penalty, l2_penalty
from .module import Module, register_module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = L.check_reduction(reduction, type(self).__name__)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"

    def get_config(self) -> dict[str, Any]:
        return {"class": type(self).__name__, "reduction": self.reduction}


@register_module
class MSELoss(_Loss):
    """(y - y_hat)^2, averaged; ``half=True`` gives the lecture's 1/2 (y - y_hat)^2."""

    def __init__(self, reduction: str = "mean", half: bool = False) -> None:
        super().__init__(reduction)
        self.half = bool(half)

    def forward(self, input: Any, target: Any) -> Tensor:
        return L._mse(input, target, self.reduction, self.half, "MSELoss")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "half": self.half}


@register_module
class L1Loss(_Loss):
    """|y - y_hat| (mean absolute error)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return L._l1(input, target, self.reduction, "L1Loss")


MAELoss = L1Loss


@register_module
class HuberLoss(_Loss):
    """r^2 / 2 for |r| <= delta, delta (|r| - delta / 2) beyond."""

    def __init__(self, delta: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be > 0, got {delta}")
        self.delta = float(delta)

    def forward(self, input: Any, target: Any) -> Tensor:
        return L._huber(input, target, self.delta, self.reduction, "HuberLoss")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "delta": self.delta}


@register_module
class BCELoss(_Loss):
    """Binary cross-entropy on probabilities in [0, 1] (checked); logs clamped at -100."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return L._bce(input, target, self.reduction, "BCELoss")


@register_module
class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (n,) or (n, 1), stable; targets in [0, 1]."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return L._bce_logits(input, target, self.reduction, "BCEWithLogitsLoss")


@register_module
class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits (n, k); integer labels (n,) or probabilities (n, k)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return L._cross_entropy(input, target, self.reduction, "CrossEntropyLoss")


@register_module
class NLLLoss(_Loss):
    """Negative log-likelihood of integer labels given log-probabilities (n, k)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return L._nll(input, target, self.reduction, "NLLLoss")


_DEFAULT_LOSSES: dict[str, type[_Loss]] = {
    "sigmoid": BCEWithLogitsLoss, "softmax": CrossEntropyLoss, "linear": MSELoss,
    "identity": MSELoss,
}


def default_loss(output_unit: str) -> Module:
    """The maximum-likelihood loss of an output unit: sigmoid -> BCEWithLogitsLoss,
    softmax -> CrossEntropyLoss, linear -> MSELoss (all on the model's logits)."""
    cls = _DEFAULT_LOSSES.get(output_unit) if isinstance(output_unit, str) else None
    if cls is None:
        raise ValueError(f"default_loss: unknown output unit {output_unit!r}; expected one of "
                         f"{sorted(_DEFAULT_LOSSES)}")
    return cls()


__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "L1Loss", "MAELoss",
    "MSELoss", "NLLLoss", "default_loss", "l1_penalty", "l2_penalty",
]
