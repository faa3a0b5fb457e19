"""A trial is `chainrule train` without the run folder: same numbers, nothing written."""
import json

from chainrule.cli import main
from chainrule.sweep.space import SearchSpace
from chainrule.sweep.trial import TrialTask, run_trial


def test_a_trial_gives_the_numbers_of_chainrule_train(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    space = SearchSpace()
    space.add_grid("lr", [0.01])
    space.add_fixed("hidden", "16")
    space.add_fixed("epochs", 2)
    result = run_trial(TrialTask(number=0, explicit=space.settings_for({"lr": 0.01}, seed=3),
                                 metric="val_accuracy"))
    assert result["status"] == "complete", result["error"]
    assert list(tmp_path.iterdir()) == []  # a trial writes nothing
    assert main(["train", "--hidden", "16", "--epochs", "2", "--lr", "0.01", "--seed", "3",
                 "--quiet", "--out", str(tmp_path / "run")]) == 0
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert result["history"] == history
    assert result["final"]["test_accuracy"] == metrics["accuracy"]
    assert result["final"]["test_macro_f1"] == metrics["macro_f1"]
    assert result["value"] == history["val_accuracy"][-1] and result["epochs"] == 2


def test_a_training_error_is_a_result_not_an_exception():
    space = SearchSpace()
    space.add_grid("optimizer", ["adam"])
    space.add_fixed("momentum", 0.9)
    space.add_fixed("epochs", 1)
    result = run_trial(TrialTask(number=5, explicit=space.settings_for({"optimizer": "adam"},
                                                                       seed=0),
                                 metric="val_accuracy"))
    assert result["status"] == "failed" and result["number"] == 5
    assert result["error"] == "ValueError: --momentum does not apply to --optimizer adam"
