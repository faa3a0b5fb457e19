"""Export a playground as a run folder of ``chainrule train``, zipped.

The folder holds the model (``train.save_model``), a ``config.json`` written by the same
function the command uses, ``history.json``, ``metrics.json`` and the points as CSV files
whose columns are the network's input features plus ``label``:

- ``data.csv``: every point, in the order the run's settings split again into the same
  train / test parts (``cd RUN && chainrule evaluate .`` scores the playground's test set);
- ``train.csv`` and ``test.csv``: the two parts
  (``chainrule evaluate RUN --csv RUN/test.csv``, ``chainrule predict RUN --csv ...``).
"""
from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .. import train
from ..cli._run import MODEL_DIR, write_run_config
from ..cli.train_cmd import DEFAULTS as TRAIN_DEFAULTS
from .driver import Playground
from .points import feature_names, features, held_out_fraction

TASKS = {"classification": "binary", "multiclass": "multiclass", "regression": "regression"}
TARGET = "label"
LOSS_NAMES = {"bce": "bce", "ce": "cross-entropy", "mse": "mse"}


def _csv_text(pg: Playground, ds: Any) -> str:
    names = feature_names(pg.setup)
    X = features(ds.X, pg.setup)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*names, TARGET])
    labels = (ds.y.astype(np.int64).astype(str) if pg.problem != "regression"
              else [repr(float(v)) for v in ds.y])
    # repr of the float32 values as doubles: read back, they give the same float32
    writer.writerows([*map(repr, row), label] for row, label in
                     zip(X.astype(np.float64).tolist(), labels))
    return buf.getvalue()


def run_name(pg: Playground) -> str:
    return f"playground-{pg.setup['dataset']}-epoch{pg.epoch}"


def write_run(pg: Playground, folder: Path) -> None:
    """Write ``pg`` as a run folder into the (new, empty) ``folder``."""
    s, task = pg.setup, TASKS[pg.problem]
    class_names = None if pg.problem == "regression" else [str(j) for j in range(pg.n_classes)]
    names = feature_names(s)
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {"task": task, "class_names": class_names, "feature_names": names,
                "preprocessing": {"standardizer": None}}
    train.save_model(pg.model, folder / MODEL_DIR, metadata=metadata)
    settings = {**TRAIN_DEFAULTS, "dataset": None, "csv": "data.csv", "target": TARGET,
                "hidden": list(s["hidden"]), "activation": list(s["activations"]),
                "loss": LOSS_NAMES[s["loss"]], "optimizer": s["optimizer"], "lr": s["lr"],
                "batch_size": s["batch_size"], "epochs": max(pg.epoch, 1), "dropout": 0.0,
                "standardize": False, "seed": s["seed"], "val_fraction": 0.0,
                "test_fraction": held_out_fraction(s),
                "weight_decay": None}
    data_info = {"name": "data", "task": task, "class_names": class_names,
                 "feature_names": names, "n_train": len(pg.points.train), "n_val": 0,
                 "n_test": len(pg.points.test)}
    write_run_config(folder, settings, data_info, pg.model.get_config(), None,
                     {"batch_size": s["batch_size"], "playground": s})
    for name, ds in (("data.csv", pg.points.full), ("train.csv", pg.points.train),
                     ("test.csv", pg.points.test)):
        train.atomic_write_text(folder / name, _csv_text(pg, ds))
    history = {"loss": [h[1] for h in pg.history], "test_loss": [h[2] for h in pg.history],
               "epoch": [h[0] for h in pg.history]}
    train.write_json(folder / "history.json", history)
    report = {"test": train.evaluate(pg.model, (pg.test_x, pg.test_y), loss=pg.loss),
              "train": train.evaluate(pg.model, (pg.train_x, pg.train_y), loss=pg.loss),
              "training": {"epochs": pg.epoch}}
    train.write_json(folder / "metrics.json", report)


def model_zip(pg: Playground) -> tuple[str, bytes]:
    """(file name, bytes) of a zip holding the run folder ``run_name(pg)/``."""
    name = run_name(pg)
    with tempfile.TemporaryDirectory(prefix="chainrule-playground-") as tmp:
        root = Path(tmp) / name
        write_run(pg, root)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    zf.write(path, Path(name) / path.relative_to(root))
    return f"{name}.zip", buf.getvalue()
