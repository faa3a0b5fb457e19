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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import SweepConfig
from .executors import WorkerLost
from .progress import Progress
from .results import SEED, config_key, trial_rows
from .space import Param
from .trial import TrialTask

POLL = 0.25  # longest wait for a trial to finish before the driver looks around again
POLL_PRUNING = 0.02  # ... when workers wait for pruning verdicts
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




def make_sampler(config: SweepConfig, n_trials: int) -> Any:
    import optuna

    if config.sampler == "grid":
        space = {**config.space.grid(), SEED: config.seed_list()}
        return _grid_sampler_class()(space, seed=config.seed)
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
                 progress: Progress, models_dir: Path | None = None) -> None:
        self.study, self.config, self.executor, self.progress = study, config, executor, \
            progress
        self.models_dir = models_dir  # where completed trials' models go (None: nowhere)
        self.seeds = config.seed_list()
        self.running: dict[int, _Running] = {}
        self.losses: dict[tuple[str, int], int] = {}
        self.settled: dict[tuple[str, int], str] = {}
        self.known: dict[str, dict[str, Any]] = {}
        self.best: tuple[float, int] | None = None
        rows = trial_rows(study)
        self.n_trials = len(rows)
        self.asking: Any = None  # a trial asked for but not yet running
        self.stop_requested = False
        for row in rows:
            if row.skipped or not row.has_params(config.space.params):
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
        trial = self.asking = self.study.ask()
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

    def _skip(self, trial: Any, why: str) -> None:
        """Close a trial that must not run (its configuration and seed were run already)."""
        from optuna.trial import TrialState

        self.asking = None
        trial.set_user_attr("skipped", True)
        trial.set_user_attr("error", f"skipped: {why}")
        self.study.tell(trial, state=TrialState.FAIL)

    def _next(self) -> _Running | None:
        grid = self.config.sampler == "grid"
        if grid and self.n_trials < self.total:  # fresh grid points, from GridSampler
            run = _Running(*self._ask(None))
            if run.unit not in self.settled and run.unit not in {
                    r.unit for r in self.running.values()}:
                return run
            self._skip(run.trial, "the grid sampler drew a grid point already run")
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
            self._skip(trial, "the sampler drew a configuration that was already tried")
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
                             reporter=self.executor.reporter(number),
                             save_model=self.models_dir is not None)
            run.handle = self.executor.submit(task)
            self.running[number] = run
            self.asking = None
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
        if status == "complete" and result.get("model") is not None:
            trial.set_user_attr("model", self._save_model(trial.number, result["model"]))
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

    def _save_model(self, number: int, saved: dict[str, Any]) -> str:
        """Write a trial's model to ``models/trial-N``; returns that path, relative."""
        from ..nn import from_config
        from ..train import save_model

        model = from_config(saved["config"])
        model.load_state_dict(saved["weights"])
        name = f"trial-{number}"
        save_model(model, self.models_dir / name, metadata=saved["metadata"])
        return f"{self.models_dir.name}/{name}"

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
            run = self.running[number]  # stays listed until recorded: Ctrl-C meanwhile
            try:                        # marks it interrupted (see abandon)
                result = self.executor.result(run.handle)
            except WorkerLost as exc:
                self._lost(run, str(exc))
            else:
                self._record(run, result)
            del self.running[number]
            self.executor.forget(number)

    def abandon(self) -> None:
        """Mark the running trials as interrupted (Ctrl-C): the next run repeats them."""
        from optuna.trial import TrialState

        trials = [run.trial for run in self.running.values()]
        if self.asking is not None and self.asking.number not in self.running:
            trials.append(self.asking)
        for trial in trials:
            try:
                trial.set_user_attr("interrupted", True)
                trial.set_user_attr("error", "interrupted: the sweep was stopped")
                self.study.tell(trial, state=TrialState.FAIL)
            except Exception:  # already finished, or the store is busy: the next run
                pass           # marks what is still RUNNING as interrupted
        self.running.clear()
        self.asking = None

    # ------------------------------------------------------------ the loop
    def counts(self) -> dict[str, int]:
        states = list(self.settled.values())
        return {"done": len(states), "running": len(self.running),
                "failed": states.count("FAIL"), "pruned": states.count("PRUNED")}

    def _show(self, final: bool = False) -> None:
        c = self.counts()
        self.progress.update(min(c["done"], self.total), c["running"], c["failed"],
                             c["pruned"], self.best, final=final)

    def request_stop(self, signum: int, frame: Any) -> None:
        """Signal handler (Ctrl-C, SIGTERM): stop at the next safe point, so that no write
        to the store is cut in the middle; a second signal stops at once."""
        if self.stop_requested:
            raise KeyboardInterrupt
        self.stop_requested = True

    def run(self) -> None:
        """Run the remaining units; KeyboardInterrupt after `request_stop`, with the
        running trials marked interrupted."""
        try:
            while not self.stop_requested:
                exhausted = self._fill()
                if exhausted and not self.running:
                    break
                self._show()
                self._serve_reports()
                self._collect()
                self.executor.wait([r.handle for r in self.running.values()],
                                   POLL_PRUNING if self.config.prune else POLL)
            if self.stop_requested:
                raise KeyboardInterrupt
        except BaseException:
            self.abandon()
            raise
        self._show(final=True)
