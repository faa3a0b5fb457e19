"""chainrule.sweep: hyperparameter sweeps over the options of ``chainrule train``.

The study lives in Optuna's storage on ``DIR/study.db`` (SQLite, written by the driver only);
trials run in a local process pool or on a Dask cluster (``scheduler="tcp://host:8786"`` or
``dask_local=4``); running the same sweep again finishes what an interrupted run left.
Optuna, Dask and matplotlib are imported when used (``pip install 'chainrule[sweep]'``).
The process pool spawns its workers, which import the calling script: in a script, call a
sweep under ``if __name__ == "__main__":``.

Examples:
    >>> from chainrule import sweep
    >>> summary = sweep.sweep("sweeps/digits", grid={"lr": [0.01, 0.03, 0.1],
    ...                                            "activation": ["sigmoid", "tanh", "relu"]},
    ...                       fixed={"epochs": 10, "hidden": [64]}, seeds=3, workers=2)
    >>> sweep.build_report("sweeps/digits")      # PNGs + one self-contained report.html
"""
from __future__ import annotations

from typing import Any

from .config import SweepConfig
from .options import OptionError
from .store import StoreError

_LAZY = {"sweep": "api", "run_sweep": "api", "build_config": "api", "SweepSummary": "api",
         "build_report": "report"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'chainrule.sweep' has no attribute {name!r}")


__all__ = ["OptionError", "StoreError", "SweepConfig", "SweepSummary", "build_config",
           "build_report", "run_sweep", "sweep"]
