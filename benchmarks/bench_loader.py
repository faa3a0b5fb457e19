"""DataLoader: one shuffled epoch over a (60000, 784) float32 array in batches of 128,
against a hand-written NumPy loop doing the same row gathers, in the same run.

Target: the loader adds no more than a few milliseconds per epoch beyond the copies.
"""
from __future__ import annotations

import numpy as np

from _timing import interleaved


def run(quick: bool = False) -> dict[str, float]:
    from chainrule.data import DataLoader

    rng = np.random.default_rng(0)
    X = rng.random((60_000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 60_000)
    loader = DataLoader(X, y, batch_size=128, shuffle=True, seed=0)
    order_rng = np.random.default_rng(0)

    def ours() -> None:
        for xb, yb in loader:
            pass

    def numpy_loop() -> None:
        order = order_rng.permutation(len(X))
        for i in range(0, len(X), 128):
            idx = order[i:i + 128]
            X[idx], y[idx]

    return interleaved({"chainrule": ours, "numpy": numpy_loop}, repeat=3 if quick else 7)
