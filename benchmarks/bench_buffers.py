"""What buffers allocated once and reused would save on the MNIST-shaped step.

The compiled step replays the library's rules, which return fresh arrays. Before teaching
them to write into buffers the replay owns, this measures the most such buffers could give:
the hand-written NumPy step of `bench_mnist_epoch` (fresh arrays, as NumPy code is usually
written) against the same arithmetic with every temporary preallocated once and written
with ``out=`` (forward products with the bias added in place, ReLU in place, the backward's
products, masks and sums, the update's scaled gradient). Both run the same operations on
the same batches, so the ratio is the allocation and memory-traffic share of the step.

    python benchmarks/bench_buffers.py
"""
from __future__ import annotations

import numpy as np

from _timing import interleaved
from bench_mnist_epoch import BATCH, D, H1, H2, K, LR, initial_weights, make_data, numpy_epoch


def buffered_epoch_fn(X: np.ndarray, y: np.ndarray, params: list[np.ndarray]):
    """The NumPy epoch with every temporary allocated once (full batches only)."""
    W1, b1, W2, b2, W3, b3 = params
    f32 = np.float32
    a1, a2, a3 = (np.empty((BATCH, n), f32) for n in (H1, H2, K))
    z1, z2 = np.empty((BATCH, H1), f32), np.empty((BATCH, H2), f32)
    m1, m2 = np.empty((BATCH, H1), bool), np.empty((BATCH, H2), bool)
    d1, d2, d3 = np.empty((BATCH, H1), f32), np.empty((BATCH, H2), f32), np.empty((BATCH, K), f32)
    s3 = np.empty((BATCH, 1), f32)
    grads = [np.empty_like(p) for p in params]
    scaled = [np.empty_like(p) for p in params]
    rows = np.arange(BATCH)
    lr = np.array(LR, f32)

    def epoch() -> None:
        for i in range(0, len(X) - BATCH + 1, BATCH):
            xb, yb = X[i:i + BATCH], y[i:i + BATCH]
            np.matmul(xb, W1.T, out=a1)
            np.add(a1, b1, out=a1)
            np.maximum(a1, 0, out=z1)
            np.matmul(z1, W2.T, out=a2)
            np.add(a2, b2, out=a2)
            np.maximum(a2, 0, out=z2)
            np.matmul(z2, W3.T, out=a3)
            np.add(a3, b3, out=a3)
            np.max(a3, axis=1, keepdims=True, out=s3)
            np.subtract(a3, s3, out=d3)
            np.exp(d3, out=d3)
            np.sum(d3, axis=1, keepdims=True, out=s3)
            np.divide(d3, s3, out=d3)
            d3[rows, yb] -= 1
            np.divide(d3, BATCH, out=d3)
            np.matmul(d3, W3, out=d2)
            np.greater(a2, 0, out=m2)
            np.multiply(d2, m2, out=d2)
            np.matmul(d2, W2, out=d1)
            np.greater(a1, 0, out=m1)
            np.multiply(d1, m1, out=d1)
            np.matmul(d1.T, xb, out=grads[0])
            np.add.reduce(d1, 0, out=grads[1])
            np.matmul(d2.T, z1, out=grads[2])
            np.add.reduce(d2, 0, out=grads[3])
            np.matmul(d3.T, z2, out=grads[4])
            np.add.reduce(d3, 0, out=grads[5])
            for p, g, s in zip(params, grads, scaled):
                np.multiply(g, lr, out=s)
                np.subtract(p, s, out=p)

    return epoch


def run(quick: bool = False) -> dict[str, float]:
    X, y = make_data()
    n = 20 * BATCH if quick else len(X) // BATCH * BATCH
    X, y = X[:n], y[:n]
    check_a, check_b = initial_weights(), initial_weights()
    numpy_epoch(X[:5 * BATCH], y[:5 * BATCH], check_a)
    buffered_epoch_fn(X[:5 * BATCH], y[:5 * BATCH], check_b)()
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(check_a, check_b))
    fresh, buffered = initial_weights(), initial_weights()
    t = interleaved({"fresh arrays": lambda: numpy_epoch(X, y, fresh),
                     "buffers reused": buffered_epoch_fn(X, y, buffered)},
                    repeat=3 if quick else 7)
    t["max_weight_diff"] = diff
    return t


if __name__ == "__main__":
    out = run()
    base = out["fresh arrays"]
    for name in ("fresh arrays", "buffers reused"):
        print(f"{name:<16} {out[name]:.3f} s/epoch   ratio {out[name] / base:.3f}")
    print(f"same arithmetic: max |weight difference| after 5 steps {out['max_weight_diff']:.1e}")
