"""An uploaded CSV of 2-D points (``x1, x2, label``) read into an `Upload`, or refused
with a message naming the line and what was expected."""
from __future__ import annotations

import csv
import io
import math

import numpy as np

from .config import LIMITS, SetupError
from .points import Upload


def _number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_csv(raw: bytes) -> Upload:
    """Rows ``x1,x2,label`` (an optional header first). Labels with two distinct integer
    values (0/1 or -1/1) make a classification problem, 3-5 integers ``0..k-1`` a
    multiclass one, anything else a regression."""
    if len(raw) > LIMITS["upload_bytes"]:
        raise SetupError(f"the upload is larger than {LIMITS['upload_bytes']:,} bytes",
                         status=413)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SetupError(f"the upload is not UTF-8 text: {exc}") from None
    rows: list[tuple[int, list[str]]] = []
    try:
        reader = csv.reader(io.StringIO(text))
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != 3:
                raise SetupError(f"line {reader.line_num}: {len(row)} columns; the upload needs "
                                 f"exactly 3 (x1, x2, label)")
            rows.append((reader.line_num, [cell.strip() for cell in row]))
            if len(rows) > LIMITS["upload_rows"] + 1:
                raise SetupError(f"the upload has more than {LIMITS['upload_rows']} rows",
                                 status=413)
    except csv.Error as exc:
        raise SetupError(f"the upload is not valid CSV: {exc}") from None
    if rows and all(_number(c) is None for c in rows[0][1]):
        rows = rows[1:]  # a header row
    if len(rows) > LIMITS["upload_rows"]:
        raise SetupError(f"the upload has {len(rows)} rows; at most {LIMITS['upload_rows']}",
                         status=413)
    if len(rows) < LIMITS["upload_min_rows"]:
        raise SetupError(f"the upload has {len(rows)} data rows; at least "
                         f"{LIMITS['upload_min_rows']} are needed")
    values = np.empty((len(rows), 3))
    for i, (line, cells) in enumerate(rows):
        for j, cell in enumerate(cells):
            v = _number(cell)
            if v is None:
                raise SetupError(f"line {line}, column {j + 1}: {cell[:40]!r} is not a finite "
                                 f"number")
            values[i, j] = v
    return _upload(values[:, :2].astype(np.float32), values[:, 2])


def _upload(X: np.ndarray, labels: np.ndarray) -> Upload:
    distinct = np.unique(labels)
    if len(distinct) < 2:
        raise SetupError("every label is the same; the upload needs at least two classes or "
                         "varying regression targets")
    integers = bool(np.all(labels == np.round(labels)))
    if integers and len(distinct) == 2 and set(distinct.tolist()) in ({0.0, 1.0}, {-1.0, 1.0}):
        return Upload(X, (labels > 0).astype(np.int64), "classification", 2)
    k = len(distinct)
    if integers and 3 <= k <= 5 and distinct.tolist() == list(range(k)):
        return Upload(X, labels.astype(np.int64), "multiclass", k)
    if integers and len(distinct) <= 5 and distinct.min() >= 0:
        raise SetupError(f"class labels must be 0/1 (or -1/1) for two classes and 0..k-1 for "
                         f"3-5 classes; got {distinct.astype(int).tolist()}")
    return Upload(X, labels.astype(np.float32), "regression", None)
