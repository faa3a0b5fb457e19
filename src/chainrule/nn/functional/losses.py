"""Loss functions (maximum-likelihood losses for each output unit) and penalties.

=======================================  ==============================================
mse_loss(y_hat, y, half=False)           (y - y_hat)^2   (half: 1/2 (y - y_hat)^2)
l1_loss / mae_loss                       |y - y_hat|     (derivative 0 at y = y_hat)
huber_loss(delta)                        r^2/2 for |r| <= delta, delta (|r| - delta/2) else
binary_cross_entropy(p, y)               -(y log p + (1 - y) log(1 - p)), logs >= -100
binary_cross_entropy_with_logits(z, y)   the same with p = sigmoid(z), fused and stable
cross_entropy(z, y)                      -log softmax(z)[y], or -sum_k y_k log softmax(z)_k
nll_loss(log_p, y)                       -log_p[y]
=======================================  ==============================================

``reduction``: "mean" (over every element; over examples for the class losses), "sum" or
"none" (one loss per example). Bad inputs raise before any computation, naming the loss
and the shapes. Targets that are not Tensors requiring grad are data: they are converted
to the prediction's dtype (so float64 NumPy targets work with a float32 model).
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ...autodiff import (Tensor, abs as _abs, as_tensor, log, log_softmax, maximum, minimum,
                         replayed, reshape, sigmoid_binary_cross_entropy,
                         softmax_cross_entropy, squared_error, where)
from ...extend import wrap_array

REDUCTIONS = ("mean", "sum", "none")
_LOG_FLOOR = -100.0


def check_reduction(reduction: str, name: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction


def _reduce(per: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return per.mean()
    if reduction == "sum":
        return per.sum()
    return per


def _prediction(pred: Any, name: str, what: str = "input") -> Tensor:
    if type(pred) is not Tensor:
        pred = as_tensor(pred)
    if pred.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point {what}, got dtype {pred.dtype} "
                        f"(shape {pred.shape})")
    return pred


def _squeezable(t: tuple[int, ...], p: tuple[int, ...]) -> bool:
    """(n,) targets for (n, 1) predictions, or (n, 1) for (n,)."""
    return (len(t) + 1 == len(p) and p[-1:] == (1,) and t == p[:-1]) or (
        len(p) + 1 == len(t) and t[-1:] == (1,) and p == t[:-1])


@replayed
def _as_data(arr: np.ndarray, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """Target data in the prediction's dtype and shape (a step of a compiled program, so
    a replay converts each new batch)."""
    if arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr if arr.shape == shape else arr.reshape(shape)


def _target(target: Any, pred: Tensor, name: str, what: str = "input") -> Tensor:
    """``target`` shaped like ``pred`` ((n,) accepted for (n, 1) and vice versa)."""
    if type(target) is np.ndarray:  # the training loop's case, checked in a few compares
        data = pred.data
        if target.dtype is data.dtype:
            if target.shape == data.shape:
                return wrap_array(target)
            if _squeezable(target.shape, data.shape):
                return wrap_array(_as_data(target, data.dtype, data.shape))
    if isinstance(target, Tensor):
        if target.dtype.kind not in "fiub":
            raise TypeError(f"{name}: expected numeric targets, got dtype {target.dtype}")
        if target.dtype == pred.dtype:
            t = target
        elif target.requires_grad:
            raise TypeError(f"{name}: target has dtype {target.dtype} but the {what} has "
                            f"{pred.dtype}; cast one of them with .astype()")
        else:
            t = target.astype(pred.dtype)  # keeps a forward-mode tangent
    else:
        # plain data: convert and reshape with NumPy (no graph node for a constant)
        arr = np.asarray(target)
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"{name}: expected numeric targets, got dtype {arr.dtype}")
        shape = pred.shape if _squeezable(arr.shape, pred.shape) else arr.shape
        t = wrap_array(_as_data(arr, pred.dtype, shape))
    if t.shape != pred.shape:
        if not _squeezable(t.shape, pred.shape):
            raise ValueError(f"{name}: target of shape {t.shape} does not match {what} of "
                             f"shape {pred.shape}")
        t = reshape(t, pred.shape)
    return t


@replayed
def _check_unit_interval(arr: np.ndarray, name: str, what: str) -> None:
    if arr.size and not (np.minimum.reduce(arr, axis=None) >= 0
                         and np.maximum.reduce(arr, axis=None) <= 1):
        finite = arr[np.isfinite(arr)]
        rng = (f"[{finite.min():.4g}, {finite.max():.4g}]" if finite.size else "no finite values")
        nan = " and NaN" if np.isnan(arr).any() else ""
        raise ValueError(f"{name}: {what} of shape {arr.shape} must be probabilities in "
                         f"[0, 1], got values in {rng}{nan}")


# ----------------------------------------------------------------- regression
def _mse(pred: Any, target: Any, reduction: str, half: bool, name: str) -> Tensor:
    check_reduction(reduction, name)
    pred = _prediction(pred, name)
    # one fused node: (pred - target)^2 [* 0.5], reduced; its backward is one multiply
    return squared_error(pred, _target(target, pred, name), reduction=reduction,
                         half=bool(half))


def _l1(pred: Any, target: Any, reduction: str, name: str) -> Tensor:
    check_reduction(reduction, name)
    pred = _prediction(pred, name)
    return _reduce(_abs(pred - _target(target, pred, name)), reduction)


def _huber(pred: Any, target: Any, delta: float, reduction: str, name: str) -> Tensor:
    check_reduction(reduction, name)
    if not delta > 0:
        raise ValueError(f"{name}: delta must be > 0, got {delta}")
    pred = _prediction(pred, name)
    a = _abs(pred - _target(target, pred, name))
    q = minimum(a, delta)  # q^2/2 + delta (a - q): the two pieces in one formula
    return _reduce(q * q * 0.5 + (a - q) * delta, reduction)


def mse_loss(input: Any, target: Any, reduction: str = "mean", half: bool = False) -> Tensor:
    """Mean squared error; ``half=True`` is the lecture's 1/2 (y - y_hat)^2."""
    return _mse(input, target, reduction, half, "mse_loss")


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error |y - y_hat|."""
    return _l1(input, target, reduction, "l1_loss")


mae_loss = l1_loss


def huber_loss(input: Any, target: Any, delta: float = 1.0, reduction: str = "mean") -> Tensor:
    """Huber: quadratic for |r| <= delta, linear beyond (derivative continuous)."""
    return _huber(input, target, delta, reduction, "huber_loss")


# ---------------------------------------------------------------- binary
def _safe_log(p: Tensor) -> Tensor:
    """max(log p, -100) with a zero gradient where the floor is active (also at p = 0)."""
    pos = p > 0
    return where(pos, maximum(log(where(pos, p, 1.0)), _LOG_FLOOR), _LOG_FLOOR)


def _bce(pred: Any, target: Any, reduction: str, name: str) -> Tensor:
    check_reduction(reduction, name)
    p = _prediction(pred, name)
    _check_unit_interval(p.data, name, "input")
    t = _target(target, p, name)
    _check_unit_interval(t.data, name, "target")
    per = -(t * _safe_log(p) + (1.0 - t) * _safe_log(1.0 - p))
    return _reduce(per, reduction)


def _bce_logits_target(z: Tensor, target: Any, reduction: str, name: str) -> Tensor:
    check_reduction(reduction, name)
    t = _target(target, z, name, "logits")
    _check_unit_interval(t.data, name, "target")
    return t


def _bce_logits(logits: Any, target: Any, reduction: str, name: str) -> Tensor:
    z = _prediction(logits, name, "logits")
    t = _bce_logits_target(z, target, reduction, name)
    return sigmoid_binary_cross_entropy(z, t, reduction=reduction)  # reduction fused in


def binary_cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """BCE on probabilities in [0, 1]; each log is clamped at -100 as in PyTorch, so the
    loss is finite at p in {0, 1} (and its gradient is 0 where the clamp is active)."""
    return _bce(input, target, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """BCE of sigmoid(logits) in one stable fused primitive: finite for logits of +-1000."""
    return _bce_logits(input, target, reduction, "binary_cross_entropy_with_logits")


# ---------------------------------------------------------------- multi-class
def _labels(target: Any, logits: Tensor, name: str) -> np.ndarray:
    """Validate integer class labels for ``logits`` (..., k)."""
    y = target.data if isinstance(target, Tensor) else np.asarray(target)
    k = logits.data.shape[-1]
    if y.dtype.kind not in "iu":
        raise TypeError(f"{name}: class labels must be integers, got dtype {y.dtype} for "
                        f"targets of shape {y.shape} and logits of shape {logits.shape}; "
                        f"convert with y.astype(np.int64)")
    if y.shape != logits.shape[:-1]:
        raise ValueError(f"{name}: labels of shape {y.shape} do not match logits of shape "
                         f"{logits.shape}; expected labels of shape {logits.shape[:-1]}")
    _check_label_range(y, k, logits.shape, name)
    return y


@replayed
def _check_label_range(y: np.ndarray, k: int, shape: tuple[int, ...], name: str) -> None:
    """Labels in [0, k - 1] (a step of compiled programs: each new batch is checked)."""
    if y.size and (np.minimum.reduce(y, axis=None) < 0 or np.maximum.reduce(y, axis=None) >= k):
        bad = y[(y < 0) | (y >= k)]
        raise ValueError(f"{name}: labels must be in [0, {k - 1}] for logits of shape "
                         f"{shape}, got {bad[:5].tolist()}")


def _class_logits(logits: Any, name: str, what: str = "logits") -> Tensor:
    z = _prediction(logits, name, what)
    if z.ndim == 0:
        raise ValueError(f"{name}: expected {what} with a class axis, e.g. shape (n, k), got "
                         f"a scalar")
    return z


def _cross_entropy(logits: Any, target: Any, reduction: str, name: str) -> Tensor:
    check_reduction(reduction, name)
    z = _class_logits(logits, name)
    raw = target.data if isinstance(target, Tensor) else np.asarray(target)
    if not (raw.dtype.kind == "f" and raw.ndim == z.ndim):
        # integer labels, validated here: the fused, stable primitive need not check them
        return softmax_cross_entropy(z, _labels(raw, z, name), reduction=reduction,
                                     validated=True)
    if raw.shape != z.shape:
        raise ValueError(f"{name}: targets of shape {raw.shape} do not match logits of "
                         f"shape {z.shape}")
    t = _target(target, z, name, "logits")
    _check_unit_interval(t.data, name, "targets")
    _check_sums_to_one(t.data, name)
    per = -(t * log_softmax(z, axis=-1)).sum(axis=-1)
    return _reduce(per, reduction)


@replayed
def _check_sums_to_one(t: np.ndarray, name: str) -> None:
    sums = t.sum(axis=-1)
    if sums.size and not np.allclose(sums, 1.0, atol=1e-3):
        raise ValueError(f"{name}: probability targets of shape {t.shape} must sum to 1 "
                         f"along the class axis, got sums in [{sums.min():.4g}, "
                         f"{sums.max():.4g}]")


def _nll(log_probs: Any, target: Any, reduction: str, name: str) -> Tensor:
    check_reduction(reduction, name)
    lp = _class_logits(log_probs, name, "log-probabilities")
    y = _labels(target, lp, name)
    k = lp.shape[-1]
    flat = reshape(lp, (-1, k))
    picked = flat[np.arange(flat.shape[0]), _as_data(y, y.dtype, (y.size,))]
    return _reduce(-reshape(picked, y.shape), reduction)


def cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy on logits (n, k).

    ``target``: integer labels (n,) (fused, stable primitive) or one-hot / probability
    targets (n, k) (-sum_k t_k log_softmax(z)_k).
    """
    return _cross_entropy(input, target, reduction, "cross_entropy")


def nll_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of integer labels given log-probabilities (n, k)."""
    return _nll(input, target, reduction, "nll_loss")


# ------------------------------------------------------------------ penalties
def _param_list(params: Any, name: str) -> list[Tensor]:
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    if isinstance(params, Tensor):
        params = [params]
    out = list(params)
    for i, p in enumerate(out):
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: expected Tensors/Parameters, got {type(p).__name__} at "
                            f"position {i}")
    if not out:
        raise ValueError(f"{name}: no parameters given")
    return out


def l1_penalty(params: Iterable[Tensor] | Tensor | Any, strength: float = 1.0) -> Tensor:
    """strength * sum_i |w_i| over the chosen parameters (a Module means all of them)."""
    ps = _param_list(params, "l1_penalty")
    total = _abs(ps[0]).sum()
    for p in ps[1:]:
        total = total + _abs(p).sum()
    return total * strength


def l2_penalty(params: Iterable[Tensor] | Tensor | Any, strength: float = 1.0) -> Tensor:
    """strength * sum_i w_i^2 over the chosen parameters (a Module means all of them).

    Its gradient is 2 strength w: SGD weight decay ``wd`` equals ``strength = wd / 2``.
    """
    ps = _param_list(params, "l2_penalty")
    total = (ps[0] * ps[0]).sum()
    for p in ps[1:]:
        total = total + (p * p).sum()
    return total * strength


__all__ = [
    "REDUCTIONS", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "check_reduction", "cross_entropy", "huber_loss", "l1_loss", "l1_penalty", "l2_penalty",
    "mae_loss", "mse_loss", "nll_loss",
]
