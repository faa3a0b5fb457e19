"""scikit-learn's bundled 8x8 handwritten digits (UCI optdigits test set), offline."""

from __future__ import annotations

import numpy as np

from .dataset import Dataset, pixel_names

SKLEARN_HINT = 'pip install "chainrule[data]"'


def _load_sklearn_digits():  # -> sklearn.utils.Bunch
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(f"digits() reads the copy bundled with scikit-learn, which is not "
                          f"installed: {SKLEARN_HINT}") from exc
    return load_digits()


def digits(*, scale: bool = True, images: bool = False,
           dtype: np.dtype | type = np.float32) -> Dataset:
    """The 1,797 8x8 handwritten digits bundled with scikit-learn (no network needed).

    Pixels are counts 0..16 (a 4x4 block of the 32x32 original). ``scale=True`` (default)
    divides by 16 so features lie in [0, 1]; ``scale=False`` keeps the counts. ``X`` is
    ``(1797, 64)`` with feature names ``pixel_r_c``, or ``(1797, 8, 8)`` with ``images=True``.
    ``y`` is int64 in 0..9 with class names "0".."9"; task "multiclass".
    Needs scikit-learn (``pip install "chainrule[data]"``).
    """
    bunch = _load_sklearn_digits()
    X = np.asarray(bunch.data, dtype=np.float64)
    if scale:
        X = X / 16.0
    X = X.astype(dtype)
    if images:
        X = X.reshape(-1, 8, 8)
    return Dataset(X=X, y=np.asarray(bunch.target, dtype=np.int64),
                   feature_names=pixel_names(8, 8), class_names=[str(d) for d in range(10)],
                   task="multiclass", name="digits",
                   description="8x8 handwritten digits bundled with scikit-learn, 1,797 images")
