"""What a new user meets: messages in flags, sensible defaults, the decision-boundary plot,
--quiet, file permissions and the documented exit codes."""
import json
import os
import stat
import sys

import pytest

from chainrule.cli import main


def _call(argv):
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


def test_heart_gets_a_network_sized_for_its_rows(tmp_path, capsys):
    run = tmp_path / "heart"
    assert _call(["train", "--dataset", "heart", "--epochs", "1", "--out", run]) == 0
    out = capsys.readouterr().out
    settings = json.loads((run / "config.json").read_text())["settings"]
    assert settings["hidden"] == [16] and settings["dropout"] == 0.0
    assert "(321 parameters)" in out  # 18-16-1; was 37,889 for 207 rows
    settings = {**settings, "hidden": None, "dropout": None, "epochs": None}
    from chainrule.cli._data import prepare
    from chainrule.cli.train_cmd import resolve_defaults

    resolve_defaults(settings, prepare(settings))
    assert settings["epochs"] == 100  # a few steps per epoch: more of them


def test_regression_has_no_dropout_by_default(tmp_path, capsys):
    run = tmp_path / "plane"
    assert _call(["train", "--dataset", "plane", "--epochs", "1", "--hidden", "8", "--out",
                  run, "--quiet"]) == 0
    assert json.loads((run / "config.json").read_text())["settings"]["dropout"] == 0.0


def test_mnist_stops_early_by_default():
    from chainrule.cli._data import Prepared
    from chainrule.cli._settings import DEFAULTS
    from chainrule.cli.train_cmd import resolve_defaults

    def fake(n):
        import numpy as np
        arrays = (np.zeros((n, 784), np.float32), np.zeros(n, np.int64))
        return Prepared("mnist", "multiclass", [str(i) for i in range(10)], ["p"] * 784,
                        arrays, arrays, arrays, None)

    settings = {**DEFAULTS, "dataset": "mnist"}
    resolve_defaults(settings, fake(54_000))
    assert settings["early_stopping"] == 5 and settings["hidden"] == [256, 128]
    settings = {**DEFAULTS, "dataset": "mnist", "early_stopping": False}  # --early-stopping off
    resolve_defaults(settings, fake(54_000))
    assert settings["early_stopping"] is False


def test_hidden_none_is_described_as_a_linear_model(tmp_path, capsys):
    assert _call(["train", "--dataset", "xor", "--hidden", "none", "--epochs", "1", "--out",
                  tmp_path / "lin"]) == 0
    assert "no hidden layer (a linear model)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "linear model" in capsys.readouterr().out


def test_quiet_still_prints_the_run_folder(tmp_path, capsys):
    run = tmp_path / "q"
    assert _call(["train", "--dataset", "xor", "--epochs", "1", "--out", run, "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"Run folder {run}" and lines[0].startswith("Test (")


def test_playground_runs_get_a_decision_boundary(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    run = tmp_path / "circle"
    assert _call(["train", "--dataset", "circle", "--epochs", "2", "--out", run]) == 0
    assert "decision_boundary.png" in capsys.readouterr().out
    assert (run / "decision_boundary.png").stat().st_size > 10_000


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_run_files_follow_the_umask(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        assert _call(["train", "--dataset", "xor", "--epochs", "1", "--out", tmp_path / "r",
                      "--quiet"]) == 0
    finally:
        os.umask(old)
    for path in [tmp_path / "r" / "config.json", tmp_path / "r" / "metrics.json",
                 tmp_path / "r" / "model" / "model.npz"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    assert stat.S_IMODE((tmp_path / "r" / "model").stat().st_mode) == 0o755


def test_datasets_says_which_need_an_extra(capsys):
    assert main(["datasets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "needs" in lines[0]
    digits = next(line for line in lines if line.startswith("digits "))
    heart = next(line for line in lines if line.startswith("heart "))
    assert "chainrule[data] (scikit-learn" in digits and "scikit-learn" not in heart.split(
        "  ISLR")[0]


def test_digits_without_scikit_learn_points_to_a_numpy_only_dataset(tmp_path, capsys,
                                                                    monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert _call(["train", "--out", tmp_path / "r"]) == 1
    err = capsys.readouterr().err
    assert "--dataset heart" in err and "pip install" in err and err.count("\n") == 1
    assert not (tmp_path / "r").exists()


def test_library_keywords_are_spoken_as_flags(tmp_path, capsys):
    csv = tmp_path / "t.csv"
    csv.write_text("a,b,y\n" + "1,2,0\n3,4,1\n" * 5 + "NA,2,1\n")
    assert _call(["train", "--csv", csv, "--target", "y", "--out", tmp_path / "r"]) == 1
    err = capsys.readouterr().err
    assert "--missing drop or --missing impute" in err and "missing=" not in err
    assert _call(["train", "--csv", csv, "--target", "y", "--missing", "drop", "--epochs",
                  "1", "--out", tmp_path / "r", "--quiet"]) == 0


def test_predict_handles_the_missing_cells_of_the_shipped_heart_table(tmp_path, capsys):
    from chainrule.data.heart import heart_csv_path

    run = tmp_path / "heart"
    assert _call(["train", "--dataset", "heart", "--epochs", "2", "--out", run, "--quiet"]) == 0
    capsys.readouterr()
    assert _call(["predict", run, "--csv", heart_csv_path()]) == 1
    assert "--missing skip" in capsys.readouterr().err
    assert _call(["predict", run, "--csv", heart_csv_path(), "--missing", "skip"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 304 and sum(line == ",," for line in lines) == 6
    assert _call(["predict", run, "--csv", heart_csv_path(), "--missing", "impute"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 304 and not any(line == ",," or "nan" in line for line in lines)


def test_memory_errors_are_one_clear_line(monkeypatch, tmp_path, capsys):
    from chainrule.cli import train_cmd

    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 29.8 GiB")

    monkeypatch.setattr(train_cmd, "build_model", no_memory)
    assert _call(["train", "--dataset", "xor", "--out", tmp_path / "r"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: not enough memory") and "MemoryError" not in err


def test_explain_and_train_report_errors_alike(capsys):
    assert _call(["explain", "x +* 2", "--at", "x=1"]) == 2
    assert _call(["train", "--epochs", "0"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and all(e.startswith("chainrule: error: ") for e in errors)


def test_exit_codes_are_documented():
    from chainrule import cli

    assert "2    the command line is wrong" in cli.__doc__
    assert "1    the command failed" in cli.__doc__


def test_the_readme_explain_example_is_the_real_output(capsys):
    import re
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```\n\$ (chainrule explain .*?)\n(.*?)```", readme, re.S)
    assert block, "the README shows an explain command and its output"
    argv = shlex.split(block.group(1))[1:]
    assert main(argv) == 0
    assert capsys.readouterr().out == block.group(2)


def test_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "Exit codes: 0 success, 1 the command failed" in out and "2 the" in out
