"""Regression tests for the run-folder defects: a CSV that changed under a run, non-finite
saved state, resumes that train nothing, concurrent runs, predictions written over their
input, and runs that fail before their first checkpoint."""
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from chainrule.cli import main


def _call(argv):
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


def _write_csv(path, n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] > 0).astype(int)
    path.write_text("a,b,y\n" + "".join(f"{a:.3f},{b:.3f},{t}\n" for (a, b), t in zip(X, y)))
    return path


@pytest.fixture()
def csv_run(tmp_path, capsys):
    """A run trained on a 40-row CSV in tmp_path/train/ok.csv."""
    (tmp_path / "train").mkdir()
    csv = _write_csv(tmp_path / "train" / "ok.csv", 40)
    run = tmp_path / "run"
    assert _call(["train", "--csv", csv, "--target", "y", "--epochs", "2", "--out", run,
                  "--quiet"]) == 0
    capsys.readouterr()
    return run, csv


def _error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("chainrule: error: "), err
    return err[0]


# ---------------------------------------------------------------- 1. the CSV's identity
def test_evaluate_from_another_folder_uses_the_recorded_csv(csv_run, tmp_path, capsys,
                                                            monkeypatch):
    run, csv = csv_run
    config = json.loads((run / "config.json").read_text())
    assert config["settings"]["csv"] == str(csv.resolve())
    assert config["data"]["csv"]["rows"] == 40 and len(config["data"]["csv"]["sha256"]) == 64
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _write_csv(elsewhere / "ok.csv", 100, seed=1)  # another file of the same name
    monkeypatch.chdir(elsewhere)
    assert _call(["evaluate", run]) == 0
    assert "Test (8 samples)" in capsys.readouterr().out  # the run's own 8 test rows


def test_a_csv_edited_after_training_is_refused(csv_run, capsys):
    run, csv = csv_run
    with open(csv, "a") as f:
        f.write("1.0,1.0,1\n")
    config = (run / "config.json").read_text()
    assert _call(["evaluate", run]) == 1
    assert "has changed since training" in _error(capsys)
    assert _call(["train", "--resume", run, "--epochs", "4"]) == 1
    assert "has changed since training" in _error(capsys)
    assert (run / "config.json").read_text() == config
    # new data on purpose: --csv says so
    assert _call(["evaluate", run, "--csv", csv]) == 0
    assert "Test (41 samples)" in capsys.readouterr().out


def test_a_deleted_csv_is_named(csv_run, capsys):
    run, csv = csv_run
    csv.unlink()
    assert _call(["evaluate", run]) == 1
    assert "no longer exists" in _error(capsys)


# ---------------------------------------------------------------- 4. non-finite saved state
def test_nan_weights_are_refused_by_evaluate_and_predict(csv_run, capsys):
    run, csv = csv_run
    weights = run / "model" / "model.npz"
    with np.load(weights) as data:
        arrays = {k: data[k] for k in data.files}
    first = sorted(arrays)[0]
    arrays[first] = np.full_like(arrays[first], np.nan)
    np.savez(weights, **arrays)
    assert _call(["evaluate", run]) == 1
    assert f"array '{first}' holds" in _error(capsys)
    assert _call(["predict", run, "--csv", csv]) == 1
    assert "NaN or infinite" in _error(capsys)


@pytest.mark.parametrize("key, value, expected", [
    ("std", 0.0, "std[1] is 0.0"), ("mean", float("nan"), "mean[1] is nan"),
    ("std", float("inf"), "std[1] is inf")])
def test_a_broken_standardiser_is_refused(csv_run, capsys, key, value, expected):
    run, csv = csv_run
    config = json.loads((run / "config.json").read_text())
    config["preprocessing"]["standardizer"][key][1] = value
    (run / "config.json").write_text(json.dumps(config))  # json writes NaN / Infinity
    for argv in (["evaluate", run], ["predict", run, "--csv", csv]):
        assert _call(argv) == 1
        assert expected in _error(capsys)


# ---------------------------------------------------------------- 7. resume that trains nothing
def test_resume_with_no_epochs_left_is_refused_and_keeps_the_config(csv_run, capsys):
    run, _ = csv_run
    before = (run / "config.json").read_bytes()
    assert _call(["train", "--resume", run, "--epochs", "1"]) == 1
    assert "already trained 2 epochs" in _error(capsys)
    assert _call(["train", "--resume", run]) == 1
    assert "already complete" in _error(capsys)
    assert (run / "config.json").read_bytes() == before


def test_resume_cannot_resize_an_epoch_sized_schedule(tmp_path, capsys):
    run = tmp_path / "run"
    assert _call(["train", "--dataset", "xor", "--epochs", "2", "--schedule", "cosine",
                  "--out", run, "--quiet"]) == 0
    capsys.readouterr()
    before = (run / "config.json").read_bytes()
    assert _call(["train", "--resume", run, "--epochs", "4"]) == 1
    assert "cosine learning-rate schedule is sized for 2 epochs" in _error(capsys)
    assert (run / "config.json").read_bytes() == before


# ---------------------------------------------------------------- 8. a lock on the run folder
def test_a_second_run_on_a_locked_folder_refuses(csv_run, capsys):
    run, _ = csv_run
    fd = os.open(run, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a training process holds it
        assert _call(["train", "--resume", run, "--epochs", "4"]) == 1
        assert "in use by another chainrule process" in _error(capsys)
        assert _call(["evaluate", run]) == 1  # a reader waits for the training to end
        assert "being trained by another chainrule process" in _error(capsys)
    finally:
        os.close(fd)
    assert _call(["train", "--resume", run, "--epochs", "3", "--quiet"]) == 0


def test_two_concurrent_resumes_one_refuses(tmp_path):
    run = tmp_path / "run"
    cli = [sys.executable, "-m", "chainrule.cli", "train"]
    subprocess.run(cli + ["--dataset", "xor", "--epochs", "1", "--out", str(run), "--quiet"],
                   check=True, capture_output=True)
    first = subprocess.Popen(cli + ["--resume", str(run), "--epochs", "1000000", "--quiet"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:  # the first has the lock once its second epoch is saved
            state = json.loads((run / "checkpoint" / "trainer_state.json").read_text())
            if state["epoch"] >= 2:
                break
            time.sleep(0.05)
        second = subprocess.run(cli + ["--resume", str(run), "--epochs", "2000000"],
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 1, second.stderr
        assert "in use by another chainrule process" in second.stderr
        assert second.stderr.count("\n") == 1 and "Traceback" not in second.stderr
    finally:
        first.kill()
        first.wait()


# ---------------------------------------------------------------- 9. --output over --csv
def test_predict_refuses_to_overwrite_its_input(csv_run, tmp_path, capsys):
    run, csv = csv_run
    before = csv.read_bytes()
    assert _call(["predict", run, "--csv", csv, "--output", csv]) == 1
    assert "is the --csv file itself" in _error(capsys)
    link = tmp_path / "link.csv"
    link.symlink_to(csv)
    assert _call(["predict", run, "--csv", csv, "--output", link]) == 1
    assert _call(["predict", run, "--csv", csv, "--output", run / "config.json"]) == 1
    assert "inside the run folder" in capsys.readouterr().err
    assert csv.read_bytes() == before


# ---------------------------------------------------------------- 10. fail before a checkpoint
def test_a_missing_package_is_found_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    assert _call(["train", "--dataset", "xor", "--epochs", "1", "--weights-format",
                  "safetensors", "--out", tmp_path / "runs" / "r"]) == 1
    assert 'pip install "chainrule[io]"' in _error(capsys)
    assert os.listdir(tmp_path) == []
    assert "Epoch" not in capsys.readouterr().out


def test_a_run_that_fails_in_its_first_epoch_leaves_nothing(tmp_path, capsys):
    assert _call(["train", "--dataset", "plane", "--optimizer", "sgd", "--lr", "1e6",
                  "--out", tmp_path / "a" / "r"]) == 1
    assert "loss became" in _error(capsys)
    assert os.listdir(tmp_path) == []


def test_an_interrupted_run_says_how_to_resume(tmp_path, monkeypatch, capsys):
    from chainrule.train import Trainer

    real = Trainer._train_epoch
    calls = []

    def interrupted(self, *args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(Trainer, "_train_epoch", interrupted)
    run = tmp_path / "r"
    assert _call(["train", "--dataset", "xor", "--epochs", "3", "--out", run, "--quiet"]) == 130
    err = capsys.readouterr().err
    assert f"chainrule train --resume {run}" in err
    monkeypatch.undo()
    assert _call(["train", "--resume", run, "--quiet"]) == 0
    assert json.loads((run / "metrics.json").read_text())["training"]["epochs"] == 3
