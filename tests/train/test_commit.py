"""Exact-point fault injection into the checkpoint save (see fault_injection.py): killed
once at every step, and twice in a row at every pair of steps, a later load always finds a
complete checkpoint and the next save leaves nothing stale behind."""
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chainrule.train import commit

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from fault_injection import _assert_complete, _save  # noqa: E402

posix_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")


def _grid(which: str, part: int, parts: int, tmp_path) -> None:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(HERE / "fault_injection.py"), which, str(part),
                           str(parts), str(tmp_path)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]


@posix_only
def test_one_kill_at_every_step_leaves_the_old_or_the_new_checkpoint(tmp_path):
    _grid("one", 0, 1, tmp_path)


@posix_only
@pytest.mark.parametrize("part", range(2))
def test_two_kills_in_a_row_at_every_pair_of_steps(tmp_path, part):
    _grid("two", part, 2, tmp_path)


def test_a_half_deleted_old_folder_is_never_brought_back(tmp_path):
    """The defect of old: a kill during the deletion of the old folder left it with a fresh
    mtime, and a later kill between the renames brought it back without its weights."""
    _save(tmp_path / "c", 1)
    _save(tmp_path / "c", 2)
    os.replace(tmp_path / "c", tmp_path / ".c.old-aaaa1111")       # complete, epoch 2
    _save(tmp_path / "x", 9)
    os.replace(tmp_path / "x", tmp_path / ".c.old-bbbb2222")       # newer mtime ...
    os.unlink(tmp_path / ".c.old-bbbb2222" / "model.npz")         # ... but half deleted
    assert _assert_complete(tmp_path / "c", {2}) == 2
    assert sorted(os.listdir(tmp_path)) == ["c"]


def test_a_folder_without_a_manifest_is_not_complete(tmp_path):
    _save(tmp_path / "c", 1)
    assert commit.manifest_sequence(tmp_path / "c") is not None
    (tmp_path / "c" / "trainer_state.json").write_text("{}")
    assert commit.manifest_sequence(tmp_path / "c") is None
    os.unlink(tmp_path / "c" / "manifest.json")
    assert commit.manifest_sequence(tmp_path / "c") is None


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        _save(tmp_path / "c", 1)
        commit.atomic_write_text(tmp_path / "f.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "c").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "c" / "model.npz").stat().st_mode) == 0o644
