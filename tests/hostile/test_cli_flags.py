"""Hostile command lines: bad option values and combinations, refused before any data is
read or any folder made (exit 2 for what argparse refuses, 1 for the rest)."""
import pytest

BIG = "9" * 1_000_000  # an input of a million characters must not come back whole

# id: (argv, expected fragment of the message, exit code)
CASES = {
    "unknown option": (["train", "--colour", "red"], "unrecognized arguments", 2),
    "unknown command": (["trian"], "invalid choice", 2),
    "hidden letters": (["train", "--hidden", "12,abc"], "expected layer widths", 2),
    "hidden zero": (["train", "--hidden", "0"], "layer widths must be", 2),
    "hidden negative": (["train", "--hidden", "8,-3"], "layer widths must be", 2),
    "hidden a billion": (["train", "--hidden", "1000000000"], "layer widths must be", 2),
    "hidden empty part": (["train", "--hidden", "8,,8"], "expected layer widths", 2),
    "hidden huge text": (["train", "--hidden", BIG], "expected layer widths", 2),
    "epochs zero": (["train", "--epochs", "0"], "--epochs", 2),
    "epochs negative": (["train", "--epochs", "-3"], "--epochs", 2),
    "epochs text": (["train", "--epochs", "ten"], "expected an integer", 2),
    "epochs float": (["train", "--epochs", "2.5"], "expected an integer", 2),
    "lr zero": (["train", "--lr", "0"], "expected a value > 0", 2),
    "lr negative": (["train", "--lr", "-0.1"], "--lr", 2),
    "lr nan": (["train", "--lr", "nan"], "--lr", 2),
    "lr inf": (["train", "--lr", "inf"], "--lr", 2),
    "batch size zero": (["train", "--batch-size", "0"], "--batch-size", 2),
    "dropout one": (["train", "--dropout", "1"], "--dropout", 2),
    "dropout negative": (["train", "--dropout", "-0.1"], "--dropout", 2),
    "momentum above one": (["train", "--momentum", "1.5"], "--momentum", 2),
    "weight decay negative": (["train", "--weight-decay", "-1"], "--weight-decay", 2),
    "val fraction one": (["train", "--val-fraction", "1"], "--val-fraction", 2),
    "test fraction zero": (["train", "--test-fraction", "0"], "--test-fraction", 2),
    "seed negative": (["train", "--seed", "-1"], "--seed", 2),
    "early stopping negative": (["train", "--early-stopping", "-2"], "--early-stopping", 2),
    "unknown activation": (["train", "--activation", "swoosh"], "unknown activation", 2),
    "unknown activation in a list": (["train", "--activation", "relu,bogus"],
                                     "unknown activation 'bogus'", 2),
    "unknown optimizer": (["train", "--optimizer", "adamant"], "unknown optimizer", 2),
    "unknown loss": (["train", "--loss", "hinge"], "invalid choice", 2),
    "unknown schedule": (["train", "--schedule", "warm"], "invalid choice", 2),
    "unknown dataset": (["train", "--dataset", "imagenet"], "unknown dataset", 2),
    "dataset huge name": (["train", "--dataset", BIG], "unknown dataset", 2),
    "unknown weights format": (["train", "--weights-format", "pickle"], "invalid choice", 2),
    "unknown missing policy": (["train", "--missing", "guess"], "invalid choice", 2),
    "empty categorical list": (["train", "--categorical", ","], "column names", 2),
    "evaluate without run": (["evaluate"], "required: RUN", 2),
    "predict without csv": (["predict", "run"], "--csv", 2),
    "predict unknown missing": (["predict", "run", "--csv", "data/train.csv", "--missing",
                                 "drop"], "invalid choice", 2),
    "gradcheck nothing to check": (["gradcheck"], "one of the arguments --expr --model", 2),
    "gradcheck both": (["gradcheck", "--expr", "x", "--model", "mlp"], "not allowed with", 2),
    "gradcheck samples text": (["gradcheck", "--model", "mlp", "--samples", "many"],
                               "invalid int value", 2),
    "explain without expression": (["explain"], "expression", 2),
    "explain bad mode": (["explain", "x", "--at", "x=1", "--mode", "sideways"],
                         "invalid choice", 2),
    "explain bad format": (["explain", "x", "--at", "x=1", "--format", "pdf"],
                           "invalid choice", 2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_flags_are_refused(case, refused):
    refused(*CASES[case])
