"""Timing helpers shared by the benchmarks: interleaved repeats, best-of, ratios."""
from __future__ import annotations

import gc
import time
from typing import Callable


def best_of(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """Smallest mean seconds per call over ``repeat`` rounds of ``number`` calls."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def interleaved(fns: dict[str, Callable[[], object]], repeat: int = 5,
                number: int = 1, pause: float = 0.0) -> dict[str, float]:
    """Best-of timings of several functions, measured in alternation so that a slow
    moment of the machine hits all of them alike. ``pause`` seconds of sleep before each
    timed run let the worker threads of the previous one (OpenMP's, OpenBLAS's), which
    keep spinning for a while after their work, go idle first."""
    best = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            setup = getattr(fn, "setup", None)
            if setup is not None:
                setup()  # untimed preparation (e.g. building the model)
            gc.collect()
            if pause:
                time.sleep(pause)
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / number)
    return best
