import json
import subprocess
import sys

import numpy as np
import pytest

from chainrule.cli import main

FAST = ["--hidden", "16", "--epochs", "2", "--lr", "0.01"]


def _run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "chainrule.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """One end-to-end `chainrule train` in a subprocess, shared by the tests below."""
    out = tmp_path_factory.mktemp("runs") / "digits-run"
    proc = _run_cli("train", *FAST, "--out", out)
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


def test_train_writes_the_run_folder(digits_run):
    out, stdout = digits_run
    names = {p.name for p in out.iterdir()}
    assert {"config.json", "model", "checkpoint", "metrics.json", "history.json", "curves.png",
            "confusion_matrix.png"} <= names
    config = json.loads((out / "config.json").read_text())
    assert config["settings"]["dataset"] == "digits" and config["settings"]["hidden"] == [16]
    assert config["model"]["class"] == "MLP" and config["data"]["class_names"][0] == "0"
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0.5 < metrics["accuracy"] <= 1 and "macro_f1" in metrics
    assert len(metrics["per_class"]) == 10 and np.sum(metrics["confusion_matrix"]) == 360
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == 2 and "val_accuracy" in history
    # the settings are printed at the start, the report at the end
    assert "MLP 64-16-10" in stdout and "Epoch 2/2" in stdout
    assert "Test (360 samples): accuracy" in stdout and "macro avg" in stdout


def test_evaluate_reproduces_the_test_report(digits_run, capsys):
    out, _ = digits_run
    assert main(["evaluate", str(out)]) == 0
    text = capsys.readouterr().out
    metrics = json.loads((out / "metrics.json").read_text())
    assert f"accuracy {metrics['accuracy']:.4f}" in text


def test_predict_and_evaluate_a_csv(digits_run, tmp_path, capsys):
    from chainrule.data import digits

    out, _ = digits_run
    ds = digits()
    rows = ["id," + ",".join(ds.feature_names) + ",digit"]
    rows += [f"{i}," + ",".join(f"{v:g}" for v in ds.X[i]) + f",{ds.y[i]}" for i in range(20)]
    (tmp_path / "new.csv").write_text("\n".join(rows) + "\n")
    assert main(["predict", str(out), "--csv", str(tmp_path / "new.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "prediction," + ",".join(f"p_{d}" for d in range(10))
    assert len(lines) == 21
    probs = np.array([[float(v) for v in line.split(",")[1:]] for line in lines[1:]])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert main(["predict", str(out), "--csv", str(tmp_path / "new.csv"), "--output",
                 str(tmp_path / "pred.csv")]) == 0
    assert (tmp_path / "pred.csv").read_text().splitlines() == lines
    capsys.readouterr()
    assert main(["evaluate", str(out), "--csv", str(tmp_path / "new.csv"), "--target",
                 "digit"]) == 0
    assert "Test (20 samples)" in capsys.readouterr().out


def test_resume_continues_the_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "xor", "--hidden", "8", "--epochs", "1", "--out",
                 str(out), "--quiet"]) == 0
    assert main(["train", "--resume", str(out), "--epochs", "3", "--quiet"]) == 0
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == 3
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--lr", "0.1"]) == 1
    assert "only --epochs" in capsys.readouterr().err


def test_train_a_csv_and_regression(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    color = np.where(X[:, 0] > 0, "red", "blue")
    yreg = 2 * X[:, 0] - X[:, 1]
    lines = ["a,b,color,y"] + [f"{a:.4f},{b:.4f},{c},{t:.4f}" for (a, b), c, t in
                               zip(X, color, yreg)]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    assert main(["train", "--csv", str(tmp_path / "t.csv"), "--target", "y", "--epochs", "3",
                 "--hidden", "8", "--out", str(tmp_path / "reg")]) == 0
    text = capsys.readouterr().out
    assert "regression" in text and "R^2" in text and "standardize" in text
    assert not (tmp_path / "reg" / "confusion_matrix.png").exists()
    assert main(["predict", str(tmp_path / "reg"), "--csv", str(tmp_path / "t.csv")]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "prediction"


def test_datasets_lists_every_dataset(capsys):
    from chainrule.data import available_datasets

    assert main(["datasets"]) == 0
    text = capsys.readouterr().out
    for name in available_datasets():
        assert f"\n{name} " in text
    assert "offline" in text


def test_help_explains_every_option():
    proc = _run_cli("train", "--help")
    assert proc.returncode == 0
    for option in ("--dataset", "--csv", "--target", "--hidden", "--activation", "--loss",
                   "--optimizer", "--lr", "--momentum", "--batch-size", "--epochs",
                   "--weight-decay", "--dropout", "--standardize", "--early-stopping",
                   "--seed", "--out", "--resume", "--data-dir", "--quiet"):
        assert option in proc.stdout
    for command in ("evaluate", "predict", "datasets"):
        assert _run_cli(command, "--help").returncode == 0


def _bad_csv(tmp_path):
    (tmp_path / "bad.csv").write_text("a,b,y\n1,2,0\n3,oops,1\n4,5,0\n6,7,1\n")
    return tmp_path / "bad.csv"


BAD_INPUTS = {
    "unknown dataset": lambda tmp: ["train", "--dataset", "imagenet"],
    "unknown option": lambda tmp: ["train", "--colour", "red"],
    "bad hidden": lambda tmp: ["train", "--hidden", "12,abc"],
    "non-numeric cell": lambda tmp: ["train", "--csv", str(_bad_csv(tmp)), "--target", "y",
                                     "--out", str(tmp / "r")],
    "missing target column": lambda tmp: ["train", "--csv", str(_bad_csv(tmp)), "--target",
                                          "label", "--out", str(tmp / "r")],
    "csv without target": lambda tmp: ["train", "--csv", str(_bad_csv(tmp))],
    "missing csv": lambda tmp: ["train", "--csv", str(tmp / "nope.csv"), "--target", "y"],
    "not a run": lambda tmp: ["evaluate", str(tmp)],
    "missing run": lambda tmp: ["evaluate", str(tmp / "nope")],
    "predict not a run": lambda tmp: ["predict", str(tmp), "--csv", str(_bad_csv(tmp))],
    "bce on 10 classes": lambda tmp: ["train", "--loss", "bce", "--epochs", "1",
                                      "--out", str(tmp / "r")],
    "momentum for adam": lambda tmp: ["train", "--momentum", "0.9", "--epochs", "1",
                                      "--out", str(tmp / "r")],
    "bad fractions": lambda tmp: ["train", "--val-fraction", "0.5", "--test-fraction", "0.5",
                                  "--out", str(tmp / "r")],
    "diverging": lambda tmp: ["train", "--dataset", "plane", "--optimizer", "sgd", "--lr",
                              "1e6", "--out", str(tmp / "r")],
}


def _exit_code(argv):
    """main()'s return value, or argparse's exit code for usage errors."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_non_zero(case, tmp_path, capsys):
    code = _exit_code(BAD_INPUTS[case](tmp_path))
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert len(err) == 1 and err[0].startswith("chainrule: error: "), err
    assert "Traceback" not in err[0]


def test_a_run_with_a_corrupt_weights_file_is_one_line(digits_run, tmp_path, capsys):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(digits_run[0], broken)
    weights = next((broken / "model").glob("*.npz"))
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    code = _exit_code(["evaluate", str(broken)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "corrupt" in err[0], err


def test_bad_input_in_a_subprocess_has_no_traceback(tmp_path):
    proc = _run_cli("train", "--csv", _bad_csv(tmp_path), "--target", "y", "--out",
                    tmp_path / "r")
    assert proc.returncode == 1
    assert proc.stderr.startswith("chainrule: error: ") and proc.stderr.count("\n") == 1
    assert "line 3, column 'b'" in proc.stderr and "Traceback" not in proc.stderr
    proc = _run_cli("evaluate", tmp_path)
    assert proc.returncode == 1 and "not a chainrule run" in proc.stderr


def test_evaluate_refuses_a_non_finite_regression_target(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    rows = ["a,b,y"] + [f"{a:.4f},{b:.4f},{a - b:.4f}" for a, b in X]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    assert main(["train", "--csv", str(tmp_path / "t.csv"), "--target", "y", "--epochs", "1",
                 "--hidden", "4", "--quiet", "--out", str(tmp_path / "reg")]) == 0
    capsys.readouterr()
    bad = rows[:5] + ["0.1,0.2,NAN"] + rows[5:]
    (tmp_path / "bad.csv").write_text("\n".join(bad) + "\n")
    assert main(["evaluate", str(tmp_path / "reg"), "--csv", str(tmp_path / "bad.csv")]) == 1
    err = capsys.readouterr().err
    assert "line 6" in err and "not a finite number" in err and "Traceback" not in err
