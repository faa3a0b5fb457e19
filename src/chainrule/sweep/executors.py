"""Where trials run: a local process pool (the default) or a Dask cluster.

Both run the same `trial.run_trial` on a `trial.TrialTask`; the data are loaded by the worker.
When pruning, each executor provides a channel: the worker puts each epoch's logs on a shared
queue and waits for the driver's verdict on a queue of its own (multiprocessing manager
queues locally, ``distributed.Queue`` on Dask, which travel through the scheduler).
"""
from __future__ import annotations

import os
import queue
import re
import signal
import threading
import time
import uuid
from typing import Any

from .options import OptionError
from .trial import Reporter, TrialTask, run_trial

CONNECT_TIMEOUT = 4  # seconds to reach a Dask scheduler
BLAS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
            "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


class WorkerLost(RuntimeError):
    """A trial's worker died or the executor lost it; the trial is run again."""


def _orphan_watch(parent: int) -> None:
    """Exit when the driver is gone (e.g. killed with SIGKILL): a worker of a dead sweep
    must not linger."""
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(1.0)


def _init_process(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    threading.Thread(target=_orphan_watch, args=(parent,), daemon=True).start()


def _init_worker(parent: int) -> None:
    _init_process(parent)
    import chainrule.cli.train_cmd  # noqa: F401  (once per worker, not in its first trial)


# ---------------------------------------------------------------- process pool
class _Replies:
    """Each pruned trial's reply queue, by trial number: the driver's verdict goes there."""

    def __init__(self) -> None:
        self._replies: dict[int, Any] = {}

    def answer(self, number: int, stop: bool) -> None:
        reply = self._replies.get(number)
        if reply is not None:
            reply.put(stop)

    def forget(self, number: int) -> None:
        self._replies.pop(number, None)


class ProcessExecutor(_Replies):
    """``workers`` processes (spawned, one BLAS thread each) on this machine."""

    def __init__(self, workers: int, prune: bool) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise OptionError(f"--workers must be an integer >= 1, got {workers!r}")
        import multiprocessing

        super().__init__()
        self.workers = workers
        self._ctx = multiprocessing.get_context("spawn")
        self._manager = None
        self._reports = None
        self._pool = self._new_pool()
        if prune:
            from multiprocessing.managers import SyncManager

            self._manager = SyncManager(ctx=self._ctx)
            self._manager.start(_init_process, (os.getpid(),))
            self._reports = self._manager.Queue()
        self._finished = 0  # trials this pool's workers returned

    def _new_pool(self) -> Any:
        from concurrent.futures import ProcessPoolExecutor

        saved = {k: os.environ.get(k) for k in BLAS_ENV}
        os.environ.update({k: "1" for k in BLAS_ENV})  # inherited by the spawned workers
        try:
            return ProcessPoolExecutor(self.workers, mp_context=self._ctx,
                                       initializer=_init_worker, initargs=(os.getpid(),))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def describe(self) -> str:
        return f"process pool of {self.workers} worker{'s' * (self.workers > 1)}"

    def slots(self) -> int:
        return self.workers

    def reporter(self, number: int) -> Reporter | None:
        if self._reports is None:
            return None
        self._replies[number] = self._manager.Queue()  # type: ignore[union-attr]
        return Reporter(self._reports, self._replies[number])

    def submit(self, task: TrialTask) -> Any:
        return self._pool, self._pool.submit(run_trial, task)

    @staticmethod
    def done(handle: Any) -> bool:
        return handle[1].done()

    @staticmethod
    def wait(handles: list[Any], timeout: float) -> None:
        """Block until one of ``handles`` is done or ``timeout`` seconds pass."""
        from concurrent.futures import FIRST_COMPLETED, wait

        if not handles:
            time.sleep(timeout)
            return
        wait([future for _, future in handles], timeout, return_when=FIRST_COMPLETED)

    def result(self, handle: Any) -> dict[str, Any]:
        from concurrent.futures.process import BrokenProcessPool

        pool, future = handle
        try:
            result = future.result()
        except BrokenProcessPool as exc:
            if not self._finished:
                raise RuntimeError(
                    "the worker processes died before finishing a single trial; a script "
                    "that runs a sweep on the process pool must call it under "
                    "`if __name__ == \"__main__\":` (workers are spawned and import the "
                    "script)") from exc
            if pool is self._pool:  # the first lost trial of this pool replaces it
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
            raise WorkerLost(f"a worker process died ({exc})") from None
        self._finished += 1
        return result

    def reports(self) -> list[tuple[int, int, dict[str, float]]]:
        out = []
        while self._reports is not None:
            try:
                out.append(self._reports.get_nowait())
            except queue.Empty:
                break
        return out

    def close(self) -> None:
        # running trials are stopped, not awaited (Ctrl-C); their results are not needed
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
        if self._manager is not None:
            self._manager.shutdown()


# ---------------------------------------------------------------- Dask
_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc)://[^\s/:]+(:\d+)?$|^[^\s/:]+:\d+$")


class DaskExecutor(_Replies):
    """Trials as tasks on a Dask cluster: an existing scheduler (``address``) or a
    ``LocalCluster`` of ``local_workers`` processes on 127.0.0.1 started here."""

    def __init__(self, address: str | None = None, local_workers: int | None = None,
                 prune: bool = False) -> None:
        try:
            from distributed import Client, LocalCluster, Queue
        except ImportError:
            raise ImportError("Dask executors need distributed: pip install "
                              "'chainrule[sweep]'") from None
        super().__init__()
        self.cluster = None
        if local_workers is not None:
            if isinstance(local_workers, bool) or not isinstance(local_workers, int) or \
                    local_workers < 1:
                raise OptionError(f"--dask-local must be an integer >= 1, got "
                                  f"{local_workers!r}")
            self.cluster = LocalCluster(n_workers=local_workers, threads_per_worker=1,
                                        processes=True, host="127.0.0.1",
                                        dashboard_address="127.0.0.1:0", protocol="tcp",
                                        env={k: "1" for k in BLAS_ENV})
            self.client = Client(self.cluster)
            self.where = f"a local Dask cluster of {local_workers} workers " \
                         f"({self.cluster.scheduler_address})"
        else:
            self.client = connect(address or "")
            self.where = f"the Dask scheduler at {address}"
        self._token = uuid.uuid4().hex[:8]
        self._reports = Queue(f"chainrule-sweep-{self._token}", client=self.client) \
            if prune else None
        self._queue_cls = Queue
        self._nthreads, self._nthreads_at = 0, 0.0

    def describe(self) -> str:
        return self.where

    def slots(self) -> int:
        now = time.monotonic()
        if now - self._nthreads_at > 2.0:
            self._nthreads = sum(self.client.nthreads().values())
            self._nthreads_at = now
        return self._nthreads

    def reporter(self, number: int) -> Reporter | None:
        if self._reports is None:
            return None
        reply = self._queue_cls(f"chainrule-sweep-{self._token}-{number}", client=self.client)
        self._replies[number] = reply
        return Reporter(self._reports, reply)

    def submit(self, task: TrialTask) -> Any:
        return self.client.submit(run_trial, task, pure=False,
                                  key=f"chainrule-trial-{self._token}-{task.number}")

    @staticmethod
    def done(handle: Any) -> bool:
        return handle.done()

    @staticmethod
    def wait(handles: list[Any], timeout: float) -> None:
        """Block until one of ``handles`` is done or ``timeout`` seconds pass."""
        import asyncio

        from distributed import wait

        if not handles:  # e.g. no worker has joined the scheduler yet
            time.sleep(timeout)
            return
        try:
            wait(handles, timeout=timeout, return_when="FIRST_COMPLETED")
        except (TimeoutError, asyncio.TimeoutError):
            pass

    @staticmethod
    def result(handle: Any) -> dict[str, Any]:
        try:
            return handle.result()
        except Exception as exc:  # run_trial never raises: the worker was lost
            raise WorkerLost(f"the Dask task failed ({type(exc).__name__}: {exc})") from None

    def reports(self) -> list[tuple[int, int, dict[str, float]]]:
        if self._reports is None:
            return []
        return [tuple(item) for item in self._reports.get(batch=True)]

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def connect(address: str) -> Any:
    """A Dask client of the scheduler at ``address``; ValueError within `CONNECT_TIMEOUT`
    seconds when it cannot be reached."""
    from distributed import Client

    if not _ADDRESS.match(address):
        raise OptionError(f"--scheduler {address!r}: expected an address like "
                          f"tcp://HOST:8786")
    try:
        return Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise OptionError(f"cannot reach the Dask scheduler at {address} within "
                          f"{CONNECT_TIMEOUT} s ({type(exc).__name__}: "
                          f"{' '.join(str(exc).split())[:200]}); is it running, and is the "
                          f"address right?") from None


def make_executor(workers: int | None = None, scheduler: str | None = None,
                  dask_local: int | None = None, prune: bool = False) -> Any:
    """The executor the options ask for (a process pool of 1 worker by default)."""
    chosen = [n for n, v in (("--workers", workers), ("--scheduler", scheduler),
                             ("--dask-local", dask_local)) if v is not None]
    if len(chosen) > 1:
        raise OptionError(f"give one of --workers, --scheduler and --dask-local, not "
                          f"{' and '.join(chosen)}")
    if scheduler is not None or dask_local is not None:
        return DaskExecutor(scheduler, dask_local, prune)
    return ProcessExecutor(1 if workers is None else workers, prune)
