"""Every optimiser `chainrule train --help` lists trains end to end from the command line."""
import json
import math
import re

import pytest

from chainrule import optim
from chainrule.cli import main


def test_the_help_lists_exactly_the_available_optimizers(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    listed = re.search(r"--optimizer NAME one of (.*?) \(default", text).group(1)
    assert listed.split(", ") == optim.available_optimizers()


@pytest.mark.parametrize("name", optim.available_optimizers())
def test_every_listed_optimizer_trains_from_the_command_line(tmp_path, name):
    out = tmp_path / name
    assert main(["train", "--dataset", "xor", "--hidden", "8", "--epochs", "2", "--optimizer",
                 name, "--out", str(out), "--quiet"]) == 0
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == 2 and all(math.isfinite(v) for v in history["loss"])
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 <= metrics["accuracy"] <= 1
