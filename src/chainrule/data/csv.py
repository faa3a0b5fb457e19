"""`load_csv`: a CSV table with a header row -> a `Dataset` ready for a network.

Rules (each can be overridden by an argument):

- An unnamed first column (R's ``write.csv`` and pandas' ``to_csv`` row index) is dropped.
- A column is numeric when its non-missing cells parse as numbers, categorical when they mostly
  do not. A numeric column with a stray non-numeric cell is an error naming the column, the line
  and the cell (list the column in ``categorical=`` if it really is categorical).
- Categorical columns are one-hot encoded in place, one feature ``"col=value"`` per category,
  categories in sorted order unless given in ``categories=``.
- The target becomes int64 class indices when it is non-numeric, or numeric with integer values
  and at most ``max_classes`` distinct values (class names: the values, sorted); otherwise it is
  a float32 regression target.
- Missing cells (``na_values``): ``missing="error"`` (default) refuses them, ``"drop"`` drops
  their rows, ``"impute"`` fills numeric columns with the column median and categorical columns
  with the most frequent category (ties: first in category order). A missing target is only
  accepted with ``"drop"``.
"""

from __future__ import annotations

import csv as _csv
import math
import os
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .dataset import Dataset

NA_VALUES = ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "?")
MISSING_POLICIES = ("error", "drop", "impute")


def read_table(path: Path | str, delimiter: str = ",") -> tuple[list[str], list[list[str]], list[int]]:
    """(header, rows of stripped cells, line numbers) of a CSV file; blank lines skipped.

    Raises FileNotFoundError, or ValueError naming the file and line (empty file, ragged
    row, malformed CSV).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CSV file not found: {path}")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = _csv.reader(f, delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None or not any(h.strip() for h in header):
                raise ValueError(f"{path}: the file is empty (no header row)")
            rows: list[list[str]] = []
            lines: list[int] = []
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise ValueError(f"{path}, line {reader.line_num}: {len(row)} fields, but the "
                                     f"header has {len(header)}")
                rows.append([cell.strip() for cell in row])
                lines.append(reader.line_num)
        except _csv.Error as exc:
            raise ValueError(f"{path}, line {reader.line_num}: {exc}") from exc
    if not rows:
        raise ValueError(f"{path}: the file has a header but no data rows")
    return [h.strip() for h in header], rows, lines


def _parse_float(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _column_error(path: Path, line: int, column: str, message: str) -> ValueError:
    return ValueError(f"{path}, line {line}, column {column!r}: {message}")


def load_csv(path: str | os.PathLike[str], target: str, *,
             categorical: Sequence[str] = (), numeric: Sequence[str] = (),
             drop: Sequence[str] = (), categories: Mapping[str, Sequence[str]] | None = None,
             class_names: Sequence[str] | None = None, task: str | None = None,
             missing: str = "error", na_values: Sequence[str] = NA_VALUES,
             max_categories: int = 50, max_classes: int = 20,
             dtype: np.dtype | type = np.float32, delimiter: str = ",",
             name: str | None = None, description: str = "") -> Dataset:
    """Load a CSV file with a header row; ``target`` names the column to predict.

    Args:
        categorical / numeric: columns whose type is forced (default: inferred, see module doc).
        drop: columns to ignore.
        categories: fixed category lists per column; a cell outside its list is an error.
        class_names: fixed target classes (label ``i`` is ``class_names[i]``); an unknown target
            value is an error.
        task: ``None`` (infer), ``"classification"``, ``"regression"``, ``"binary"`` or
            ``"multiclass"``.
        missing: ``"error"``, ``"drop"`` or ``"impute"`` (see module doc).
        max_categories: more distinct values than this in a categorical column is an error
            (likely an identifier: ``drop=`` it).
        max_classes: an integer target with more distinct values is treated as regression.
    """
    path = Path(path)
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing must be one of {MISSING_POLICIES}, got {missing!r}")
    if task not in (None, "classification", "regression", "binary", "multiclass"):
        raise ValueError(f"task must be None, 'classification', 'regression', 'binary' or "
                         f"'multiclass', got {task!r}")
    header, rows, lines = read_table(path, delimiter)
    start = 1 if header[0] == "" else 0  # unnamed row-index column
    names = header[start:]
    for i, col in enumerate(names):
        if col == "":
            raise ValueError(f"{path}: column {i + start + 1} has no name in the header")
    if len(set(names)) != len(names):
        dup = sorted({c for c in names if names.count(c) > 1})
        raise ValueError(f"{path}: duplicate column names {dup}")
    categories = dict(categories or {})
    for arg, cols in (("target", [target]), ("categorical", categorical), ("numeric", numeric),
                      ("drop", drop), ("categories", list(categories))):
        unknown = [c for c in cols if c not in names]
        if unknown:
            raise ValueError(f"{path}: {arg} names column(s) {unknown} not in the file; columns "
                             f"are {names}")
    if target in drop:
        raise ValueError(f"{path}: target column {target!r} is also listed in drop")
    clash = (set(categorical) | set(categories)) & set(numeric)
    if clash:
        raise ValueError(f"columns {sorted(clash)} are listed as both categorical and numeric")

    cells = {col: [row[start + j] for row in rows] for j, col in enumerate(names)}
    na = set(na_values)
    features = [c for c in names if c != target and c not in drop]
    used = features + [target]
    missing_rows = {c: [r for r, v in enumerate(cells[c]) if v in na] for c in used}
    keep = np.ones(len(rows), dtype=bool)
    for col in used:
        bad = missing_rows[col]
        if not bad:
            continue
        if missing == "drop":
            keep[bad] = False
        elif col == target or missing == "error":
            hint = "use missing='drop'" if col == target else "use missing='drop' or 'impute'"
            raise _column_error(path, lines[bad[0]], col,
                                f"missing value {cells[col][bad[0]]!r} ({len(bad)} in this "
                                f"column); {hint}")
    if not keep.any():
        raise ValueError(f"{path}: every row has a missing value; nothing left after dropping")
    kept = np.flatnonzero(keep)
    lines = [lines[r] for r in kept]
    cells = {c: [cells[c][r] for r in kept] for c in used}

    blocks: list[np.ndarray] = []
    feature_names: list[str] = []
    for col in features:
        values = cells[col]
        if col in categorical or col in categories:
            kind = "categorical"
        elif col in numeric:
            kind = "numeric"
        else:
            present = [v for v in values if v not in na]
            if not present:
                raise ValueError(f"{path}: column {col!r} has no values")
            parsed = sum(_parse_float(v) is not None for v in present)
            kind = "numeric" if 2 * parsed >= len(present) else "categorical"
        if kind == "numeric":
            blocks.append(_numeric_column(path, col, values, lines, na, dtype)[:, None])
            feature_names.append(col)
        else:
            onehot, cats = _categorical_column(path, col, values, lines, na,
                                               categories.get(col), max_categories, dtype)
            blocks.append(onehot)
            feature_names.extend(f"{col}={c}" for c in cats)
    if not blocks:
        raise ValueError(f"{path}: no feature columns besides the target {target!r}")
    X = np.concatenate(blocks, axis=1).astype(dtype, copy=False)
    y, classes, kind = _target(path, target, cells[target], lines, class_names, task,
                               max_classes)
    return Dataset(X=X, y=y, feature_names=feature_names, class_names=classes, task=kind,
                   name=name or path.stem, description=description or f"CSV table {path.name}")


def _numeric_column(path: Path, col: str, values: list[str], lines: list[int], na: set[str],
                    dtype: np.dtype | type) -> np.ndarray:
    out = np.empty(len(values), dtype=np.float64)
    holes = []
    for i, v in enumerate(values):
        if v in na:
            holes.append(i)
            continue
        x = _parse_float(v)
        if x is None:
            raise _column_error(path, lines[i], col,
                                f"{v!r} is not a finite number in a numeric column (list the "
                                f"column in categorical= or the value in na_values=)")
        out[i] = x
    if len(holes) == len(values):
        raise ValueError(f"{path}: column {col!r} has no values")
    if holes:  # only reached with missing="impute"
        mask = np.ones(len(values), dtype=bool)
        mask[holes] = False
        out[holes] = np.median(out[mask])
    return out.astype(dtype)


def _categorical_column(path: Path, col: str, values: list[str], lines: list[int],
                        na: set[str], fixed: Sequence[str] | None, max_categories: int,
                        dtype: np.dtype | type) -> tuple[np.ndarray, list[str]]:
    present = [v for v in values if v not in na]
    if fixed is not None:
        cats = [str(c) for c in fixed]
        if len(set(cats)) != len(cats):
            raise ValueError(f"categories[{col!r}] has duplicates: {cats}")
    else:
        cats = sorted(set(present))
        if len(cats) > max_categories:
            raise ValueError(f"{path}: column {col!r} has {len(cats)} distinct values (more than "
                             f"max_categories={max_categories}); drop= it if it is an "
                             f"identifier, or raise max_categories")
    index = {c: i for i, c in enumerate(cats)}
    codes = np.empty(len(values), dtype=np.int64)
    holes = []
    for i, v in enumerate(values):
        if v in na:
            holes.append(i)
        elif v in index:
            codes[i] = index[v]
        else:
            raise _column_error(path, lines[i], col,
                                f"unknown category {v!r}; known categories are {cats}")
    if len(holes) == len(values):
        raise ValueError(f"{path}: column {col!r} has no values")
    if holes:  # only reached with missing="impute": most frequent, ties -> first category
        mask = np.ones(len(values), dtype=bool)
        mask[holes] = False
        codes[holes] = int(np.argmax(np.bincount(codes[mask], minlength=len(cats))))
    onehot = np.zeros((len(values), len(cats)), dtype=dtype)
    onehot[np.arange(len(values)), codes] = 1
    return onehot, cats


def _is_non_finite_number(cell: str) -> bool:
    """``nan``, ``NAN``, ``inf``, ``-Infinity``...: a cell Python reads as a non-finite float."""
    try:
        return not math.isfinite(float(cell))
    except ValueError:
        return False


def _refuse_non_finite_target(path: Path, col: str, values: list[str],
                              lines: list[int]) -> None:
    """A target cell such as ``NAN`` or ``inf`` is neither a value nor a class: refuse it,
    naming its lines (the first ten)."""
    bad = [i for i, v in enumerate(values) if _is_non_finite_number(v)]
    if not bad:
        return
    where = ", ".join(str(lines[i]) for i in bad[:10]) + (", ..." if len(bad) > 10 else "")
    raise ValueError(f"{path}: target column {col!r} has {len(bad)} non-finite cell(s) "
                     f"({values[bad[0]]!r}) on line(s) {where}; a target must be a finite "
                     f"number or a class name (list the cell in na_values= to treat it as "
                     f"missing)")


def _target(path: Path, col: str, values: list[str], lines: list[int],
            class_names: Sequence[str] | None, task: str | None, max_classes: int
            ) -> tuple[np.ndarray, list[str] | None, str]:
    _refuse_non_finite_target(path, col, values, lines)
    if class_names is not None:
        names = [str(c) for c in class_names]
        index = {c: i for i, c in enumerate(names)}
        y = np.empty(len(values), dtype=np.int64)
        for i, v in enumerate(values):
            if v not in index:
                raise _column_error(path, lines[i], col,
                                    f"unknown target class {v!r}; expected one of {names}")
            y[i] = index[v]
    else:
        parsed = [_parse_float(v) for v in values]
        numeric = all(p is not None for p in parsed)
        if task == "regression":
            if not numeric:
                i = next(i for i, p in enumerate(parsed) if p is None)
                raise _column_error(path, lines[i], col,
                                    f"{values[i]!r} is not a number, but task='regression'")
            return np.asarray(parsed, dtype=np.float32), None, "regression"
        if numeric:
            nums = np.asarray(parsed, dtype=np.float64)
            distinct = np.unique(nums)
            integral = bool(np.all(distinct == np.round(distinct)))
            if task is None and not (integral and len(distinct) <= max_classes):
                return nums.astype(np.float32), None, "regression"
            if not integral:
                raise ValueError(f"{path}: target column {col!r} has non-integer numbers; it "
                                 f"cannot be a class label (use task='regression')")
            names = [str(int(v)) for v in distinct]
            y = np.searchsorted(distinct, nums).astype(np.int64)
        else:
            names = sorted(set(values))
            index = {c: i for i, c in enumerate(names)}
            y = np.asarray([index[v] for v in values], dtype=np.int64)
    k = len(names)
    if k < 2:
        raise ValueError(f"{path}: target column {col!r} has a single value {names}; nothing "
                         f"to classify")
    kind = "binary" if k == 2 else "multiclass"
    if task in ("binary", "multiclass") and task != kind:
        raise ValueError(f"{path}: task={task!r}, but target column {col!r} has {k} classes "
                         f"{names}")
    return y, names, kind
