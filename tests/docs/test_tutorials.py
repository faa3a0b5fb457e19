"""Every tutorial runs from a clean kernel, top to bottom, and its own asserts hold.

The tutorials are Jupytext percent scripts (docs/tutorials/NN_name.py); each is turned into
a notebook and executed with nbclient. A cell that raises — an error, or an assert on a
number the lecture states — fails the test with the cell's traceback.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext", reason="the docs extra is not installed")
nbclient = pytest.importorskip("nbclient", reason="the docs extra is not installed")

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("[0-9][0-9]_*.py"))


def test_tutorials_are_found():
    assert len(TUTORIALS) >= 7, [p.name for p in TUTORIALS]


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs_and_reproduces_the_lecture(path: Path, monkeypatch) -> None:
    checks = re.findall(r"^\s*assert\b", path.read_text(encoding="utf-8"), re.M)
    assert len(checks) >= 3, f"{path.name} must assert the numbers it shows"
    notebook = jupytext.read(path)
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith(
        "# "), f"{path.name} must open with a Markdown title cell"
    src = str(ROOT / "src")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [src, os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}", pytrace=False)
    errors = [o for c in notebook.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
