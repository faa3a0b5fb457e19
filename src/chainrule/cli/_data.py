"""Data for the command: load a named dataset or a CSV, split it, standardise it; and read
a CSV of new rows with the columns a trained run expects."""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..data import (Dataset, DatasetSplits, Standardizer, dataset_info, load_csv)
from ..data.csv import read_table

RAW_PIXEL_SETS = ("mnist", "fashion-mnist")
_NA = {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "?"}


@dataclass
class Prepared:
    """A dataset split into train / val / test arrays, preprocessed for the network."""

    name: str
    task: str
    class_names: list[str] | None
    feature_names: list[str]
    train: tuple[np.ndarray, np.ndarray]
    val: tuple[np.ndarray, np.ndarray] | None
    test: tuple[np.ndarray, np.ndarray]
    standardizer: Standardizer | None

    @property
    def n_features(self) -> int:
        return self.train[0].shape[1]

    @property
    def n_classes(self) -> int | None:
        return None if self.class_names is None else len(self.class_names)


def load_source(settings: dict[str, Any]) -> Dataset | DatasetSplits:
    """The dataset named by ``settings["dataset"]`` or read from ``settings["csv"]``."""
    if settings.get("csv"):
        if not settings.get("target"):
            raise ValueError("--csv needs --target COLUMN (the column to predict)")
        return load_csv(settings["csv"], target=settings["target"])
    if settings.get("target"):
        raise ValueError("--target applies to --csv files only")
    info = dataset_info(settings["dataset"])
    params = inspect.signature(info.loader).parameters
    kwargs: dict[str, Any] = {}
    if "seed" in params:
        kwargs["seed"] = settings["seed"]
    if settings.get("data_dir"):
        if "data_dir" not in params:
            raise ValueError(f"--data-dir applies to mnist and fashion-mnist, not "
                             f"{info.name!r}")
        kwargs["data_dir"] = settings["data_dir"]
    return info.loader(**kwargs)


def _flat(ds: Dataset) -> Dataset:
    """Images -> (n, features) float32 in [0, 1]; tabular sets as they are."""
    if ds.X.ndim > 2 or ds.X.dtype == np.uint8:
        return ds.flatten()
    return ds


def check_fractions(val: float, test: float) -> None:
    if not 0.0 < test < 1.0:
        raise ValueError(f"--test-fraction must be between 0 and 1 (exclusive), got {test}")
    if not 0.0 <= val < 1.0:
        raise ValueError(f"--val-fraction must be in [0, 1), got {val}")
    if val + test >= 1.0:
        raise ValueError(f"--val-fraction + --test-fraction must be < 1, got {val} + {test}")


def split(source: Dataset | DatasetSplits, settings: dict[str, Any]
          ) -> tuple[Dataset, Dataset | None, Dataset]:
    """train, val (None when ``val_fraction`` is 0), test. Sets with an official test split
    (MNIST) keep it and take val from their training part; the others are split by the
    fractions, stratified for classification."""
    val_f, test_f, seed = settings["val_fraction"], settings["test_fraction"], settings["seed"]
    check_fractions(val_f, test_f)
    if isinstance(source, DatasetSplits):
        train_all, test = _flat(source.train), _flat(source.test)
        if val_f == 0:
            return train_all, None, test
        parts = train_all.split(test_size=val_f, seed=seed)
        return parts.train, parts.test, test
    ds = _flat(source)
    if val_f == 0:
        parts = ds.split(test_size=test_f, seed=seed)
        return parts.train, None, parts.test
    parts = ds.split(test_size=test_f, val_size=val_f, seed=seed)
    return parts.train, parts.val, parts.test


def prepare(settings: dict[str, Any], standardizer_state: dict | None = None) -> Prepared:
    """Load, split and (when ``settings["standardize"]``) standardise. The standardiser is fit
    on the training split, or rebuilt from ``standardizer_state`` (a saved run)."""
    source = load_source(settings)
    train, val, test = split(source, settings)
    scaler = None
    if settings["standardize"]:
        scaler = (Standardizer.from_state(standardizer_state) if standardizer_state
                  else Standardizer().fit(train.X))

    def xy(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
        X = ds.X if scaler is None else scaler.transform(ds.X)
        return np.ascontiguousarray(X, dtype=np.float32), ds.y

    return Prepared(name=train.name, task=train.task, class_names=train.class_names,
                    feature_names=list(train.feature_names), train=xy(train),
                    val=None if val is None else xy(val), test=xy(test), standardizer=scaler)


def resolve_standardize(settings: dict[str, Any]) -> bool:
    """``--standardize`` / ``--no-standardize``; unset: on, except for MNIST and Fashion-MNIST,
    whose pixels are already in [0, 1] and whose nearly constant border pixels standardising
    would blow up."""
    if settings.get("standardize") is not None:
        return bool(settings["standardize"])
    return bool(settings.get("csv")) or settings["dataset"] not in RAW_PIXEL_SETS


# ---------------------------------------------------------------- CSV of new rows
def _source_of(feature: str, columns: Sequence[str]) -> tuple[str, str | None]:
    """(column, category): a feature is a numeric column, or ``column=category``."""
    if feature in columns:
        return feature, None
    owners = [c for c in columns if feature.startswith(c + "=")]
    if owners:
        col = max(owners, key=len)
        return col, feature[len(col) + 1:]
    return feature.split("=", 1)[0] if "=" in feature else feature, ""


def _missing_check(path: Path, col: str, values: np.ndarray, lines: list[int]) -> None:
    bad = np.flatnonzero(np.isin(values, list(_NA)))
    if bad.size:
        raise ValueError(f"{path}, line {lines[bad[0]]}, column {col!r}: missing value "
                         f"{values[bad[0]]!r}; every feature needs a value")


def read_features(path: str | Path, feature_names: Sequence[str], target: str | None = None,
                  class_names: Sequence[str] | None = None
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """``X`` with the run's features (in its order) from a CSV; ``y`` when ``target`` is a
    column of the file (class indices via ``class_names``, or floats for regression).

    A feature is a numeric column of that name, or ``column=category`` for a one-hot encoded
    categorical column. Other columns are ignored.
    """
    path = Path(path)
    header, rows, lines = read_table(path)
    start = 1 if header[0] == "" else 0
    columns = header[start:]
    index = {c: i + start for i, c in enumerate(columns)}
    sources = [_source_of(f, columns) for f in feature_names]
    absent = sorted({col for col, _ in sources if col not in index})
    if absent:
        raise ValueError(f"{path}: missing column(s) {absent} that the model was trained on; "
                         f"the file has {columns}")
    table = np.asarray(rows, dtype=object)
    X = np.empty((len(rows), len(feature_names)), dtype=np.float32)
    categories: dict[str, list[str]] = {}
    for j, (col, cat) in enumerate(sources):
        if cat is not None:
            categories.setdefault(col, []).append(cat)
    for j, (col, cat) in enumerate(sources):
        values = table[:, index[col]].astype(str)
        _missing_check(path, col, values, lines)
        if cat is None:
            try:
                X[:, j] = values.astype(np.float64)
            except ValueError:
                bad = next(i for i, v in enumerate(values) if not _is_number(v))
                raise ValueError(f"{path}, line {lines[bad]}, column {col!r}: {values[bad]!r} "
                                 f"is not a number in a numeric column") from None
            if not np.isfinite(X[:, j]).all():
                bad = int(np.flatnonzero(~np.isfinite(X[:, j]))[0])
                raise ValueError(f"{path}, line {lines[bad]}, column {col!r}: "
                                 f"{values[bad]!r} is not a finite number")
        else:
            known = categories[col]
            unknown = np.flatnonzero(~np.isin(values, known))
            if unknown.size:
                i = int(unknown[0])
                raise ValueError(f"{path}, line {lines[i]}, column {col!r}: unknown category "
                                 f"{values[i]!r}; known categories are {known}")
            X[:, j] = values == cat
    y = None
    if target is not None and target in index:
        raw = table[:, index[target]].astype(str)
        _missing_check(path, target, raw, lines)
        y = _labels(path, target, raw, lines, class_names)
    return X, y


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _labels(path: Path, target: str, raw: np.ndarray, lines: list[int],
            class_names: Sequence[str] | None) -> np.ndarray:
    if class_names is None:
        try:
            return raw.astype(np.float32)
        except ValueError:
            bad = next(i for i, v in enumerate(raw) if not _is_number(v))
            raise ValueError(f"{path}, line {lines[bad]}, column {target!r}: {raw[bad]!r} is "
                             f"not a number (the target is a regression value)") from None
    names = [str(c) for c in class_names]
    keys = np.array(names)
    order = np.argsort(keys)
    pos = np.searchsorted(keys[order], raw)
    pos = np.minimum(pos, len(names) - 1)
    found = keys[order][pos] == raw
    if not found.all():
        # numeric labels written as 1.0 match the class "1"
        as_num = np.array([_canonical_number(v) for v in raw])
        pos2 = np.minimum(np.searchsorted(keys[order], as_num), len(names) - 1)
        found2 = keys[order][pos2] == as_num
        pos = np.where(found, pos, pos2)
        found = found | found2
        if not found.all():
            i = int(np.flatnonzero(~found)[0])
            raise ValueError(f"{path}, line {lines[i]}, column {target!r}: unknown class "
                             f"{raw[i]!r}; the model knows {names}")
    return order[pos].astype(np.int64)


def _canonical_number(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    return str(int(value)) if value.is_integer() else text
