"""The playground's set-up: defaults, limits, and validation of what a client sends.

A set-up is a plain JSON object (see PROTOCOL.md). `normalize_setup` checks every field
against the limits here and returns a complete, canonical copy; anything wrong raises
`SetupError` naming the field, the value and what is expected. The server never trusts
the page: these limits are the only ones that count.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

DATASETS = ("circle", "xor", "gaussian", "spiral", "plane", "multigauss", "upload")
CLASSIFICATION_SETS = ("circle", "xor", "gaussian", "spiral")
MULTICLASS_SETS = ("gaussian", "spiral")
REGRESSION_SETS = ("plane", "multigauss")
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear", "leaky_relu", "elu", "softplus", "swish",
               "gelu")
PROBLEMS = ("classification", "multiclass", "regression")
LOSSES = {"classification": ("bce", "mse"), "multiclass": ("ce", "mse"),
          "regression": ("mse",)}
OPTIMIZERS = ("sgd", "momentum", "adam")
REGULARIZATIONS = ("none", "l1", "l2")

LIMITS: dict[str, Any] = {
    "noise": (0, 50), "train_ratio": (10, 90), "batch_size": (1, 64), "seed": (0, 2**31 - 1),
    "n_points": (50, 2000), "layers": (0, 8), "neurons": (1, 16), "n_classes": (3, 5),
    "lr": (1e-5, 10.0), "reg_rate": (0.0, 10.0), "epochs_per_second": (1, 1000),
    "max_sessions": 16, "idle_seconds": 600, "upload_bytes": 1_000_000, "upload_rows": 5000,
    "upload_min_rows": 10, "json_bytes": 65_536,
}

DEFAULTS: dict[str, Any] = {
    "dataset": "circle", "noise": 0, "train_ratio": 50, "batch_size": 10, "seed": 0,
    "n_points": 500, "features": ["x1", "x2"], "hidden": [4, 2],
    "activations": ["tanh", "tanh"], "problem": "classification", "n_classes": 3,
    "loss": "bce", "optimizer": "sgd", "lr": 0.03, "regularization": "none", "reg_rate": 0,
    "show_test": False, "discretize": False,
}
_EXTRA_KEYS = ("activation",)  # accepted in a request, folded into "activations"


class SetupError(ValueError):
    """A set-up (or another request) the server refuses; ``status`` is the HTTP code."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def options() -> dict[str, Any]:
    """What a page may offer: defaults, limits and the choices of every field."""
    return {"defaults": DEFAULTS, "limits": LIMITS, "choices": {
        "dataset": DATASETS, "features": FEATURES, "activations": ACTIVATIONS,
        "problem": PROBLEMS, "loss": LOSSES, "optimizer": OPTIMIZERS,
        "regularization": REGULARIZATIONS, "multiclass_datasets": MULTICLASS_SETS,
        "regression_datasets": REGRESSION_SETS}}


def _integer(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not (math.isfinite(value) and value.is_integer())):
        raise SetupError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise SetupError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return int(value)


def _number(name: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or not low <= value <= high:
        raise SetupError(f"{name} must be a finite number from {low:g} to {high:g}, "
                         f"got {value!r}")
    return float(value) if isinstance(value, float) else int(value)


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise SetupError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SetupError(f"{name} must be true or false, got {value!r}")
    return value


def _features(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise SetupError(f"features must be a non-empty list drawn from {', '.join(FEATURES)}; "
                         f"got {value!r}")
    for f in value:
        _choice("each feature", f, FEATURES)
    if len(set(value)) != len(value):
        raise SetupError(f"features must not repeat a feature, got {value!r}")
    return list(value)


def _hidden(value: Any) -> list[int]:
    low, high = LIMITS["layers"]
    n_low, n_high = LIMITS["neurons"]
    if not isinstance(value, list) or not low <= len(value) <= high:
        raise SetupError(f"hidden must be a list of {low} to {high} layer widths, got "
                         f"{_short(value)}")
    return [_integer(f"hidden[{i}] (neurons in layer {i + 1})", w, n_low, n_high)
            for i, w in enumerate(value)]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _activations(value: Any, n_layers: int) -> list[str]:
    if not isinstance(value, list) or len(value) != n_layers:
        raise SetupError(f"activations must be a list with one name per hidden layer "
                         f"({n_layers}), got {_short(value)}")
    return [_choice(f"activations[{i}]", a, ACTIVATIONS) for i, a in enumerate(value)]


def _merge(base: Mapping[str, Any], patch: Mapping[str, Any],
           upload_problem: str | None) -> dict[str, Any]:
    """``base`` updated by ``patch``, with the fields that depend on a changed one
    (activations on hidden, problem on dataset, loss on problem) following along unless
    the patch sets them."""
    merged = {**base, **{k: v for k, v in patch.items() if k != "activation"}}
    if "activation" in patch:
        if "activations" in patch:
            raise SetupError("give activation (one for every layer) or activations (one per "
                             "layer), not both")
        act = _choice("activation", patch["activation"], ACTIVATIONS)
        n = len(merged["hidden"]) if isinstance(merged["hidden"], list) else 0
        merged["activations"] = [act] * n
    elif "hidden" in patch and isinstance(patch["hidden"], list) \
            and isinstance(merged.get("activations"), list):
        acts = list(merged["activations"])
        fill = acts[-1] if acts else DEFAULTS["activations"][0]
        n = len(patch["hidden"])
        merged["activations"] = (acts + [fill] * n)[:n]
    if "dataset" in patch and "problem" not in patch:
        merged["problem"] = upload_problem if merged["dataset"] == "upload" and upload_problem \
            else _problem_for(merged["dataset"], merged.get("problem"))
    if ("problem" in merged and merged["problem"] != base.get("problem")) \
            and "loss" not in patch and merged["problem"] in LOSSES:
        merged["loss"] = LOSSES[merged["problem"]][0]
    return merged


def _problem_for(dataset: Any, current: Any) -> Any:
    if dataset in REGRESSION_SETS:
        return "regression"
    if dataset in CLASSIFICATION_SETS and current == "regression":
        return "classification"
    if dataset in CLASSIFICATION_SETS and current == "multiclass" \
            and dataset not in MULTICLASS_SETS:
        return "classification"
    return current


def normalize_setup(patch: Any, base: Mapping[str, Any] | None = None,
                    upload_problem: str | None = None) -> dict[str, Any]:
    """The complete set-up ``base`` (default: `DEFAULTS`) updated by ``patch``, checked.

    ``upload_problem``: the problem of the session's uploaded data ("classification",
    "multiclass", "regression"), or None when nothing was uploaded.
    """
    if not isinstance(patch, dict):
        raise SetupError(f"the set-up must be a JSON object, got {type(patch).__name__}")
    unknown = sorted(set(patch) - set(DEFAULTS) - set(_EXTRA_KEYS))
    if unknown:
        raise SetupError(f"unknown set-up field(s) {', '.join(map(repr, unknown))}; the fields "
                         f"are {', '.join(DEFAULTS)}")
    s = _merge(base or DEFAULTS, patch, upload_problem)
    out: dict[str, Any] = {}
    out["dataset"] = _choice("dataset", s["dataset"], DATASETS)
    for key in ("noise", "train_ratio"):
        out[key] = _number(key, s[key], *LIMITS[key])
    for key in ("batch_size", "seed", "n_points", "n_classes"):
        out[key] = _integer(key, s[key], *LIMITS[key])
    out["features"] = _features(s["features"])
    out["hidden"] = _hidden(s["hidden"])
    out["activations"] = _activations(s["activations"], len(out["hidden"]))
    out["problem"] = _choice("problem", s["problem"], PROBLEMS)
    out["loss"] = _choice(f"loss (for {out['problem']})", s["loss"], LOSSES[out["problem"]])
    out["optimizer"] = _choice("optimizer", s["optimizer"], OPTIMIZERS)
    out["lr"] = _number("lr", s["lr"], *LIMITS["lr"])
    out["regularization"] = _choice("regularization", s["regularization"], REGULARIZATIONS)
    out["reg_rate"] = _number("reg_rate", s["reg_rate"], *LIMITS["reg_rate"])
    out["show_test"] = _boolean("show_test", s["show_test"])
    out["discretize"] = _boolean("discretize", s["discretize"])
    _check_problem(out, upload_problem)
    return out


def _check_problem(s: dict[str, Any], upload_problem: str | None) -> None:
    dataset, problem = s["dataset"], s["problem"]
    if dataset == "upload":
        if upload_problem is None:
            raise SetupError("dataset 'upload' needs a CSV uploaded first (POST "
                             "/api/sessions/{id}/upload)")
        if problem != upload_problem:
            raise SetupError(f"the uploaded data is a {upload_problem} problem, not {problem}")
        return
    if problem == "regression" and dataset not in REGRESSION_SETS:
        raise SetupError(f"problem 'regression' needs a regression dataset "
                         f"({', '.join(REGRESSION_SETS)}), not {dataset!r}")
    if problem != "regression" and dataset in REGRESSION_SETS:
        raise SetupError(f"dataset {dataset!r} is a regression set; use problem 'regression'")
    if problem == "multiclass" and dataset not in MULTICLASS_SETS:
        raise SetupError(f"problem 'multiclass' works with {', '.join(MULTICLASS_SETS)} (or an "
                         f"upload), not {dataset!r}")
