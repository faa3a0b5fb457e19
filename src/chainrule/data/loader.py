"""`DataLoader`: mini-batches of in-memory arrays, with a resumable shuffle."""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from .dataset import Dataset


class DataLoader:
    """Iterate over ``(X_batch, y_batch)`` mini-batches of arrays.

    Without shuffling each batch is a slice (a view, no copy); with ``shuffle=True`` each epoch
    draws one permutation from a ``numpy.random.Generator`` seeded once with ``seed`` and each
    batch is one fancy-indexed copy, so there is no per-sample Python work. ``y_batch`` is
    ``None`` when ``y`` is None. ``X`` may be a `Dataset` (then ``y`` comes from it).

    ``get_state()`` / ``set_state()`` save and restore the generator and the position inside
    the current epoch as a JSON-serialisable dict, so a resumed run sees the same batches,
    bit for bit, from the batch after the last one it consumed.
    """

    def __init__(self, X: Any, y: Any = None, batch_size: int = 32, shuffle: bool = False,
                 seed: int | None = None, drop_last: bool = False) -> None:
        if isinstance(X, Dataset):
            if y is not None:
                raise ValueError("DataLoader: y must be None when X is a Dataset (it has y)")
            X, y = X.X, X.y
        X = np.asarray(X)
        if X.ndim < 1:
            raise ValueError("DataLoader: X must have a sample axis, got a scalar")
        if y is not None:
            y = np.asarray(y)
            if y.ndim < 1 or len(y) != len(X):
                raise ValueError(f"DataLoader: X and y must have the same length, got "
                                 f"{len(X)} and {len(y) if y.ndim else 'a scalar'}")
        if isinstance(batch_size, (bool, np.bool_)) or not isinstance(
                batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got "
                             f"{batch_size!r}")
        for arg, value in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"DataLoader: {arg} must be a bool, got {value!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise ValueError(f"DataLoader: seed must be a non-negative int or None, got {seed!r}")
        self.X, self.y = X, y
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = None if seed is None else int(seed)
        self._rng = np.random.default_rng(seed)
        self.epoch = 0  # completed epochs
        self._epoch_start: dict | None = None  # generator state before this epoch's shuffle
        self._position = 0  # batches consumed in the current epoch
        self._resume_at = 0

    @property
    def n_samples(self) -> int:
        return len(self.X)

    def __len__(self) -> int:
        n, b = len(self.X), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        start, self._resume_at = self._resume_at, 0
        self._epoch_start = self._rng.bit_generator.state
        self._position = start
        order = self._rng.permutation(len(self.X)) if self.shuffle else None
        return self._batches(order, start)

    def _batches(self, order: np.ndarray | None, start: int
                 ) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        X, y, b = self.X, self.y, self.batch_size
        for k in range(start, len(self)):
            if order is None:
                sl = slice(k * b, (k + 1) * b)
                xb, yb = X[sl], None if y is None else y[sl]
            else:
                idx = order[k * b:(k + 1) * b]
                xb, yb = X[idx], None if y is None else y[idx]
            self._position = k + 1
            yield xb, yb
        self.epoch += 1
        self._epoch_start = None
        self._position = 0

    def get_state(self) -> dict:
        """The loader's position: ``{"epoch", "batch", "rng"}``, all JSON-serialisable.
        ``batch`` > 0 means "inside an epoch, this many batches consumed"."""
        inside = self._epoch_start is not None and 0 < self._position < len(self)
        rng = self._epoch_start if inside else self._rng.bit_generator.state
        return {"epoch": self.epoch, "batch": self._position if inside else 0,
                "rng": _jsonable(rng), "seed": self.seed}

    def set_state(self, state: dict) -> None:
        """Restore a `get_state` dict; the next iteration continues from the saved batch."""
        try:
            epoch, batch, rng = int(state["epoch"]), int(state["batch"]), state["rng"]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"DataLoader.set_state: expected a dict from get_state() with "
                             f"'epoch', 'batch' and 'rng', got {state!r:.200}") from exc
        if not 0 <= batch < max(len(self), 1):
            raise ValueError(f"DataLoader.set_state: batch {batch} is out of range for "
                             f"{len(self)} batches per epoch")
        try:
            self._rng.bit_generator.state = rng
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"DataLoader.set_state: bad generator state ({exc})") from exc
        self.epoch = epoch
        self._resume_at = batch
        self._epoch_start = None
        self._position = 0

    def __repr__(self) -> str:
        return (f"DataLoader(n={len(self.X)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, batches={len(self)})")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
