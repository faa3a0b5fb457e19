"""The 2-D data sets of TensorFlow Playground (src/dataset.ts), vectorised with NumPy.

Every generator takes ``n`` (points), ``noise`` (Playground's slider is 0..50 %, i.e.
``noise`` in [0, 0.5]; larger values are allowed) and ``seed`` (``numpy.random.default_rng``),
returns a `Dataset` with ``X`` of shape ``(n, 2)`` (features ``x1``, ``x2``) and is
deterministic under its seed. Rows come shuffled, as in Playground. Labels are {0, 1}:
Playground's -1 is 0 and +1 is 1. ``U(a, b)`` below is a uniform draw, ``N(0, 1)`` a normal one.

How ``noise`` acts follows Playground exactly: for circle, xor, plane and multi_gaussian the
points are noise-free and only the *label* is computed at a jittered copy of the point
(so noise blurs the boundary); for gaussian and spiral the *points* move.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .dataset import Dataset

FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2")
_ALIASES = {"x1²": "x1^2", "x2²": "x2^2", "x1·x2": "x1*x2", "sin(x1)": "sin x1",
            "sin(x2)": "sin x2"}


def _check(n: int, noise: float, n_classes: int = 2) -> None:
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) \
            or n_classes < 2:
        raise ValueError(f"n_classes must be an int >= 2, got {n_classes!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < n_classes:
        raise ValueError(f"n must be an int >= {n_classes} (one point per class), got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.number)) \
            or not math.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0 (Playground uses 0..0.5), "
                         f"got {noise!r}")


def _sizes(n: int, k: int) -> np.ndarray:
    """``n`` points split over ``k`` classes as evenly as possible (first classes get extra)."""
    return np.array([n // k + (1 if j < n % k else 0) for j in range(k)], dtype=np.int64)


def _classification(name: str, X: np.ndarray, y: np.ndarray, class_names: list[str],
                    rng: np.random.Generator, dtype: np.dtype | type, description: str
                    ) -> Dataset:
    order = rng.permutation(len(X))
    return Dataset(X=X[order].astype(dtype), y=y[order].astype(np.int64),
                   feature_names=["x1", "x2"], class_names=class_names,
                   task="binary" if len(class_names) == 2 else "multiclass", name=name,
                   description=description)


def circle(n: int = 500, noise: float = 0.0, seed: int | None = None, *,
           dtype: np.dtype | type = np.float32) -> Dataset:
    """A disc inside a ring. Label 1 ("inside"): ceil(n/2) points with radius
    ``r ~ U(0, 2.5)``; label 0 ("outside"): floor(n/2) points with ``r ~ U(3.5, 5)``; angle
    ``a ~ U(0, 2 pi)``, point ``(r sin a, r cos a)``. The label is ``1 if |p + e| < 2.5 else 0``
    with jitter ``e ~ noise * U(-5, 5)^2``; the stored point ``p`` has no noise.
    """
    _check(n, noise)
    rng = np.random.default_rng(seed)
    n_out, n_in = _sizes(n, 2)[::-1]
    r = np.concatenate([rng.uniform(0.0, 2.5, n_in), rng.uniform(3.5, 5.0, n_out)])
    a = rng.uniform(0.0, 2.0 * np.pi, n)
    X = np.stack([r * np.sin(a), r * np.cos(a)], axis=1)
    jitter = rng.uniform(-5.0, 5.0, (n, 2)) * noise
    y = (np.hypot(*(X + jitter).T) < 2.5).astype(np.int64)
    return _classification("circle", X, y, ["outside", "inside"], rng, dtype,
                           "Playground circle: disc (label 1) inside a ring (label 0)")


def xor(n: int = 500, noise: float = 0.0, seed: int | None = None, *,
        dtype: np.dtype | type = np.float32) -> Dataset:
    """The four quadrants. ``u, v ~ U(-5, 5)`` pushed 0.3 away from the axes
    (``x1 = u + 0.3 sign(u)``, with sign(0) = -1), so ``|x1|, |x2|`` lie in [0.3, 5.3].
    Label ``1 if (x1 + e1) (x2 + e2) >= 0 else 0`` with ``e ~ noise * U(-5, 5)^2``; the stored
    point has no noise.
    """
    _check(n, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-5.0, 5.0, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    jitter = rng.uniform(-5.0, 5.0, (n, 2)) * noise
    noisy = X + jitter
    y = (noisy[:, 0] * noisy[:, 1] >= 0).astype(np.int64)
    return _classification("xor", X, y, ["x1*x2 < 0", "x1*x2 >= 0"], rng, dtype,
                           "Playground XOR: label 1 where x1 and x2 have the same sign")


def gaussian(n: int = 500, noise: float = 0.0, seed: int | None = None, *,
             n_classes: int = 2, dtype: np.dtype | type = np.float32) -> Dataset:
    """Gaussian blobs with variance ``s2 = 0.5 + 7 noise`` (Playground maps noise 0..0.5 to
    variance 0.5..4): ``x = c_j + sqrt(s2) N(0, 1)^2``.

    Two classes (Playground): label 1 at ``c = (2, 2)``, label 0 at ``c = (-2, -2)``.
    ``n_classes = k``: centres on the circle of radius ``2 sqrt 2`` at angles
    ``5 pi / 4 + 2 pi j / k`` (k = 2 gives the two Playground blobs with the same labels);
    class ``j`` has about ``n / k`` points.
    """
    _check(n, noise, n_classes)
    rng = np.random.default_rng(seed)
    sizes = _sizes(n, n_classes)
    theta = 5.0 * np.pi / 4.0 + 2.0 * np.pi * np.arange(n_classes) / n_classes
    centres = 2.0 * math.sqrt(2.0) * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    y = np.repeat(np.arange(n_classes), sizes)
    X = centres[y] + math.sqrt(0.5 + 7.0 * noise) * rng.standard_normal((n, 2))
    return _classification("gaussian", X, y, [str(j) for j in range(n_classes)], rng, dtype,
                           f"Playground Gaussian blobs, {n_classes} classes")


def spiral(n: int = 500, noise: float = 0.0, seed: int | None = None, *,
           n_classes: int = 2, dtype: np.dtype | type = np.float32) -> Dataset:
    """Interleaved spiral arms. Arm ``j`` with ``m`` points, ``i = 0..m-1``:
    ``r = 5 i / m``, ``t = 1.75 (2 pi) i / m + d_j``,
    ``x = (r sin t, r cos t) + noise U(-1, 1)^2``.

    Two classes (Playground): ``d = 0`` is label 1 and ``d = pi`` label 0.
    ``n_classes = k``: ``d_j = pi + 2 pi j / k`` for label ``j`` (k = 2 gives Playground's).
    """
    _check(n, noise, n_classes)
    rng = np.random.default_rng(seed)
    sizes = _sizes(n, n_classes)
    y = np.repeat(np.arange(n_classes), sizes)
    m = sizes[y].astype(np.float64)
    i = np.concatenate([np.arange(s) for s in sizes]).astype(np.float64)
    r = 5.0 * i / m
    t = 1.75 * 2.0 * np.pi * i / m + np.pi + 2.0 * np.pi * y / n_classes
    X = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    X += rng.uniform(-1.0, 1.0, (n, 2)) * noise
    return _classification("spiral", X, y, [str(j) for j in range(n_classes)], rng, dtype,
                           f"Playground spiral, {n_classes} arms")


def _regression(name: str, X: np.ndarray, target: np.ndarray, rng: np.random.Generator,
                dtype: np.dtype | type, description: str) -> Dataset:
    order = rng.permutation(len(X))
    return Dataset(X=X[order].astype(dtype), y=target[order].astype(np.float32),
                   feature_names=["x1", "x2"], class_names=None, task="regression", name=name,
                   description=description)


def plane(n: int = 500, noise: float = 0.0, seed: int | None = None, *,
          dtype: np.dtype | type = np.float32) -> Dataset:
    """Regression on a tilted plane: ``x ~ U(-6, 6)^2``, target ``((x1 + e1) + (x2 + e2)) / 10``
    with ``e ~ noise * U(-6, 6)^2`` (Playground's linear map of [-10, 10] to [-1, 1], not
    clamped, so noise-free targets lie in [-1.2, 1.2]).
    """
    _check(n, noise, 2)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-6.0, 6.0, (n, 2))
    jitter = rng.uniform(-6.0, 6.0, (n, 2)) * noise
    target = (X + jitter).sum(axis=1) / 10.0
    return _regression("plane", X, target, rng, dtype, "Playground plane: y = (x1 + x2) / 10")


MULTI_GAUSSIAN_CENTRES = np.array([[-4.0, 2.5, 1.0], [0.0, 2.5, -1.0], [4.0, 2.5, 1.0],
                                   [-4.0, -2.5, -1.0], [0.0, -2.5, 1.0], [4.0, -2.5, -1.0]])


def multi_gaussian(n: int = 500, noise: float = 0.0, seed: int | None = None, *,
                   dtype: np.dtype | type = np.float32) -> Dataset:
    """Regression on six signed bumps: ``x ~ U(-6, 6)^2``; each centre ``c_j`` with sign
    ``s_j`` (``MULTI_GAUSSIAN_CENTRES``: (+-4 or 0, +-2.5), signs alternating) gives
    ``f_j = s_j max(0, 1 - |x + e - c_j| / 2)`` and the target is the ``f_j`` of largest
    absolute value (the first on ties; 0 far from all centres), so targets lie in [-1, 1].
    Jitter ``e ~ noise * U(-6, 6)^2``; the stored point has no noise.
    """
    _check(n, noise, 2)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-6.0, 6.0, (n, 2))
    noisy = X + rng.uniform(-6.0, 6.0, (n, 2)) * noise
    d = np.hypot(noisy[:, None, 0] - MULTI_GAUSSIAN_CENTRES[:, 0],
                 noisy[:, None, 1] - MULTI_GAUSSIAN_CENTRES[:, 1])
    f = MULTI_GAUSSIAN_CENTRES[:, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)
    target = f[np.arange(n), np.argmax(np.abs(f), axis=1)]
    return _regression("multi-gaussian", X, target, rng, dtype,
                       "Playground multi-Gaussian: six signed bumps")


def playground_features(X: np.ndarray, names: Sequence[str] = FEATURES, *,
                        dtype: np.dtype | type = np.float32) -> tuple[np.ndarray, list[str]]:
    """Playground's input features of 2-D points ``X`` ``(n, 2)``: any of ``x1, x2, x1^2, x2^2,
    x1*x2, sin x1, sin x2`` (also accepted: ``x1²``, ``x1·x2``, ``sin(x1)``...), in the order
    asked. Returns ``(features (n, len(names)) dtype, canonical names)``."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"playground_features needs points of shape (n, 2), got {X.shape}")
    if isinstance(names, str):
        raise TypeError("names must be a sequence of feature names, not a single string")
    canonical = [_ALIASES.get(nm, nm) for nm in names]
    unknown = [nm for nm, c in zip(names, canonical) if c not in FEATURES]
    if unknown:
        raise ValueError(f"unknown playground feature(s) {unknown}; choose from {list(FEATURES)}")
    if not canonical:
        raise ValueError("names is empty; choose at least one of " + ", ".join(FEATURES))
    x1, x2 = X[:, 0].astype(np.float64), X[:, 1].astype(np.float64)
    make = {"x1": lambda: x1, "x2": lambda: x2, "x1^2": lambda: x1 * x1,
            "x2^2": lambda: x2 * x2, "x1*x2": lambda: x1 * x2,
            "sin x1": lambda: np.sin(x1), "sin x2": lambda: np.sin(x2)}
    out = np.empty((len(X), len(canonical)), dtype=dtype)
    for j, nm in enumerate(canonical):
        out[:, j] = make[nm]()
    return out, canonical
