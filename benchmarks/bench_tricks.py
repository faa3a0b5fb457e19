"""The small NumPy formulations the engine's rules rely on, each against the plain one it
replaced, at the playground's sizes (batch 16, 8 units) and the MNIST-shaped step's
(batch 128, 784-256): the figures behind the comments in ``autodiff/ops/linalg.py``, and
one formulation that was tried and not kept (tanh's rule as G - G*A*A: faster on small
arrays by the constant it does not look up, slower on large ones by its extra pass over G).

    python benchmarks/bench_tricks.py
"""
from __future__ import annotations

import numpy as np

from _timing import interleaved

SIZES = {"playground 16x8x8": (16, 8, 8), "MNIST 128x784x256": (128, 784, 256)}


def run(quick: bool = False) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(0)
    out = {}
    for label, (n, d_in, d_out) in SIZES.items():
        x = rng.standard_normal((n, d_in)).astype(np.float32)
        w = rng.standard_normal((d_out, d_in)).astype(np.float32)
        if w.size >= 4096:  # nn.Linear's layout for a large weight
            w = np.asfortranarray(w)
        g = rng.standard_normal((n, d_out)).astype(np.float32)
        a = np.tanh(g)
        ones = np.ones(n, np.float32)
        one = np.array(1.0, np.float32)
        number = 20000 if n < 100 else 200
        if quick:
            number //= 10
        cases = {
            "x @ W.T": lambda: x @ w.T, "x.dot(W.T)": lambda: x.dot(w.T),
            "G @ W": lambda: g @ w, "G.dot(W)": lambda: g.dot(w),
            "add.reduce(G, 0)": lambda: np.add.reduce(g, 0), "ones.dot(G)": lambda: ones.dot(g),
            "G * (1 - A*A)": lambda: g * (one - a * a), "G - G*A*A": lambda: g - g * a * a,
        }
        if w.size >= 65536:  # SGD's update of a large weight: optim/_blas.py's axpy
            from chainrule.optim._blas import axpy

            p, lr = w.copy(order="A"), np.array(0.01, np.float32)
            gw = np.asfortranarray(rng.standard_normal(w.shape).astype(np.float32))
            cases["p -= lr * G"] = lambda: p.__isub__(lr * gw)
            cases["axpy(p, -lr, G)"] = lambda: axpy(p, -0.01, gw)
        t = interleaved(cases, repeat=3 if quick else 7, number=number)
        out[label] = {k: v * 1e6 for k, v in t.items()}
    return out


if __name__ == "__main__":
    for label, t in run().items():
        print(label)
        for name, us in t.items():
            print(f"  {name:<18} {us:8.2f} us")
