"""Random and stratified train/test and train/val/test splits (pure NumPy)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .checks import check_finite_labels


def _resolve_size(value: Any, n: int, arg: str) -> int:
    """A fraction in (0, 1) -> ceil(value * n) rows; an int >= 1 -> that many rows."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{arg} must be a float in (0, 1) or a positive int, got {value!r}")
    if isinstance(value, (int, np.integer)):
        if not 1 <= value < n:
            raise ValueError(f"{arg}={value} rows must be between 1 and {n - 1} "
                             f"(the data has {n} rows)")
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not 0.0 < value < 1.0:
            raise ValueError(f"{arg}={value} must be a fraction strictly between 0 and 1")
        return max(1, math.ceil(float(value) * n))
    raise TypeError(f"{arg} must be a float in (0, 1) or a positive int, "
                    f"got {type(value).__name__}")


def _stratified_take(labels: np.ndarray, n_take: int, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Pick ``n_take`` indices keeping class proportions (largest-remainder rounding)."""
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    exact = counts * (n_take / len(labels))
    take = np.floor(exact).astype(np.int64)
    short = n_take - int(take.sum())
    if short > 0:
        # largest fractional parts first; ties go to the larger class, then the first class
        order = np.lexsort((-counts, -(exact - take)))
        take[order[:short]] += 1
    take = np.minimum(take, counts)
    chosen, rest = [], []
    for k in range(len(classes)):
        members = rng.permutation(np.flatnonzero(inverse == k))
        chosen.append(members[:take[k]])
        rest.append(members[take[k]:])
    return rng.permutation(np.concatenate(rest)), rng.permutation(np.concatenate(chosen))


def _labels_for(stratify: Any, y: Any, n: int) -> np.ndarray | None:
    if stratify is None or stratify is False:
        return None
    if stratify is True:
        if y is None:
            raise ValueError("stratify=True needs y; pass y or an array of labels as stratify")
        labels = np.asarray(y)
    else:
        labels = np.asarray(stratify)
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(f"stratify labels must have shape ({n},), got {labels.shape}")
    return labels


def split_indices(n: int, *, test_size: float | int = 0.2, val_size: float | int | None = None,
                  labels: np.ndarray | None = None, seed: int | None = None
                  ) -> tuple[np.ndarray, ...]:
    """Index arrays ``(train, test)`` or, when ``val_size`` is given, ``(train, val, test)``.

    Sizes are fractions of all ``n`` rows (rounded up) or row counts. With ``labels`` each part
    keeps the class proportions of ``labels`` (every class needs at least 2 members).
    """
    if n < 2:
        raise ValueError(f"cannot split {n} row(s); need at least 2")
    rng = np.random.default_rng(seed)
    n_test = _resolve_size(test_size, n, "test_size")
    n_val = 0 if val_size is None else _resolve_size(val_size, n, "val_size")
    if n_test + n_val >= n:
        raise ValueError(f"test_size={test_size} and val_size={val_size} leave no training rows "
                         f"out of {n} ({n_test} test + {n_val} val)")
    if labels is not None:
        check_finite_labels(np.asarray(labels), "stratify")
        classes, counts = np.unique(labels, return_counts=True)
        if counts.min() < 2:
            bad = classes[np.argmin(counts)].item()
            raise ValueError(f"stratify: class {bad!r} has only 1 member; every class needs at "
                             f"least 2 (use stratify=False)")
        rest, test = _stratified_take(labels, n_test, rng)
        if val_size is None:
            return rest, test
        sub, val = _stratified_take(labels[rest], n_val, rng)
        return rest[sub], rest[val], test
    perm = rng.permutation(n)
    test, rest = perm[:n_test], perm[n_test:]
    if val_size is None:
        return rest, test
    return rest[n_val:], rest[:n_val], test


def _check_xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray | None]:
    X = np.asarray(X)
    if X.ndim < 1:
        raise ValueError("X must have a sample axis, got a scalar")
    if y is not None:
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    return X, y


def train_test_split(X: Any, y: Any = None, *, test_size: float | int = 0.2,
                     stratify: bool | Any = False, seed: int | None = None
                     ) -> tuple[np.ndarray, ...]:
    """Shuffle and split rows: returns ``X_train, X_test, y_train, y_test`` (scikit-learn order),
    or ``X_train, X_test`` when ``y`` is None.

    ``test_size``: fraction of rows (rounded up) or a row count. ``stratify``: ``True`` keeps
    the class proportions of ``y``, an array keeps those of that array, ``False`` does not.
    """
    X, y = _check_xy(X, y)
    train, test = split_indices(len(X), test_size=test_size,
                                labels=_labels_for(stratify, y, len(X)), seed=seed)
    if y is None:
        return X[train], X[test]
    return X[train], X[test], y[train], y[test]


def train_val_test_split(X: Any, y: Any = None, *, val_size: float | int = 0.1,
                         test_size: float | int = 0.2, stratify: bool | Any = False,
                         seed: int | None = None) -> tuple[np.ndarray, ...]:
    """Three-way split: ``X_train, X_val, X_test, y_train, y_val, y_test`` (or the three X parts
    when ``y`` is None). Both sizes are fractions of *all* rows or row counts."""
    X, y = _check_xy(X, y)
    train, val, test = split_indices(len(X), test_size=test_size, val_size=val_size,
                                     labels=_labels_for(stratify, y, len(X)), seed=seed)
    if y is None:
        return X[train], X[val], X[test]
    return X[train], X[val], X[test], y[train], y[val], y[test]
