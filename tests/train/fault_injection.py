"""Exact-point fault injection into the checkpoint save (used by test_commit.py).

A forked child saves and is killed (``os._exit``: no cleanup, no ``finally``) right before its
k-th file-system call. Run as a script (``python fault_injection.py one|two PART DIR``) it
runs one part of the grid in a process of its own, where OpenBLAS is single-threaded and
``fork`` is cheap."""
import os
import shutil
import sys

from pathlib import Path

import numpy as np

from chainrule import nn
from chainrule.train import commit, load_checkpoint, save_checkpoint


# every call through which a save touches the file system
_CALLS = ("open", "mkdir", "replace", "rename", "unlink", "rmdir", "fsync", "chmod", "fchmod")


def _model(k: int) -> nn.MLP:
    model = nn.MLP(3, [4], 2, seed=0)
    for p in model.parameters():
        p.data[...] = k
    return model


def _save(path, k: int) -> None:
    save_checkpoint(path, _model(k), {"k": k, "moments": np.full(5, k, np.float32)})


def _count_calls(path, k: int) -> int:
    """How many file-system calls one save makes (in a child, so nothing is patched here)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        counter = _patch(kill_at=None)
        _save(path, k)
        os.write(write, str(counter[0]).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        return int(f.read())


def _patch(kill_at: int | None) -> list[int]:
    counter = [0]

    def wrap(real):
        def call(*args, **kwargs):
            counter[0] += 1
            if counter[0] == kill_at:
                os._exit(137)  # like SIGKILL: nothing else runs
            return real(*args, **kwargs)
        return call

    for name in _CALLS:
        if hasattr(os, name):
            setattr(os, name, wrap(getattr(os, name)))
    return counter


def _save_killed_at(path, k: int, kill_at: int) -> int:
    """Save checkpoint ``k`` in a child killed before its ``kill_at``-th call; its exit code."""
    pid = os.fork()
    if pid == 0:
        try:
            _patch(kill_at)
            _save(path, k)
        finally:
            os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def _assert_complete(path, allowed: set[int]) -> int:
    ckpt = load_checkpoint(path)
    k = ckpt.trainer_state["k"]
    assert k in allowed
    assert all(np.all(w == k) for w in ckpt.weights.values())
    assert np.all(ckpt.trainer_state["moments"] == k)
    return k


def _fresh(tmp_path, name: str):
    folder = tmp_path / name
    folder.mkdir()
    _save(folder / "c", 1)
    return folder


def one_kill(tmp_path, part: int, parts: int) -> None:
    n = _count_calls(_fresh(tmp_path, "count") / "c", 2)
    assert n > 10
    seen = set()
    for kill_at in range(1 + part, n + 1, parts):
        folder = _fresh(tmp_path, f"k{kill_at}")
        assert _save_killed_at(folder / "c", 2, kill_at) == 137, kill_at
        seen.add(_assert_complete(folder / "c", {1, 2}))
        _save(folder / "c", 3)  # the next save cleans up whatever the kill left
        assert sorted(os.listdir(folder)) == ["c"], kill_at
        assert _assert_complete(folder / "c", {3}) == 3
    assert seen == {1, 2}  # early kills keep the old one, late kills the new one


def _state(folder) -> tuple:
    """What a kill left, without the random suffixes: each entry's kind, whether it is
    complete, and its files. The second kill's outcome depends only on this."""
    out = []
    for entry in sorted(os.listdir(folder)):
        kind = entry.split(".")[-1].split("-")[0] if entry.startswith(".") else entry
        path = folder / entry
        files = tuple(sorted(f.rsplit(".", 2)[0] if f.endswith(".tmp") else f
                             for f in os.listdir(path))) if path.is_dir() else ()
        out.append((kind, commit.manifest_sequence(path) is not None, files))
    return tuple(sorted(out))


def _first_kill_states(tmp_path) -> dict[tuple, object]:
    """Every distinct state a first kill can leave -> a folder holding it."""
    n = _count_calls(_fresh(tmp_path, "count") / "c", 2)
    states = {}
    for first in range(1, n + 1):
        folder = _fresh(tmp_path, f"p{first}")
        assert _save_killed_at(folder / "c", 2, first) == 137
        states.setdefault(_state(folder), folder)
    return states


def two_kills(tmp_path, part: int, parts: int) -> None:
    """The first kill at every step (grouped by the state it leaves; the second save sees only
    that state), then the next save killed at every one of its steps. Split in four parts so
    that the runs spread over the test workers."""
    states = list(_first_kill_states(tmp_path).values())
    assert len(states) >= 10
    for i, template in enumerate(states[part::parts]):
        for second in range(1, _count_calls(_copy(template, tmp_path / f"n{i}") / "c", 3) + 1):
            folder = _copy(template, tmp_path / f"k{i}-{second}")
            assert _save_killed_at(folder / "c", 3, second) == 137, (template, second)
            _assert_complete(folder / "c", {1, 2, 3})
            _save(folder / "c", 4)
            assert sorted(os.listdir(folder)) == ["c"], (template, second)


def _copy(folder, to):
    shutil.copytree(folder, to)
    return to



if __name__ == "__main__":
    os.fsync = lambda fd: None  # guards against power cuts, not kills; still a counted step
    which, part, parts, where = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    {"one": one_kill, "two": two_kills}[which](Path(where), part, parts)
