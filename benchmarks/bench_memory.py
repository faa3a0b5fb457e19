"""Memory: peak resident memory of the MNIST-shaped epoch (chainrule vs the hand-written
NumPy loop, each in a fresh process), and proof that a step's graph is freed after
``backward()``: traced Python memory does not grow over 50 epochs.

Targets: peak RSS ratio <= 1.3; growth over epochs 5..50 < 256 KiB.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

_PEAK = """
import resource, sys
sys.path.insert(0, {here!r})
import bench_mnist_epoch as b
X, y = b.make_data()
fn = b.numpy_epoch if {which!r} == "numpy" else b.chainrule_epoch
fn(X, y, b.initial_weights())
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_kib(which: str) -> int:
    out = subprocess.run([sys.executable, "-c", _PEAK.format(here=str(HERE), which=which)],
                         check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def graph_growth_bytes(epochs: int = 50, steps: int = 20) -> tuple[int, bool]:
    """(growth of traced memory from epoch 5 to the last, graph collected after del)."""
    import gc
    import tracemalloc
    import weakref

    import numpy as np

    from chainrule import nn, optim

    rng = np.random.default_rng(0)
    X = rng.standard_normal((steps * 32, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.float32)
    model = nn.MLP(2, [8, 8], 1, activation="tanh", output="sigmoid", seed=0)
    loss_fn = nn.BCEWithLogitsLoss()
    opt = optim.SGD(model.parameters(), lr=0.1)
    tracemalloc.start()
    marks = []
    for _ in range(epochs):
        for i in range(steps):
            loss = loss_fn(model(X[i * 32:(i + 1) * 32]), y[i * 32:(i + 1) * 32])
            opt.zero_grad()
            loss.backward()
            opt.step()
        del loss
        gc.collect()
        marks.append(tracemalloc.get_traced_memory()[0])
    tracemalloc.stop()
    # a step's graph is freed by reference counting alone once its output is dropped
    gc.disable()
    try:
        logits = model(X[:32])
        probe = weakref.ref(logits)
        loss = loss_fn(logits, y[:32])
        loss.backward()
        del logits, loss
        freed = probe() is None
    finally:
        gc.enable()
    return marks[-1] - marks[4], freed


def run(quick: bool = False) -> dict[str, float]:
    out: dict[str, float] = {}
    growth, freed = graph_growth_bytes(epochs=20 if quick else 50)
    out["growth_bytes"] = float(growth)
    out["graph_freed"] = float(freed)
    if not quick:
        out["numpy_peak_mib"] = peak_rss_kib("numpy") / 1024
        out["chainrule_peak_mib"] = peak_rss_kib("chainrule") / 1024
    return out
