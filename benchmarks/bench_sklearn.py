"""chainrule.sklearn against scikit-learn's own MLP estimators, in one run.

    python benchmarks/bench_sklearn.py            # best of 3 timed fits, scores over 5 seeds
    python benchmarks/bench_sklearn.py --repeat 5 --seeds 10

Workloads: digits (classification), diabetes (regression; both ship with scikit-learn)
and make_friedman1 (regression data that scikit-learn generates offline, 4,000 rows).
Both libraries fit the same workload: the same hidden sizes, solver (adam), learning
rate, L2 penalty, batch size and number of epochs (early stopping off, the loss-plateau
stop disabled, so each runs every epoch), on the same standardised float32 features (each
library then trains in float32), with BLAS limited to one thread for both (a shared
machine's load then disturbs the ratio least). Fits are timed in alternation, best of
``--repeat``. Scores are the mean over ``--seeds`` seeds on a held-out quarter of the
data, so one lucky initialisation does not decide the comparison.

Targets: accuracy within 1 point, R^2 within 0.01, chainrule's fit at least 1.5 x
faster, on every workload. Exits 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _timing import interleaved  # noqa: E402

WORKLOADS = {
    "digits": dict(kind="classifier", hidden=(100,), batch_size=200, epochs=100, lr=1e-3),
    "diabetes": dict(kind="regressor", hidden=(100,), batch_size=200, epochs=100, lr=1e-3),
    "friedman1": dict(kind="regressor", hidden=(64, 64), batch_size=64, epochs=30, lr=1e-3),
}


def load(name: str) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_diabetes, load_digits, make_friedman1
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if name == "friedman1":
        X, y = make_friedman1(n_samples=4000, n_features=10, noise=1.0, random_state=0)
    else:
        X, y = (load_digits if name == "digits" else load_diabetes)(return_X_y=True)
    stratify = y if name == "digits" else None
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0,
                                              stratify=stratify)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = (scaler.transform(a).astype(np.float32) for a in (X_tr, X_te))
    if name != "digits":  # a standardised target, as a regression MLP wants
        mean, std = y_tr.mean(), y_tr.std()
        y_tr, y_te = (y_tr - mean) / std, (y_te - mean) / std
    return X_tr, X_te, y_tr, y_te


def estimator(lib: str, spec: dict, seed: int) -> object:
    if lib == "chainrule":
        from chainrule import sklearn as module
    else:
        from sklearn import neural_network as module
    cls = module.MLPClassifier if spec["kind"] == "classifier" else module.MLPRegressor
    return cls(hidden_layer_sizes=spec["hidden"], solver="adam", alpha=1e-4,
               batch_size=spec["batch_size"], learning_rate_init=spec["lr"],
               max_iter=spec["epochs"], n_iter_no_change=spec["epochs"] + 1, tol=0.0,
               shuffle=True, random_state=seed)


def compare(name: str, repeat: int, seeds: int) -> dict[str, float]:
    spec = WORKLOADS[name]
    X_tr, X_te, y_tr, y_te = load(name)
    scores = {"chainrule": [], "scikit-learn": []}
    for seed in range(seeds):
        for lib in scores:
            est = estimator(lib, spec, seed).fit(X_tr, y_tr)
            assert est.n_iter_ == spec["epochs"], (lib, est.n_iter_)
            scores[lib].append(est.score(X_te, y_te))
    times = interleaved({lib: (lambda lib=lib: estimator(lib, spec, 0).fit(X_tr, y_tr))
                         for lib in scores}, repeat=repeat, pause=0.3)
    metric = "accuracy" if spec["kind"] == "classifier" else "R^2"
    print(f"\n{name}: {len(X_tr)} train / {len(X_te)} test rows, {X_tr.shape[1]} features; "
          f"hidden {spec['hidden']}, adam lr {spec['lr']}, batch {spec['batch_size']}, "
          f"{spec['epochs']} epochs, float32")
    for lib in scores:
        print(f"  {lib:13s} {metric} {np.mean(scores[lib]):.4f} "
              f"(seeds: {', '.join(f'{s:.4f}' for s in scores[lib])})  "
              f"fit {times[lib]:.3f} s")
    gap = np.mean(scores["chainrule"]) - np.mean(scores["scikit-learn"])
    speedup = times["scikit-learn"] / times["chainrule"]
    print(f"  {metric} difference {gap:+.4f}; chainrule fits {speedup:.2f} x faster")
    return {"gap": gap, "speedup": speedup}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed fits per library")
    parser.add_argument("--seeds", type=int, default=5, help="seeds for the scores")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # the fixed epoch budget ends every fit unconverged
    import sklearn
    from threadpoolctl import threadpool_limits

    print(f"scikit-learn {sklearn.__version__}, NumPy {np.__version__}, BLAS 1 thread")
    checks = []
    with threadpool_limits(1):
        for name, spec in WORKLOADS.items():
            got = compare(name, args.repeat, args.seeds)
            metric = "accuracy within 1 point" if spec["kind"] == "classifier" else \
                "R^2 within 0.01"
            checks += [(f"{name} {metric}", got["gap"] >= -0.01),
                       (f"{name} fit >= 1.5 x faster", got["speedup"] >= 1.5)]
    print()
    for text, ok in checks:
        print(f"  {'met ' if ok else 'MISSED'}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
