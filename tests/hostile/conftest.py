"""Shared helpers of the hostile suite.

Every case gets a fresh copy of a workspace (trained run folders and their CSV files, made
once per test process), may damage it, and then runs one command in it. A case passes when
the command exits non-zero with exactly one line ``chainrule: error: ...`` that names the
problem (the case's expected fragment), shows no traceback, no NumPy repr and no more than a
few hundred characters, and leaves every file and folder of the workspace as it was.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from chainrule.cli import main

MAX_MESSAGE = 500
TRAIN = ["--epochs", "2", "--quiet"]


def write_csv(path: Path, n: int = 40, seed: int = 0) -> Path:
    """A small classification table: two numbers, a category and a 0/1 target."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    colour = np.where(X[:, 1] > 0, "red", "blue")
    y = (X[:, 0] > 0).astype(int)
    path.write_text("a,b,colour,y\n" + "".join(
        f"{a:.3f},{b:.3f},{c},{t}\n" for (a, b), c, t in zip(X, colour, y)))
    return path


def call(argv: list[Any]) -> int:
    """``chainrule.cli.main`` in this process; argparse's exit code for usage errors."""
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return int(exc.code)


def _train(argv: list[Any]) -> None:
    code = call(argv)
    assert code == 0, f"setting up the workspace failed: {argv}"


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace every case starts from (built once per test process):

    data/train.csv   40 rows: a, b, colour (red/blue), y (0/1)
    run/             trained on it (2 epochs)
    raw_run/         the same with --no-standardize
    cosine_run/      xor, 2 epochs, cosine schedule
    """
    ws = tmp_path_factory.mktemp("hostile-template")
    (ws / "data").mkdir()
    csv = write_csv(ws / "data" / "train.csv")
    cwd = os.getcwd()
    os.chdir(ws)  # the runs record absolute paths, so the copies below point here
    try:
        _train(["train", "--csv", csv, "--target", "y", "--out", "run", *TRAIN])
        _train(["train", "--csv", csv, "--target", "y", "--no-standardize", "--out", "raw_run",
                *TRAIN])
        _train(["train", "--dataset", "xor", "--schedule", "cosine", "--out", "cosine_run",
                *TRAIN])
    finally:
        os.chdir(cwd)
    return ws


def snapshot(root: Path) -> dict[str, str]:
    """relative path -> content hash (files), "dir" (folders), link target (symlinks)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@dataclass
class Workspace:
    """A case's own copy of the template, with helpers to damage it."""

    root: Path

    def path(self, rel: str) -> Path:
        return self.root / rel

    def edit_json(self, rel: str, change: Callable[[dict], None]) -> None:
        path = self.root / rel
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path

    def edit_weights(self, rel: str, change: Callable[[dict], None]) -> None:
        path = self.root / rel
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files}
        change(arrays)
        np.savez(path, **arrays)


@pytest.fixture()
def workspace(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    root = tmp_path / "ws"
    shutil.copytree(template, root, symlinks=True)
    _repoint(root, template)
    monkeypatch.chdir(root)
    return Workspace(root)


def _repoint(root: Path, template: Path) -> None:
    """The copied runs name the template's CSV by absolute path; point them at the copy."""
    for config in root.glob("*/config.json"):
        text = config.read_text()
        config.write_text(text.replace(str(template), str(root)))


@pytest.fixture()
def refused(workspace: Workspace, capsys: pytest.CaptureFixture
            ) -> Callable[[list[Any], str, int | None], str]:
    """``refused(argv, expected, code)``: run ``argv`` in the case's workspace and check
    everything a refusal must be; returns the error line."""
    return lambda argv, expected, code: assert_refused(workspace, argv, expected, code, capsys)


def assert_refused(workspace: Workspace, argv: list[Any], expected: str, code: int | None,
                   capsys: pytest.CaptureFixture) -> str:
    """Run ``argv`` in ``workspace`` and check everything a refusal must be."""
    capsys.readouterr()
    before = snapshot(workspace.root)
    got = call(argv)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert got != 0, f"exit code 0 for {argv}; stdout: {out[-500:]}"
    if code is not None:
        assert got == code, (got, err)
    assert len(lines) == 1, f"expected one line on stderr, got: {err[-2000:]}"
    line = lines[0]
    assert line.startswith("chainrule: error: "), line
    for smell in ("Traceback", "np.str_", "np.float", "array(", "unexpected ", "KeyError",
                  "MemoryError", "internal error"):
        assert smell not in line, line
    assert len(line) <= MAX_MESSAGE, f"{len(line)} characters: {line[:300]}..."
    assert expected.lower() in line.lower(), f"{expected!r} not in: {line}"
    assert snapshot(workspace.root) == before, "the command changed the workspace"
    return line
