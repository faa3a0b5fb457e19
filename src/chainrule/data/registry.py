"""Datasets by name: `load_dataset("heart")`, `available_datasets()` (used by ``chainrule
datasets``). Names are case-insensitive and ``_`` equals ``-``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable

from .dataset import Dataset, DatasetSplits
from .digits import digits
from .heart import heart
from .mnist import fashion_mnist, mnist
from .playground import circle, gaussian, multi_gaussian, plane, spiral, xor


@dataclass(frozen=True)
class DatasetInfo:
    """A registry entry: the loader, a one-line description, the task and whether it works
    offline with no extra files."""

    name: str
    loader: Callable[..., Dataset | DatasetSplits]
    description: str
    task: str
    offline: bool


_REGISTRY: dict[str, DatasetInfo] = {info.name: info for info in (
    DatasetInfo("digits", digits, "8x8 handwritten digits bundled with scikit-learn "
                "(1,797 images, 10 classes; offline)", "multiclass", True),
    DatasetInfo("mnist", mnist, "MNIST handwritten digits 28x28 (60,000 train + 10,000 test; "
                "local folder or one-time verified download)", "multiclass", False),
    DatasetInfo("fashion-mnist", fashion_mnist, "Fashion-MNIST clothing 28x28 (60,000 train + "
                "10,000 test; local folder or one-time verified download)", "multiclass", False),
    DatasetInfo("heart", heart, "ISLR Heart table: heart disease (AHD) from 13 predictors "
                "(303 patients, 297 complete; shipped)", "binary", True),
    DatasetInfo("circle", circle, "Playground 2-D: disc inside a ring (binary)", "binary", True),
    DatasetInfo("xor", xor, "Playground 2-D: quadrants, XOR of the signs (binary)", "binary",
                True),
    DatasetInfo("gaussian", gaussian, "Playground 2-D: Gaussian blobs (binary; n_classes=k for "
                "k blobs)", "binary", True),
    DatasetInfo("spiral", spiral, "Playground 2-D: interleaved spirals (binary; n_classes=k "
                "for k arms)", "binary", True),
    DatasetInfo("plane", plane, "Playground 2-D regression: tilted plane (x1 + x2) / 10",
                "regression", True),
    DatasetInfo("multi-gaussian", multi_gaussian, "Playground 2-D regression: six signed "
                "Gaussian bumps", "regression", True),
)}


def _canonical(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string, got {type(name).__name__}")
    key = name.strip().lower().replace("_", "-")
    if key not in _REGISTRY:
        close = difflib.get_close_matches(key, list(_REGISTRY), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown dataset {name!r}.{hint} Available: {', '.join(_REGISTRY)}")
    return key


def available_datasets() -> dict[str, str]:
    """``{name: one-line description}`` for every registered dataset, in display order."""
    return {name: info.description for name, info in _REGISTRY.items()}


def dataset_info(name: str) -> DatasetInfo:
    """The registry entry for ``name`` (``ValueError`` listing the names if unknown)."""
    return _REGISTRY[_canonical(name)]


def load_dataset(name: str, **kwargs: Any) -> Dataset | DatasetSplits:
    """Call the loader registered as ``name`` with ``kwargs``. Returns a `Dataset`, except
    ``mnist`` / ``fashion-mnist`` which return `DatasetSplits` (``.train``, ``.test``) unless
    ``split="train"`` or ``"test"`` is passed."""
    return _REGISTRY[_canonical(name)].loader(**kwargs)
