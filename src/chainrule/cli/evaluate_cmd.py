"""``chainrule evaluate RUN`` and ``chainrule predict RUN --csv FILE``."""
from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ._data import MISSING_HINT, check_csv_identity, prepare, read_features
from ._report import test_report
from ._run import Run, locked, read_run
from ._settings import DEFAULTS


def register(subparsers: Any) -> None:
    from .train_cmd import _dataset

    p = subparsers.add_parser(
        "evaluate", help="score a trained run on its test split or on a CSV",
        description="Load the model of a run folder and print its test report: on the run's "
                    "own test split (rebuilt from its saved settings), on the test split of "
                    "another --dataset, or on a --csv file that has the target column.")
    p.add_argument("run", metavar="RUN", help="run folder written by 'chainrule train'")
    p.add_argument("--dataset", type=_dataset, metavar="NAME",
                   help="evaluate on this dataset's test split instead")
    p.add_argument("--csv", metavar="FILE", help="evaluate on the rows of this CSV file")
    p.add_argument("--target", metavar="COL",
                   help="the CSV's target column (default: the run's target)")
    p.add_argument("--data-dir", metavar="DIR", help="folder with the MNIST files")
    p.add_argument("--missing", choices=("error", "drop", "impute"), default="error",
                   help="--csv rows with an empty or NA feature cell: error (default), drop "
                        "them, or impute the training mean")
    p.set_defaults(func=run_evaluate)

    q = subparsers.add_parser(
        "predict", help="predict the rows of a CSV with a trained run",
        description="Print (or write) one prediction per row of a CSV file: the class (with "
                    "one probability column per class) or the regression value. The file "
                    "needs the columns the model was trained on; other columns are ignored.")
    q.add_argument("run", metavar="RUN", help="run folder written by 'chainrule train'")
    q.add_argument("--csv", metavar="FILE", required=True, help="the rows to predict")
    q.add_argument("--output", metavar="FILE", help="write the predictions to this CSV file "
                                                    "instead of printing them (never the "
                                                    "--csv file or a file of the run)")
    q.add_argument("--missing", choices=("error", "skip", "impute"), default="error",
                   help="rows with an empty or NA feature cell: error (default), skip (an "
                        "empty prediction for that row), or impute the training mean")
    q.set_defaults(func=run_predict)


def _impute(run: Run, X: np.ndarray, holes: np.ndarray, missing: str) -> np.ndarray:
    """Fill the NaN cells of ``X`` with the training means (the saved standardiser's)."""
    if missing != "impute" or not holes.any():
        return X
    state = run.standardizer_state
    if state is None:
        raise ValueError("--missing impute needs the training means, which this run did not "
                         "keep (it was trained with --no-standardize); use another --missing")
    mean = np.asarray(state["mean"], dtype=np.float32)
    return np.where(np.isnan(X), mean, X).astype(np.float32)


def _standardize(run: Run, X: np.ndarray) -> np.ndarray:
    from ..data import Standardizer

    state = run.standardizer_state
    if state is None:
        return X
    return np.ascontiguousarray(Standardizer.from_state(state).transform(X), dtype=np.float32)


def _check_width(model: Any, X: np.ndarray, where: str) -> None:
    expected = getattr(model, "in_features", None)
    if expected is not None and X.shape[1] != expected:
        raise ValueError(f"{where} has {X.shape[1]} features, the model expects {expected}")


def run_evaluate(args: argparse.Namespace) -> int:
    run = read_run(args.run)
    with locked(run.path, shared=True):
        return _evaluate(args, run)


def _evaluate(args: argparse.Namespace, run: Run) -> int:
    model = run.load_model()
    info = run.data
    if args.csv:
        if args.dataset:
            raise ValueError("give --dataset or --csv, not both")
        target = args.target or run.settings.get("target")
        if not target:
            raise ValueError("--target COL is needed: the run was not trained on a CSV, so "
                             "it has no target column name")
        X, y, holes = read_features(args.csv, info["feature_names"], target,
                                    info["class_names"], args.missing, MISSING_HINT["evaluate"])
        if y is None:
            raise ValueError(f"{args.csv} has no target column {target!r} to compare the "
                             f"predictions with (use 'chainrule predict' for unlabelled rows)")
        if args.missing == "drop":
            X, y = X[~holes], y[~holes]
            if len(y) == 0:
                raise ValueError(f"{args.csv}: every row has a missing value; nothing left "
                                 f"after --missing drop")
        X = _impute(run, X, holes, args.missing)
        X, source = _standardize(run, X), args.csv
    else:
        if args.target or args.missing != "error":
            raise ValueError("--target and --missing apply to --csv files only")
        settings = {**DEFAULTS, **run.settings}
        if args.dataset:
            settings.update(dataset=args.dataset, csv=None, target=None)
        elif settings["csv"]:
            settings["csv"] = str(check_csv_identity(
                run.data.get("csv"), settings["csv"], "evaluate the run",
                "pass --csv FILE to evaluate the run on other data", run.path))
        if args.data_dir:
            settings["data_dir"] = args.data_dir
        # another dataset is checked against the run before the run's standardiser is used
        data = prepare({**settings, "standardize": False} if args.dataset else settings,
                       None if args.dataset else run.standardizer_state)
        X, y = data.test
        source = f"the test split of {data.name}"
        if data.task != info["task"] or data.class_names != info["class_names"] or \
                data.feature_names != info["feature_names"]:
            raise ValueError(f"{data.name} ({data.task}, {data.n_features} features) does not "
                             f"match the run's task ({info['task']}, "
                             f"{len(info['feature_names'])} features, classes "
                             f"{info['class_names']})")
        if args.dataset:
            X = _standardize(run, X)
    _check_width(model, X, source)
    _, text, _ = test_report(model, X, y, info["task"], info["class_names"])
    print(f"Run {run.path} on {source}")
    print(text)
    return 0


def run_predict(args: argparse.Namespace) -> int:
    from ..train import atomic_write_text, predict, predict_proba

    run = read_run(args.run)
    if args.output:
        _check_output(Path(args.output), Path(args.csv), run.path)
    with locked(run.path, shared=True):
        model = run.load_model()
    info = run.data
    X, _, holes = read_features(args.csv, info["feature_names"], missing=args.missing)
    X = _standardize(run, _impute(run, X, holes, args.missing))
    if args.missing != "skip":
        holes[:] = False
    _check_width(model, X, args.csv)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names = info["class_names"]
    keep = ~holes
    if info["task"] == "regression":
        values = np.full(len(X), np.nan)
        if keep.any():
            values[keep] = np.asarray(predict(model, X[keep])).reshape(-1)
        writer.writerow(["prediction"])
        writer.writerows([f"{v:.6g}" if ok else ""] for v, ok in zip(values, keep))
    else:
        proba = np.zeros((len(X), len(names)))
        if keep.any():
            proba[keep] = predict_proba(model, X[keep])
        labels = np.argmax(proba, axis=1)
        writer.writerow(["prediction", *(f"p_{c}" for c in names)])
        label_names = np.asarray(names, dtype=object)[labels]
        writer.writerows([name, *(f"{p:.6f}" for p in row)] if ok else [""] * (len(names) + 1)
                         for name, row, ok in zip(label_names, proba, keep))
    skipped = f" ({int(holes.sum())} rows with a missing value left empty)" if holes.any() \
        else ""
    if args.output:
        atomic_write_text(Path(args.output), buf.getvalue())
        print(f"Wrote {len(X)} predictions to {args.output}{skipped}")
    else:
        sys.stdout.write(buf.getvalue())
        if skipped:
            print(f"chainrule: note:{skipped}", file=sys.stderr)
    return 0


def _check_output(output: Path, source: Path, run_dir: Path) -> None:
    """Refuse an --output that would overwrite the input CSV, a file of the run, or a
    folder."""
    out = output.resolve()
    if out == source.resolve() or (output.exists() and source.exists()
                                    and output.samefile(source)):
        raise ValueError(f"--output {output} is the --csv file itself; writing the "
                         f"predictions there would overwrite the input; choose another file")
    if run_dir.resolve() in out.parents or out == run_dir.resolve():
        raise ValueError(f"--output {output} is inside the run folder {run_dir}; write the "
                         f"predictions elsewhere")
    if output.is_dir():
        raise ValueError(f"--output {output} is a folder; give a file name")
    if not output.parent.is_dir():
        raise FileNotFoundError(f"--output {output}: folder {output.parent} does not exist")
