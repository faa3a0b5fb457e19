"""Not a speed benchmark: `chainrule gradcheck --model mlp` over seeds, activations and
depths, at the command's defaults (16 training examples of the seeded, standardised split,
width 8, up to 64 entries per tensor). Prints, per activation, the worst error as a
fraction of the allowed one (at most 1 passes) and every failure.

    PYTHONPATH=src python benchmarks/gradcheck_sweep.py [--seeds 20] [--dataset xor]
"""
from __future__ import annotations

import argparse
import time

from chainrule.cli.gradcheck_cmd import gradcheck_mlp, model_batch
from chainrule.explain.gradcheck import ATOL, EPS, RTOL
from chainrule.nn.activations import ACTIVATIONS

HIDDEN_ACTIVATIONS = sorted(a for a in ACTIVATIONS if a not in ("softmax", "log_softmax"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--dataset", default="xor")
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--max-entries", type=int, default=64)
    args = parser.parse_args()
    start = time.perf_counter()
    batches = [model_batch(args.dataset, args.samples, s, None) for s in range(args.seeds)]
    total_fail = 0
    for act in HIDDEN_ACTIVATIONS:
        worst, fails = 0.0, []
        for seed, (X, y, data) in enumerate(batches):
            for depth in range(1, 11):
                r = gradcheck_mlp(X, y, data, [args.width] * depth, act, seed, EPS, RTOL,
                                  ATOL, args.max_entries)
                worst = max(worst, r.worst_ratio)
                if not r.passed:
                    fails.append((seed, depth, round(r.worst_ratio, 3)))
        total_fail += len(fails)
        print(f"{act:17s} {args.seeds} seeds x depths 1-10: worst error {worst:.3g} x allowed"
              f"{'' if not fails else f'; FAILED {fails}'}", flush=True)
    print(f"{total_fail} failure(s) in {len(HIDDEN_ACTIVATIONS) * args.seeds * 10} checks, "
          f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
