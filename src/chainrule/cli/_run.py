"""Run folders: what ``chainrule train`` writes and ``evaluate`` / ``predict`` read.

    RUN/config.json          settings, data description, model config, preprocessing state
    RUN/model/               the trained model (config.json + model.npz), see chainrule.train
    RUN/checkpoint/          the last epoch's resumable checkpoint (--resume RUN)
    RUN/history.json         per-epoch loss and metrics
    RUN/metrics.json         the test report
    RUN/curves.png           loss / metric curves          (needs matplotlib)
    RUN/confusion_matrix.png classification runs only      (needs matplotlib)
    RUN/decision_boundary.png 2-D playground classifiers   (needs matplotlib)

Every file is written atomically (temporary file, fsync, rename). `read_run` checks a run's
config.json as the command line would check its flags, so a hand-edited value is refused by
name before anything is allocated; `locked` keeps a second process out of a run that trains.
"""
from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..train import is_model_folder, load_model, write_json
from ..train.checkpoint import check_model_size, read_folder_config
from ._settings import check_settings

RUN_FORMAT = "chainrule-run"
RUN_VERSION = 1
CONFIG = "config.json"
MODEL_DIR = "model"
CHECKPOINT_DIR = "checkpoint"


@dataclass
class Run:
    """A run folder read back: its path and its ``config.json``."""

    path: Path
    config: dict[str, Any]

    @property
    def settings(self) -> dict[str, Any]:
        return self.config["settings"]

    @property
    def data(self) -> dict[str, Any]:
        return self.config["data"]

    @property
    def standardizer_state(self) -> dict | None:
        return (self.config.get("preprocessing") or {}).get("standardizer")

    def load_model(self) -> Any:
        folder = self.path / MODEL_DIR
        if not is_model_folder(folder):
            raise ValueError(f"run {self.path} has no trained model yet ({folder} is missing; "
                             f"did training finish? resume it with --resume)")
        return load_model(folder)


def default_run_dir(name: str, root: str | Path = "runs") -> Path:
    """``runs/<name>-<YYYYmmdd-HHMMSS>`` (with ``-2``, ``-3`` ... if it exists)."""
    base = Path(root) / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, k = base, 2
    while path.exists():
        path = base.with_name(f"{base.name}-{k}")
        k += 1
    return path


def check_new_run_dir(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise ValueError(f"{path} already exists; pass another --out, or --resume {path} to "
                         f"continue that run")


def read_run(path: str | Path) -> Run:
    """Read ``RUN/config.json``; ValueError when the folder is not a chainrule run."""
    path = Path(path)
    config = read_folder_config(path, CONFIG, RUN_FORMAT, RUN_VERSION, "run",
                                "; runs are made by 'chainrule train'")
    config_path = path / CONFIG
    for key in ("settings", "data", "model"):
        if not isinstance(config.get(key), dict):
            raise ValueError(f"{config_path}: the run config lacks {key!r}")
    if not isinstance(config.get("preprocessing", {}), dict):
        raise ValueError(f"{config_path}: 'preprocessing' must be an object")
    check_settings(config["settings"], str(config_path))
    check_model_size(config["model"], str(config_path))
    _check_data(config["data"], config["model"], str(config_path))
    _check_standardizer((config.get("preprocessing") or {}).get("standardizer"),
                        config["model"].get("in_features"), str(config_path))
    return Run(path=path, config=config)


def _check_data(data: dict[str, Any], model: dict[str, Any], where: str) -> None:
    task, names = data.get("task"), data.get("class_names")
    if task not in ("binary", "multiclass", "regression"):
        raise ValueError(f"{where}: data.task is {task!r:.40}; expected binary, multiclass "
                         f"or regression")
    if task == "regression" and names is not None:
        raise ValueError(f"{where}: data.class_names must be null for a regression run")
    if task != "regression" and not (isinstance(names, list) and len(names) >= 2 and all(
            isinstance(n, str) for n in names) and len(set(names)) == len(names)):
        raise ValueError(f"{where}: data.class_names must list at least two distinct class "
                         f"names for a {task} run")
    features = data.get("feature_names")
    if not (isinstance(features, list) and all(isinstance(f, str) for f in features)) or \
            len(features) != model.get("in_features"):
        raise ValueError(f"{where}: data.feature_names must list the model's "
                         f"{model.get('in_features')} input features")


def _check_standardizer(state: Any, n_features: Any, where: str) -> None:
    """A saved standardiser must rebuild (`Standardizer.from_state`), one mean per feature."""
    from ..data import Standardizer

    if state is None:
        return
    for key in ("mean", "std"):
        values = state.get(key) if isinstance(state, dict) else None
        if not isinstance(values, list) or len(values) != n_features:
            raise ValueError(f"{where}: preprocessing.standardizer.{key} must list "
                             f"{n_features} numbers, one per feature")
    try:
        Standardizer.from_state(state)
    except ValueError as exc:
        raise ValueError(f"{where}: preprocessing.standardizer: {exc}") from None


@contextlib.contextmanager
def locked(path: Path, shared: bool = False) -> Iterator[None]:
    """Hold an advisory lock on the run folder ``path`` (flock on the folder itself, released
    when the process ends however it ends): exclusive to train, ``shared`` to read a run
    (evaluate, predict) without racing a training that replaces its files. ValueError when
    another process trains it. No lock where ``fcntl`` does not exist (Windows)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            if shared:
                raise ValueError(f"{path} is being trained by another chainrule process; "
                                 f"use the run when that training ends") from None
            raise ValueError(f"{path} is in use by another chainrule process (it holds the "
                             f"run folder's lock); wait for it to finish, or stop it first"
                             ) from None
        yield
    finally:
        os.close(fd)


def write_run_config(path: Path, settings: dict[str, Any], data: dict[str, Any],
                     model_config: dict[str, Any], standardizer: dict | None,
                     extra: dict[str, Any]) -> None:
    from .. import __version__

    write_json(path / CONFIG, {
        "format": RUN_FORMAT, "version": RUN_VERSION, "chainrule_version": __version__,
        "settings": settings, "data": data, "model": model_config,
        "preprocessing": {"standardizer": standardizer}, **extra})


def write_plots(path: Path, history: dict[str, list[float]], confusion: Any,
                class_names: list[str] | None, boundary: tuple[Any, Any] | None = None
                ) -> list[str]:
    """curves.png (and confusion_matrix.png when ``confusion`` is given, and
    decision_boundary.png of ``boundary = (model, prepared data)`` on its training points);
    returns the names written, or a note on why not."""
    try:
        from ..viz import plot_confusion_matrix, plot_decision_boundary, plot_history
    except ImportError as exc:
        return [f"(plots skipped: {exc})"]
    written = []
    try:
        plot_history(history, path / "curves.png")
        written.append("curves.png")
        if confusion is not None:
            plot_confusion_matrix(confusion, class_names, path / "confusion_matrix.png")
            written.append("confusion_matrix.png")
        if boundary is not None:
            model, data = boundary
            scaled = " (standardised inputs)" if data.standardizer is not None else ""
            plot_decision_boundary(model, *data.train, path / "decision_boundary.png",
                                   title=f"{data.name}: decision boundary{scaled}")
            written.append("decision_boundary.png")
    except ImportError as exc:  # matplotlib is imported lazily, on the first plot
        return written + [f"(plots skipped: {exc})"]
    return written
