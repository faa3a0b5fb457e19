"""The typed containers every loader returns: `Dataset` and `DatasetSplits`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

TASKS = ("binary", "multiclass", "regression")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Arrays plus what they mean.

    Attributes:
        X: features, shape ``(n, ...)``. Tabular sets are ``(n, d)`` float32; image sets keep
            their raw shape and dtype (MNIST: ``(n, 28, 28)`` uint8) -- call :meth:`flatten`
            to get ``(n, 784)`` float32 in [0, 1].
        y: targets, shape ``(n,)``: int64 class indices ``0..k-1`` for ``"binary"`` and
            ``"multiclass"``, float32 values for ``"regression"``.
        feature_names: one name per feature of the flattened ``X`` (``n_features`` names).
        class_names: ``class_names[i]`` names label ``i``; ``None`` for regression.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        name: the dataset's name, e.g. ``"heart"``.
        description: one line saying what the data is.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    class_names: list[str] | None
    task: str
    name: str
    description: str = field(default="")

    def __post_init__(self) -> None:
        if not isinstance(self.X, np.ndarray) or self.X.ndim < 1:
            raise TypeError(f"Dataset {self.name!r}: X must be a NumPy array with a sample axis, "
                            f"got {type(self.X).__name__}")
        if not isinstance(self.y, np.ndarray) or self.y.ndim != 1:
            raise TypeError(f"Dataset {self.name!r}: y must be a 1-D NumPy array, got "
                            f"{getattr(self.y, 'shape', type(self.y).__name__)}")
        if len(self.X) != len(self.y):
            raise ValueError(f"Dataset {self.name!r}: X has {len(self.X)} rows but y has "
                             f"{len(self.y)}")
        if self.task not in TASKS:
            raise ValueError(f"Dataset {self.name!r}: task must be one of {TASKS}, "
                             f"got {self.task!r}")
        if len(self.feature_names) != self.n_features:
            raise ValueError(f"Dataset {self.name!r}: {len(self.feature_names)} feature names "
                             f"for {self.n_features} features")
        if self.task == "regression":
            if self.class_names is not None:
                raise ValueError(f"Dataset {self.name!r}: a regression set has no class_names")
        else:
            if self.class_names is None:
                raise ValueError(f"Dataset {self.name!r}: task {self.task!r} needs class_names")
            k = len(self.class_names)
            if (self.task == "binary") != (k == 2):
                raise ValueError(f"Dataset {self.name!r}: task {self.task!r} with {k} classes")
            if not np.issubdtype(self.y.dtype, np.integer):
                raise TypeError(f"Dataset {self.name!r}: class labels must be integers, "
                                f"got {self.y.dtype}")
            if len(self.y) and (self.y.min() < 0 or self.y.max() >= k):
                raise ValueError(f"Dataset {self.name!r}: labels must lie in 0..{k - 1}, "
                                 f"got {self.y.min()}..{self.y.max()}")

    def __len__(self) -> int:
        return len(self.X)

    @property
    def n_samples(self) -> int:
        return len(self.X)

    @property
    def n_features(self) -> int:
        """Features per sample after flattening (784 for MNIST)."""
        return int(np.prod(self.X.shape[1:], dtype=np.int64))

    @property
    def n_classes(self) -> int | None:
        """Number of classes, or ``None`` for regression."""
        return None if self.class_names is None else len(self.class_names)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.X.shape

    def flatten(self, dtype: np.dtype | type = np.float32, scale: bool | None = None) -> Dataset:
        """Return a copy with ``X`` reshaped to ``(n, n_features)`` and cast to ``dtype``.

        ``scale=None`` (default) divides uint8 data (images) by 255 so values lie in [0, 1] and
        leaves other dtypes unchanged; ``scale=True`` demands uint8 data; ``scale=False`` never
        scales.
        """
        is_u8 = self.X.dtype == np.uint8
        if scale is True and not is_u8:
            raise ValueError(f"Dataset {self.name!r}: scale=True divides uint8 pixels by 255, "
                             f"but X is {self.X.dtype}")
        flat = self.X.reshape(len(self.X), -1)
        if is_u8 and scale is not False:
            X = np.multiply(flat, np.asarray(1.0 / 255.0, dtype=dtype), dtype=dtype)
        else:
            X = flat.astype(dtype, copy=True)
        return self._replace(X=X)

    def subset(self, indices: np.ndarray | Sequence[int] | slice) -> Dataset:
        """Rows ``indices`` of this dataset (same names, task and classes)."""
        if isinstance(indices, slice):
            return self._replace(X=self.X[indices], y=self.y[indices])
        idx = np.asarray(indices)
        if idx.dtype == bool:
            if idx.shape != (len(self),):
                raise ValueError(f"Dataset {self.name!r}: boolean mask of shape {idx.shape} "
                                 f"for {len(self)} rows")
        elif not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"Dataset {self.name!r}: indices must be integers or a boolean mask, "
                            f"got {idx.dtype}")
        return self._replace(X=self.X[idx], y=self.y[idx])

    def split(self, test_size: float | int = 0.2, *, val_size: float | int | None = None,
              stratify: bool | None = None, seed: int | None = None) -> DatasetSplits:
        """Split into train/test (and val when ``val_size`` is given).

        ``stratify=None`` stratifies classification sets and not regression sets.
        """
        from .split import split_indices

        if stratify is None:
            stratify = self.task != "regression"
        if stratify and self.task == "regression":
            raise ValueError(f"Dataset {self.name!r}: cannot stratify a regression target")
        labels = self.y if stratify else None
        sizes = {"test_size": test_size} if val_size is None else {
            "val_size": val_size, "test_size": test_size}
        parts = split_indices(len(self), labels=labels, seed=seed, **sizes)
        if val_size is None:
            train, test = parts
            return DatasetSplits(train=self.subset(train), test=self.subset(test))
        train, val, test = parts
        return DatasetSplits(train=self.subset(train), test=self.subset(test),
                             val=self.subset(val))

    def _replace(self, **changes: object) -> Dataset:
        fields = dict(X=self.X, y=self.y, feature_names=self.feature_names,
                      class_names=self.class_names, task=self.task, name=self.name,
                      description=self.description)
        fields.update(changes)
        return Dataset(**fields)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        classes = "" if self.class_names is None else f", n_classes={len(self.class_names)}"
        return (f"Dataset(name={self.name!r}, n={len(self)}, X={self.X.shape} {self.X.dtype}, "
                f"y={self.y.dtype}, task={self.task!r}{classes})")


@dataclass(frozen=True, eq=False)
class DatasetSplits:
    """Named splits of one dataset: ``train``, ``test`` and optionally ``val``."""

    train: Dataset
    test: Dataset
    val: Dataset | None = None

    @property
    def name(self) -> str:
        return self.train.name

    def __repr__(self) -> str:
        val = "" if self.val is None else f", val={len(self.val)}"
        return (f"DatasetSplits(name={self.name!r}, train={len(self.train)}{val}, "
                f"test={len(self.test)})")


def pixel_names(height: int, width: int) -> list[str]:
    """Feature names ``pixel_r_c`` in row-major order for an image of the given size."""
    return [f"pixel_{r}_{c}" for r in range(height) for c in range(width)]
