"""Run folders: what ``chainrule train`` writes and ``evaluate`` / ``predict`` read.

    RUN/config.json          settings, data description, model config, preprocessing state
    RUN/model/               the trained model (config.json + model.npz), see chainrule.train
    RUN/checkpoint/          the last epoch's resumable checkpoint (--resume RUN)
    RUN/history.json         per-epoch loss and metrics
    RUN/metrics.json         the test report
    RUN/curves.png           loss / metric curves          (needs matplotlib)
    RUN/confusion_matrix.png classification runs only      (needs matplotlib)

Every file is written atomically (temporary file, fsync, rename).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..train import is_model_folder, load_model, write_json
from ..train.checkpoint import read_folder_config

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
        return self.config.get("preprocessing", {}).get("standardizer")

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
    return Run(path=path, config=config)


def write_run_config(path: Path, settings: dict[str, Any], data: dict[str, Any],
                     model_config: dict[str, Any], standardizer: dict | None,
                     extra: dict[str, Any]) -> None:
    from .. import __version__

    write_json(path / CONFIG, {
        "format": RUN_FORMAT, "version": RUN_VERSION, "chainrule_version": __version__,
        "settings": settings, "data": data, "model": model_config,
        "preprocessing": {"standardizer": standardizer}, **extra})


def write_plots(path: Path, history: dict[str, list[float]], confusion: Any,
                class_names: list[str] | None) -> list[str]:
    """curves.png (and confusion_matrix.png when ``confusion`` is given); returns the names
    written, or a note on why not."""
    try:
        from ..viz import plot_confusion_matrix, plot_history
    except ImportError as exc:
        return [f"(plots skipped: {exc})"]
    written = []
    try:
        plot_history(history, path / "curves.png")
        written.append("curves.png")
        if confusion is not None:
            plot_confusion_matrix(confusion, class_names, path / "confusion_matrix.png")
            written.append("confusion_matrix.png")
    except ImportError as exc:  # matplotlib is imported lazily, on the first plot
        return written + [f"(plots skipped: {exc})"]
    return written
