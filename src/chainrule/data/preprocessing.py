"""Feature scalers and a one-hot encoder with JSON-serialisable state (no pickle).

Each has ``fit``, ``transform``, ``fit_transform``, ``inverse_transform``, ``get_state()``
(a dict of lists, numbers and strings) and the classmethod ``from_state(state)``.
Float32 input gives float32 output, float64 gives float64; integer input gives float32.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .checks import check_finite_labels


def _float_dtype(X: np.ndarray) -> np.dtype:
    return X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float32)


def _as_2d(X: Any, who: str) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{who} expects a 2-D array (n_samples, n_features), got shape "
                         f"{X.shape}")
    if not (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer)
            or X.dtype == bool):
        raise TypeError(f"{who} expects numeric data, got dtype {X.dtype}")
    return X


def _check_state_type(cls: type, state: dict) -> None:
    if not isinstance(state, dict) or state.get("type") != cls.__name__:
        got = state.get("type") if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"{cls.__name__}.from_state needs a state saved by "
                         f"{cls.__name__}.get_state(), got type {got!r}")


class _Scaler:
    """Shared body: ``transform(X) = (X - offset) / scale`` per column."""

    _offset: np.ndarray | None = None
    _scale: np.ndarray | None = None

    @property
    def n_features(self) -> int | None:
        return None if self._offset is None else len(self._offset)

    def _check(self, X: Any, method: str) -> np.ndarray:
        name = type(self).__name__
        if self._offset is None:
            raise RuntimeError(f"{name} is not fitted; call fit(X_train) before {method}")
        X = _as_2d(X, f"{name}.{method}")
        if X.shape[1] != len(self._offset):
            raise ValueError(f"{name} was fitted on {len(self._offset)} features, "
                             f"got {X.shape[1]}")
        return X

    def transform(self, X: Any) -> np.ndarray:
        X = self._check(X, "transform")
        dt = _float_dtype(X)
        return ((X - self._offset.astype(dt)) / self._scale.astype(dt)).astype(dt, copy=False)

    def inverse_transform(self, X: Any) -> np.ndarray:
        X = self._check(X, "inverse_transform")
        dt = _float_dtype(X)
        return (X * self._scale.astype(dt) + self._offset.astype(dt)).astype(dt, copy=False)

    def fit_transform(self, X: Any) -> np.ndarray:
        return self.fit(X).transform(X)  # type: ignore[attr-defined]

    @staticmethod
    def _fit_input(X: Any, who: str) -> np.ndarray:
        X = _as_2d(X, who)
        if len(X) == 0:
            raise ValueError(f"{who} needs at least one row")
        bad = ~np.isfinite(X.astype(np.float64, copy=False)).all(axis=0)
        if bad.any():
            raise ValueError(f"{who}: column(s) {np.flatnonzero(bad).tolist()} contain NaN or "
                             f"inf")
        return X.astype(np.float64)


class Standardizer(_Scaler):
    """``(X - mean) / std`` per column, statistics from the data given to `fit` (the training
    split). A zero-variance column gets ``std = 1`` so it maps to 0 instead of dividing by 0.
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def fit(self, X: Any) -> Standardizer:
        X = self._fit_input(X, "Standardizer.fit")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.std_ = np.where(std > 1e-12 * np.maximum(1.0, np.abs(self.mean_)), std, 1.0)
        self._offset, self._scale = self.mean_, self.std_
        return self

    def get_state(self) -> dict:
        if self.mean_ is None:
            raise RuntimeError("Standardizer is not fitted; nothing to save")
        return {"type": "Standardizer", "mean": self.mean_.tolist(), "std": self.std_.tolist()}

    @classmethod
    def from_state(cls, state: dict) -> Standardizer:
        """A fitted Standardizer; ValueError naming the first mean that is not a finite number
        or std that is not a finite number > 0 (a hand-edited state)."""
        _check_state_type(cls, state)
        for key in ("mean", "std"):
            for i, v in enumerate(state.get(key, ())):
                ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) \
                    and math.isfinite(v)
                if not ok or (key == "std" and v <= 0):
                    need = "a finite number > 0" if key == "std" else "a finite number"
                    raise ValueError(f"Standardizer state: {key}[{i}] is {str(v)[:40]}; "
                                     f"expected {need}")
        obj = cls()
        obj.mean_ = np.asarray(state["mean"], dtype=np.float64)
        obj.std_ = np.asarray(state["std"], dtype=np.float64)
        if obj.mean_.shape != obj.std_.shape or obj.mean_.ndim != 1:
            raise ValueError("Standardizer state: 'mean' and 'std' must be lists of equal length")
        obj._offset, obj._scale = obj.mean_, obj.std_
        return obj


class MinMaxScaler(_Scaler):
    """Map each column's training range ``[min, max]`` onto ``feature_range = (lo, hi)``:
    ``lo + (X - min) (hi - lo) / (max - min)``. A constant column maps to ``lo``."""

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        lo, hi = (float(v) for v in feature_range)
        if not lo < hi:
            raise ValueError(f"feature_range must be (lo, hi) with lo < hi, got {feature_range}")
        self.feature_range = (lo, hi)
        self.min_: np.ndarray | None = None
        self.max_: np.ndarray | None = None

    def _derive(self) -> None:
        lo, hi = self.feature_range
        span = self.max_ - self.min_
        span = np.where(span > 0, span, 1.0)
        self._scale = span / (hi - lo)
        self._offset = self.min_ - lo * self._scale

    def fit(self, X: Any) -> MinMaxScaler:
        X = self._fit_input(X, "MinMaxScaler.fit")
        self.min_, self.max_ = X.min(axis=0), X.max(axis=0)
        self._derive()
        return self

    def get_state(self) -> dict:
        if self.min_ is None:
            raise RuntimeError("MinMaxScaler is not fitted; nothing to save")
        return {"type": "MinMaxScaler", "feature_range": list(self.feature_range),
                "min": self.min_.tolist(), "max": self.max_.tolist()}

    @classmethod
    def from_state(cls, state: dict) -> MinMaxScaler:
        _check_state_type(cls, state)
        obj = cls(tuple(state["feature_range"]))  # type: ignore[arg-type]
        obj.min_ = np.asarray(state["min"], dtype=np.float64)
        obj.max_ = np.asarray(state["max"], dtype=np.float64)
        if obj.min_.shape != obj.max_.shape or obj.min_.ndim != 1:
            raise ValueError("MinMaxScaler state: 'min' and 'max' must be lists of equal length")
        obj._derive()
        return obj


def _to_python(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class OneHotEncoder:
    """One-hot encode labels (1-D input) or categorical columns (2-D input, one block per
    column, blocks side by side).

    Categories are the sorted distinct values seen by `fit` unless given as ``categories``
    (one list per column; for 1-D input a single list). ``handle_unknown="error"`` refuses an
    unseen value naming the column; ``"ignore"`` encodes it as all zeros. ``columns`` names the
    input columns for messages and `feature_names`.
    """

    def __init__(self, categories: Sequence[Sequence[Any]] | Sequence[Any] | None = None, *,
                 handle_unknown: str = "error", columns: Sequence[str] | None = None,
                 dtype: np.dtype | type = np.float32) -> None:
        if handle_unknown not in ("error", "ignore"):
            raise ValueError(f"handle_unknown must be 'error' or 'ignore', got "
                             f"{handle_unknown!r}")
        self.categories = categories
        self.handle_unknown = handle_unknown
        self.columns = list(columns) if columns is not None else None
        self.dtype = np.dtype(dtype)
        self.categories_: list[np.ndarray] | None = None
        self._one_d = False

    def _split(self, X: Any, method: str) -> list[np.ndarray]:
        X = np.asarray(X)
        if X.ndim == 1:
            return [X]
        if X.ndim == 2:
            return [X[:, j] for j in range(X.shape[1])]
        raise ValueError(f"OneHotEncoder.{method} expects a 1-D or 2-D array, got shape "
                         f"{X.shape}")

    def _column_name(self, j: int) -> str:
        if self.columns is not None and j < len(self.columns):
            return repr(self.columns[j])
        return str(j)

    def fit(self, X: Any) -> OneHotEncoder:
        cols = self._split(X, "fit")
        self._one_d = np.asarray(X).ndim == 1
        if self.columns is not None and len(self.columns) != len(cols):
            raise ValueError(f"OneHotEncoder: {len(self.columns)} column names for "
                             f"{len(cols)} columns")
        for j, col in enumerate(cols):
            check_finite_labels(col, "OneHotEncoder.fit",
                                "labels" if self._one_d else f"column {self._column_name(j)}")
        if self.categories is None:
            self.categories_ = [np.unique(c) for c in cols]
        else:
            given = [self.categories] if self._one_d else list(self.categories)
            if len(given) != len(cols):
                raise ValueError(f"OneHotEncoder: categories has {len(given)} lists for "
                                 f"{len(cols)} columns")
            self.categories_ = [np.asarray(list(g)) for g in given]
            for j, cats in enumerate(self.categories_):
                if len(np.unique(cats)) != len(cats):
                    raise ValueError(f"OneHotEncoder: categories for column "
                                     f"{self._column_name(j)} has duplicates")
        return self

    @property
    def n_features_in(self) -> int | None:
        return None if self.categories_ is None else len(self.categories_)

    def transform(self, X: Any) -> np.ndarray:
        if self.categories_ is None:
            raise RuntimeError("OneHotEncoder is not fitted; call fit before transform")
        cols = self._split(X, "transform")
        if len(cols) != len(self.categories_) or (np.asarray(X).ndim == 1) != self._one_d:
            shape = "1-D labels" if self._one_d else f"{len(self.categories_)} columns"
            raise ValueError(f"OneHotEncoder was fitted on {shape}, got shape "
                             f"{np.asarray(X).shape}")
        n = len(cols[0])
        widths = [len(c) for c in self.categories_]
        out = np.zeros((n, sum(widths)), dtype=self.dtype)
        start = 0
        for j, (col, cats) in enumerate(zip(cols, self.categories_)):
            order = np.argsort(cats, kind="stable")
            sorted_cats = cats[order]
            try:
                pos = np.clip(np.searchsorted(sorted_cats, col), 0, len(cats) - 1)
                found = sorted_cats[pos] == col
            except TypeError as exc:
                raise TypeError(f"OneHotEncoder: column {self._column_name(j)} values of type "
                                f"{col.dtype} cannot be compared with categories of type "
                                f"{cats.dtype}") from exc
            if not np.all(found) and self.handle_unknown == "error":
                bad = col[np.flatnonzero(~found)[0]]
                raise ValueError(f"OneHotEncoder: unknown category {_to_python(bad)!r} in "
                                 f"column {self._column_name(j)}; known: "
                                 f"{[_to_python(c) for c in cats]}")
            rows = np.flatnonzero(found)
            out[rows, start + order[pos[rows]]] = 1
            start += len(cats)
        return out

    def fit_transform(self, X: Any) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Back to category values: the arg-max of each block (all-zero rows give the first
        category)."""
        if self.categories_ is None:
            raise RuntimeError("OneHotEncoder is not fitted; call fit before inverse_transform")
        Z = np.asarray(Z)
        width = sum(len(c) for c in self.categories_)
        if Z.ndim != 2 or Z.shape[1] != width:
            raise ValueError(f"OneHotEncoder.inverse_transform expects shape (n, {width}), got "
                             f"{Z.shape}")
        parts, start = [], 0
        for cats in self.categories_:
            parts.append(cats[np.argmax(Z[:, start:start + len(cats)], axis=1)])
            start += len(cats)
        return parts[0] if self._one_d else np.stack(parts, axis=1)

    def feature_names(self) -> list[str]:
        """``"col=value"`` for each output column (``col`` is ``x0``, ``x1``... without
        ``columns``; just the value for 1-D labels)."""
        if self.categories_ is None:
            raise RuntimeError("OneHotEncoder is not fitted")
        if self._one_d:
            return [str(_to_python(c)) for c in self.categories_[0]]
        names = self.columns or [f"x{j}" for j in range(len(self.categories_))]
        return [f"{nm}={_to_python(c)}" for nm, cats in zip(names, self.categories_)
                for c in cats]

    def get_state(self) -> dict:
        if self.categories_ is None:
            raise RuntimeError("OneHotEncoder is not fitted; nothing to save")
        kinds = []
        for cats in self.categories_:
            kinds.append("int" if np.issubdtype(cats.dtype, np.integer) or cats.dtype == bool
                         else "float" if np.issubdtype(cats.dtype, np.floating) else "str")
        return {"type": "OneHotEncoder", "categories": [[_to_python(c) for c in cats]
                                                        for cats in self.categories_],
                "kinds": kinds, "one_d": self._one_d, "handle_unknown": self.handle_unknown,
                "columns": self.columns, "dtype": self.dtype.name}

    @classmethod
    def from_state(cls, state: dict) -> OneHotEncoder:
        _check_state_type(cls, state)
        obj = cls(handle_unknown=state["handle_unknown"], columns=state["columns"],
                  dtype=np.dtype(state["dtype"]))
        conv = {"int": np.int64, "float": np.float64, "str": np.str_}
        obj.categories_ = [np.asarray(c, dtype=conv[k])
                           for c, k in zip(state["categories"], state["kinds"])]
        obj._one_d = bool(state["one_d"])
        return obj


def one_hot(y: Any, n_classes: int | None = None, *,
            dtype: np.dtype | type = np.float32) -> np.ndarray:
    """Integer labels ``0..k-1`` of shape ``(n,)`` -> ``(n, k)`` one-hot rows
    (``k = n_classes`` or ``max(y) + 1``)."""
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"one_hot expects 1-D integer labels, got shape {y.shape} dtype "
                         f"{y.dtype}")
    k = int(y.max()) + 1 if n_classes is None and len(y) else (n_classes or 0)
    if len(y) and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"one_hot: labels must lie in 0..{k - 1}, got {y.min()}..{y.max()}")
    out = np.zeros((len(y), k), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out
