"""Both AD modes scale with the work: reverse mode (backward) and forward mode (jvp) on a
chain of N nodes, N = 10^3 ... 10^6, report microseconds per node.

Target: per-node time at the largest N <= 2 x that at the smallest (O(N), no hidden
quadratic step and no recursion limit).
"""
from __future__ import annotations

import time

import numpy as np


def _chain(x, n: int):
    y = x
    for i in range(n):
        y = y * 0.999999 if i % 2 else y + 1e-6
    return y


def reverse_us_per_node(n: int) -> float:
    import chainrule as cr

    x = cr.Tensor(np.ones(4, np.float32), requires_grad=True)
    y = _chain(x, n).sum()
    t0 = time.perf_counter()
    y.backward()
    return (time.perf_counter() - t0) / n * 1e6


def forward_us_per_node(n: int) -> float:
    import chainrule as cr

    x = np.ones(4, np.float32)
    t0 = time.perf_counter()
    cr.jvp(lambda v: _chain(v, n), (x,), (np.ones(4, np.float32),))
    elapsed = time.perf_counter() - t0
    t0 = time.perf_counter()
    with cr.no_grad():
        _chain(cr.Tensor(x), n)
    plain = time.perf_counter() - t0
    return (elapsed - plain) / n * 1e6


def run(quick: bool = False) -> dict[str, float]:
    sizes = [10**3, 10**4, 10**5] if quick else [10**3, 10**4, 10**5, 10**6]
    out: dict[str, float] = {}
    for n in sizes:
        out[f"rev_{n}"] = min(reverse_us_per_node(n) for _ in range(3 if n < 10**5 else 1))
        out[f"fwd_{n}"] = min(forward_us_per_node(n) for _ in range(3 if n < 10**5 else 1))
    return out
