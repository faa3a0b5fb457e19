"""One trial, as a worker runs it: load the data, train with ``chainrule train``'s own
function, return the metrics of every epoch and the final ones. Nothing is written.

The same function runs in a local process pool and on Dask workers. It never raises for a
training error: the error comes back as text in the result, so an exception raised by an
executor always means the worker itself was lost (and the trial is run again).
"""
from __future__ import annotations

import math
import os
import socket
import time
import traceback
from dataclasses import dataclass
from typing import Any

from ..train import Callback

REPLY_TIMEOUT = 120.0  # seconds a worker waits for the driver's pruning verdict


@dataclass
class TrialTask:
    """What a worker needs: the trial's number, its explicit train options, the metric to
    report and, when pruning, the channel to the driver."""

    number: int
    explicit: dict[str, Any]
    metric: str
    reporter: Any = None
    blas_threads: int = 1


class Reporter:
    """The worker's end of the pruning channel: after each epoch, put ``(number, epoch,
    logs)`` on the shared ``reports`` queue and wait for the driver's verdict on ``replies``.
    Works with multiprocessing manager queues and ``distributed.Queue`` alike."""

    def __init__(self, reports: Any, replies: Any) -> None:
        self.reports, self.replies = reports, replies

    def should_stop(self, number: int, epoch: int, logs: dict[str, float]) -> bool:
        self.reports.put((number, epoch, logs))
        try:
            return bool(self.replies.get(timeout=REPLY_TIMEOUT))
        except Exception:  # no verdict (driver gone or slow): keep training
            return False


class _EpochReporter(Callback):
    """Sends each epoch's logs to the driver and stops training when it says so."""

    def __init__(self, task: TrialTask) -> None:
        self.task = task
        self.pruned_after: int | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        clean = {k: float(v) for k, v in logs.items()}
        if self.task.reporter.should_stop(self.task.number, epoch + 1, clean):
            self.pruned_after = epoch + 1
            self.trainer.stop_training = True


def _blas_limit(threads: int) -> Any:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the env vars the executors set still apply
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads)


def final_metrics(history: dict[str, list[float]], test: dict[str, float]) -> dict[str, float]:
    """The last epoch's logs plus the test report's numbers as ``test_*``."""
    out = {k: float(v[-1]) for k, v in history.items() if v}
    out.update({f"test_{k}": float(v) for k, v in test.items() if k != "n_samples"})
    return out


def run_trial(task: TrialTask) -> dict[str, Any]:
    """Train one configuration; ``{"number", "status" (complete | pruned | failed), "history",
    "final", "value", "epochs", "seconds", "error", "host", "pid"}``."""
    from ..cli.train_cmd import settings_from_explicit, train_in_memory

    start = time.perf_counter()
    result: dict[str, Any] = {"number": task.number, "host": socket.gethostname(),
                              "pid": os.getpid(), "history": {}, "final": {},
                              "value": None, "error": None}
    reporter = _EpochReporter(task) if task.reporter is not None else None
    try:
        with _blas_limit(task.blas_threads):
            settings = settings_from_explicit(task.explicit)
            out = train_in_memory(settings, [reporter] if reporter else [])
        result["history"] = out["history"]
        result["epochs"] = out["epochs"]
        result["final"] = final_metrics(out["history"], out["test"])
        value = result["final"].get(task.metric)
        if value is None:
            raise ValueError(f"the metric {task.metric!r} was not measured; this trial has "
                             f"{sorted(result['final'])}")
        if not math.isfinite(value):
            raise ValueError(f"the metric {task.metric} is {value} (training diverged?)")
        result["value"] = value
        pruned = reporter is not None and reporter.pruned_after is not None
        result["status"] = "pruned" if pruned else "complete"
    except Exception as exc:  # a training error is a result, not a lost worker
        result["status"] = "failed"
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc(limit=8)
    result["seconds"] = time.perf_counter() - start
    return result
