"""The sweep report: PNG plots in ``DIR/plots/`` and one self-contained ``DIR/report.html``
(the images inlined as base64, no scripts, no external resources), rebuilt from the store at
any time, also while the sweep runs."""
from __future__ import annotations

import base64
import html
import json
import math
import time
from collections import Counter
from pathlib import Path
from typing import Any

from . import plots, store
from .results import TrialRow, trial_rows, write_trials_csv
from .summary import ConfigStats, format_value, rank

MIN_IMPORTANCE_TRIALS = 4
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.3em .6em;text-align:right;white-space:nowrap}
th{background:#f3f3f3}td.t{text-align:left;white-space:normal}tr.best td{background:#eef7ee}
.note{color:#555;font-size:.9em}img{max-width:100%;border:1px solid #eee}
.states span{display:inline-block;margin-right:1em}.wide{overflow-x:auto}code{background:#f5f5f5;padding:0 .2em}
"""


def _esc(value: Any) -> str:
    return html.escape(format_value(value))


def _pm(mean: float, std: float, n: int) -> str:
    if n == 0:
        return "–"
    return f"{mean:.4f} ± {std:.4f}" if n > 1 else f"{mean:.4f}"


def _seconds(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}"


def _importances(study: Any, rows: list[TrialRow], names: list[str]) -> tuple[dict | None, str]:
    """(importances, note). Needs a few completed trials and parameters that vary."""
    done = [r for r in rows if r.state == "COMPLETE"]
    varying = [n for n in names if len({json.dumps(r.params.get(n)) for r in done}) > 1]
    if len(done) < MIN_IMPORTANCE_TRIALS or not varying:
        return None, (f"Parameter importances need at least {MIN_IMPORTANCE_TRIALS} completed "
                      f"trials over parameters that vary (this sweep has {len(done)} completed "
                      f"trial(s), varying: {', '.join(varying) or 'none'}).")
    if len(varying) == 1:
        return {varying[0]: 1.0}, f"Only {varying[0]} varies among the completed trials."
    try:
        from optuna.importance import FanovaImportanceEvaluator, get_param_importances

        values = get_param_importances(study, params=varying,
                                       evaluator=FanovaImportanceEvaluator(seed=0))
    except Exception as exc:  # optuna refuses some studies (e.g. changing distributions)
        return None, f"Optuna could not compute importances: {exc}"
    return ({k: float(v) for k, v in values.items()},
            f"fANOVA (optuna.importance) over {len(done)} completed trials.")


def _figures(rows: list[TrialRow], ranked: list[ConfigStats], names: list[str],
             metric: str, importances: dict | None,
             discrete: frozenset[str] = frozenset()) -> list[tuple[str, str, Any]]:
    """(file stem, caption, figure) for every plot that applies to this sweep;
    ``discrete``: the params that take a list of values (grid axes, choices)."""
    shown = {"lr", "activation", "hidden", "batch_size"}
    by_act = "activation" if "activation" in names else None
    out = [("lr", "The metric against the learning rate" +
            (", one line per activation." if by_act else "."),
            plots.effect(rows, "lr", metric, by=by_act, xlabel="learning rate",
                         discrete="lr" in discrete)
            if "lr" in names else None),
           ("architecture", "The metric against the width of the network (per depth) and "
                            "against its depth.",
            plots.architecture(rows, metric) if "hidden" in names else None),
           ("batch_size", "The metric against the batch size.",
            plots.effect(rows, "batch_size", metric, xlabel="batch size",
                         discrete="batch_size" in discrete)
            if "batch_size" in names else None)]
    if "activation" in names and "lr" not in names:
        out.append(("activation", "The metric per activation.",
                    plots.effect(rows, "activation", metric)))
    for name in names:
        if name not in shown:
            out.append((f"param_{name}", f"The metric against {name}.",
                        plots.effect(rows, name, metric,
                                     discrete=name in discrete)))
    out.append(("curves", "Learning curves of the best configurations (one line per seed).",
                plots.learning_curves(ranked, metric)))
    if importances:
        out.append(("importance", "", plots.importances(importances)))
    return [(stem, caption, fig) for stem, caption, fig in out if fig is not None]


def _ranked_table(ranked: list[ConfigStats], names: list[str], metric: str,
                  extra: list[str]) -> str:
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    head += f"<th>{html.escape(metric)} (mean ± std)</th><th>seeds</th>"
    head += "".join(f"<th>{html.escape(m)}</th>" for m in extra)
    head += "<th>pruned</th><th>failed</th><th>s / trial</th><th>trial numbers</th>"
    body = []
    for i, g in enumerate(ranked):
        mean, std, n = g.mean_std()
        cells = "".join(f"<td class=t>{_esc(g.params.get(p))}</td>" for p in names)
        cells += f"<td>{_pm(mean, std, n)}</td><td>{n}</td>"
        cells += "".join(f"<td>{_pm(*g.mean_std(m))}</td>" for m in extra)
        numbers = ", ".join(str(t.number) for t in g.trials)
        cells += (f"<td>{g.count('PRUNED')}</td><td>{g.count('FAIL')}</td>"
                  f"<td>{_seconds(g.mean_seconds)}</td><td class=t>{numbers}</td>")
        cls = " class=best" if i == 0 and n else ""
        body.append(f"<tr{cls}><td>{i + 1}</td>{cells}</tr>")
    return (f"<div class=wide><table><tr><th>#</th>{head}</tr>{''.join(body)}</table>"
            f"</div>")


def _failures(rows: list[TrialRow], names: list[str]) -> str:
    failed = [r for r in rows if r.state == "FAIL"]
    if not failed:
        return "<p class=note>No trial failed.</p>"
    lines = []
    for r in failed:
        params = ", ".join(f"{k}={format_value(r.params.get(k))}" for k in names)
        kind = "interrupted, run again" if r.interrupted else (
            "skipped" if r.skipped else "failed")
        lines.append(f"<tr><td>{r.number}</td><td class=t>{html.escape(params)}</td>"
                     f"<td>{r.seed}</td><td class=t>{kind}</td>"
                     f"<td class=t>{html.escape(r.error or '')}</td></tr>")
    return ("<table><tr><th>trial</th><th>parameters</th><th>seed</th><th>kind</th>"
            f"<th>error</th></tr>{''.join(lines)}</table>")


def build_report(folder: str | Path) -> Path:
    """Write ``folder/plots/*.png``, ``folder/report.html`` and ``folder/trials.csv`` from
    the store; returns the HTML's path."""
    from ..train import atomic_write_bytes, atomic_write_text

    folder = Path(folder)
    identity = store.check_report_folder(folder)
    study = store.load_study(folder)
    rows = trial_rows(study)
    names = sorted(identity["space"]["params"])
    metric = identity["metric"]
    direction = study.direction.name.lower()
    write_trials_csv(folder, rows, names)
    ranked = rank(rows, direction, names)
    extra = [m for m in ("test_accuracy", "test_loss", "test_mse")
             if m != metric and any(m in r.final for r in rows)][:2]
    importances, importance_note = _importances(study, rows, names)
    (folder / "plots").mkdir(exist_ok=True)
    sections, importance_img = [], ""
    discrete = frozenset(n for n, spec in identity["space"]["params"].items()
                         if spec.get("kind") == "categorical")
    for stem, caption, fig in _figures(rows, ranked, names, metric, importances, discrete):
        data = plots.png_bytes(fig)
        atomic_write_bytes(folder / "plots" / f"{stem}.png", data)
        figure = (f"<figure><img alt='{stem}' src='data:image/png;base64,"
                  f"{base64.b64encode(data).decode()}'><figcaption class=note>"
                  f"{html.escape(caption)}</figcaption></figure>")
        if stem == "importance":
            importance_img = figure
        else:
            sections.append(figure)
    states = Counter(r.state for r in rows)
    state_text = "".join(f"<span>{html.escape(s.lower())}: <b>{n}</b></span>"
                         for s, n in sorted(states.items())) or "<span>no trials yet</span>"
    fixed = identity["space"]["fixed"]
    fixed_text = ", ".join(f"{k}={format_value(v)}" for k, v in sorted(fixed.items())) or \
        "defaults of chainrule train"
    seeds = list(range(identity["seed"], identity["seed"] + identity["seeds"]))
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sweep report: {html.escape(folder.name)}</title>
<style>{CSS}</style></head><body>
<h1>Sweep report: {html.escape(folder.name)}</h1>
<p class=note>Built {time.strftime('%Y-%m-%d %H:%M:%S')} from {html.escape(store.STORE)}
(trials also in <a href="trials.csv">trials.csv</a>).</p>
<p><b>Search</b>: {html.escape(identity['sampler'])} over {html.escape(store.describe_identity(identity))}.<br>
<b>Fixed</b>: {html.escape(fixed_text)}.<br>
<b>Seeds</b>: {seeds}. <b>Metric</b>: {html.escape(metric)} ({direction}).</p>
<p class=states>{state_text}</p>
<h2>Configurations ranked by {html.escape(metric)}</h2>
<p class=note>Mean ± standard deviation over the completed trials (seeds) of each
configuration; pruned and failed trials are counted, not averaged.</p>
{_ranked_table(ranked, names, metric, extra)}
<h2>Effect of each hyperparameter</h2>
<p class=note>Points are completed trials; lines join the mean at each value (over seeds and
the other parameters), bars show one standard deviation.</p>
{''.join(sections) or '<p class=note>No completed trial yet.</p>'}
<h2>Parameter importances</h2>
<p class=note>{html.escape(importance_note)}</p>
{importance_img}
<h2>Failed and interrupted trials</h2>
{_failures(rows, names)}
</body></html>
"""
    path = folder / "report.html"
    atomic_write_text(path, page)
    return path
