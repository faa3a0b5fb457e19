"""The report from a store filled with known trials (no training): ranking, plots, notes."""
import re

import pytest

optuna = pytest.importorskip("optuna")
pytest.importorskip("matplotlib")

from optuna.distributions import CategoricalDistribution  # noqa: E402
from optuna.trial import TrialState, create_trial  # noqa: E402

from chainrule.sweep import build_config, build_report  # noqa: E402
from chainrule.sweep import store  # noqa: E402
from chainrule.sweep.progress import Progress  # noqa: E402

GRID = {"lr": [0.01, 0.1], "activation": ["relu", "tanh"], "hidden": ["32", "64,64"]}


def _store(folder, values):
    """A sweep store with one trial per (lr, activation, hidden, seed, value) given."""
    config = build_config(grid=GRID, fixed={"epochs": 3}, seeds=2).resolve()
    store.create_store(folder, config)
    study = store.load_study(folder)
    dists = {n: CategoricalDistribution(v) for n, v in GRID.items()}
    dists["seed"] = CategoricalDistribution([0, 1])
    for lr, act, hidden, seed, value in values:
        curve = [value - 0.2, value - 0.1, value]
        study.add_trial(create_trial(
            params={"lr": lr, "activation": act, "hidden": hidden, "seed": seed},
            distributions=dists, value=value, intermediate_values=dict(enumerate(curve, 1)),
            user_attrs={"history": {"val_accuracy": curve, "val_loss": [1.0, 0.8, 0.6]},
                        "final": {"val_accuracy": value, "test_accuracy": value - 0.01},
                        "seconds": 1.5}))
    return study, dists


def _cells(page):
    table = page.split("<table>", 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in table.split("<tr")[2:]]


def test_ranked_table_plots_and_importances(tmp_path):
    values = [(lr, act, hidden, seed, 0.5 + (lr == 0.01) * 0.3 + (act == "tanh") * 0.1
               + seed * 0.02 + (hidden == "32") * 0.01)
              for lr in GRID["lr"] for act in GRID["activation"] for hidden in GRID["hidden"]
              for seed in (0, 1)]
    study, dists = _store(tmp_path, values)
    study.add_trial(create_trial(state=TrialState.FAIL, distributions=dists,
                                 params={"lr": 0.1, "activation": "relu", "hidden": "32",
                                         "seed": 1},
                                 user_attrs={"error": "TrainingDivergedError: loss is nan"}))
    path = build_report(tmp_path)
    page = path.read_text()
    rows = _cells(page)
    assert len(rows) == 8
    best = rows[0]  # lr 0.01, tanh, hidden 32: 0.91 and 0.93 over the two seeds
    assert best[1:4] == ["tanh", "32", "0.01"] and best[4] == "0.9200 ± 0.0141"
    assert best[5] == "2"
    worst_relu = [r for r in rows if r[1:4] == ["relu", "32", "0.1"]][0]
    assert worst_relu[-3] == "1"  # failed count
    assert "TrainingDivergedError: loss is nan" in page
    assert {p.name for p in (tmp_path / "plots").iterdir()} == {
        "lr.png", "architecture.png", "curves.png", "importance.png"}
    assert page.count("src='data:image/png;base64,") == 4
    assert "<script" not in page and not re.search(r"(src|href)=['\"]?https?:", page)
    assert "fANOVA (optuna.importance) over 16 completed trials" in page
    csv_lines = (tmp_path / "trials.csv").read_text().splitlines()
    assert csv_lines[0].startswith("number,state,activation,hidden,lr,seed,")
    assert len(csv_lines) == 18


def test_few_trials_give_a_note_instead_of_importances(tmp_path):
    _store(tmp_path, [(0.01, "relu", "32", 0, 0.8), (0.1, "tanh", "32", 0, 0.7)])
    page = build_report(tmp_path).read_text()
    assert "Parameter importances need at least 4 completed trials" in page
    assert "importance.png" not in {p.name for p in (tmp_path / "plots").iterdir()}
    assert len(_cells(page)) == 2


def test_an_empty_store_gives_an_empty_report(tmp_path):
    _store(tmp_path, [])
    page = build_report(tmp_path).read_text()
    assert "no trials yet" in page and "No completed trial yet." in page


def test_progress_line():
    progress = Progress(total=12, metric="val_accuracy", enabled=False)
    line = progress.line(0, 2, 0, 0, None)
    assert line.startswith("sweep 0/12 done, 2 running, 0 failed, 0 pruned | best "
                           "val_accuracy -") and "time left unknown yet" in line
    progress.start -= 10.0
    line = progress.line(4, 2, 1, 1, (0.95, 3))
    assert "best val_accuracy 0.95 (trial 3)" in line and "left" in line


def _mean_lines(fig):
    """The (x, y) data of the lines drawn on the figure's first axes (the mean lines)."""
    return [(list(line.get_xdata()), list(line.get_ydata()))
            for line in fig.axes[0].get_lines()
            if len(line.get_xdata()) and line.get_linestyle() not in ("None", "")]


def test_a_grid_axis_with_one_seed_still_gets_its_mean_line():
    from chainrule.sweep import plots
    from chainrule.sweep.results import TrialRow

    rows = [TrialRow(number=i, state="COMPLETE", params={"lr": lr}, seed=0, value=v)
            for i, (lr, v) in enumerate([(0.1, 0.85), (0.01, 0.93), (0.001, 0.6)])]
    grid = plots.effect(rows, "lr", "val_accuracy", discrete=True)
    assert _mean_lines(grid) == [([0.001, 0.01, 0.1], [0.6, 0.93, 0.85])]
    # a continuous search: each trial has its own value, no line joins them
    assert _mean_lines(plots.effect(rows, "lr", "val_accuracy")) == []


def test_a_one_seed_grid_report_draws_the_lr_line(tmp_path, monkeypatch):
    from chainrule.sweep import plots

    drawn = []
    real_effect = plots.effect
    monkeypatch.setattr(plots, "effect", lambda *a, **k: drawn.append(k) or real_effect(*a, **k))
    _store(tmp_path, [(0.01, "relu", "32", 0, 0.8), (0.1, "relu", "32", 0, 0.7)])
    build_report(tmp_path)
    assert drawn and drawn[0]["discrete"] is True
