"""A CPU-bound sweep on one worker and on two: the time ratio two/one.

    python benchmarks/bench_sweep.py            # 12 trials of a 256-256 MLP on digits
    python benchmarks/bench_sweep.py --quick    # 4 shorter trials

Both runs go through `chainrule.sweep.run_sweep` with a local process pool (spawned
workers, BLAS pinned to one thread each), in fresh folders, in the same process; the time
includes starting the pool. Target: two workers take <= 0.6 x the time of one.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

TARGET = 0.6


def _config(quick: bool):
    from chainrule.sweep import build_config

    lrs = [0.001, 0.003] if quick else [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01]
    return build_config(grid={"lr": lrs, "activation": ["relu", "tanh"]},
                        fixed={"hidden": [256, 256], "epochs": 4 if quick else 30,
                               "dropout": 0.0})


def _timed(workers: int, quick: bool) -> tuple[float, float]:
    """(wall seconds of the sweep, sum of its trials' own seconds; a worker's first trial
    also pays for importing the data libraries)."""
    from chainrule.sweep import run_sweep
    from chainrule.sweep import store
    from chainrule.sweep.results import trial_rows

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_sweep(Path(tmp) / "sweep", _config(quick), workers=workers, progress=False,
                  report=False)
        wall = time.perf_counter() - t0
        rows = trial_rows(store.load_study(Path(tmp) / "sweep"))
        return wall, sum(r.seconds or 0.0 for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller workload")
    args = parser.parse_args(argv)
    one, one_trials = _timed(1, args.quick)
    two, two_trials = _timed(2, args.quick)
    ratio = two / one
    print(f"sweep of {len(_config(args.quick).space.grid_configs())} trials "
          f"(digits, MLP 64-256-256-10)")
    print(f"  1 worker : {one:6.1f} s wall ({one_trials:.1f} s inside trials)")
    print(f"  2 workers: {two:6.1f} s wall ({two_trials:.1f} s inside trials)")
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"  ratio 2 workers / 1 worker = {ratio:.2f} (target <= {TARGET}: {verdict})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
