"""The settings of ``chainrule train``: their defaults, and the check that refuses a run
folder whose ``config.json`` was edited into values the command would never accept (a hidden
width of 10^9, an unknown loss, a batch size of 0, ...) before anything is allocated."""
from __future__ import annotations

import math
from typing import Any, Callable

DEFAULTS: dict[str, Any] = {
    "dataset": "digits", "csv": None, "target": None, "hidden": None,
    "activation": "relu", "loss": "auto", "optimizer": "adam", "lr": None, "momentum": None,
    "batch_size": None, "epochs": None, "weight_decay": None, "dropout": None, "standardize": None,
    "early_stopping": None, "schedule": "constant", "seed": 0, "val_fraction": 0.1,
    "test_fraction": 0.2, "data_dir": None, "weights_format": "npz", "missing": None,
    "categorical": None, "drop": None, "na_values": None,
}
LOSSES = ("auto", "cross-entropy", "bce", "mse", "mae", "huber")
SCHEDULES = ("constant", "cosine", "step", "plateau")
MISSING = ("error", "drop", "impute")
WEIGHTS_FORMATS = ("npz", "safetensors")
MAX_WIDTH = 1_000_000  # a layer wider than this is a typo, not a network


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) and math.isfinite(v)


def _int_at_least(low: int) -> Callable[[Any], str | None]:
    return lambda v: None if _is_int(v) and v >= low else f"an integer >= {low}"


def _optional(check: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    return lambda v: None if v is None else check(v)


def _fraction(low_ok: bool) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        ok = _is_number(v) and (v >= 0 if low_ok else v > 0) and v < 1
        return None if ok else f"a number in {'[0' if low_ok else '(0'}, 1)"
    return check


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    return lambda v: None if v in choices else f"one of {', '.join(choices)}"


def _positive_number(v: Any) -> str | None:
    return None if _is_number(v) and v > 0 else "a finite number > 0"


def _non_negative_number(v: Any) -> str | None:
    return None if _is_number(v) and v >= 0 else "a finite number >= 0"


def _hidden(v: Any) -> str | None:
    if isinstance(v, list) and all(_is_int(w) and 1 <= w <= MAX_WIDTH for w in v):
        return None
    return f"a list of layer widths from 1 to {MAX_WIDTH:,}"


def _activation(v: Any) -> str | None:
    from ..nn.activations import ACTIVATIONS

    names = v if isinstance(v, list) else [v]
    if names and all(isinstance(n, str) and n in ACTIVATIONS for n in names):
        return None
    return "an activation name (or a list of them) such as relu or tanh"


def _optimizer(v: Any) -> str | None:
    from ..optim import available_optimizers

    return None if v in available_optimizers() else \
        f"one of {', '.join(available_optimizers())}"


def _strings(v: Any) -> str | None:
    ok = isinstance(v, list) and all(isinstance(s, str) for s in v)
    return None if ok else "a list of column names"


def _text(v: Any) -> str | None:
    return None if isinstance(v, str) and v else "a non-empty string"


CHECKS: dict[str, Callable[[Any], str | None]] = {
    "hidden": _hidden, "activation": _activation, "loss": _one_of(LOSSES),
    "optimizer": _optimizer, "lr": _optional(_positive_number),
    "momentum": _optional(_fraction(True)), "weight_decay": _optional(_non_negative_number),
    "batch_size": _optional(_int_at_least(1)), "epochs": _int_at_least(1),
    "dropout": _fraction(True), "early_stopping": _optional(_int_at_least(0)),
    "schedule": _one_of(SCHEDULES), "seed": _int_at_least(0),
    "val_fraction": _fraction(True), "test_fraction": _fraction(False),
    "weights_format": _one_of(WEIGHTS_FORMATS), "missing": _optional(_one_of(MISSING)),
    "categorical": _optional(_strings), "drop": _optional(_strings),
    "na_values": _optional(_strings), "csv": _optional(_text), "target": _optional(_text),
    "data_dir": _optional(_text), "standardize": lambda v: None if isinstance(v, bool)
    else "true or false",
}


def check_settings(settings: dict[str, Any], where: str) -> None:
    """ValueError naming the first setting of ``settings`` (read from ``where``) that the
    command line would not accept."""
    for key, check in CHECKS.items():
        if key not in settings:
            continue
        expected = check(settings[key])
        if expected is not None:
            raise ValueError(f"{where}: settings.{key} is {_show(settings[key])}; expected "
                             f"{expected}")


def _show(value: Any) -> str:
    import json

    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = type(value).__name__
    return text if len(text) <= 80 else text[:77] + "..."
