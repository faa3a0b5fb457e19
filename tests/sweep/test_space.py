"""Search spaces: grid and search forms, TOML, and values checked by the train parser."""
import pytest

from chainrule.sweep.config import config_from, read_toml
from chainrule.sweep.options import OptionError, canonical, parse_value
from chainrule.sweep.space import SearchSpace, add_search_arg, parse_grid_arg


def test_values_are_parsed_by_the_train_command():
    assert parse_value("lr", "0.01") == 0.01
    assert parse_value("batch-size", 64) == 64
    assert parse_value("hidden", "64,32") == [64, 32]
    assert canonical("hidden", [64, 256, 256]) == "64,256,256"
    assert canonical("hidden", "none") == "none" and parse_value("hidden", "none") == []
    assert parse_value("activation", "relu,tanh") == ["relu", "tanh"]
    assert parse_value("standardize", "false") is False


def test_grid_argument_with_list_values():
    assert parse_grid_arg("hidden=64:256:256,128") == ("hidden", ["64,256,256", "128"])
    space = SearchSpace()
    space.add_grid(*parse_grid_arg("hidden=64:256:256,128"))
    space.add_grid("lr", [0.01, 0.1])
    assert space.grid() == {"hidden": ["64,256,256", "128"], "lr": [0.01, 0.1]}
    assert len(space.grid_configs()) == 4 and space.is_grid


def test_search_specs():
    space = SearchSpace()
    add_search_arg(space, "lr=log:1e-4:1e-1")
    add_search_arg(space, "epochs=int:2:8")
    add_search_arg(space, "activation=relu,tanh")
    lr, epochs, act = (space.params[n] for n in ("lr", "epochs", "activation"))
    assert (lr.kind, lr.low, lr.high) == ("log", 1e-4, 1e-1)
    assert (epochs.kind, epochs.low, epochs.high) == ("int", 2, 8)
    assert act.values == ("relu", "tanh") and not space.is_grid
    assert lr.distribution().log and epochs.distribution().high == 8


@pytest.mark.parametrize("grid, message", [
    ("foo=1,2", "unknown option 'foo'"),
    ("lr=", "empty grid for 'lr'"),
    ("epochs=2,a", "epochs='a': argument --epochs: expected an integer"),
    ("lr=0.1,-1", "expected a value > 0.0"),
    ("activation=relu,wobbly", "unknown activation 'wobbly'"),
    ("schedule=constant,weekly", "invalid choice: 'weekly'"),
    ("lr=0.1,0.1", "lists '0.1' twice"),
    ("seed=1,2", "cannot be swept"),
    ("out=a,b", "cannot be swept"),
    ("lr", "expected NAME=VALUES"),
])
def test_bad_grids_are_refused(grid, message):
    with pytest.raises(OptionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        config_from(grid=[parse_grid_arg(grid)])


@pytest.mark.parametrize("spec, message", [
    ("lr=int:1:3", "int ranges need an integer option"),
    ("epochs=float:1:3", "epochs takes integers"),
    ("lr=log:0:1", "expected a value > 0.0"),
    ("lr=float:0.5:0.1", "LOW < HIGH"),
    ("activation=float:0:1", "unknown activation '0'"),
    ("optimizer=int:1:2", "unknown optimizer"),
    ("lr=log:1e-3", "expected lr=log:LOW:HIGH"),
])
def test_bad_search_specs_are_refused(spec, message):
    with pytest.raises(OptionError, match=message):
        config_from(search=[spec], trials=3)


def test_empty_space_and_budget_rules():
    with pytest.raises(OptionError, match="empty search space"):
        config_from(fixed={"epochs": 2})
    with pytest.raises(OptionError, match="needs a budget"):
        config_from(search=["lr=log:1e-4:1e-1"])
    with pytest.raises(OptionError, match="is a range"):
        config_from(search=["lr=log:1e-4:1e-1"], sampler="grid")
    with pytest.raises(OptionError, match="both fixed and swept"):
        config_from(grid=[("lr", ["0.1", "0.2"])], fixed={"lr": 0.3})
    with pytest.raises(OptionError, match="--prune compares a metric after each epoch"):
        config_from(grid=[("lr", ["0.1"])], metric="test_accuracy", prune=True)


def test_defaults_resolved():
    grid = config_from(grid=[("lr", ["0.1", "0.2"])], seeds=3)
    assert (grid.sampler, grid.metric, grid.direction) == ("grid", "val_accuracy", "maximize")
    assert grid.seed_list() == [0, 1, 2]
    tpe = config_from(search=["lr=log:1e-4:1e-1"], trials=5, fixed={"dataset": "heart",
                                                                      "val_fraction": 0})
    assert (tpe.sampler, tpe.metric) == ("tpe", "accuracy")
    assert config_from(grid=[("lr", ["0.1"])], metric="val_loss").direction == "minimize"


def test_toml_has_the_same_content(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text("""
seeds = 2
metric = "val_loss"
[fixed]
epochs = 3
[grid]
lr = [0.01, 0.1]
hidden = [[64, 256, 256], [128]]
[search]
activation = ["relu", "tanh"]
""")
    config = config_from(read_toml(path), fixed={"epochs": 5})
    assert config.space.grid() == {"activation": ["relu", "tanh"],
                                   "hidden": ["64,256,256", "128"], "lr": [0.01, 0.1]}
    assert config.space.fixed == {"epochs": 5} and config.seeds == 2
    assert config.metric == "val_loss"
    path.write_text("[grid]\nlearning_rate = [0.1]\n")
    with pytest.raises(OptionError, match="unknown option 'learning_rate'"):
        config_from(read_toml(path))
    path.write_text("[grid]\nlr = []\n")
    with pytest.raises(OptionError, match="empty grid"):
        config_from(read_toml(path))
    path.write_text("[grid]\nepochs = [1, 'x']\n")
    with pytest.raises(OptionError, match="epochs='x'"):
        config_from(read_toml(path))
    path.write_text("grids = 1\n")
    with pytest.raises(OptionError, match="unknown key"):
        read_toml(path)
    path.write_text("[grid\n")
    with pytest.raises(OptionError, match="not valid TOML"):
        read_toml(path)


def test_a_budget_larger_than_a_finite_space_is_refused_up_front():
    with pytest.raises(OptionError, match=r"--trials 3 asks for more .* 2 configuration"):
        config_from(grid=[("lr", ["0.1", "0.2"])], trials=3)
    with pytest.raises(OptionError, match=r"--trials 5 .* 4 configuration"):
        config_from(search=["activation=relu,tanh", "optimizer=sgd,adam"], trials=5,
                    sampler="random")
    assert config_from(grid=[("lr", ["0.1", "0.2"])], trials=2).resolve().trials == 2


def test_sweep_report_without_a_folder_says_so():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "chainrule.cli", "sweep", "report"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == ("chainrule: error: usage: chainrule sweep report DIR (the "
                                   "sweep folder to report on)")
