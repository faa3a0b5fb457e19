"""``Parameter``: a leaf Tensor that a Module owns and an optimiser updates in place."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autodiff import Tensor


class Parameter(Tensor):
    """A trainable tensor: floating point, ``requires_grad=True``, updated in place.

    Optimisers write into ``param.data`` (never rebinding it), so views and optimiser
    state stay valid.
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None,
                 name: str | None = None) -> None:
        arr = data.data if isinstance(data, Tensor) else data
        arr = np.array(arr, dtype=dtype if dtype is not None else (
            arr.dtype if isinstance(arr, np.ndarray) and arr.dtype.kind == "f" else np.float32))
        if arr.dtype.kind != "f":
            raise TypeError(f"Parameter: expected floating-point data, got dtype {arr.dtype}")
        super().__init__(arr, requires_grad=requires_grad, name=name)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor"):]
