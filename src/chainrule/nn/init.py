"""Weight initialisers: ``fn(shape, rng, dtype=np.float32, **kw) -> np.ndarray``.

Every initialiser draws from the ``numpy.random.Generator`` it is given (a seed is
accepted too), so the same seed gives bit-identical weights. For a weight of shape
``(out_features, in_features)`` (the PyTorch layout), ``fan_in = in_features`` and
``fan_out = out_features``; for a vector, both are its length.

=================  =========================================================
glorot_uniform     U(-a, a),  a = gain sqrt(6 / (fan_in + fan_out))
glorot_normal      N(0, s^2), s = gain sqrt(2 / (fan_in + fan_out))
he_uniform         U(-a, a),  a = sqrt(6 / fan_in)
he_normal          N(0, s^2), s = sqrt(2 / fan_in)
lecun_uniform      U(-a, a),  a = sqrt(3 / fan_in)
lecun_normal       N(0, s^2), s = sqrt(1 / fan_in)
=================  =========================================================
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

Initializer = Callable[..., np.ndarray]


def as_generator(rng: Any, where: str = "init") -> np.random.Generator:
    """``rng`` as a Generator: a Generator as is, an int seed, or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(f"{where}: rng must be a numpy.random.Generator, an int seed or None, "
                    f"got {type(rng).__name__}")


def _shape(shape: Any, name: str) -> tuple[int, ...]:
    shp = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shp):
        raise ValueError(f"{name}: shape {shp} has a negative dimension")
    return shp


def _dtype(dtype: Any, name: str) -> np.dtype:
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{name}: expected a floating-point dtype, got {dt}")
    return dt


def fans(shape: Sequence[int]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape`` (out_features, in_features, ...)."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fans_checked(shape: tuple[int, ...], name: str) -> tuple[int, int]:
    fan_in, fan_out = fans(shape)
    if fan_in == 0 or fan_out == 0:
        raise ValueError(f"{name}: cannot compute fans of a weight of shape {shape}")
    return fan_in, fan_out


def zeros(shape: Any, rng: Any = None, dtype: Any = np.float32) -> np.ndarray:
    """All zeros (``rng`` is accepted for a uniform signature and not used)."""
    return np.zeros(_shape(shape, "zeros"), dtype=_dtype(dtype, "zeros"))


def constant(shape: Any, rng: Any = None, dtype: Any = np.float32,
             value: float = 0.0) -> np.ndarray:
    """Every entry equal to ``value``."""
    return np.full(_shape(shape, "constant"), value, dtype=_dtype(dtype, "constant"))


def _uniform(shape: tuple[int, ...], rng: Any, dtype: np.dtype, low: float, high: float,
             name: str) -> np.ndarray:
    gen = as_generator(rng, name)
    return gen.uniform(low, high, size=shape).astype(dtype, copy=False)


def _normal(shape: tuple[int, ...], rng: Any, dtype: np.dtype, mean: float, std: float,
            name: str) -> np.ndarray:
    gen = as_generator(rng, name)
    return (mean + std * gen.standard_normal(size=shape)).astype(dtype, copy=False)


def uniform(shape: Any, rng: Any = None, dtype: Any = np.float32, low: float = -0.05,
            high: float = 0.05) -> np.ndarray:
    """U(low, high)."""
    if not low < high:
        raise ValueError(f"uniform: expected low < high, got low={low}, high={high}")
    return _uniform(_shape(shape, "uniform"), rng, _dtype(dtype, "uniform"), low, high,
                    "uniform")


def normal(shape: Any, rng: Any = None, dtype: Any = np.float32, mean: float = 0.0,
           std: float = 0.05) -> np.ndarray:
    """N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"normal: std must be >= 0, got {std}")
    return _normal(_shape(shape, "normal"), rng, _dtype(dtype, "normal"), mean, std, "normal")


def _variance_scaling(shape: Any, rng: Any, dtype: Any, name: str, scale: float,
                      fan: str, distribution: str, gain: float = 1.0) -> np.ndarray:
    """Weights of variance gain^2 * scale / n, n = fan_in, or fan_in + fan_out ("avg"):
    U(-a, a) with a = gain sqrt(3 scale / n), or N(0, s^2) with s = gain sqrt(scale / n)."""
    shp = _shape(shape, name)
    fan_in, fan_out = _fans_checked(shp, name)
    n = fan_in if fan == "in" else fan_in + fan_out
    if distribution == "uniform":
        a = gain * np.sqrt(3.0 * scale / n)
        return _uniform(shp, rng, _dtype(dtype, name), -a, a, name)
    return _normal(shp, rng, _dtype(dtype, name), 0.0, gain * np.sqrt(scale / n), name)


def glorot_uniform(shape: Any, rng: Any = None, dtype: Any = np.float32,
                   gain: float = 1.0) -> np.ndarray:
    """Glorot & Bengio (2010): U(-a, a), a = gain sqrt(6 / (fan_in + fan_out))."""
    return _variance_scaling(shape, rng, dtype, "glorot_uniform", 2.0, "avg", "uniform", gain)


def glorot_normal(shape: Any, rng: Any = None, dtype: Any = np.float32,
                  gain: float = 1.0) -> np.ndarray:
    """Glorot & Bengio (2010): N(0, s^2), s = gain sqrt(2 / (fan_in + fan_out))."""
    return _variance_scaling(shape, rng, dtype, "glorot_normal", 2.0, "avg", "normal", gain)


def he_uniform(shape: Any, rng: Any = None, dtype: Any = np.float32) -> np.ndarray:
    """He et al. (2015), for ReLU layers: U(-a, a), a = sqrt(6 / fan_in)."""
    return _variance_scaling(shape, rng, dtype, "he_uniform", 2.0, "in", "uniform")


def he_normal(shape: Any, rng: Any = None, dtype: Any = np.float32) -> np.ndarray:
    """He et al. (2015), for ReLU layers: N(0, s^2), s = sqrt(2 / fan_in)."""
    return _variance_scaling(shape, rng, dtype, "he_normal", 2.0, "in", "normal")


def lecun_uniform(shape: Any, rng: Any = None, dtype: Any = np.float32) -> np.ndarray:
    """LeCun (1998): U(-a, a), a = sqrt(3 / fan_in) (variance 1 / fan_in)."""
    return _variance_scaling(shape, rng, dtype, "lecun_uniform", 1.0, "in", "uniform")


def lecun_normal(shape: Any, rng: Any = None, dtype: Any = np.float32) -> np.ndarray:
    """LeCun (1998): N(0, s^2), s = sqrt(1 / fan_in)."""
    return _variance_scaling(shape, rng, dtype, "lecun_normal", 1.0, "in", "normal")


xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal

INITIALIZERS: dict[str, Initializer] = {
    "zeros": zeros, "constant": constant, "normal": normal, "uniform": uniform,
    "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal,
    "xavier_uniform": glorot_uniform, "xavier_normal": glorot_normal,
    "he_uniform": he_uniform, "he_normal": he_normal,
    "kaiming_uniform": he_uniform, "kaiming_normal": he_normal,
    "lecun_uniform": lecun_uniform, "lecun_normal": lecun_normal,
}


def get_initializer(init: str | Initializer, where: str = "init") -> Initializer:
    """An initialiser by name (see ``INITIALIZERS``) or the callable itself."""
    if callable(init):
        return init
    if isinstance(init, str) and init in INITIALIZERS:
        return INITIALIZERS[init]
    raise ValueError(f"{where}: unknown initialiser {init!r}; expected a callable or one of "
                     f"{sorted(INITIALIZERS)}")


def initializer_name(init: str | Initializer) -> str | None:
    """The registered name of ``init`` (its canonical name), or None for a custom callable."""
    if isinstance(init, str):
        return init
    for name, fn in INITIALIZERS.items():
        if fn is init:
            return fn.__name__ if fn.__name__ in INITIALIZERS else name
    return None


__all__ = [
    "INITIALIZERS", "as_generator", "constant", "fans", "get_initializer", "glorot_normal",
    "glorot_uniform", "he_normal", "he_uniform", "initializer_name", "kaiming_normal",
    "kaiming_uniform", "lecun_normal", "lecun_uniform", "normal", "uniform", "xavier_normal",
    "xavier_uniform", "zeros",
]
