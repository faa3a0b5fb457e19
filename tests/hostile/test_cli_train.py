"""Hostile ``chainrule train`` inputs: bad CSV files, impossible combinations, folders that
must not be touched. None may leave a run folder (or anything else) behind."""
import pytest

CSV = "data/train.csv"
OUT = ["--out", "new_run"]
ONE = ["--epochs", "1", "--quiet"]


def _csv(ws, text, name="bad.csv"):
    return str(ws.write(f"data/{name}", text))


# id: (setup(ws) -> argv, expected fragment, exit code)
CASES = {
    "csv without target": (lambda ws: ["train", "--csv", CSV, *OUT], "--csv needs --target", 1),
    "target not a column": (lambda ws: ["train", "--csv", CSV, "--target", "label", *OUT],
                            "label", 1),
    "dataset and csv": (lambda ws: ["train", "--dataset", "xor", "--csv", CSV, "--target", "y",
                                    *OUT], "not both", 1),
    "target without csv": (lambda ws: ["train", "--target", "y", *OUT],
                           "--target applies to --csv", 1),
    "missing without csv": (lambda ws: ["train", "--dataset", "xor", "--missing", "drop", *OUT],
                            "apply to --csv files only", 1),
    "data dir for heart": (lambda ws: ["train", "--dataset", "heart", "--data-dir", "data",
                                       *OUT], "--data-dir applies to mnist", 1),
    "csv does not exist": (lambda ws: ["train", "--csv", "data/nope.csv", "--target", "y",
                                       *OUT], "not found", 1),
    "csv is a folder": (lambda ws: ["train", "--csv", "data", "--target", "y", *OUT],
                        "not found", 1),
    "csv empty": (lambda ws: ["train", "--csv", _csv(ws, ""), "--target", "y", *OUT],
                  "empty", 1),
    "csv header only": (lambda ws: ["train", "--csv", _csv(ws, "a,b,y\n"), "--target", "y",
                                    *OUT], "no data rows", 1),
    "csv ragged row": (lambda ws: ["train", "--csv", _csv(ws, "a,b,y\n1,2,0\n3,1\n"),
                                   "--target", "y", *OUT], "line 3", 1),
    "csv non-numeric cell": (lambda ws: ["train", "--csv", _csv(
        ws, "a,b,y\n" + "1,2,0\n4,5,1\n" * 6 + "3,oops,1\n"), "--target", "y", *OUT],
        "column 'b'", 1),
    "csv duplicate columns": (lambda ws: ["train", "--csv", _csv(ws, "a,a,y\n1,2,0\n3,4,1\n"),
                                          "--target", "y", *OUT], "duplicate column", 1),
    "csv missing cell speaks in flags": (lambda ws: ["train", "--csv", _csv(
        ws, "a,b,y\n" + "1,2,0\n3,4,1\n" * 5 + "NA,2,1\n"), "--target", "y", *OUT],
        "--missing drop", 1),
    "csv missing target cell": (lambda ws: ["train", "--csv", _csv(
        ws, "a,b,y\n" + "1,2,0\n3,4,1\n" * 5 + "1,2,NA\n"), "--target", "y", *OUT],
        "--missing drop", 1),
    "csv one class": (lambda ws: ["train", "--csv", _csv(ws, "a,b,y\n1,2,0\n3,4,0\n5,6,0\n"),
                                  "--target", "y", *OUT], "single value", 1),
    "csv only the target": (lambda ws: ["train", "--csv", _csv(ws, "y\n0\n1\n0\n1\n"),
                                        "--target", "y", *OUT], "no feature columns", 1),
    "csv not utf-8": (lambda ws: ["train", "--csv", _csv(ws, b"a,b,y\n\xff\xfe,1,0\n"),
                                  "--target", "y", *OUT], "bad.csv", 1),
    "csv huge cell is not echoed": (lambda ws: ["train", "--csv", _csv(
        ws, "a,b,y\n" + "1,2,0\n3,4,1\n" * 5 + "1," + "x" * 100_000 + ",0\n"), "--target", "y",
        *OUT], "column 'b'", 1),
    "csv categorical column that is not there": (lambda ws: [
        "train", "--csv", CSV, "--target", "y", "--categorical", "shape", *OUT], "shape", 1),
    "csv drop the target": (lambda ws: ["train", "--csv", CSV, "--target", "y", "--drop", "y",
                                        *OUT], "drop", 1),
    "bce on ten classes": (lambda ws: ["train", "--loss", "bce", *ONE, *OUT],
                           "--loss bce is for binary", 1),
    "cross-entropy for regression": (lambda ws: ["train", "--dataset", "plane", "--loss",
                                                 "cross-entropy", *ONE, *OUT],
                                     "regression task", 1),
    "momentum for adam": (lambda ws: ["train", "--dataset", "xor", "--momentum", "0.9", *ONE,
                                      *OUT], "--momentum does not apply", 1),
    "fractions add up to one": (lambda ws: ["train", "--dataset", "xor", "--val-fraction",
                                            "0.5", "--test-fraction", "0.5", *OUT],
                                "must be < 1", 1),
    "a network too big for memory": (lambda ws: ["train", "--dataset", "xor", "--hidden",
                                                 "1000000,1000000", *OUT], "GiB", 1),
    "out is an existing folder": (lambda ws: ["train", "--dataset", "xor", "--out", "data",
                                              *ONE], "already exists", 1),
    "out is a file": (lambda ws: ["train", "--dataset", "xor", "--out", CSV, *ONE],
                      "already exists", 1),
    "out is an existing run": (lambda ws: ["train", "--dataset", "xor", "--out", "run", *ONE],
                               "already exists", 1),
    "diverging in the first epoch": (lambda ws: ["train", "--dataset", "plane", "--optimizer",
                                                 "sgd", "--lr", "1e6", *OUT], "loss became", 1),
    "safetensors without the package": (lambda ws: [
        "train", "--dataset", "xor", "--weights-format", "safetensors", *ONE, *OUT],
        "chainrule[io]", 1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_training_input_is_refused(case, workspace, refused, monkeypatch):
    if case == "safetensors without the package":
        import sys

        monkeypatch.setitem(sys.modules, "safetensors", None)
        monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    setup, expected, code = CASES[case]
    refused(setup(workspace), expected, code)
