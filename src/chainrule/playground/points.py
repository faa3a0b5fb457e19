"""The points a playground trains on: a 2-D dataset (built in or uploaded), split into train
and test the way ``chainrule train`` splits a table, and its input features."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..data import Dataset, playground

FEATURE_NAMES = {"x1": "x1", "x2": "x2", "x1sq": "x1^2", "x2sq": "x2^2", "x1x2": "x1*x2",
                 "sinx1": "sin x1", "sinx2": "sin x2"}
"""Set-up tokens (URL-friendly) -> `chainrule.data.playground_features` names."""
BUILT_IN_DOMAIN = (-6.0, 6.0, -6.0, 6.0)
_GENERATORS = {"circle": playground.circle, "xor": playground.xor,
               "gaussian": playground.gaussian, "spiral": playground.spiral,
               "plane": playground.plane, "multigauss": playground.multi_gaussian}


@dataclass(frozen=True)
class Upload:
    """Uploaded 2-D points: ``X`` (n, 2) float32, ``y`` (class indices or values), the
    problem they pose and the number of classes (None for regression)."""

    X: np.ndarray
    y: np.ndarray
    problem: str
    n_classes: int | None


@dataclass(frozen=True)
class Points:
    """The whole dataset (``full``, in generation order) and its train / test split."""

    full: Dataset
    train: Dataset
    test: Dataset
    domain: tuple[float, float, float, float]


def n_outputs(problem: str, n_classes: int) -> int:
    return n_classes if problem == "multiclass" else 1


def classes_of(setup: dict, upload: Upload | None) -> int:
    """The number of classes the set-up trains (1 output for regression)."""
    if setup["problem"] == "classification":
        return 2
    if setup["problem"] == "multiclass":
        return upload.n_classes if setup["dataset"] == "upload" and upload else \
            setup["n_classes"]
    return 0


def _upload_dataset(upload: Upload) -> Dataset:
    if upload.problem == "regression":
        return Dataset(X=upload.X, y=upload.y.astype(np.float32), feature_names=["x1", "x2"],
                       class_names=None, task="regression", name="upload")
    k = upload.n_classes or 2
    return Dataset(X=upload.X, y=upload.y.astype(np.int64), feature_names=["x1", "x2"],
                   class_names=[str(j) for j in range(k)],
                   task="binary" if k == 2 else "multiclass", name="upload")


def upload_domain(X: np.ndarray) -> tuple[float, float, float, float]:
    """The data's bounding box padded by 10 %, made square (and never empty)."""
    lo, hi = X.min(axis=0).astype(np.float64), X.max(axis=0).astype(np.float64)
    centre, half = (lo + hi) / 2.0, max(float((hi - lo).max()) / 2.0, 1e-3) * 1.1
    return (float(centre[0] - half), float(centre[0] + half),
            float(centre[1] - half), float(centre[1] + half))


def make_points(setup: dict, upload: Upload | None = None) -> Points:
    """The set-up's dataset and split: stratified for classes, with the set-up's seed, by
    ``Dataset.split`` (so a run exported with these points splits the same way again)."""
    name = setup["dataset"]
    if name == "upload":
        if upload is None:
            raise ValueError("dataset 'upload' needs uploaded points")
        full, domain = _upload_dataset(upload), upload_domain(upload.X)
    else:
        kwargs = {"n_classes": setup["n_classes"]} if setup["problem"] == "multiclass" else {}
        full = _GENERATORS[name](setup["n_points"], setup["noise"] / 100.0, setup["seed"],
                                 **kwargs)
        domain = BUILT_IN_DOMAIN
    parts = full.split(test_size=held_out_fraction(setup), seed=setup["seed"])
    return Points(full=full, train=parts.train, test=parts.test, domain=domain)


@lru_cache(maxsize=1)
def previews(n: int = 150) -> dict[str, dict[str, Any]]:
    """``{dataset: {"x": [[x1, x2], ...], "y": [...]}}``: ``n`` noise-free points of each
    built-in dataset (seed 0, two classes), for the page's dataset thumbnails."""
    from .frames import rounded

    out = {}
    for name, make in _GENERATORS.items():
        ds = make(n, 0.0, 0)
        y = ds.y.tolist() if ds.task != "regression" else rounded(ds.y)
        out[name] = {"x": rounded(ds.X), "y": y}
    return out


def held_out_fraction(setup: dict) -> float:
    return round(1.0 - setup["train_ratio"] / 100.0, 6)


def features(X: np.ndarray, setup: dict) -> np.ndarray:
    """The network's input (n, len(features)) float32 for 2-D points ``X``."""
    return playground.playground_features(X, feature_names(setup))[0]


def feature_names(setup: dict) -> list[str]:
    return [FEATURE_NAMES[f] for f in setup["features"]]


def targets(ds: Dataset, problem: str) -> np.ndarray:
    """Training targets: (n, 1) float32 for one output, (n,) int64 labels for softmax."""
    if problem == "multiclass":
        return ds.y.astype(np.int64)
    return ds.y.astype(np.float32).reshape(-1, 1)
