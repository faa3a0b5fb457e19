"""The driver: asks the study for trials, hands them to an executor, records what comes back.

A unit of work is one configuration with one seed. The driver keeps running until every unit
is settled (complete, pruned, or failed by its own error); a trial that was interrupted or
whose worker was lost is run again. Only this loop writes the store.

Grid: the study's sampler is Optuna's `GridSampler` over the grid and the seeds. Trials
numbered below the grid size get grid point = trial number from it, so concurrent trials never
collide; a grid point whose trial was interrupted (which `GridSampler` counts as visited) is
enqueued again with `study.enqueue_trial`. Random / TPE: a new configuration is sampled with
its first seed fixed, and its other seeds are enqueued with the same parameters.

Pruning: after each epoch a worker sends its logs and waits for a verdict; the driver reports
the value to the trial and asks Optuna's `MedianPruner` (`trial.should_prune()`).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from .config import SweepConfig
from .executors import WorkerLost
from .progress import Progress
from .results import SEED, config_key, trial_rows
from .space import Param
from .trial import TrialTask

POLL = 0.02  # seconds between looks at the workers
MAX_LOSSES = 2  # a unit whose worker dies this often in one run is recorded as failed
MAX_RESAMPLES = 50  # draws of an already-tried configuration before a search gives up


@dataclass
class _Running:
    trial: Any
    params: dict[str, Any]
    seed: int
    handle: Any = None
    reported: set[int] = field(default_factory=set)

    @property
    def unit(self) -> tuple[str, int]:
        return config_key(self.params), self.seed


def _grid_sampler_class() -> Any:
    import optuna

    class AskTellGridSampler(optuna.samplers.GridSampler):
        """`GridSampler` without its ``study.stop()`` at the end of the grid, which Optuna
        allows only inside ``study.optimize``; here the driver knows when the grid is done."""

        def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
            return None

    return AskTellGridSampler


def _AskTellGridSampler(space: dict[str, list], seed: int) -> Any:
    return _grid_sampler_class()(space, seed=seed)


def make_sampler(config: SweepConfig, n_trials: int) -> Any:
    import optuna

    if config.sampler == "grid":
        space = {**config.space.grid(), SEED: config.seed_list()}
        return _AskTellGridSampler(space, seed=config.seed)
    seed = config.seed + n_trials  # a resumed search does not redraw its earlier samples
    if config.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def make_pruner(config: SweepConfig) -> Any:
    import optuna

    if not config.prune:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(n_startup_trials=4,
                                       n_warmup_steps=config.prune_warmup + 1)


def suggest(trial: Any, param: Param) -> Any:
    if param.is_choice:
        return trial.suggest_categorical(param.name, list(param.values))
    if param.kind.startswith("int"):
        return trial.suggest_int(param.name, int(param.low), int(param.high),
                                 log=param.kind == "int-log")
    return trial.suggest_float(param.name, float(param.low), float(param.high),
                               log=param.kind == "log")


class Driver:
    """Runs the remaining units of ``study`` on ``executor``."""

    def __init__(self, study: Any, config: SweepConfig, executor: Any,
                 progress: Progress) -> None:
        self.study, self.config, self.executor, self.progress = study, config, executor, \
            progress
        self.seeds = config.seed_list()
        self.running: dict[int, _Running] = {}
        self.losses: dict[tuple[str, int], int] = {}
        self.settled: dict[tuple[str, int], str] = {}
        self.known: dict[str, dict[str, Any]] = {}
        self.best: tuple[float, int] | None = None
        rows = trial_rows(study)
        self.n_trials = len(rows)
        for row in rows:
            if row.skipped:
                continue
            self.known.setdefault(row.key, row.params)
            if row.settles_its_unit and row.seed is not None:
                self.settled[(row.key, row.seed)] = row.state
            if row.state == "COMPLETE":
                self._consider(row.value, row.number)
        if config.sampler == "grid":
            self.known = {config_key(c): c for c in config.space.grid_configs()}
            self.total = len(self.known) * len(self.seeds)
        else:
            self.total = int(config.trials) * len(self.seeds)

    # ------------------------------------------------------------ choosing work
    def _ask(self, fixed: dict[str, Any] | None) -> tuple[Any, dict[str, Any], int]:
        if fixed is not None:
            self.study.enqueue_trial(fixed, skip_if_exists=False)
        trial = self.study.ask()
        self.n_trials += 1
        params = {name: suggest(trial, p) for name, p in sorted(self.config.space.params.items())}
        seed = trial.suggest_categorical(SEED, self.seeds)
        return trial, params, seed

    def _missing_unit(self) -> tuple[dict[str, Any], int] | None:
        busy = {r.unit for r in self.running.values()}
        for key, params in self.known.items():
            for seed in self.seeds:
                if (key, seed) not in self.settled and (key, seed) not in busy:
                    return params, seed
        return None

    def _next(self) -> _Running | None:
        from optuna.trial import TrialState

        grid = self.config.sampler == "grid"
        if grid and self.n_trials < self.total:  # fresh grid points, from GridSampler
            return _Running(*self._ask(None))
        missing = self._missing_unit()
        if missing is not None:
            params, seed = missing
            return _Running(*self._ask({**params, SEED: seed}))
        if grid or len(self.known) >= int(self.config.trials):
            return None
        for _ in range(MAX_RESAMPLES):
            trial, params, seed = self._ask({SEED: self.seeds[0]})
            key = config_key(params)
            if key not in self.known:
                self.known[key] = params
                return _Running(trial, params, seed)
            trial.set_user_attr("skipped", True)
            trial.set_user_attr("error", "skipped: the sampler drew a configuration that was "
                                         "already tried")
            self.study.tell(trial, state=TrialState.FAIL)
        raise RuntimeError(f"the {self.config.sampler} sampler drew only configurations "
                           f"already tried ({MAX_RESAMPLES} times in a row); the space has "
                           f"fewer than --trials {self.config.trials} configurations")

    def _fill(self) -> bool:
        """Start trials while workers are free; True when no work is left to start."""
        while len(self.running) < self.executor.slots():
            run = self._next()
            if run is None:
                return True
            number = run.trial.number
            task = TrialTask(number=number,
                             explicit=self.config.space.settings_for(run.params, run.seed),
                             metric=self.config.metric,
                             reporter=self.executor.reporter(number))
            run.handle = self.executor.submit(task)
            self.running[number] = run
        return False

    # ------------------------------------------------------------ results
    def _consider(self, value: float | None, number: int) -> None:
        if value is None or not math.isfinite(value):
            return
        better = self.best is None or (value > self.best[0] if
                                       self.config.direction == "maximize"
                                       else value < self.best[0])
        if better:
            self.best = (value, number)

    def _serve_reports(self) -> None:
        for number, epoch, logs in self.executor.reports():
            run = self.running.get(number)
            stop = False
            value = None if run is None else logs.get(self.config.metric)
            if run is not None and value is not None and epoch not in run.reported:
                run.trial.report(float(value), epoch)
                run.reported.add(epoch)
                stop = bool(self.config.prune and run.trial.should_prune())
            self.executor.answer(number, stop)

    def _record(self, run: _Running, result: dict[str, Any]) -> None:
        from optuna.trial import TrialState

        trial, metric = run.trial, self.config.metric
        for name in ("history", "final", "seconds", "epochs", "host", "error", "traceback"):
            if result.get(name) is not None:
                trial.set_user_attr(name, result[name])
        for step, value in enumerate(result.get("history", {}).get(metric, []), start=1):
            if step not in run.reported and math.isfinite(value):
                trial.report(float(value), step)
        status = result["status"]
        if status == "complete":
            self.study.tell(trial, result["value"])
            self._consider(result["value"], trial.number)
        elif status == "pruned":
            trial.set_user_attr("value", result["value"])
            self.study.tell(trial, state=TrialState.PRUNED)
        else:
            self.study.tell(trial, state=TrialState.FAIL)
        self.settled[run.unit] = {"complete": "COMPLETE", "pruned": "PRUNED"}.get(status,
                                                                                  "FAIL")

    def _lost(self, run: _Running, why: str) -> None:
        from optuna.trial import TrialState

        losses = self.losses[run.unit] = self.losses.get(run.unit, 0) + 1
        again = losses < MAX_LOSSES
        run.trial.set_user_attr("interrupted", again)
        run.trial.set_user_attr("error", f"{why}" + ("" if again else
                                                      f" ({losses} times: not run again)"))
        self.study.tell(run.trial, state=TrialState.FAIL)
        if not again:
            self.settled[run.unit] = "FAIL"

    def _collect(self) -> None:
        for number in [n for n, r in self.running.items() if self.executor.done(r.handle)]:
            run = self.running.pop(number)
            self.executor.forget(number)
            try:
                result = self.executor.result(run.handle)
            except WorkerLost as exc:
                self._lost(run, str(exc))
                continue
            self._record(run, result)

    def abandon(self) -> None:
        """Mark the running trials as interrupted (Ctrl-C): the next run repeats them."""
        from optuna.trial import TrialState

        for run in self.running.values():
            run.trial.set_user_attr("interrupted", True)
            run.trial.set_user_attr("error", "interrupted: the sweep was stopped")
            self.study.tell(run.trial, state=TrialState.FAIL)
        self.running.clear()

    # ------------------------------------------------------------ the loop
    def counts(self) -> dict[str, int]:
        states = list(self.settled.values())
        return {"done": len(states), "running": len(self.running),
                "failed": states.count("FAIL"), "pruned": states.count("PRUNED")}

    def _show(self, final: bool = False) -> None:
        c = self.counts()
        self.progress.update(min(c["done"], self.total), c["running"], c["failed"],
                             c["pruned"], self.best, final=final)

    def run(self) -> None:
        try:
            while True:
                exhausted = self._fill()
                if exhausted and not self.running:
                    break
                self._show()
                self._serve_reports()
                self._collect()
                time.sleep(POLL)
        except BaseException:
            self.abandon()
            raise
        self._show(final=True)
