"""Layers that hold parameters or state: ``Sequential``, ``Linear``, ``Maxout``, ``Dropout``.

``Linear`` computes the lecture's a = W z + b for a batch of rows, x W^T + b, with W of
shape (out_features, in_features) (PyTorch's layout) in one fused primitive.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping

import numpy as np

from ..autodiff import Tensor, replayed
from ..extend import wrap_array
from . import functional as F
from .init import as_generator, get_initializer, initializer_name
from .module import Module, RandomMixin, dtype_name, from_config, register_module
from .parameter import Parameter


@register_module
class Sequential(Module):
    """Modules applied in order; ``seq[i]``, ``len(seq)``, iteration; names "0", "1", ..."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        self._layers: list[Module] = []
        for layer in layers:
            self.append(layer)

    def append(self, layer: Module) -> "Sequential":
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential: expected a Module, got {type(layer).__name__} at "
                            f"position {len(self._layers)}")
        setattr(self, str(len(self._layers)), layer)
        self._layers.append(layer)
        return self

    def forward(self, x: Any) -> Any:
        for layer in self._layers:
            x = layer(x)
        return x

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Sequential(*self._layers[index])
        return self._layers[index]

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._layers)

    def get_config(self) -> dict[str, Any]:
        return {"class": "Sequential", "layers": [m.get_config() for m in self._layers]}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Sequential":
        return cls(*[from_config(c) for c in config.get("layers", [])])


def _positive_int(value: Any, what: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {what} must be a positive int, got {value!r}")
    return int(value)


def _float_dtype(dtype: Any, where: str) -> np.dtype:
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{where}: dtype must be floating point, got {dt}")
    return dt


def _seed_of(rng: Any) -> int | None:
    return int(rng) if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) else None


class _Affine(Module):
    """Shared by Linear and Maxout: a weight (rows, in) and bias (rows,), input checks."""

    in_features: int
    weight: Parameter
    bias: Parameter | None

    def _build(self, rows: int, bias: bool, init: Any, bias_init: Any, rng: Any,
               dtype: Any) -> None:
        where = self._name
        self.dtype = _float_dtype(dtype, where)
        self.init = "glorot_uniform" if init is None else init
        self.bias_init = "zeros" if bias_init is None else bias_init
        w_init = get_initializer(self.init, where)
        b_init = get_initializer(self.bias_init, where)
        gen = as_generator(rng, where)
        self.seed = _seed_of(rng)
        # column-major (rows, in): x Wᵀ and the gradient (Xᵀ G)ᵀ are the faster BLAS
        # products, and the gradient comes out in the weight's own layout
        self.weight = Parameter(np.asfortranarray(w_init((rows, self.in_features), gen,
                                                         dtype=self.dtype)), dtype=self.dtype)
        self.bias = Parameter(b_init((rows,), gen, dtype=self.dtype),
                              dtype=self.dtype) if bias else None

    def _set_dtype(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    def _checked(self, x: Any) -> Tensor | np.ndarray:
        """``x`` as a Tensor of the layer's dtype, last dimension in_features (an ndarray
        of that dtype and shape is returned as it is: a constant input)."""
        dtype = self.weight.data.dtype
        if type(x) is np.ndarray and x.dtype is dtype:  # the training loop's case
            shape = x.shape
            if shape and shape[-1] == self.in_features:
                return x
        if type(x) is np.ndarray:
            x = wrap_array(_as_dtype(x, dtype))
        elif not isinstance(x, Tensor):
            x = wrap_array(np.asarray(x, dtype=dtype))
        shape = x.data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(f"{self._name}: expected input with last dimension "
                             f"{self.in_features}, got shape {shape}")
        if x.data.dtype != self.weight.data.dtype:
            raise TypeError(f"{self._name}: input has dtype {x.data.dtype} but the layer's "
                            f"parameters are {self.weight.data.dtype}; cast the input with "
                            f".astype() or the model with model.astype()")
        return x

    def _affine_config(self) -> dict[str, Any]:
        return {"bias": self.bias is not None, "init": initializer_name(self.init),
                "bias_init": initializer_name(self.bias_init), "rng": self.seed,
                "dtype": dtype_name(self.dtype)}


@replayed
def _as_dtype(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """An input array in the layer's dtype (a step of compiled programs: each new batch is
    converted)."""
    return np.asarray(x, dtype=dtype)


@register_module
class Linear(_Affine):
    """Fully connected layer: ``x @ weight.T + bias``.

    Args:
        init: weight initialiser, a name of :mod:`chainrule.nn.init` or a callable
            ``fn(shape, rng, dtype)``; ``bias_init`` likewise.
        rng: a ``numpy.random.Generator``, an int seed (reproducible bit for bit) or None
            (fresh entropy).

    Input: a Tensor of the layer's dtype, or raw data (lists, NumPy arrays of any numeric
    dtype) which is converted to it; the last dimension must be ``in_features``. A custom
    initialiser callable is recorded as ``None`` in ``get_config()`` (the weights
    themselves travel in ``state_dict()``).

    ``weight`` has shape (out_features, in_features) and is stored column-major (in memory
    it is the (in, out) matrix), so that ``x @ weight.T`` and the weight gradient
    (Xᵀ G)ᵀ are the faster OpenBLAS products; the gradient has the weight's layout.
    Values and shapes are unaffected; only code that needs a flat *view* of the weight
    should use ``weight.data.reshape(-1, order="A")`` or index it by (row, column).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init: Any = "glorot_uniform", bias_init: Any = "zeros", rng: Any = None,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features", "Linear")
        self.out_features = _positive_int(out_features, "out_features", "Linear")
        self._name = f"Linear({self.in_features} -> {self.out_features})"
        self._build(self.out_features, bias, init, bias_init, rng, dtype)

    def forward(self, x: Any) -> Tensor:
        return F.linear(self._checked(x), self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")

    def get_config(self) -> dict[str, Any]:
        return {"class": "Linear", "in_features": self.in_features,
                "out_features": self.out_features, **self._affine_config()}


@register_module
class Maxout(_Affine):
    """Maxout unit (Goodfellow et al., 2013): h_j = max_i (w_ij^T x + b_ij), k pieces each.

    ``weight`` is (out_features * pieces, in_features): rows j*k .. j*k + k - 1 are the
    pieces of unit j. Ties share the gradient evenly.
    """

    def __init__(self, in_features: int, out_features: int, pieces: int = 2,
                 bias: bool = True, init: Any = "glorot_uniform", bias_init: Any = "zeros",
                 rng: Any = None, dtype: Any = np.float32) -> None:
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features", "Maxout")
        self.out_features = _positive_int(out_features, "out_features", "Maxout")
        self.pieces = _positive_int(pieces, "pieces", "Maxout")
        self._name = f"Maxout({self.in_features} -> {self.out_features}, pieces={self.pieces})"
        self._build(self.out_features * self.pieces, bias, init, bias_init, rng, dtype)

    def forward(self, x: Any) -> Tensor:
        return F.maxout(F.linear(self._checked(x), self.weight, self.bias), self.pieces)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"pieces={self.pieces}")

    def get_config(self) -> dict[str, Any]:
        return {"class": "Maxout", "in_features": self.in_features,
                "out_features": self.out_features, "pieces": self.pieces,
                **self._affine_config()}


@register_module
class Dropout(RandomMixin, Module):
    """Inverted dropout with probability ``p`` in training mode; the identity in eval mode.

    The mask comes from ``self.rng`` (seeded by ``rng``); ``get_rng_state()`` /
    ``set_rng_state()`` save and restore it so a run resumes bit for bit.
    """

    def __init__(self, p: float = 0.5, rng: Any = None) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self.rng = as_generator(rng, "Dropout")
        self.seed = _seed_of(rng)

    def forward(self, x: Any) -> Tensor:
        return F.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"

    def get_config(self) -> dict[str, Any]:
        return {"class": "Dropout", "p": self.p, "rng": self.seed}


__all__ = ["Dropout", "Linear", "Maxout", "Sequential"]
