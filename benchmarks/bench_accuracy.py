"""Accuracy benchmarks of `chainrule.train` (the training targets of the project).

* MNIST, 784-256-128-10 ReLU, float32, Adam (lr 1e-3, cosine annealing) for 20 epochs of
  batches of 128: test accuracy >= 98.0 %, mean of 3 seeds. Each seed also trains the same
  network with a hand-written NumPy loop (same initial weights, same batches, same Adam and
  schedule) and prints both accuracies and seconds per epoch side by side, so the cost of the
  library's loop is measured against plain NumPy in the same run.
* digits: ``chainrule train`` with its defaults (the command, in process): test accuracy
  >= 97 %, mean over 5 seeds (seed 0 is what ``chainrule train`` with no options gives).
* heart: 18-8-1 ReLU/sigmoid, Adam (lr 1e-3, L2 1e-2), 100 epochs, standardised features:
  mean test accuracy >= 82 % over 5 stratified 80/20 splits.

    python benchmarks/bench_accuracy.py            # everything (MNIST takes a few minutes)
    python benchmarks/bench_accuracy.py --quick    # digits and heart only, fewer seeds

MNIST files come from --data-dir, $CHAINRULE_DATA or the shared data folder next to the
repository; without them the MNIST part is skipped with a message. The exit status is 1 when
a target is missed.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from chainrule import nn, optim, train
from chainrule.data import DataLoader, Standardizer, heart, mnist

MNIST_TARGET, DIGITS_TARGET, HEART_TARGET = 0.98, 0.97, 0.82


def _verdict(name: str, accuracies: list[float], target: float) -> bool:
    """Print the mean accuracy against its target; True when it is met."""
    mean = float(np.mean(accuracies))
    ok = mean >= target
    print(f"{name} mean test accuracy {mean:.4f} (target {target}): "
          f"{'ok' if ok else 'MISSED'}\n")
    return ok


# --------------------------------------------------------------------- MNIST
def _mnist_dir(given: str | None) -> Path | None:
    candidates = [Path(given)] if given else []
    if os.environ.get("CHAINRULE_DATA"):
        env = Path(os.environ["CHAINRULE_DATA"])
        candidates += [env, env / "mnist"]
    candidates.append(Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mnist")
    for folder in candidates:
        if (folder / "train-images-idx3-ubyte.gz").is_file():
            return folder
    return None


def _cosine(base: float, epoch: int, total: int) -> float:
    return 0.5 * base * (1.0 + math.cos(math.pi * epoch / total))


def numpy_loop(init: dict[str, np.ndarray], loader: DataLoader, X_test: np.ndarray,
               y_test: np.ndarray, epochs: int, lr: float) -> tuple[float, float]:
    """The same 784-256-128-10 ReLU network and Adam, written out by hand in NumPy.

    Returns (test accuracy, seconds per epoch)."""
    names = ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
             "layers.4.weight", "layers.4.bias"]
    params = [init[k].copy() for k in names]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps, step = 0.9, 0.999, 1e-8, 0
    start = time.perf_counter()
    for epoch in range(epochs):
        eta = _cosine(lr, epoch, epochs)
        for xb, yb in loader:
            W1, c1, W2, c2, W3, c3 = params
            h1 = xb @ W1.T + c1
            a1 = np.maximum(h1, 0)
            h2 = a1 @ W2.T + c2
            a2 = np.maximum(h2, 0)
            z = a2 @ W3.T + c3
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1  # d(mean CE)/dz = (softmax - onehot) / n
            dz = p * np.float32(1.0 / len(yb))
            dh2 = (dz @ W3) * (h2 > 0)
            dh1 = (dh2 @ W2) * (h1 > 0)
            grads = [dh1.T @ xb, dh1.sum(0), dh2.T @ a1, dh2.sum(0), dz.T @ a2, dz.sum(0)]
            step += 1
            c_1, c_2 = 1.0 - b1 ** step, math.sqrt(1.0 - b2 ** step)
            for p_, g, m_, v_ in zip(params, grads, m, v):
                m_ *= b1
                m_ += (1.0 - b1) * g
                v_ *= b2
                v_ += (1.0 - b2) * (g * g)
                p_ -= (eta / c_1) * m_ / (np.sqrt(v_) / c_2 + eps)
    seconds = (time.perf_counter() - start) / epochs
    W1, c1, W2, c2, W3, c3 = params
    a = np.maximum(np.maximum(X_test @ W1.T + c1, 0) @ W2.T + c2, 0)
    return float(np.mean((a @ W3.T + c3).argmax(axis=1) == y_test)), seconds


def bench_mnist(data_dir: str | None, seeds: int, epochs: int) -> bool | None:
    folder = _mnist_dir(data_dir)
    if folder is None:
        print("MNIST: files not found (pass --data-dir or set CHAINRULE_DATA); skipped")
        return None
    splits = mnist(data_dir=folder, flatten=True)
    Xtr, ytr, Xte, yte = splits.train.X, splits.train.y, splits.test.X, splits.test.y
    print(f"MNIST 784-256-128-10 ReLU, Adam lr 1e-3 + cosine, batch 128, {epochs} epochs, "
          f"float32 ({len(ytr)} train / {len(yte)} test)")
    print(f"{'seed':>4} {'chainrule acc':>14} {'s/epoch':>8} {'numpy acc':>10} {'s/epoch':>8} "
          f"{'time ratio':>10}")
    accs = []
    for seed in range(seeds):
        model = nn.MLP(784, [256, 128], 10, seed=seed)
        init = model.state_dict()
        opt = optim.get_optimizer("adam", model.parameters(), lr=1e-3)
        sched = train.LearningRateScheduler(optim.CosineAnnealingLR(opt, T_max=epochs))
        loader = DataLoader(Xtr, ytr, batch_size=128, shuffle=True, seed=seed)
        start = time.perf_counter()
        train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=epochs, verbose=0,
                  callbacks=[sched])
        ours_s = (time.perf_counter() - start) / epochs
        ours = train.evaluate(model, (Xte, yte))["accuracy"]
        theirs, np_s = numpy_loop(init, DataLoader(Xtr, ytr, batch_size=128, shuffle=True,
                                                   seed=seed), Xte, yte, epochs, 1e-3)
        accs.append(ours)
        print(f"{seed:>4} {ours:>14.4f} {ours_s:>8.2f} {theirs:>10.4f} {np_s:>8.2f} "
              f"{ours_s / np_s:>10.2f}")
    return _verdict("MNIST", accs, MNIST_TARGET)


# --------------------------------------------------------------------- digits
def bench_digits(seeds: int) -> bool:
    from chainrule.cli import main

    print("digits: `chainrule train` defaults (64-256-128-10 ReLU, dropout 0.2, Adam 1e-3, "
          "30 epochs, standardised)")
    accs = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(seeds):
            out = Path(tmp) / f"run-{seed}"
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                code = main(["train", "--seed", str(seed), "--out", str(out), "--quiet"])
            if code != 0:
                print(f"  seed {seed}: chainrule train failed with exit code {code}")
                return False
            report = json.loads((out / "metrics.json").read_text())
            accs.append(report["accuracy"])
            print(f"  seed {seed}: test accuracy {report['accuracy']:.4f}, "
                  f"{report['training']['seconds']:.1f}s training, "
                  f"{time.perf_counter() - start:.1f}s in all")
    return _verdict("digits", accs, DIGITS_TARGET)


# --------------------------------------------------------------------- heart
def bench_heart(splits: int) -> bool:
    print("heart: 18-8-1 ReLU/sigmoid, Adam lr 1e-3 + L2 1e-2, 100 epochs, standardised, "
          "stratified 80/20 splits")
    ds = heart()
    accs = []
    for seed in range(splits):
        parts = ds.split(test_size=0.2, seed=seed)
        scaler = Standardizer().fit(parts.train.X)
        Xtr = scaler.transform(parts.train.X).astype(np.float32)
        Xte = scaler.transform(parts.test.X).astype(np.float32)
        model = nn.MLP(Xtr.shape[1], [8], 1, output="sigmoid", seed=seed)
        opt = optim.get_optimizer("adam", model.parameters(), lr=1e-3, weight_decay=1e-2)
        train.fit(model, nn.BCEWithLogitsLoss(), opt, (Xtr, parts.train.y), epochs=100,
                  batch_size=32, verbose=0, seed=seed)
        accs.append(train.evaluate(model, (Xte, parts.test.y))["accuracy"])
        print(f"  split {seed}: test accuracy {accs[-1]:.4f}")
    return _verdict("heart", accs, HEART_TARGET)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="digits and heart only, 3 seeds each")
    parser.add_argument("--data-dir", help="folder holding the MNIST .gz files")
    parser.add_argument("--epochs", type=int, default=20, help="MNIST epochs (<= 20)")
    args = parser.parse_args(argv)
    results = []
    if not args.quick:
        results.append(bench_mnist(args.data_dir, seeds=3, epochs=min(args.epochs, 20)))
    results.append(bench_digits(seeds=3 if args.quick else 5))
    results.append(bench_heart(splits=3 if args.quick else 5))
    missed = [r for r in results if r is False]
    print("all targets met" if not missed else f"{len(missed)} target(s) missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
