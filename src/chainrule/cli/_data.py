"""Data for the command: load a named dataset or a CSV, split it, standardise it; and read
a CSV of new rows with the columns a trained run expects."""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..data import (Dataset, DatasetSplits, Standardizer, dataset_info, load_csv,
                    sha256_file)
from ..data.csv import NA_VALUES, read_table
from ._errors import clip as _clip

RAW_PIXEL_SETS = ("mnist", "fashion-mnist")
_NA = set(NA_VALUES)
MISSING_HINT = {"predict": "use --missing skip (no prediction for that row) or --missing impute "
                           "(the training mean)",
                "evaluate": "use --missing drop (leave those rows out) or --missing impute "
                            "(the training mean)"}


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


# ---------------------------------------------------------------- CSV identity
def csv_identity(path: str | Path, rows: int) -> dict[str, Any]:
    """What identifies the CSV a run was trained on: its absolute path, SHA-256, size and
    the number of rows used."""
    path = Path(path).resolve()
    return {"path": str(path), "sha256": sha256_file(path), "bytes": path.stat().st_size,
            "rows": int(rows)}


def check_csv_identity(recorded: dict[str, Any] | None, path: str, doing: str,
                       override: str, run_dir: str | Path = ".") -> Path:
    """Refuse a CSV that is not the one the run recorded (moved, edited, or unrecorded);
    return its path. ``doing``: what needs it ("evaluate the run"); ``override``: how to use
    other data. A relative recorded path is a file inside the run folder ``run_dir`` (a run
    that carries its data, such as a playground export)."""
    if not isinstance(recorded, dict) or not {"path", "sha256"} <= set(recorded):
        raise ValueError(f"the run does not record the identity of its CSV {path!r}, so it "
                         f"cannot be checked; {override}")
    where = Path(recorded["path"])
    if not where.is_absolute():
        where = Path(run_dir).resolve() / where
    if not where.is_file():
        raise ValueError(f"cannot {doing}: its CSV {where} no longer exists; {override}")
    if sha256_file(where) != recorded["sha256"]:
        rows = len(read_csv_table(where)[1])
        raise ValueError(f"cannot {doing}: its CSV {where} has changed since training (it "
                         f"had {recorded.get('rows', '?')} rows used for training and a "
                         f"different SHA-256; it now has {rows} rows); {override}")
    return where


# The library's keyword arguments, as the command's flags say them.
_FLAG_WORDS = (
    (re.compile(r"missing='drop' or 'impute'"), "--missing drop or --missing impute"),
    (re.compile(r"missing='(\w+)'"), r"--missing \1"),
    (re.compile(r"\bin categorical="), "in --categorical"),
    (re.compile(r"\bcategorical="), "--categorical"),
    (re.compile(r"\bin na_values="), "in --na-values"),
    (re.compile(r"\bna_values="), "--na-values"),
    (re.compile(r"\bdrop= it"), "drop that column with --drop"),
    (re.compile(r"\bmax_categories\b"), "--max-categories"),
    (re.compile(r"weights_format='(\w+)'"), r"--weights-format \1"),
    (re.compile(r"\bdata_dir="), "--data-dir"),
)


def in_flags(message: str) -> str:
    """An error message of the library with its keyword arguments named as flags."""
    for pattern, flag in _FLAG_WORDS:
        message = pattern.sub(flag, message)
    return message


def load_source(settings: dict[str, Any]) -> Dataset | DatasetSplits:
    """The dataset named by ``settings["dataset"]`` or read from ``settings["csv"]``."""
    try:
        return _load_source(settings)
    except UnicodeDecodeError as exc:
        raise _not_text(settings["csv"], exc) from None
    except ValueError as exc:
        raise ValueError(in_flags(str(exc))) from None


def _not_text(path: Any, exc: UnicodeDecodeError) -> ValueError:
    return ValueError(f"{path}: not a UTF-8 text file (byte {exc.object[exc.start]:#04x} at "
                      f"offset {exc.start}); save the table as UTF-8 CSV")


def read_csv_table(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """`read_table`, with a file that is not UTF-8 text named as such."""
    try:
        return read_table(path)
    except UnicodeDecodeError as exc:
        raise _not_text(path, exc) from None


def _csv_options(settings: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {"missing": settings.get("missing") or "error"}
    if settings.get("na_values"):
        options["na_values"] = (*NA_VALUES, *settings["na_values"])
    for key in ("categorical", "drop"):
        if settings.get(key):
            options[key] = list(settings[key])
    return options


def _load_source(settings: dict[str, Any]) -> Dataset | DatasetSplits:
    if settings.get("csv"):
        if not settings.get("target"):
            raise ValueError("--csv needs --target COLUMN (the column to predict)")
        return load_csv(settings["csv"], target=settings["target"], **_csv_options(settings))
    if settings.get("missing") not in (None, "error") or any(
            settings.get(k) for k in ("categorical", "drop", "na_values")):
        raise ValueError("--missing, --categorical, --drop and --na-values apply to --csv files "
                         "only")
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
    try:
        return info.loader(**kwargs)
    except ImportError as exc:
        raise ImportError(f"the {info.name} dataset needs a package that is not installed: "
                          f"{exc}; or train on a dataset that needs only NumPy, e.g. "
                          f"'chainrule train --dataset heart'") from None


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


def _missing(values: np.ndarray) -> np.ndarray:
    return np.isin(values, list(_NA))


def _missing_error(path: Path, col: str, values: np.ndarray, lines: list[int], bad: np.ndarray,
                   hint: str) -> ValueError:
    i = int(np.flatnonzero(bad)[0])
    return ValueError(f"{path}, line {lines[i]}, column {col!r}: missing value "
                      f"{_clip(values[i])!r} ({int(bad.sum())} in this column); {hint}")


def read_features(path: str | Path, feature_names: Sequence[str], target: str | None = None,
                  class_names: Sequence[str] | None = None, missing: str = "error",
                  hint: str = MISSING_HINT["predict"]
                  ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """``X`` with the run's features (in its order) from a CSV; ``y`` when ``target`` is a
    column of the file (class indices via ``class_names``, or floats for regression); and a
    boolean mask of the rows with a missing feature.

    A feature is a numeric column of that name, or ``column=category`` for a one-hot encoded
    categorical column. Other columns are ignored. ``missing="error"`` refuses a missing
    feature cell (naming it, with ``hint``); otherwise such cells are NaN in ``X`` and their
    rows are flagged in the mask. A missing target cell is always refused.
    """
    path = Path(path)
    header, rows, lines = read_csv_table(path)
    start = 1 if header[0] == "" else 0
    columns = header[start:]
    index = {c: i + start for i, c in enumerate(columns)}
    sources = [_source_of(f, columns) for f in feature_names]
    absent = sorted({col for col, _ in sources if col not in index})
    if absent:
        raise ValueError(f"{path}: missing column(s) {absent} that the model was trained on; "
                         f"the file has {_short_list(columns)}")
    table = np.asarray(rows, dtype=object)
    X = np.empty((len(rows), len(feature_names)), dtype=np.float32)
    holes = np.zeros(len(rows), dtype=bool)
    categories: dict[str, list[str]] = {}
    for j, (col, cat) in enumerate(sources):
        if cat is not None:
            categories.setdefault(col, []).append(cat)
    for j, (col, cat) in enumerate(sources):
        values = table[:, index[col]].astype(str)
        gap = _missing(values)
        if gap.any() and missing == "error":
            raise _missing_error(path, col, values, lines, gap, hint)
        holes |= gap
        values = np.where(gap, "nan", values)
        if cat is None:
            try:
                X[:, j] = values.astype(np.float64)
            except ValueError:
                bad = next(i for i, v in enumerate(values) if not _is_number(v))
                raise ValueError(f"{path}, line {lines[bad]}, column {col!r}: "
                                 f"{_clip(values[bad])!r} is not a number in a numeric column"
                                 ) from None
            if not np.isfinite(X[~gap, j]).all():
                bad = int(np.flatnonzero(~np.isfinite(X[:, j]) & ~gap)[0])
                raise ValueError(f"{path}, line {lines[bad]}, column {col!r}: "
                                 f"{_clip(values[bad])!r} is not a finite number")
        else:
            known = categories[col]
            unknown = np.flatnonzero(~np.isin(values, known) & ~gap)
            if unknown.size:
                i = int(unknown[0])
                raise ValueError(f"{path}, line {lines[i]}, column {col!r}: unknown category "
                                 f"{_clip(values[i])!r}; known categories are "
                                 f"{_short_list(known)}")
            X[:, j] = np.where(gap, np.nan, values == cat)
    y = None
    if target is not None and target in index:
        raw = table[:, index[target]].astype(str)
        gap = _missing(raw)
        if gap.any():
            raise _missing_error(path, target, raw, lines, gap,
                                 "every row needs its target to be evaluated")
        y = _labels(path, target, raw, lines, class_names)
    return X, y, holes


def _short_list(items: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(repr(_clip(str(c), 40)) for c in items[:limit])
    more = f", ... ({len(items)} in all)" if len(items) > limit else ""
    return f"[{shown}{more}]"


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
            values = raw.astype(np.float32)
        except ValueError:
            bad = next(i for i, v in enumerate(raw) if not _is_number(v))
            raise ValueError(f"{path}, line {lines[bad]}, column {target!r}: "
                             f"{_clip(raw[bad])!r} is not a number (the target is a regression "
                             f"value)") from None
        bad_rows = np.flatnonzero(~np.isfinite(values))
        if len(bad_rows):
            i = int(bad_rows[0])
            raise ValueError(f"{path}, line {lines[i]}, column {target!r}: "
                             f"{_clip(raw[i])!r} is not a finite number (the target is a "
                             f"regression value); {len(bad_rows)} such row(s)")
        return values
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
                             f"{_clip(str(raw[i]))!r}; the model knows {_short_list(names)}")
    return order[pos].astype(np.int64)


def _canonical_number(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    return str(int(value)) if value.is_integer() else text
