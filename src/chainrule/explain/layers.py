"""A feed-forward network as a list of dense layers ``z = f(W z_prev + b)``.

Accepted forms:
* a ``Sequential`` (or a model with ``.layers``, such as ``nn.MLP``) of ``Linear`` modules,
  each optionally followed by an elementwise activation module (``Dropout`` is skipped:
  the view is the network in evaluation mode);
* a list of ``(W, b, activation)`` with ``W`` of shape (out, in), ``b`` of shape (out,) or
  None, and ``activation`` a name (``"sigmoid"``, ``"relu"``, ``"tanh"``, ``"identity"``,
  any name of ``nn.get_activation``), an activation module, a function of a Tensor, or None
  (identity).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..autodiff import Tensor

Activation = Callable[[Tensor], Tensor]


@dataclass
class DenseLayer:
    """One layer: weights (out, in), bias (out,) or None, activation and its name.

    ``linear`` is the ``Linear`` module it came from (None for the list form).
    """

    W: Tensor
    b: Tensor | None
    activation: Activation
    name: str
    linear: Any = None


def _identity(x: Tensor) -> Tensor:
    return x


def _activation(spec: Any, where: str) -> tuple[Activation, str]:
    if spec is None:
        return _identity, "identity"
    if isinstance(spec, str):
        if spec.lower() in ("identity", "linear", "none"):
            return _identity, "identity"
        from ..nn import get_activation

        try:
            module = get_activation(spec)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        return module, spec.lower()
    if callable(spec):
        return spec, _activation_name(spec)
    raise TypeError(f"{where}: activation must be a name, a module, a function or None, got "
                    f"{type(spec).__name__}")


def _activation_name(fn: Any) -> str:
    cfg = getattr(fn, "get_config", None)
    if callable(cfg):
        return str(cfg().get("class", type(fn).__name__)).lower()
    return getattr(fn, "__name__", type(fn).__name__).lower()


def _tensor(a: Any, where: str) -> Tensor:
    if isinstance(a, Tensor):
        return a
    arr = np.asarray(a)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{where}: expected numbers, got dtype {arr.dtype}")
    return Tensor(arr.astype(np.float64))


def _class_name(m: Any) -> str:
    cfg = getattr(m, "get_config", None)
    if callable(cfg):
        return str(cfg().get("class", type(m).__name__))
    return type(m).__name__


def _modules(model: Any) -> list[Any]:
    inner = getattr(model, "layers", None)
    seq = inner if inner is not None and hasattr(inner, "__iter__") else model
    if not hasattr(seq, "__iter__"):
        raise TypeError(f"expected a Sequential, a model with .layers, or a list of (W, b, "
                        f"activation); got {type(model).__name__}")
    return list(seq)


def dense_layers(model: Any) -> list[DenseLayer]:
    """The layers of ``model`` (see the module docstring for the accepted forms)."""
    if isinstance(model, (list, tuple)):
        out = []
        for i, item in enumerate(model):
            where = f"layer {i + 1}"
            if not isinstance(item, (list, tuple)) or len(item) != 3:
                raise TypeError(f"{where}: expected a (W, b, activation) triple, got "
                                f"{type(item).__name__}")
            W, b, act = item
            W = _tensor(W, f"{where} W")
            if W.ndim != 2:
                raise ValueError(f"{where}: W must have shape (out, in), got {W.shape}")
            b = None if b is None else _tensor(b, f"{where} b")
            if b is not None and b.shape != (W.shape[0],):
                raise ValueError(f"{where}: b must have shape ({W.shape[0]},), got {b.shape}")
            if out and out[-1].W.shape[0] != W.shape[1]:
                raise ValueError(f"{where}: W has {W.shape[1]} inputs but the previous layer "
                                 f"has {out[-1].W.shape[0]} outputs")
            fn, name = _activation(act, where)
            out.append(DenseLayer(W, b, fn, name))
        if not out:
            raise ValueError("the network has no layers")
        return out
    layers: list[DenseLayer] = []
    for m in _modules(model):
        cls = _class_name(m)
        if cls == "Linear":
            layers.append(DenseLayer(m.weight, getattr(m, "bias", None), _identity,
                                     "identity", m))
        elif cls == "Dropout":
            continue
        elif cls in ("Softmax", "LogSoftmax", "Maxout") or not layers \
                or layers[-1].activation is not _identity:
            raise ValueError(f"the network view supports Linear layers each followed by at most "
                             f"one elementwise activation; cannot place {cls} here")
        else:
            layers[-1].activation = m
            layers[-1].name = cls.lower()
    if not layers:
        raise ValueError("the network has no Linear layers")
    return layers
