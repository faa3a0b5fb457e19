"""`run_sweep`: the Python entry point ``chainrule sweep`` calls."""
from __future__ import annotations

import contextlib
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from . import store
from .config import SweepConfig, config_from, read_toml
from .driver import Driver, make_pruner, make_sampler
from .executors import make_executor
from .progress import Progress
from .results import trial_rows, write_trials_csv


@dataclass
class SweepSummary:
    """What a finished run of a sweep leaves: counts per state, the best trial, the files."""

    folder: Path
    counts: dict[str, int]
    best: dict[str, Any] | None
    resumed: bool
    rerun: int
    executor: str
    report: Path | None


def build_config(toml: str | Path | None = None, *, grid: Mapping[str, Any] | None = None,
                 search: Mapping[str, Any] | None = None, fixed: Mapping[str, Any] | None = None,
                 **settings: Any) -> SweepConfig:
    """A checked `SweepConfig`. ``grid``: ``{"lr": [0.01, 0.1], "hidden": [[64], [128, 64]]}``;
    ``search``: ``{"lr": "log:1e-4:1e-1", "activation": ["relu", "tanh"]}``; ``fixed``:
    train options every trial shares; ``settings``: seeds, seed, sampler, trials, metric,
    prune, prune_warmup. ``toml``: a file with the same content (the arguments override it)."""
    table = read_toml(toml) if toml is not None else None
    specs = []
    grid_items = list((grid or {}).items())
    for name, spec in (search or {}).items():
        if isinstance(spec, (list, tuple)):
            grid_items.append((name, list(spec)))
        else:
            specs.append(f"{name}={spec}")
    return config_from(table, fixed=dict(fixed or {}), grid=grid_items, search=specs,
                       **settings)


def _precheck(config: SweepConfig) -> None:
    """Refuse option combinations every trial would fail on (e.g. --csv with --dataset)."""
    from ..cli.train_cmd import settings_from_explicit

    params = {name: (p.values[0] if p.is_choice else p.low)
              for name, p in config.space.params.items()}
    settings_from_explicit(config.space.settings_for(params, config.seed))


@contextlib.contextmanager
def _signals_to(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """Route Ctrl-C and SIGTERM to ``handler`` while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _announcement(folder: Path, config: SweepConfig, driver: Driver, executor: Any,
                  resumed: bool, rerun: int) -> str:
    left = driver.total - driver.counts()["done"]
    what = (f"{len(driver.known)} configurations" if config.sampler == "grid"
            else f"{config.trials} configurations ({config.sampler})")
    text = (f"chainrule sweep {folder}: {what} x {config.seeds} seed(s) = {driver.total} "
            f"trials, ranked by {config.metric}, on {executor.describe()}")
    if resumed:
        text += f"\nresuming: {left} trial(s) left" + (
            f", {rerun} interrupted trial(s) to run again" if rerun else "")
    return text


def run_sweep(folder: str | Path, config: SweepConfig, *, workers: int | None = None,
              scheduler: str | None = None, dask_local: int | None = None,
              progress: bool = True, report: bool = True, save_models: bool = False,
              announce: Callable[[str], Any] | None = None) -> SweepSummary:
    """Run (or resume) the sweep ``config`` in ``folder``.

    Executors: a process pool of ``workers`` (default 1), the Dask scheduler at
    ``scheduler`` (``tcp://HOST:8786``), or a ``LocalCluster`` of ``dask_local`` workers.
    Running it again after an interruption finishes the remaining trials. Writes
    ``folder/study.db``, ``folder/trials.csv`` and (``report=True``) the report.
    ``save_models``: keep each completed trial's model in ``folder/models/trial-N``
    (`chainrule.train.load_model` reads it); otherwise trials keep only their metrics.
    ``announce`` receives one line saying what is about to run.
    """
    folder = Path(folder)
    config.resolve()
    store.check_folder(folder, config)  # read-only: refuse before anything starts
    _precheck(config)
    executor = make_executor(workers, scheduler, dask_local, config.prune)
    study = driver = None
    try:
        with store.driver_lock(folder):
            resumed = store.check_folder(folder, config)
            if not resumed:
                store.create_store(folder, config)
            n_trials = len(store.load_study(folder).get_trials(deepcopy=False))
            study = store.load_study(folder, make_sampler(config, n_trials),
                                     make_pruner(config))
            rerun = store.fail_leftovers(study)
            driver = Driver(study, config, executor,
                            Progress(0, config.metric, enabled=progress),
                            folder / "models" if save_models else None)
            driver.progress.total = driver.total
            if announce is not None:
                announce(_announcement(folder, config, driver, executor, resumed, rerun))
            with _signals_to(driver.request_stop):
                driver.run()
    finally:
        executor.close()
        if study is not None:
            write_trials_csv(folder, trial_rows(study), sorted(config.space.params))
    report_path = None
    if report:
        from .report import build_report

        report_path = build_report(folder)
    best = None
    if driver.best is not None:
        trial = study.trials[driver.best[1]]
        best = {"number": trial.number, "value": driver.best[0], "params": trial.params}
    return SweepSummary(folder=folder, counts=driver.counts(), best=best, resumed=resumed,
                        rerun=rerun, executor=executor.describe(), report=report_path)


def sweep(folder: str | Path, toml: str | Path | None = None, *,
          grid: Mapping[str, Any] | None = None, search: Mapping[str, Any] | None = None,
          fixed: Mapping[str, Any] | None = None, workers: int | None = None,
          scheduler: str | None = None, dask_local: int | None = None,
          progress: bool = True, report: bool = True, save_models: bool = False,
          **settings: Any) -> SweepSummary:
    """`build_config` then `run_sweep`, in one call::

        sweep("sweeps/digits", grid={"lr": [0.01, 0.1], "activation": ["relu", "tanh"]},
              fixed={"epochs": 5}, seeds=3, workers=2)
    """
    config = build_config(toml, grid=grid, search=search, fixed=fixed, **settings)
    return run_sweep(folder, config, workers=workers, scheduler=scheduler,
                     dask_local=dask_local, progress=progress, report=report,
                     save_models=save_models)
