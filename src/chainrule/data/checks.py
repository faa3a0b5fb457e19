"""Checks on arrays of data, shared by the loaders, the encoders and `fit`: every message names
the first offending row (and column), 0-based as NumPy indexes them."""

from __future__ import annotations

import numpy as np


def _describe(value: float) -> str:
    return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")


def non_finite_rows(values: np.ndarray) -> np.ndarray:
    """Indices of the rows of ``values`` (any shape with a sample axis) holding a NaN or an
    infinity; empty for arrays of integers, booleans or strings."""
    if values.dtype.kind not in "fc" or values.size == 0:
        return np.empty(0, dtype=np.int64)
    if values.dtype.kind == "f" and np.isfinite(np.add.reduce(values, axis=None,
                                                              dtype=np.float64)):
        return np.empty(0, dtype=np.int64)  # a NaN or inf would make the sum non-finite
    bad = ~np.isfinite(values)
    if bad.ndim > 1:
        bad = bad.reshape(len(values), -1).any(axis=1)
    return np.flatnonzero(bad)


def _row_list(rows: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    return shown + (", ..." if len(rows) > limit else "")


def check_finite_features(X: np.ndarray, who: str) -> None:
    """ValueError naming the first row and column of ``X`` that is NaN or infinite."""
    rows = non_finite_rows(X)
    if not len(rows):
        return
    row = int(rows[0])
    cells = X[row].reshape(-1)
    col = int(np.flatnonzero(~np.isfinite(cells))[0])
    where = f"row {row}, column {col}" if X.ndim > 1 else f"row {row}"
    raise ValueError(f"{who}: X has a non-finite value ({_describe(cells[col])}) at {where} "
                     f"({len(rows)} row(s) affected); clean or impute the data first")


def check_finite_labels(labels: np.ndarray, who: str, what: str = "labels") -> None:
    """ValueError naming the rows of ``labels`` that are NaN or infinite: such a value is
    neither a class nor a target."""
    rows = non_finite_rows(labels)
    if len(rows):
        first = labels[int(rows[0])].reshape(-1)
        value = first[~np.isfinite(first)][0]
        raise ValueError(f"{who}: {what} must be finite, got {_describe(value)} in "
                         f"{len(rows)} row(s): {_row_list(rows)}")
