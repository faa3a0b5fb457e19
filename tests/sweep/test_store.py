"""The store is refused, untouched, when it is not this sweep's."""
import hashlib
import sqlite3
import subprocess
import sys
import time

import pytest

pytest.importorskip("optuna")

from chainrule.sweep import StoreError, build_config, run_sweep  # noqa: E402
from chainrule.sweep import store  # noqa: E402
from chainrule.sweep.options import OptionError  # noqa: E402

GRID = {"lr": [0.01, 0.1], "activation": ["relu", "tanh"]}
FIXED = {"epochs": 1, "hidden": [8]}


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _config(**grid):
    return build_config(grid=grid or GRID, fixed=FIXED, seeds=2)


def _refused(folder, config, message):
    before = {p.name: _digest(p) for p in folder.iterdir() if p.is_file()}
    with pytest.raises((StoreError, OptionError), match=message):
        run_sweep(folder, config, progress=False)
    after = {p.name: _digest(p) for p in folder.iterdir() if p.is_file()}
    assert after == before  # nothing written, nothing changed


def test_a_text_file_is_not_a_store(tmp_path):
    (tmp_path / "study.db").write_text("my notes\n")
    _refused(tmp_path, _config(), "is not a SQLite database")


def test_a_database_of_another_program(tmp_path):
    con = sqlite3.connect(tmp_path / "study.db")
    con.execute("CREATE TABLE people (name TEXT)")
    con.execute("INSERT INTO people VALUES ('ada')")
    con.commit()
    con.close()
    _refused(tmp_path, _config(), r"another program \(tables \['people'\]\)")


def test_an_optuna_study_of_another_program(tmp_path):
    import optuna

    optuna.create_study(storage=f"sqlite:///{tmp_path / 'study.db'}", study_name="theirs")
    _refused(tmp_path, _config(), r"Optuna studies \['theirs'\] that no chainrule sweep made")


def test_a_folder_with_other_files(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    _refused(tmp_path, _config(), "is not empty and holds no sweep store")


def test_the_same_folder_with_another_search_space(tmp_path):
    store.create_store(tmp_path, _config().resolve())
    assert store.check_folder(tmp_path, _config().resolve()) is True
    _refused(tmp_path, _config(lr=[0.01, 0.2], activation=["relu", "tanh"]),
             r"different definition \(swept lr: stored \[0.01, 0.1\], now \[0.01, 0.2\]\)")
    _refused(tmp_path, build_config(grid=GRID, fixed={**FIXED, "epochs": 2}, seeds=2),
             "fixed epochs: stored 1, now 2")
    _refused(tmp_path, build_config(grid=GRID, fixed=FIXED, seeds=3), "seeds: stored 2, now 3")


def test_a_second_driver_on_the_same_folder_is_refused(tmp_path):
    with store.driver_lock(tmp_path):
        with pytest.raises(StoreError, match="another sweep .* is running"):
            with store.driver_lock(tmp_path):
                pass


def test_report_needs_a_store(tmp_path):
    from chainrule.sweep import build_report

    with pytest.raises(StoreError, match="holds no sweep store"):
        build_report(tmp_path)


def test_unreachable_scheduler_fails_fast_and_writes_nothing(tmp_path):
    folder = tmp_path / "sweep"
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "chainrule.cli", "sweep", str(folder),
                           "--grid", "lr=0.01,0.1", "--scheduler", "tcp://127.0.0.1:9"],
                          capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - start
    assert proc.returncode == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in proc.stderr
    assert elapsed < 20, elapsed  # the connection timeout is 4 s (plus Python start-up)
    assert not folder.exists()


@pytest.mark.parametrize("args, message", [
    (["--grid", "foo=1,2"], "unknown option 'foo'"),
    (["--grid", "lr="], "empty grid for 'lr'"),
    (["--grid", "epochs=2,a"], "epochs='a': argument --epochs: expected an integer"),
    (["--grid", "lr=0.1", "--resume", "x"], "--resume does not apply to a sweep"),
    (["--grid", "lr=0.1", "--workers", "2", "--dask-local", "2"], "not --workers and"),
    (["--grid", "lr=0.1", "--scheduler", "nowhere"], "expected an address like"),
])
def test_command_line_refusals(tmp_path, args, message):
    proc = subprocess.run([sys.executable, "-m", "chainrule.cli", "sweep",
                           str(tmp_path / "s"), *args], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("chainrule: error: ") and message in proc.stderr
    assert not (tmp_path / "s").exists()
