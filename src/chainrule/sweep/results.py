"""The trials of a study as plain rows, and ``trials.csv``."""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

SEED = "seed"


def config_key(params: dict[str, Any]) -> str:
    """A configuration's identity: its parameters without the seed, as canonical JSON."""
    return json.dumps({k: params[k] for k in sorted(params) if k != SEED})


@dataclass
class TrialRow:
    """One trial read back from the store."""

    number: int
    state: str  # COMPLETE, PRUNED, FAIL, RUNNING, WAITING
    params: dict[str, Any]
    seed: int | None
    value: float | None
    final: dict[str, float] = field(default_factory=dict)
    history: dict[str, list[float]] = field(default_factory=dict)
    seconds: float | None = None
    error: str | None = None
    interrupted: bool = False
    skipped: bool = False

    @property
    def key(self) -> str:
        return config_key(self.params)

    @property
    def settles_its_unit(self) -> bool:
        """Finished for good: complete, pruned, or failed by its own error (an interrupted
        trial is run again)."""
        return self.state in ("COMPLETE", "PRUNED") or (
            self.state == "FAIL" and not self.interrupted and not self.skipped)


def trial_rows(study: Any) -> list[TrialRow]:
    rows = []
    for t in study.get_trials(deepcopy=False):
        attrs = t.user_attrs
        params = {k: v for k, v in t.params.items() if k != SEED}
        seconds = attrs.get("seconds")
        if seconds is None and t.datetime_start and t.datetime_complete:
            seconds = (t.datetime_complete - t.datetime_start).total_seconds()
        rows.append(TrialRow(
            number=t.number, state=t.state.name, params=params, seed=t.params.get(SEED),
            value=t.value if t.state.name == "COMPLETE" else attrs.get("value"),
            final=dict(attrs.get("final") or {}), history=dict(attrs.get("history") or {}),
            seconds=seconds, error=attrs.get("error"),
            interrupted=bool(attrs.get("interrupted")), skipped=bool(attrs.get("skipped"))))
    return rows


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return "" if value is None else value


def trials_csv(rows: Iterable[TrialRow], param_names: list[str]) -> str:
    """One row per trial: number, state, every parameter, seed, final metrics, seconds,
    error."""
    rows = list(rows)
    metric_names = sorted({k for r in rows for k in r.final})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["number", "state", *param_names, SEED, *metric_names, "seconds",
                     "error"])
    for r in rows:
        writer.writerow([r.number, r.state, *(_cell(r.params.get(p)) for p in param_names),
                         _cell(r.seed), *(_cell(r.final.get(m)) for m in metric_names),
                         _cell(r.seconds), r.error or ""])
    return out.getvalue()


def write_trials_csv(folder: Path, rows: Iterable[TrialRow], param_names: list[str]) -> Path:
    from ..train import atomic_write_text

    path = folder / "trials.csv"
    atomic_write_text(path, trials_csv(rows, param_names))
    return path
