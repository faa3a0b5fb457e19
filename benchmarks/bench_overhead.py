"""Recording overhead: microseconds each elementwise primitive adds beyond the NumPy call
it wraps, on a 10-element float32 array, with gradients recorded (the input requires grad).

Target: <= 3 us per primitive.
"""
from __future__ import annotations

import numpy as np

from _timing import interleaved


def run(quick: bool = False) -> dict[str, float]:
    import chainrule as cr
    from chainrule.autodiff import PRIMITIVES

    a = np.linspace(-1, 1, 10, dtype=np.float32)
    b = np.linspace(0.5, 2, 10, dtype=np.float32)
    x = cr.Tensor(a, requires_grad=True)
    y = cr.Tensor(b, requires_grad=True)
    cases = {
        "add": (lambda: x + y, lambda: np.add(a, b)),
        "multiply": (lambda: x * y, lambda: np.multiply(a, b)),
        "exp": (lambda: cr.exp(x), lambda: np.exp(a)),
        "tanh": (lambda: cr.tanh(x), lambda: np.tanh(a)),
        "sigmoid": (lambda: cr.sigmoid(x), lambda: PRIMITIVES["sigmoid"].impl(a)),
        "relu": (lambda: cr.relu(x), lambda: PRIMITIVES["relu"].impl(a)),
    }
    number = 5000 if quick else 50000
    for ours, theirs in cases.values():  # warm up: the first timed case ran cold otherwise
        interleaved({"ours": ours, "numpy": theirs}, repeat=1, number=number // 5)
    out = {}
    for name, (ours, theirs) in cases.items():
        t = interleaved({"ours": ours, "numpy": theirs}, repeat=5, number=number)
        out[name] = (t["ours"] - t["numpy"]) * 1e6
    return out
