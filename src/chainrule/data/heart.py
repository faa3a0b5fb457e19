"""The ISLR Heart table (303 patients, 13 predictors, target AHD), shipped with the package.

Source and credit: ``files/NOTICE.md``.
"""

from __future__ import annotations

import csv as _csv
import os
from importlib import resources
from pathlib import Path

import numpy as np

from .csv import load_csv
from .dataset import Dataset
from .mnist import sha256_file

HEART_SHA256 = "8d2f18114152427beb57b7a4df4ab71fd41c010136fdaeaf6f168770f865b368"
HEART_COLUMNS = ("Age", "Sex", "ChestPain", "RestBP", "Chol", "Fbs", "RestECG", "MaxHR",
                 "ExAng", "Oldpeak", "Slope", "Ca", "Thal", "AHD")
HEART_CATEGORIES = {
    "ChestPain": ("asymptomatic", "nonanginal", "nontypical", "typical"),
    "Thal": ("fixed", "normal", "reversable"),
}
HEART_NUMERIC = ("Age", "Sex", "RestBP", "Chol", "Fbs", "RestECG", "MaxHR", "ExAng", "Oldpeak",
                 "Slope", "Ca")


def heart_csv_path() -> Path:
    """Path of the bundled ``Heart.csv``."""
    return Path(str(resources.files("chainrule.data").joinpath("files", "Heart.csv")))


def heart(missing: str = "drop", *, dtype: np.dtype | type = np.float32,
          path: str | os.PathLike[str] | None = None) -> Dataset:
    """The Heart data of *An Introduction to Statistical Learning*: predict AHD (angiographic
    heart disease, ``class_names=["No", "Yes"]``, Yes = 1) from 13 predictors; task "binary".

    Features (18 columns, in table order, categoricals one-hot in place with every category
    kept): Age, Sex, ChestPain=asymptomatic, ChestPain=nonanginal, ChestPain=nontypical,
    ChestPain=typical, RestBP, Chol, Fbs, RestECG, MaxHR, ExAng, Oldpeak, Slope, Ca,
    Thal=fixed, Thal=normal, Thal=reversable. Sex, Fbs, ExAng (0/1), RestECG (0-2), Slope (1-3)
    and Ca (0-3) stay numeric, as in ISLR. Values are raw (not standardised).

    Missing values (Ca: 4 rows, Thal: 2 rows): ``missing="drop"`` (default) drops those 6 rows,
    leaving 297; ``missing="impute"`` keeps all 303, filling Ca with its median (0) and Thal
    with its most frequent value ("normal"), both computed on the whole table.

    ``path`` reads another copy of the table (same columns); the bundled file is checked against
    its SHA-256 first.
    """
    if missing not in ("drop", "impute"):
        raise ValueError(f"missing must be 'drop' or 'impute', got {missing!r}")
    if path is None:
        path = heart_csv_path()
        actual = sha256_file(path)
        if actual != HEART_SHA256:
            raise ValueError(f"{path}: SHA-256 {actual} does not match {HEART_SHA256}; the "
                             f"installed package is damaged, reinstall chainrule")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Heart CSV not found: {path}")
    with open(path, newline="", encoding="utf-8-sig") as f:
        header = [h.strip() for h in next(_csv.reader(f), [])]
    columns = tuple(h for h in header if h)
    if columns != HEART_COLUMNS:
        raise ValueError(f"{path}: expected the Heart columns {list(HEART_COLUMNS)}, "
                         f"got {list(columns)}")
    return load_csv(path, target="AHD", numeric=HEART_NUMERIC, categories=HEART_CATEGORIES,
                    class_names=["No", "Yes"], missing=missing, na_values=("NA", ""),
                    dtype=dtype, name="heart",
                    description="ISLR Heart: angiographic heart disease (AHD) from 13 "
                                "clinical predictors, 303 patients")
