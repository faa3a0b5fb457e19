"""Configurations ranked by the sweep's metric, as mean and standard deviation over seeds."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .results import TrialRow


@dataclass
class ConfigStats:
    """One configuration: its parameters and its completed trials' metric over the seeds."""

    params: dict[str, Any]
    trials: list[TrialRow] = field(default_factory=list)

    @property
    def complete(self) -> list[TrialRow]:
        return [t for t in self.trials if t.state == "COMPLETE"]

    def values(self, metric: str | None = None) -> np.ndarray:
        """The metric (default: the sweep's objective) of the completed trials."""
        rows = self.complete
        if metric is None:
            return np.array([t.value for t in rows], dtype=float)
        return np.array([t.final[metric] for t in rows if metric in t.final], dtype=float)

    def mean_std(self, metric: str | None = None) -> tuple[float, float, int]:
        v = self.values(metric)
        if v.size == 0:
            return float("nan"), float("nan"), 0
        return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0, int(v.size)

    def count(self, state: str) -> int:
        return sum(t.state == state for t in self.trials)

    @property
    def mean_seconds(self) -> float:
        s = [t.seconds for t in self.complete if t.seconds is not None]
        return float(np.mean(s)) if s else float("nan")


def rank(rows: list[TrialRow], direction: str) -> list[ConfigStats]:
    """Configurations with at least one completed trial first, best mean first; then the
    others (all pruned or failed) by their first trial's number."""
    groups: dict[str, ConfigStats] = {}
    for row in rows:
        if row.skipped:
            continue
        groups.setdefault(row.key, ConfigStats(row.params)).trials.append(row)
    sign = -1.0 if direction == "maximize" else 1.0
    scored = [g for g in groups.values() if g.complete]
    scored.sort(key=lambda g: sign * g.mean_std()[0])
    rest = [g for g in groups.values() if not g.complete]
    return scored + rest


def width_depth(hidden: Any) -> tuple[int, int]:
    """(widest layer, number of hidden layers) of a ``hidden`` value such as ``"64,32"``."""
    text = str(hidden).strip()
    widths = [int(w) for w in text.split(",")] if text and text.lower() != "none" else []
    return (max(widths) if widths else 0), len(widths)


def format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
