"""End-to-end sweeps on digits with tiny networks: a process pool and a real Dask cluster
agree, a sweep killed with SIGKILL resumes, pruning stops trials, the report covers all."""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from html.parser import HTMLParser

import pytest

pytest.importorskip("optuna")
pytest.importorskip("distributed")
pytest.importorskip("matplotlib")

from chainrule.sweep import build_config, run_sweep  # noqa: E402
from chainrule.sweep import store  # noqa: E402
from chainrule.sweep.results import trial_rows  # noqa: E402

GRID = {"lr": [0.01, 0.1], "activation": ["relu", "tanh", "sigmoid"]}  # 6 configurations


def _cli(*args, **kw):
    return [sys.executable, "-m", "chainrule.cli", "sweep", *map(str, args)]


def _finals(folder):
    rows = trial_rows(store.load_study(folder))
    assert all(r.state == "COMPLETE" for r in rows), [(r.number, r.state, r.error) for r in rows]
    return {(r.key, r.seed): r.final for r in rows}


def test_process_pool_and_dask_cluster_store_the_same_metrics(tmp_path):
    from distributed import LocalCluster

    config = build_config(grid=GRID, fixed={"hidden": [16], "epochs": 2}, seeds=2)
    pool = run_sweep(tmp_path / "pool", config, workers=2, progress=False, report=False,
                     save_models=True)
    assert pool.counts["done"] == 12 and pool.executor == "process pool of 2 workers"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      protocol="tcp", dashboard_address="127.0.0.1:0") as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        dask = run_sweep(tmp_path / "dask", config, scheduler=address, progress=False,
                         report=False)
    assert dask.counts["done"] == 12 and address in dask.executor
    a, b = _finals(tmp_path / "pool"), _finals(tmp_path / "dask")
    assert len(a) == 12 and a == b  # same configuration and seed -> the same numbers
    assert {"val_accuracy", "val_loss", "loss", "test_accuracy"} <= set(next(iter(a.values())))
    # what the store keeps of every trial
    trial = store.load_study(tmp_path / "dask").trials[0]
    assert set(trial.params) == {"lr", "activation", "seed"}
    assert len(trial.user_attrs["history"]["val_accuracy"]) == 2
    assert trial.user_attrs["seconds"] > 0 and trial.duration is not None
    assert sorted(trial.intermediate_values) == [1, 2]
    # --save-models: each completed trial's model, as chainrule.train saves one
    models = sorted((tmp_path / "pool" / "models").iterdir())
    assert len(models) == 12 and not (tmp_path / "dask" / "models").exists()
    from chainrule.train import load_model

    model = load_model(models[0])
    assert model.get_config()["hidden"] == [16]
    header, *lines = (tmp_path / "pool" / "trials.csv").read_text().splitlines()
    assert header.startswith("number,state,activation,lr,seed,") and len(lines) == 12


class _Tables(HTMLParser):
    """The cells of every <table> of a page."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self._cell.strip())
            self._cell = None


def _count(db, state):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM trials WHERE state = ?", (state,)).fetchone()[0]
    except sqlite3.OperationalError:  # the store is being created
        return 0
    finally:
        con.close()


def _start_and_stop(cmd, db, at_least, sig):
    """Run ``cmd`` until ``at_least`` trials are complete, then send it ``sig``."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists() and _count(db, "COMPLETE") >= at_least:
            break
        time.sleep(0.05)
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def test_interrupted_then_killed_then_the_same_command_finishes(tmp_path):
    folder = tmp_path / "sweep"
    db = folder / "study.db"
    cmd = _cli(folder, "--grid", "lr=0.01,0.03,0.1", "--grid", "activation=relu,tanh",
               "--hidden", "64,64", "--epochs", "6", "--seeds", "2", "--workers", "2")
    # Ctrl-C: the running trials are marked interrupted, trials.csv is written
    code, err = _start_and_stop([*cmd, "--no-report"], db, 2, signal.SIGINT)
    assert code == 130 and "sweep interrupted; run the same command again" in err
    assert _count(db, "RUNNING") == 0 and _count(db, "COMPLETE") < 12
    assert (folder / "trials.csv").exists()
    stopped = _count(db, "FAIL")
    # kill -9 midway through the second run: RUNNING trials stay behind in the store
    code, _ = _start_and_stop([*cmd, "--no-report"], db, _count(db, "COMPLETE") + 2,
                              signal.SIGKILL)
    done_at_kill, running_at_kill = _count(db, "COMPLETE"), _count(db, "RUNNING")
    assert code == -signal.SIGKILL and done_at_kill < 12, "the sweep must be killed midway"
    # the report reads the store as it is, RUNNING trials included
    report = subprocess.run(_cli("report", folder), capture_output=True, text=True,
                            timeout=300)
    assert report.returncode == 0, report.stderr
    page = (folder / "report.html").read_text()
    assert f"running: <b>{running_at_kill}</b>" in page and running_at_kill > 0
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "resuming:" in rerun.stdout
    rows = trial_rows(store.load_study(folder))
    complete = [(r.key, r.seed) for r in rows if r.state == "COMPLETE"]
    assert len(complete) == len(set(complete)) == 12  # one per configuration and seed
    interrupted = [r for r in rows if r.state == "FAIL"]
    assert len(interrupted) == stopped + running_at_kill
    assert all(r.interrupted for r in interrupted)
    # the report covers every configuration with both seeds
    page = (folder / "report.html").read_text()
    assert "src='data:image/png;base64," in page and "http" not in page.split("<body>")[1]
    parser = _Tables()
    parser.feed(page)
    head, *body = parser.tables[0]
    seeds = head.index("seeds")
    assert len(body) == 6 and all(row[seeds] == "2" for row in body)
    trials_col = head.index("trial numbers")
    listed = {int(n) for row in body for n in row[trials_col].split(", ")}
    assert {r.number for r in rows if r.state == "COMPLETE"} <= listed
    assert {p.name for p in (folder / "plots").iterdir()} >= {"lr.png", "curves.png",
                                                               "importance.png"}
    assert len((folder / "trials.csv").read_text().splitlines()) == 1 + len(rows)


def test_random_search_with_pruning_on_a_local_dask_cluster(tmp_path):
    folder = tmp_path / "sweep"
    proc = subprocess.run(_cli(folder, "--search", "lr=log:1e-4:1", "--hidden", "16",
                               "--epochs", "4", "--trials", "8", "--sampler", "random",
                               "--prune", "--dask-local", "1", "--quiet", "--no-report"),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "local Dask cluster of 1 workers" in proc.stdout
    study = store.load_study(folder)
    states = [t.state.name for t in study.trials]
    assert len(states) == 8 and set(states) <= {"COMPLETE", "PRUNED"}
    assert "PRUNED" in states
    for t in study.trials:
        epochs = len(t.user_attrs["history"]["val_accuracy"])
        assert sorted(t.intermediate_values) == list(range(1, epochs + 1))
        assert (epochs < 4) == (t.state.name == "PRUNED")
    lrs = [t.params["lr"] for t in study.trials]
    assert len(set(lrs)) == 8 and all(1e-4 <= lr <= 1 for lr in lrs)
    report = subprocess.run(_cli("report", folder), capture_output=True, text=True,
                            timeout=300)
    assert report.returncode == 0, report.stderr
    page = (folder / "report.html").read_text()
    assert re.search(r"pruned: <b>\d+</b>", page)
    assert json.loads(json.dumps(study.user_attrs))["chainrule_sweep"]["identity"]["sampler"] \
        == "random"
