"""``chainrule.nn.functional``: the stateless maths behind the layers and losses.

Layers (``chainrule.nn``) hold parameters and call these; use them directly when you
manage the parameters yourself.
"""
from __future__ import annotations

from .activations import (dropout, dropout_mask, elu, erf, erfc, gelu, identity, leaky_relu,
                          linear, log_softmax, maxout, piecewise_linear, prelu, relu, sigmoid,
                          sign, silu, softmax, softplus, softsign, step, swish, tanh)
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                     huber_loss, l1_loss, l1_penalty, l2_penalty, mae_loss, mse_loss,
                     nll_loss)

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "dropout",
    "dropout_mask", "elu", "erf", "erfc", "gelu", "huber_loss", "identity", "l1_loss", "l1_penalty",
    "l2_penalty", "leaky_relu", "linear", "log_softmax", "mae_loss", "maxout", "mse_loss",
    "nll_loss", "piecewise_linear", "prelu", "relu", "sigmoid", "sign", "silu", "softmax",
    "softplus", "softsign", "step", "swish", "tanh",
]
