"""chainrule.nn: modules, layers, activations, losses and initialisers.

State apart from maths: the layers here hold parameters and call
:mod:`chainrule.nn.functional`; :mod:`chainrule.nn.init` holds the initialisers.
"""
from __future__ import annotations

from . import functional, init
from .activations import (ELU, GELU, Identity, LeakyReLU, LogSoftmax, PiecewiseLinear, PReLU,
                          ReLU, Sigmoid, Sign, SiLU, Softmax, Softplus, Softsign, Step, Swish,
                          Tanh, get_activation)
from .layers import Dropout, Linear, Maxout, Sequential
from .losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MAELoss,
                     MSELoss, NLLLoss, default_loss, l1_penalty, l2_penalty)
from .mlp import MLP
from .module import IncompatibleKeys, Module, from_config, register_module
from .parameter import Parameter

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "ELU", "GELU",
    "HuberLoss", "Identity", "IncompatibleKeys", "L1Loss", "LeakyReLU", "Linear",
    "LogSoftmax", "MAELoss", "MLP", "MSELoss", "Maxout", "Module", "NLLLoss", "PReLU",
    "Parameter", "PiecewiseLinear", "ReLU", "Sequential", "SiLU", "Sigmoid", "Sign",
    "Softmax", "Softplus", "Softsign", "Step", "Swish", "Tanh", "default_loss", "from_config",
    "functional", "get_activation", "init", "l1_penalty", "l2_penalty", "register_module",
]
