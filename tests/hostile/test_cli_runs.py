"""Hostile run folders: hand-edited or damaged configs, weights, checkpoints and standardisers,
changed CSV files, and bad ``evaluate`` / ``predict`` / ``--resume`` requests. Each is refused
by name before anything is allocated or written."""
import math

import numpy as np
import pytest

CSV = "data/train.csv"
W = "run/model/model.npz"
FIRST = "layers.0.weight"


def _settings(key, value):
    return lambda ws: ws.edit_json("run/config.json",
                                   lambda c: c["settings"].__setitem__(key, value))


def _config(change):
    return lambda ws: ws.edit_json("run/config.json", change)


def _std(key, i, value):
    return _config(lambda c: c["preprocessing"]["standardizer"][key].__setitem__(i, value))


def _model(change):
    return lambda ws: ws.edit_json("run/model/config.json", lambda c: change(c["model"]))


def _state(change):
    return lambda ws: ws.edit_json("run/checkpoint/trainer_state.json", change)


def _weights(change, rel=W):
    return lambda ws: ws.edit_weights(rel, change)


def _fill(value):
    return _weights(lambda a: a.__setitem__(FIRST, np.full_like(a[FIRST], value)))


def _declared_huge(ws):
    """A weights file whose header declares a (10^9, 4) array but holds a few bytes."""
    import io
    import zipfile

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (10**9, 4)})
    path = ws.path(W)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    with zipfile.ZipFile(path, "w") as z:
        for k, v in arrays.items():
            buf = io.BytesIO()
            np.save(buf, v)
            z.writestr(f"{k}.npy", header.getvalue() + b"\0" * 16 if k == FIRST
                       else buf.getvalue())


def _csv(ws, text, name="new.csv"):
    return str(ws.write(f"data/{name}", text))


def _on_csv(command, run, text, *extra):
    return lambda ws: [command, run, "--csv", _csv(ws, text), *extra]


def _evaluate(setup):
    def run(ws):
        setup(ws)
        return ["evaluate", "run"]
    return run


def _predict(setup, *extra):
    def run(ws):
        setup(ws)
        return ["predict", "run", "--csv", CSV, *extra]
    return run


def _resume(setup, *extra):
    def run(ws):
        setup(ws)
        return ["train", "--resume", "run", *extra]
    return run


def _nothing(ws):
    return None


# id: (setup(ws) -> argv, expected fragment, exit code)
CASES = {
    # the run folder itself
    "evaluate a folder that is not a run": (lambda ws: ["evaluate", "data"],
                                           "not a chainrule run", 1),
    "evaluate a missing folder": (lambda ws: ["evaluate", "nowhere"], "not found", 1),
    "evaluate a file": (lambda ws: ["evaluate", CSV], "not a chainrule run", 1),
    "predict a folder that is not a run": (lambda ws: ["predict", "data", "--csv", CSV],
                                          "not a chainrule run", 1),
    "resume a folder that is not a run": (lambda ws: ["train", "--resume", "data"],
                                         "not a chainrule run", 1),
    "config not json": (_evaluate(lambda ws: ws.write("run/config.json", "{oops")),
                        "not valid JSON", 1),
    "config a list": (_evaluate(lambda ws: ws.write("run/config.json", "[1, 2]")),
                      "not a chainrule run", 1),
    "config other format": (_evaluate(_config(lambda c: c.__setitem__("format", "keras"))),
                            "not a chainrule run", 1),
    "config future version": (_evaluate(_config(lambda c: c.__setitem__("version", 99))),
                              "version 99", 1),
    "config without settings": (_evaluate(_config(lambda c: c.pop("settings"))),
                                "lacks 'settings'", 1),
    # hand-edited settings
    "settings hidden a billion": (_evaluate(_settings("hidden", [10**9])), "settings.hidden", 1),
    "settings hidden text": (_evaluate(_settings("hidden", "big")), "settings.hidden", 1),
    "settings unknown loss": (_evaluate(_settings("loss", "bogus")), "settings.loss", 1),
    "settings unknown schedule": (_evaluate(_settings("schedule", "warm")),
                                  "settings.schedule", 1),
    "settings batch size zero": (_evaluate(_settings("batch_size", 0)),
                                 "settings.batch_size", 1),
    "settings negative epochs": (_evaluate(_settings("epochs", -1)), "settings.epochs", 1),
    "settings epochs true": (_evaluate(_settings("epochs", True)), "settings.epochs", 1),
    "settings unknown optimizer": (_evaluate(_settings("optimizer", "magic")),
                                   "settings.optimizer", 1),
    "settings nan lr": (_evaluate(_settings("lr", math.nan)), "settings.lr", 1),
    "settings dropout one": (_evaluate(_settings("dropout", 1.0)), "settings.dropout", 1),
    "settings test fraction zero": (_evaluate(_settings("test_fraction", 0)),
                                    "settings.test_fraction", 1),
    "settings unknown activation": (_evaluate(_settings("activation", "swoosh")),
                                    "settings.activation", 1),
    "settings weights format pickle": (_evaluate(_settings("weights_format", "pickle")),
                                       "settings.weights_format", 1),
    "settings huge string is cut": (_evaluate(_settings("loss", "x" * 1_000_000)),
                                    "settings.loss", 1),
    # hand-edited model and data descriptions
    "model hidden a billion": (_evaluate(_config(
        lambda c: c["model"].__setitem__("hidden", [10**9]))), "GiB", 1),
    "model in_features zero": (_evaluate(_config(
        lambda c: c["model"].__setitem__("in_features", 0))), "model.in_features", 1),
    "model features disagree": (_evaluate(_config(
        lambda c: c["data"]["feature_names"].pop())), "feature_names", 1),
    "data unknown task": (_evaluate(_config(lambda c: c["data"].__setitem__("task", "magic"))),
                          "data.task", 1),
    "data one class": (_evaluate(_config(
        lambda c: c["data"].__setitem__("class_names", ["0"]))), "class_names", 1),
    "preprocessing not an object": (_evaluate(_config(
        lambda c: c.__setitem__("preprocessing", [1]))), "'preprocessing'", 1),
    "model unknown activation": (_evaluate(_model(lambda m: m.__setitem__(
        "activation", ["bogus"]))), "unknown activation 'bogus'", 1),
    "model unknown class": (_evaluate(_model(lambda m: m.__setitem__("class", "Bogus"))),
                            "unknown module class 'Bogus'", 1),
    "model dropout seven": (_evaluate(_model(lambda m: m.__setitem__("dropout", 7))),
                            "dropout", 1),
    "model unknown output": (_evaluate(_model(lambda m: m.__setitem__("output", "bogus"))),
                             "output", 1),
    "model weights outside the folder": (_evaluate(lambda ws: ws.edit_json(
        "run/model/config.json", lambda c: c.__setitem__("weights", "../../data/x.npz"))),
        "'weights'", 1),
    "model folder config edited": (_evaluate(lambda ws: ws.edit_json(
        "run/model/config.json", lambda c: c["model"].__setitem__("hidden", [10**9]))),
        "GiB", 1),
    # standardiser
    "standardiser std zero": (_evaluate(_std("std", 0, 0.0)), "std[0] is 0.0", 1),
    "standardiser std negative": (_evaluate(_std("std", 1, -2.0)), "std[1]", 1),
    "standardiser mean nan": (_evaluate(_std("mean", 0, math.nan)), "mean[0] is nan", 1),
    "standardiser std infinite": (_evaluate(_std("std", 0, math.inf)), "std[0] is inf", 1),
    "standardiser mean text": (_evaluate(_std("mean", 0, "zero")), "mean[0]", 1),
    "standardiser too short": (_evaluate(_config(
        lambda c: c["preprocessing"]["standardizer"]["mean"].pop())), "must list", 1),
    "predict with std zero": (_predict(_std("std", 0, 0.0)), "std[0] is 0.0", 1),
    # weights
    "weights nan": (_evaluate(_fill(np.nan)), "NaN or infinite", 1),
    "weights inf": (_evaluate(_fill(np.inf)), "NaN or infinite", 1),
    "predict with nan weights": (_predict(_fill(np.nan)), "NaN or infinite", 1),
    "weights missing": (_evaluate(lambda ws: ws.path(W).unlink()), "not found", 1),
    "weights corrupt": (_evaluate(lambda ws: ws.write(W, b"PK\x03\x04garbage")), "corrupt", 1),
    "weights truncated": (_evaluate(lambda ws: ws.write(W, ws.path(W).read_bytes()[:200])),
                          "corrupt", 1),
    "weights wrong shape": (_evaluate(_weights(
        lambda a: a.__setitem__(FIRST, np.zeros((3, 3), np.float32)))), "declared with shape", 1),
    "weights extra array": (_evaluate(_weights(
        lambda a: a.__setitem__("extra", np.zeros(2, np.float32)))), "do not match", 1),
    "weights declare a huge array": (_evaluate(_declared_huge), "declared with shape", 1),
    # the CSV the run was trained on
    "csv edited after training": (_evaluate(lambda ws: ws.write(CSV, ws.path(CSV).read_text()
                                                                + "0.1,0.2,red,1\n")),
                                  "has changed since training", 1),
    "csv deleted": (_evaluate(lambda ws: ws.path(CSV).unlink()), "no longer exists", 1),
    "csv identity not recorded": (_evaluate(_config(lambda c: c["data"].pop("csv"))),
                                  "does not record the identity", 1),
    "resume on an edited csv": (_resume(lambda ws: ws.write(CSV, "a,b,colour,y\n1,2,red,0\n"),
                                        "--epochs", "3"), "has changed since training", 1),
    # evaluate requests
    "evaluate --target without --csv": (lambda ws: ["evaluate", "run", "--target", "y"],
                                        "apply to --csv files only", 1),
    "evaluate --csv and --dataset": (lambda ws: ["evaluate", "run", "--csv", CSV, "--dataset",
                                                 "xor"], "not both", 1),
    "evaluate a regression set": (lambda ws: ["evaluate", "run", "--dataset", "plane"],
                                  "does not match the run's task", 1),
    "evaluate csv without the target": (
        _on_csv("evaluate", "run", "a,b,colour\n1,2,red\n"),
        "no target column", 1),
    "evaluate csv unknown class": (
        _on_csv("evaluate", "run", "a,b,colour,y\n1,2,red,7\n"),
        "unknown class '7'", 1),
    "evaluate csv missing feature": (
        _on_csv("evaluate", "run", "a,b,colour,y\nNA,2,red,1\n"),
        "--missing drop", 1),
    "evaluate csv all rows dropped": (
        _on_csv("evaluate", "run", "a,b,colour,y\nNA,2,red,1\n", "--missing", "drop"),
        "nothing left", 1),
    # predict requests
    "predict csv missing column": (
        _on_csv("predict", "run", "a,colour\n1,red\n"),
        "missing column(s) ['b']", 1),
    "predict csv unknown category": (
        _on_csv("predict", "run", "a,b,colour\n1,2,purple\n"),
        "unknown category 'purple'", 1),
    "predict csv huge category is cut": (
        _on_csv("predict", "run", "a,b,colour\n1,2," + "p" * 500_000 + "\n"),
        "field larger than", 1),
    "predict csv not a number": (
        _on_csv("predict", "run", "a,b,colour\n1,two,red\n"),
        "'two' is not a number", 1),
    "predict csv infinite": (
        _on_csv("predict", "run", "a,b,colour\n1,inf,red\n"),
        "not a finite number", 1),
    "predict csv missing value": (
        _on_csv("predict", "run", "a,b,colour\n1,NA,red\n"),
        "--missing skip", 1),
    "predict impute without means": (
        _on_csv("predict", "raw_run", "a,b,colour\n1,NA,red\n", "--missing", "impute"),
        "training means", 1),
    "predict csv missing file": (lambda ws: ["predict", "run", "--csv", "data/nope.csv"],
                                 "not found", 1),
    "predict csv not utf-8": (lambda ws: ["predict", "run", "--csv", _csv(
        ws, b"a,b,colour\n\xff,1,red\n")], "not a UTF-8 text file", 1),
    "predict output over the csv": (_predict(_nothing, "--output", CSV), "--csv file itself", 1),
    "predict output into the run": (_predict(_nothing, "--output", "run/config.json"),
                                    "inside the run folder", 1),
    "predict output is a folder": (_predict(_nothing, "--output", "data"), "is a folder", 1),
    "predict output folder missing": (_predict(_nothing, "--output", "nowhere/p.csv"),
                                      "does not exist", 1),
    # resume requests
    "resume with epochs already done": (_resume(_nothing, "--epochs", "2"),
                                        "already trained 2 epochs", 1),
    "resume with fewer epochs": (_resume(_nothing, "--epochs", "1"), "already trained", 1),
    "resume a complete run": (_resume(_nothing), "already complete", 1),
    "resume with another lr": (_resume(_nothing, "--lr", "0.1"), "only --epochs", 1),
    "resume with --out": (_resume(_nothing, "--out", "elsewhere"), "only --epochs", 1),
    "resume resizing a cosine schedule": (lambda ws: ["train", "--resume", "cosine_run",
                                                      "--epochs", "5"],
                                          "schedule is sized for 2 epochs", 1),
    "resume without a checkpoint": (_resume(lambda ws: __import__("shutil").rmtree(
        ws.path("run/checkpoint")), "--epochs", "3"), "no checkpoint to resume from", 1),
    "resume with nan in the checkpoint": (_resume(_fill_checkpoint := _weights(
        lambda a: a.__setitem__(FIRST, np.full_like(a[FIRST], np.nan)),
        "run/checkpoint/model.npz"), "--epochs", "3"), "NaN or infinite", 1),
    "resume with a text epoch": (_resume(_state(lambda c: c.__setitem__("epoch", "x")),
                                         "--epochs", "3"), "'epoch'", 1),
    "resume with damaged callback states": (_resume(_state(lambda c: c.__setitem__(
        "callbacks", [{"class": "History", "state": {}}])), "--epochs", "3"), "damaged", 1),
    "resume with a damaged loader state": (_resume(_state(lambda c: c.__setitem__(
        "loader", {"x": 1})), "--epochs", "3"), "set_state", 1),
    "resume with damaged optimizer state": (_resume(_state(lambda c: c.__setitem__(
        "optimizer", {"junk": 1})), "--epochs", "3"), "trainer state", 1),
    "resume with a broken trainer state": (_resume(lambda ws: ws.write(
        "run/checkpoint/trainer_state.json", "{broken"), "--epochs", "3"), "not valid JSON", 1),
    "resume with another architecture": (_resume(lambda ws: ws.edit_json(
        "run/checkpoint/config.json", lambda c: c["model"].__setitem__("hidden", [3])),
        "--epochs", "3"), "declared with shape", 1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_damaged_runs_and_bad_requests_are_refused(case, workspace, refused):
    setup, expected, code = CASES[case]
    refused(setup(workspace), expected, code)


def test_a_locked_run_is_refused(workspace, refused):
    import fcntl
    import os

    fd = os.open(workspace.path("run"), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        refused(["train", "--resume", "run", "--epochs", "3"], "another chainrule process", 1)
        refused(["predict", "run", "--csv", CSV], "being trained", 1)
    finally:
        os.close(fd)
