"""``Tensor``: an ndarray plus what reverse and forward mode need to know about it.

dtype policy: Python numbers and lists become float32 (the training dtype) unless a dtype
is given; NumPy arrays keep their dtype (float64 for gradient checks, int64 for labels).
Float ops cast integer inputs to float32; mixing float32 and float64 operands is an error,
never a silent upcast.
"""
from __future__ import annotations

import itertools
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from ._state import state

_DEFAULT_FLOAT = np.dtype(np.float32)
next_seq = itertools.count().__next__
"""Creation stamp: a tensor is always stamped after its inputs, so decreasing stamps are a
topological order of any graph (reverse mode walks it with a heap)."""


def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(data, Tensor):
        arr = data.data
        return arr if dtype is None else arr.astype(dtype, copy=False)
    if isinstance(data, np.ndarray):
        return data if dtype is None else data.astype(dtype, copy=False)
    if isinstance(data, np.generic):
        return np.asarray(data, dtype=dtype)
    if dtype is None:
        arr = np.asarray(data)
        if arr.dtype.kind in "iuf" or arr.dtype == object:
            try:
                return arr.astype(_DEFAULT_FLOAT)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"Tensor: cannot convert {type(data).__name__} to a float "
                                f"array: {exc}") from None
        return arr
    return np.asarray(data, dtype=dtype)


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    Tensor([2., 4.], dtype=float32)

    Calling ``backward`` twice on the same graph is well defined: the graph is kept, the
    second call adds the same gradients to ``.grad`` again (like PyTorch with
    ``retain_graph=True``). Call ``zero_grad()`` (or an optimiser's) between steps.
    """

    __slots__ = ("data", "_grad", "requires_grad", "_prim", "_parents", "_params", "_vals",
                 "_grad_idx", "_seq", "_tangent", "name", "__weakref__")
    __array_ufunc__ = None  # make ``ndarray * Tensor`` defer to Tensor.__rmul__
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 name: str | None = None) -> None:
        arr = _to_array(data, dtype)
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, got dtype "
                            f"{arr.dtype}; create it with dtype=np.float32 or np.float64")
        self.data = arr
        self._grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self._prim = None
        self._parents: tuple = ()
        self._params = None
        self._vals = None
        self._grad_idx: Any = ()
        self._seq = next_seq()
        self._tangent = None
        self.name = name

    # ----------------------------------------------------------------- properties
    @property
    def grad(self) -> "Tensor | None":
        """The gradient accumulated by ``backward()`` (None until then)."""
        g = self._grad
        if type(g) is np.ndarray:  # stored by backward as an array: wrapped when first read
            g = self._grad = wrap_array(g)
        return g

    @property
    def grad_array(self) -> "np.ndarray | None":
        """``.grad``'s ndarray (None until ``backward()``), without making a Tensor: what an
        optimiser reads."""
        g = self._grad
        return g.data if isinstance(g, Tensor) else g

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        self._grad = value
        tracer = state.tracer
        if tracer is not None:  # a compiled function sets it again on every replay
            tracer.record(_set_grad, (self, value), None, None)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self._prim is None

    @property
    def T(self) -> "Tensor":
        return _ops.transpose(self)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = f", dtype={self.data.dtype}"
        if self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __iter__(self) -> Iterator["Tensor"]:
        for i in range(len(self)):
            yield self[i]

    __hash__ = object.__hash__

    # -------------------------------------------------------------- conversions
    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def astype(self, dtype: Any) -> "Tensor":
        """Differentiable cast (the gradient is cast back to this tensor's dtype)."""
        return _ops.cast(self, dtype=np.dtype(dtype))

    def detach(self) -> "Tensor":
        """The same data, cut from the graph."""
        return Tensor(self.data)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        if not self.is_leaf:
            raise ValueError("requires_grad_ can only be set on leaf tensors; use "
                             ".detach().requires_grad_() for a computed tensor")
        if flag and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, got "
                            f"dtype {self.data.dtype}")
        self.requires_grad = flag
        return self

    def zero_grad(self) -> None:
        self.grad = None

    # --------------------------------------------------------------- autodiff
    def backward(self, gradient: Any = None, create_graph: bool = False) -> None:
        """Reverse mode: add d(self)/d(leaf) to ``leaf.grad`` for every leaf that requires it.

        ``gradient`` is the seed (required unless ``self`` has one element).
        ``create_graph=True`` records the backward pass, so ``.grad`` can be differentiated.
        """
        global _backward
        if _backward is None:
            from .backprop import backprop as _backward
        _backward(self, gradient, create_graph=create_graph)

    # --------------------------------------------------------------- operators
    def __add__(self, other: Any) -> "Tensor":
        return _apply(_P.add_p, self, other)

    def __radd__(self, other: Any) -> "Tensor":
        return _apply(_P.add_p, other, self)

    def __sub__(self, other: Any) -> "Tensor":
        return _apply(_P.subtract_p, self, other)

    def __rsub__(self, other: Any) -> "Tensor":
        return _apply(_P.subtract_p, other, self)

    def __mul__(self, other: Any) -> "Tensor":
        return _apply(_P.multiply_p, self, other)

    def __rmul__(self, other: Any) -> "Tensor":
        return _apply(_P.multiply_p, other, self)

    def __truediv__(self, other: Any) -> "Tensor":
        return _apply(_P.divide_p, self, other)

    def __rtruediv__(self, other: Any) -> "Tensor":
        return _apply(_P.divide_p, other, self)

    def __pow__(self, other: Any) -> "Tensor":
        return _apply(_P.power_p, self, other)

    def __rpow__(self, other: Any) -> "Tensor":
        return _apply(_P.power_p, other, self)

    def __matmul__(self, other: Any) -> "Tensor":
        return _apply(_P.matmul_p, self, other)

    def __rmatmul__(self, other: Any) -> "Tensor":
        return _apply(_P.matmul_p, other, self)

    def __neg__(self) -> "Tensor":
        return _apply(_P.negative_p, self)

    def __pos__(self) -> "Tensor":
        return self

    def __abs__(self) -> "Tensor":
        return _ops.abs(self)

    def __getitem__(self, index: Any) -> "Tensor":
        return _ops.getitem(self, index)

    def __lt__(self, other: Any) -> "Tensor":
        return _ops.less(self, other)

    def __le__(self, other: Any) -> "Tensor":
        return _ops.less_equal(self, other)

    def __gt__(self, other: Any) -> "Tensor":
        return _ops.greater(self, other)

    def __ge__(self, other: Any) -> "Tensor":
        return _ops.greater_equal(self, other)

    def __eq__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return _ops.equal(self, other)

    def __ne__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return _ops.not_equal(self, other)

    # ---------------------------------------------------------------- methods
    def sum(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        return _ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        return _ops.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        return _ops.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        return _ops.min(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        return _ops.var(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis: Any = None) -> "Tensor":
        return _ops.argmax(self, axis=axis)

    def argmin(self, axis: Any = None) -> "Tensor":
        return _ops.argmin(self, axis=axis)

    def reshape(self, *shape: Any) -> "Tensor":
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops.reshape(self, shape)

    def flatten(self) -> "Tensor":
        return _ops.reshape(self, (-1,))

    def transpose(self, *axes: Any) -> "Tensor":
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _ops.transpose(self, axes or None)

    def swapaxes(self, a: int, b: int) -> "Tensor":
        return _ops.swapaxes(self, a, b)

    def squeeze(self, axis: Any = None) -> "Tensor":
        return _ops.squeeze(self, axis)

    def expand_dims(self, axis: int) -> "Tensor":
        return _ops.expand_dims(self, axis)

    unsqueeze = expand_dims

    def clip(self, lo: Any = None, hi: Any = None) -> "Tensor":
        return _ops.clip(self, lo, hi)

    def exp(self) -> "Tensor":
        return _ops.exp(self)

    def log(self) -> "Tensor":
        return _ops.log(self)

    def sqrt(self) -> "Tensor":
        return _ops.sqrt(self)

    def tanh(self) -> "Tensor":
        return _ops.tanh(self)

    def sigmoid(self) -> "Tensor":
        return _ops.sigmoid(self)

    def relu(self) -> "Tensor":
        return _ops.relu(self)

    def abs(self) -> "Tensor":
        return _ops.abs(self)


def wrap_array(arr: np.ndarray) -> Tensor:
    """A constant Tensor around ``arr`` (no checks, no copy): the engine's fast constructor."""
    t = Tensor.__new__(Tensor)
    t.data = arr
    t._grad = None
    t.requires_grad = False
    t._prim = None
    t._parents = ()
    t._params = None
    t._vals = None
    t._grad_idx = ()
    t._seq = next_seq()
    t._tangent = None
    t.name = None
    return t


def _set_grad(t: Tensor, value: Any) -> None:
    t._grad = value


def clear_grads(tensors: Iterable[Tensor]) -> None:
    """``t.grad = None`` for every tensor, in one call (an optimiser's ``zero_grad``); a
    compiled function replays it like the assignments."""
    if isinstance(tensors, Tensor):
        raise TypeError("clear_grads: expected an iterable of Tensors, got a single Tensor; "
                        "wrap it in a list")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"clear_grads: item {i} is a {type(t).__name__}, expected a "
                            f"Tensor; no gradient was cleared")
    for t in tensors:
        t._grad = None
    tracer = state.tracer
    if tracer is not None:
        tracer.record(clear_grads, (tensors,), None, None)


def as_tensor(x: Any, dtype: Any = None) -> Tensor:
    """``x`` if it is already a Tensor (of ``dtype`` when given), else a new constant Tensor."""
    if isinstance(x, Tensor) and (dtype is None or x.dtype == np.dtype(dtype)):
        return x
    return Tensor(x, dtype=dtype)


def tensor_sequence(xs: Sequence[Any]) -> list[Tensor]:
    return [as_tensor(x) for x in xs]


# Set by chainrule.autodiff.ops when it is imported (ops need Tensor defined first):
_ops: Any = None  # the ops module
_P: Any = None  # namespace of primitives, for the operators' direct calls
_apply: Any = None  # chainrule.autodiff.primitive.apply
_backward: Any = None  # chainrule.autodiff.backprop.backprop, bound on first use
