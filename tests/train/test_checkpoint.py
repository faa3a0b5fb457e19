import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from chainrule import nn
from chainrule.train import checkpoint as ck
from chainrule.train import load_checkpoint, load_model, save_checkpoint, save_model


def _model(seed=0):
    return nn.MLP(4, [8], 3, dropout=0.1, seed=seed)


def _same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(np.array_equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("fmt", ["npz", "safetensors"])
def test_save_and_load_model_round_trip(tmp_path, fmt):
    if fmt == "safetensors":
        pytest.importorskip("safetensors")
    model = _model()
    save_model(model, tmp_path / "m", metadata={"class_names": ["a", "b", "c"]},
               weights_format=fmt)
    assert sorted(os.listdir(tmp_path / "m")) == sorted(["config.json", "manifest.json",
                                                        f"model.{fmt}"])
    loaded = load_model(tmp_path / "m")
    assert type(loaded) is nn.MLP and loaded.get_config() == model.get_config()
    assert _same_weights(model, loaded)
    config = ck.read_config(tmp_path / "m")
    assert config["metadata"] == {"class_names": ["a", "b", "c"]}
    assert config["weights"] == f"model.{fmt}"


def test_weights_are_read_without_pickle(tmp_path):
    # an .npz holding an object array can only be read with pickle: it is refused
    np.savez(tmp_path / "evil.npz", w=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="not a valid .npz"):
        ck.load_arrays(tmp_path / "evil.npz")
    with pytest.raises(TypeError, match="numeric"):
        ck.save_arrays(tmp_path / "x.npz", {"w": np.array(["a"], dtype=object)})


def test_a_corrupt_weights_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "w.npz"
    ck.save_arrays(path, {"w": np.arange(5000, dtype=np.float32)})
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside the compressed member
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="w.npz: not a valid .npz file, corrupt"):
        ck.load_arrays(path)


def test_checkpoint_round_trip_keeps_trainer_state(tmp_path):
    model = _model()
    state = {"epoch": 3, "nested": {"m": np.arange(4.0), "step": 7}, "rng": {"s": 2 ** 100}}
    save_checkpoint(tmp_path / "c", model, state, metadata={"task": "multiclass"})
    ckpt = load_checkpoint(tmp_path / "c")
    assert ckpt.trainer_state["epoch"] == 3 and ckpt.trainer_state["rng"]["s"] == 2 ** 100
    np.testing.assert_array_equal(ckpt.trainer_state["nested"]["m"], np.arange(4.0))
    assert ckpt.metadata == {"task": "multiclass"}
    assert _same_weights(ckpt.build_model(), model)
    assert load_checkpoint(_saved_model(tmp_path)).trainer_state is None


def _saved_model(tmp_path):
    save_model(_model(), tmp_path / "plain")
    return tmp_path / "plain"


def test_a_crash_while_writing_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    old, new = _model(seed=1), _model(seed=2)
    save_checkpoint(tmp_path / "c", old, {"epoch": 1})

    real_savez = np.savez

    def dying_savez(file, **arrays):  # write half the file, then die
        real_savez(file, **arrays)
        file.truncate(file.tell() // 2)
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(ck.np, "savez", dying_savez)
    with pytest.raises(OSError, match="simulated"):
        save_checkpoint(tmp_path / "c", new, {"epoch": 2})
    monkeypatch.undo()
    ckpt = load_checkpoint(tmp_path / "c")
    assert ckpt.trainer_state == {"epoch": 1}
    assert _same_weights(ckpt.build_model(), old)
    assert sorted(os.listdir(tmp_path)) == ["c"]  # no temporary files left behind


def test_a_crash_between_the_two_renames_is_recovered(tmp_path, monkeypatch):
    old, new = _model(seed=1), _model(seed=2)
    save_model(old, tmp_path / "m")
    real_replace = os.replace
    calls = []

    def dying_replace(src, dst):
        calls.append(dst)
        if len(calls) == 4:  # weights, config, manifest, old folder aside; die before the swap
            real_replace(src, dst)
            raise KeyboardInterrupt("killed between renames (simulated)")
        real_replace(src, dst)

    monkeypatch.setattr(ck.os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        save_model(new, tmp_path / "m")
    monkeypatch.undo()
    assert _same_weights(load_model(tmp_path / "m"), old)


def test_a_killed_process_leaves_a_loadable_checkpoint(tmp_path):
    """A child saves checkpoints in a loop (weights all equal to the save's number); it is
    killed with SIGKILL mid-way. The folder then holds one complete, consistent save."""
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        from chainrule import nn
        from chainrule.train import save_checkpoint
        model = nn.MLP(200, [400, 400], 10, seed=0)
        path = sys.argv[1]
        k = 0
        while True:
            k += 1
            for p in model.parameters():
                p.data[...] = k
            save_checkpoint(path, model, {{"k": k, "big": np.full(200_000, k, np.float32)}})
            print(k, flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "c")],
                            stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # one complete save exists
        assert first.strip() == "1", first
        time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    ckpt = load_checkpoint(tmp_path / "c")
    k = ckpt.trainer_state["k"]
    assert k >= 1
    assert all(np.all(w == k) for w in ckpt.weights.values())
    assert np.all(ckpt.trainer_state["big"] == k)
    assert _same_weights(load_model(tmp_path / "c"), ckpt.build_model())


def test_refuses_to_replace_a_folder_that_is_not_a_checkpoint(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="refusing to overwrite"):
        save_model(_model(), tmp_path / "docs")
    assert (tmp_path / "docs" / "notes.txt").read_text() == "keep me"


def test_read_config_names_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="not a chainrule model folder"):
        load_model(tmp_path / "empty")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_model(tmp_path / "bad")
    (tmp_path / "bad" / "config.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a chainrule model config"):
        load_model(tmp_path / "bad")


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "f.txt"
    ck.atomic_write_text(target, "old")

    def fail(f):
        f.write(b"partial")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        ck.atomic_write_bytes(target, fail)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_unknown_weights_format_is_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match="weights format"):
        save_model(_model(), tmp_path / "m", weights_format="pickle")
    assert not (tmp_path / "m").exists()


def test_load_recovers_a_folder_left_aside_by_a_killed_save(tmp_path):
    model = _model(seed=3)
    save_model(model, tmp_path / "m")
    # the state a save killed between its two renames leaves: the old folder renamed aside
    os.replace(tmp_path / "m", tmp_path / ".m.old-1234abcd")
    assert _same_weights(load_model(tmp_path / "m"), model)
    assert sorted(os.listdir(tmp_path)) == ["m"]
