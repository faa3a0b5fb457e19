"""``chainrule train``: train an MLP from the command line and write a run folder.

With no arguments it trains on the offline ``digits`` set: standardised pixels, 64-256-128-10
ReLU with dropout 0.2, Adam (lr 1e-3), 30 epochs of batches of 32, 10 % validation and 20 %
test (stratified), then prints the test report and writes ``runs/digits-<timestamp>/``.

Defaults that depend on the data (`resolve_defaults`): a table with fewer than
`SMALL_TABLE` training rows gets one hidden layer of 16 units, no dropout and 100 epochs; a
regression
task gets no dropout; MNIST and Fashion-MNIST stop early (patience 5) on the validation loss.

A run folder is locked while it trains (a second ``--resume`` of it refuses), and a run that
fails before its first checkpoint removes the folder it created.
"""
from __future__ import annotations

import argparse
import math
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ._errors import clip, one_line
from ._data import (RAW_PIXEL_SETS, Prepared, check_csv_identity, csv_identity, prepare,
                    resolve_standardize)
from ._report import test_report
from ._run import (CHECKPOINT_DIR, MODEL_DIR, check_new_run_dir, default_run_dir, locked,
                   read_run, write_plots, write_run_config)
from ._settings import DEFAULTS, LOSSES, MISSING, SCHEDULES
from ..train import is_model_folder

DEFAULT_BATCH = 32  # batch_size None: this, or the full training set for lbfgs / newton-cg
SMALL_TABLE = 1000  # fewer training rows than this: a small network
EPOCH_SIZED = ("cosine", "step")  # schedules whose shape depends on the number of epochs


# ---------------------------------------------------------------- argument types
def _dataset(text: str) -> str:
    from ..data import dataset_info

    try:
        return dataset_info(text).name
    except ValueError as exc:
        raise argparse.ArgumentTypeError(one_line(str(exc))) from None


def _hidden(text: str) -> list[int]:
    from ._settings import MAX_WIDTH

    if text.strip().lower() in ("", "none"):
        return []
    try:
        widths = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected layer widths like 256,128, got "
                                         f"{clip(text)!r}") from None
    if any(not 1 <= w <= MAX_WIDTH for w in widths):
        raise argparse.ArgumentTypeError(f"layer widths must be from 1 to {MAX_WIDTH:,}, got "
                                         f"{clip(text)!r}")
    return widths


def _early_stopping(text: str) -> int | bool:
    if text.strip().lower() in ("off", "no", "none"):
        return False
    return _number(int, 0)(text)


def _columns(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected column names separated by commas")
    return names


def _activation(text: str) -> str | list[str]:
    from ..nn.activations import ACTIVATIONS

    names = [part.strip().lower() for part in text.split(",")]
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown activation {clip(unknown[0])!r}; expected "
                                         f"one of "
                                         f"{', '.join(sorted(ACTIVATIONS))}")
    return names[0] if len(names) == 1 else names


def _optimizer(text: str) -> str:
    from ..optim import available_optimizers

    key = text.strip().lower().replace("_", "-")
    if key not in available_optimizers():
        raise argparse.ArgumentTypeError(f"unknown optimizer {clip(text)!r}; expected one of "
                                         f"{', '.join(available_optimizers())}")
    return key


def _number(kind: type, low: float, low_ok: bool = True, high: float | None = None):
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {what}, got {clip(text)!r}") from None
        if not math.isfinite(value) or value < low or (value == low and not low_ok) or (
                high is not None and value >= high):
            bound = f">= {low}" if low_ok else f"> {low}"
            extra = f" and < {high}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"expected a value {bound}{extra}, got {text}")
        return value
    return parse


def register(subparsers: Any) -> None:
    from ..optim import available_optimizers

    p = subparsers.add_parser(
        "train", help="train an MLP and write a run folder (default: digits)",
        description="Train a multilayer perceptron, print the test report and write a run "
                    "folder (model, config.json, metrics.json, history.json, curves.png, "
                    "confusion_matrix.png). With no options: the offline digits set.")
    d = DEFAULTS
    data = p.add_argument_group("data")
    data.add_argument("--dataset", type=_dataset, metavar="NAME",
                      help=f"dataset to train on (default: {d['dataset']}; list them with "
                           f"'chainrule datasets')")
    data.add_argument("--csv", metavar="FILE", help="train on a CSV table instead (needs "
                                                    "--target)")
    data.add_argument("--target", metavar="COL", help="the CSV column to predict")
    data.add_argument("--data-dir", metavar="DIR", help="folder with the MNIST / "
                                                        "Fashion-MNIST files")
    data.add_argument("--val-fraction", type=_number(float, 0.0, high=1.0), metavar="F",
                      help=f"fraction held out for validation (default: {d['val_fraction']})")
    data.add_argument("--test-fraction", type=_number(float, 0.0, False, 1.0), metavar="F",
                      help=f"fraction held out for the test report (default: "
                           f"{d['test_fraction']}; MNIST keeps its official test set)")
    data.add_argument("--missing", choices=MISSING,
                      help="CSV cells that are empty or NA: error (default), drop their rows, "
                           "or impute (median / most frequent category)")
    data.add_argument("--categorical", type=_columns, metavar="COLS",
                      help="CSV columns to one-hot encode even if they look numeric")
    data.add_argument("--drop", type=_columns, metavar="COLS", help="CSV columns to ignore")
    data.add_argument("--na-values", type=_columns, metavar="TEXTS",
                      help="more cell texts that mean 'missing' (besides empty, NA, NaN, ?)")
    data.add_argument("--standardize", action=argparse.BooleanOptionalAction,
                      help="standardise features with the training split's mean and std "
                           "(default: on, except for mnist and fashion-mnist)")
    net = p.add_argument_group("network")
    net.add_argument("--hidden", type=_hidden, metavar="W1,W2",
                     help="hidden layer widths, or 'none' for no hidden layer: a linear model "
                          "(logistic or softmax regression, or linear regression) (default: "
                          f"256,128; 16 for tables under {SMALL_TABLE:,} training rows)")
    net.add_argument("--activation", type=_activation, metavar="NAME",
                     help="hidden activation, or one per layer: relu,tanh (default: relu)")
    net.add_argument("--dropout", type=_number(float, 0.0, high=1.0), metavar="P",
                     help="dropout probability after each hidden layer (default: 0.2; 0 for "
                          "regression and for small tables)")
    net.add_argument("--loss", choices=LOSSES,
                     help="loss; auto picks cross-entropy for classes, mse for regression")
    opt = p.add_argument_group("optimisation")
    opt.add_argument("--optimizer", type=_optimizer, metavar="NAME",
                     help=f"one of {', '.join(available_optimizers())} (default: adam)")
    opt.add_argument("--lr", type=_number(float, 0.0, False), metavar="LR",
                     help="learning rate (default: the optimizer's, adam 0.001)")
    opt.add_argument("--momentum", type=_number(float, 0.0, high=1.0), metavar="M",
                     help="momentum for sgd, momentum, nesterov and rmsprop")
    opt.add_argument("--weight-decay", type=_number(float, 0.0), metavar="WD",
                     help="L2 weight decay (decoupled for adamw)")
    opt.add_argument("--batch-size", type=_number(int, 1), metavar="N",
                     help=f"examples per step (default: {DEFAULT_BATCH}; full batch for "
                          f"lbfgs and newton-cg)")
    opt.add_argument("--epochs", type=_number(int, 1), metavar="N",
                     help=f"passes over the training data (default: 30; 100 for tables "
                          f"under {SMALL_TABLE:,} training rows)")
    opt.add_argument("--schedule", choices=SCHEDULES,
                     help="learning-rate schedule per epoch (default: constant)")
    opt.add_argument("--early-stopping", type=_early_stopping, nargs="?", const=5,
                     metavar="PATIENCE", help="stop when validation loss stalls for PATIENCE "
                                              "epochs (default 5) and keep the best weights; "
                                              "'off' to never stop early (default: on for "
                                              "mnist and fashion-mnist, off otherwise)")
    opt.add_argument("--seed", type=_number(int, 0), metavar="N",
                     help="seed of the split, the initial weights and the shuffling "
                          "(default: 0)")
    out = p.add_argument_group("output")
    out.add_argument("--out", metavar="DIR", help="run folder (default: "
                                                  "runs/<dataset>-<timestamp>)")
    out.add_argument("--resume", metavar="RUN", help="continue the run in this folder from "
                                                     "its last epoch (--epochs may raise the "
                                                     "total)")
    out.add_argument("--weights-format", choices=("npz", "safetensors"),
                     help="file format of the weights (default: npz; safetensors needs "
                          "chainrule[io])")
    out.add_argument("--quiet", action="store_true",
                     help="print only the final test summary and the run folder")
    p.set_defaults(func=run)


# ---------------------------------------------------------------- building blocks
def settings_from_explicit(explicit: dict[str, Any]) -> dict[str, Any]:
    """The settings of a new run from the options given (``dest -> value``, the others take
    their defaults)."""
    settings = {**DEFAULTS, **explicit}
    if settings["csv"]:
        if "dataset" in explicit:
            raise ValueError("give --dataset or --csv, not both")
        settings["dataset"] = None
        settings["csv"] = str(Path(settings["csv"]).resolve())
    settings["standardize"] = resolve_standardize(settings)
    return settings


def _settings(args: argparse.Namespace) -> tuple[dict[str, Any], Path, Any]:
    """The run's settings, its folder, and the Run being resumed (or None)."""
    explicit = {k: getattr(args, k) for k in DEFAULTS if getattr(args, k, None) is not None}
    if args.resume:
        run = read_run(args.resume)
        changed = sorted(set(explicit) - {"epochs", "data_dir"})
        if changed or args.out:
            flags = ", ".join("--" + k.replace("_", "-") for k in changed + (
                ["out"] if args.out else []))
            raise ValueError(f"--resume keeps the run's settings; only --epochs (and "
                             f"--data-dir) can be given with it, not {flags}")
        settings = {**DEFAULTS, **run.settings}
        if "epochs" in explicit and explicit["epochs"] != settings["epochs"] \
                and settings["schedule"] in EPOCH_SIZED:
            raise ValueError(f"the run's {settings['schedule']} learning-rate schedule is "
                             f"sized for {settings['epochs']} epochs, so a resumed run with "
                             f"--epochs {explicit['epochs']} would not be the run an "
                             f"uninterrupted one gives; resume without --epochs, or train a "
                             f"new run")
        for key in ("epochs", "data_dir"):
            if key in explicit:
                settings[key] = explicit[key]
        if settings["csv"]:
            settings["csv"] = str(check_csv_identity(
                run.data.get("csv"), settings["csv"], "resume the run",
                "a run can only be resumed on the data it was trained on", run.path))
        return settings, run.path, run
    settings = settings_from_explicit(explicit)
    name = Path(settings["csv"]).stem if settings["csv"] else settings["dataset"]
    path = Path(args.out) if args.out else default_run_dir(name)
    check_new_run_dir(path)
    return settings, path, None


def check_requirements(settings: dict[str, Any]) -> None:
    """Every package the run will need, checked before any data is read or folder made."""
    if settings["weights_format"] == "safetensors":
        try:
            import safetensors.numpy  # noqa: F401
        except ImportError:
            raise ImportError('--weights-format safetensors needs the safetensors package: '
                              'pip install "chainrule[io]" (or use --weights-format npz)'
                              ) from None


def resolve_defaults(settings: dict[str, Any], data: Prepared) -> None:
    """Fill the settings left unset with values that fit the data (see the module doc)."""
    small = len(data.train[1]) < SMALL_TABLE
    if settings["hidden"] is None:
        settings["hidden"] = [16] if small else [256, 128]
    if settings["epochs"] is None:  # a small table's epoch is a few steps
        settings["epochs"] = 100 if small else 30
    if settings["dropout"] is None:
        settings["dropout"] = 0.0 if small or data.task == "regression" else 0.2
    if settings["early_stopping"] is None and data.val is not None \
            and settings["dataset"] in RAW_PIXEL_SETS:
        settings["early_stopping"] = 5


def _output(task: str, n_classes: int | None) -> tuple[str, int]:
    if task == "regression":
        return "linear", 1
    if task == "binary":
        return "sigmoid", 1
    return "softmax", int(n_classes)


def build_model(settings: dict[str, Any], data: Prepared) -> Any:
    from ..nn import MLP
    from ..train.checkpoint import check_model_size

    unit, n_out = _output(data.task, data.n_classes)
    check_model_size({"class": "MLP", "in_features": data.n_features,
                      "hidden": settings["hidden"], "out_features": n_out}, "--hidden")
    return MLP(data.n_features, settings["hidden"], n_out, activation=settings["activation"],
               output=unit, dropout=settings["dropout"], seed=settings["seed"])


def build_loss(settings: dict[str, Any], data: Prepared, model: Any) -> Any:
    from .. import nn
    from ..train import OutputLoss

    name, unit = settings["loss"], model.output_unit
    regression_losses = {"mse": nn.MSELoss, "mae": nn.L1Loss, "huber": nn.HuberLoss}
    if name == "auto":
        return nn.default_loss(unit)
    if data.task == "regression":
        if name not in regression_losses:
            raise ValueError(f"--loss {name} is for classification, but {data.name} is a "
                             f"regression task; use mse, mae or huber")
        return regression_losses[name]()
    if name == "bce" and data.task != "binary":
        raise ValueError(f"--loss bce is for binary tasks; {data.name} has {data.n_classes} "
                         f"classes: use cross-entropy")
    if name in ("bce", "cross-entropy"):
        return nn.default_loss(unit)
    return OutputLoss(regression_losses[name](), unit, data.n_classes)


def build_optimizer(settings: dict[str, Any], model: Any) -> Any:
    from ..optim import get_optimizer

    kwargs = {k: settings[k] for k in ("lr", "momentum", "weight_decay")
              if settings[k] is not None}
    try:
        return get_optimizer(settings["optimizer"], model.parameters(), **kwargs)
    except TypeError as exc:
        bad = [k for k in kwargs if repr(k) in str(exc)]
        if bad:
            raise ValueError(f"--{bad[0].replace('_', '-')} does not apply to --optimizer "
                             f"{settings['optimizer']}") from None
        raise


def build_callbacks(settings: dict[str, Any], optimizer: Any, run_dir: Path | None,
                    has_val: bool, verbose: int) -> list[Any]:
    from .. import optim
    from ..train import (EarlyStopping, LearningRateScheduler, ModelCheckpoint, NaNGuard,
                         ProgressBar)

    monitor = "val_loss" if has_val else "loss"
    callbacks: list[Any] = [NaNGuard()]
    schedule, epochs = settings["schedule"], settings["epochs"]
    if schedule == "cosine":
        callbacks.append(LearningRateScheduler(optim.CosineAnnealingLR(optimizer, T_max=epochs)))
    elif schedule == "step":
        callbacks.append(LearningRateScheduler(
            optim.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1)))
    elif schedule == "plateau":
        callbacks.append(LearningRateScheduler(
            optim.ReduceLROnPlateau(optimizer, factor=0.5, patience=3), monitor=monitor))
    if settings["early_stopping"] not in (None, False):
        callbacks.append(EarlyStopping(monitor=monitor, patience=settings["early_stopping"]))
    if run_dir is not None:  # None: a run that writes nothing (chainrule sweep's trials)
        callbacks.append(ModelCheckpoint(run_dir / CHECKPOINT_DIR,
                                         weights_format=settings["weights_format"]))
    callbacks.append(ProgressBar(verbose))
    return callbacks


def _describe(settings: dict[str, Any], data: Prepared, model: Any, loss: Any, opt: Any,
              batch_size: int, run_dir: Path, resumed_from: int | None) -> str:
    n_val = 0 if data.val is None else len(data.val[1])
    what = (f"{data.n_classes} classes, {data.task}" if data.class_names else "regression")
    widths = "-".join(str(w) for w in [data.n_features, *settings["hidden"],
                                       model.out_features])
    acts = model.activations
    act = ",".join(acts) if len(set(acts)) > 1 else (acts[0] if acts else "none")
    hyper = ", ".join(f"{k}={v}" for k, v in opt.param_groups[0].items()
                      if k in ("lr", "momentum", "weight_decay") and v)
    source = f"CSV {settings['csv']} (target {settings['target']})" if settings["csv"] \
        else data.name
    rows = [
        ("data", f"{source}: {len(data.train[1]) + n_val + len(data.test[1])} samples, "
                 f"{data.n_features} features, {what}"),
        ("split", f"train {len(data.train[1])} / val {n_val} / test {len(data.test[1])} "
                  f"(seed {settings['seed']})"),
        ("preprocessing", "standardize" if settings["standardize"] else "none"),
        ("model", f"MLP {widths}, "
                  + (f"{act}, " if settings["hidden"] else "no hidden layer (a linear model), ")
                  + f"{model.output_unit} output"
                  + (f", dropout {settings['dropout']}" if settings["dropout"] else "")
                  + f" ({model.num_parameters():,} parameters)"),
        ("loss", type(loss).__name__ if not hasattr(loss, "loss") else repr(loss)),
        ("optimizer", f"{settings['optimizer']} ({hyper})"),
        ("training", f"{settings['epochs']} epochs, batch {batch_size}, schedule "
                     f"{settings['schedule']}, early stopping "
                     + ("off" if settings["early_stopping"] in (None, False) else
                        f"patience {settings['early_stopping']}")),
        ("run folder", str(run_dir)),
    ]
    if resumed_from is not None:
        rows.append(("resumed", f"from epoch {resumed_from}"))
    return "\n".join(f"  {k:<14}{v}" for k, v in rows)


def model_metadata(data: Prepared) -> dict[str, Any]:
    """What a saved model keeps beside its weights to read new data like its training data."""
    std_state = data.standardizer.get_state() if data.standardizer else None
    return {"task": data.task, "class_names": data.class_names,
            "feature_names": data.feature_names, "preprocessing": {"standardizer": std_state}}


def run(args: argparse.Namespace) -> int:
    settings, run_dir, resumed = _settings(args)
    check_requirements(settings)
    data = prepare(settings, resumed.standardizer_state if resumed else None)
    if resumed is None:
        resolve_defaults(settings, data)
    parts = _build(args, settings, data, run_dir)
    created = [p for p in [run_dir, *run_dir.parents] if not p.exists()]
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        with locked(run_dir):
            return _train(args, settings, data, run_dir, resumed, *parts)
    except BaseException as exc:
        checkpoint = run_dir / CHECKPOINT_DIR
        if created and not checkpoint.exists():  # nothing worth keeping: leave no trace
            _remove_new_folders(created)
        if isinstance(exc, KeyboardInterrupt):
            return _interrupted(run_dir, checkpoint.exists())
        raise


def _remove_new_folders(created: list[Path]) -> None:
    """Delete the run folder this command made, then each parent it made while empty (another
    process may have put something there meanwhile)."""
    shutil.rmtree(created[0], ignore_errors=True)
    for parent in created[1:]:
        try:
            parent.rmdir()
        except OSError:
            return


def _interrupted(run_dir: Path, resumable: bool) -> int:
    if resumable:
        message = (f"interrupted; the run folder keeps the last complete epoch: resume it "
                   f"with 'chainrule train --resume {run_dir}'")
    else:
        message = "interrupted before the first epoch ended; nothing was saved"
    print(f"chainrule: {message}", file=sys.stderr)
    return 130


def _build(args: argparse.Namespace, settings: dict[str, Any], data: Prepared, run_dir: Path
           ) -> tuple[Any, Any, Any, int, list[Any]]:
    """The model, loss, optimizer, batch size and callbacks (nothing is written)."""
    model = build_model(settings, data)
    loss = build_loss(settings, data, model)
    opt = build_optimizer(settings, model)
    batch_size = settings["batch_size"] or (
        len(data.train[1]) if getattr(opt, "needs_closure", False) else DEFAULT_BATCH)
    callbacks = build_callbacks(settings, opt, run_dir, data.val is not None,
                                0 if args.quiet else 1)
    return model, loss, opt, batch_size, callbacks


def _train(args: argparse.Namespace, settings: dict[str, Any], data: Prepared, run_dir: Path,
           resumed: Any, model: Any, loss: Any, opt: Any, batch_size: int,
           callbacks: list[Any]) -> int:
    from ..train import LambdaCallback, Trainer, save_model, write_json

    verbose = 0 if args.quiet else 1
    std_state = data.standardizer.get_state() if data.standardizer else None
    data_info = {"name": data.name, "task": data.task, "class_names": data.class_names,
                 "feature_names": data.feature_names, "n_train": len(data.train[1]),
                 "n_val": 0 if data.val is None else len(data.val[1]),
                 "n_test": len(data.test[1])}
    if settings["csv"]:
        data_info["csv"] = resumed.data["csv"] if resumed else csv_identity(
            settings["csv"], data_info["n_train"] + data_info["n_val"] + data_info["n_test"])
    metadata = model_metadata(data)
    trainer = Trainer(model, loss, opt, callbacks=callbacks, verbose=verbose,
                      seed=settings["seed"], metadata=metadata)
    resumed_from = None
    if resumed is not None:
        _load_checkpoint(trainer, run_dir / CHECKPOINT_DIR)
        resumed_from = trainer.epoch
        _check_epochs_left(args, settings, resumed_from)
    # written once fit has applied the whole checkpoint (the loader state last), so a
    # checkpoint that cannot be resumed leaves the config as it was
    trainer.callbacks.append(LambdaCallback(on_train_begin=lambda logs: write_run_config(
        run_dir, settings, data_info, model.get_config(), std_state,
        {"batch_size": batch_size})))
    if not args.quiet:
        print("chainrule train" + (" (resumed)" if resumed else ""))
        print(_describe(settings, data, model, loss, opt, batch_size, run_dir, resumed_from))
        sys.stdout.flush()
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):  # NaNGuard reports divergence
        history = trainer.fit(data.train, data.val, epochs=settings["epochs"],
                              batch_size=batch_size)
    seconds = time.perf_counter() - start
    epochs_run = trainer.epoch - (resumed_from or 0)
    save_model(model, run_dir / MODEL_DIR, metadata=metadata,
               weights_format=settings["weights_format"])
    report, text, cm = test_report(model, *data.test, data.task, data.class_names, loss)
    report["training"] = {"epochs": trainer.epoch, "epochs_this_session": epochs_run,
                          "seconds": seconds,
                          "seconds_per_epoch": seconds / epochs_run if epochs_run else None,
                          "stopped_early": trainer.stopped_early}
    write_json(run_dir / "metrics.json", report)
    write_json(run_dir / "history.json", history.history)
    written = write_plots(run_dir, history.history, cm, data.class_names,
                          boundary=(model, data) if data.n_features == 2 and data.class_names
                          and not settings["csv"] else None)
    if args.quiet:
        print(text.splitlines()[0])
        print(f"Run folder {run_dir}")
        return 0
    per_epoch = f", {seconds / epochs_run:.2f}s per epoch" if epochs_run else ""
    print(f"\nTrained {epochs_run} epochs in {seconds:.1f}s{per_epoch}.")
    print(text)
    files = ["config.json", "model/", "checkpoint/", "metrics.json", "history.json", *written]
    print(f"\nRun folder {run_dir}: {', '.join(files)}")
    return 0


# ---------------------------------------------------------------- one run, nothing written
def train_in_memory(settings: dict[str, Any], callbacks: Sequence[Any] = ()) -> dict[str, Any]:
    """Train as ``chainrule train`` does with ``settings`` (see `settings_from_explicit`), but
    write no run folder and print nothing: ``{"history": per-epoch logs, "test": the test
    report's numbers, "epochs", "seconds", "stopped_early", "model", "metadata"}`` (the
    trained model and what `save_model` keeps beside it). ``callbacks`` are added to the
    run's own (schedule, early stopping, NaN guard). Used by ``chainrule sweep``."""
    from ..train import Trainer

    check_requirements(settings)
    data = prepare(settings)
    resolve_defaults(settings, data)
    model = build_model(settings, data)
    loss = build_loss(settings, data, model)
    opt = build_optimizer(settings, model)
    batch_size = settings["batch_size"] or (
        len(data.train[1]) if getattr(opt, "needs_closure", False) else DEFAULT_BATCH)
    own = build_callbacks(settings, opt, None, data.val is not None, 0)
    trainer = Trainer(model, loss, opt, callbacks=[*own, *callbacks], verbose=0,
                      seed=settings["seed"])
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):  # NaNGuard reports divergence
        history = trainer.fit(data.train, data.val, epochs=settings["epochs"],
                              batch_size=batch_size)
    seconds = time.perf_counter() - start
    report, _, _ = test_report(model, *data.test, data.task, data.class_names, loss)
    test = {k: v for k, v in report.items() if isinstance(v, (int, float))}
    return {"history": history.history, "test": test, "epochs": trainer.epoch,
            "seconds": seconds, "stopped_early": trainer.stopped_early, "model": model,
            "metadata": model_metadata(data)}


def _load_checkpoint(trainer: Any, path: Path) -> None:
    """`Trainer.load_checkpoint`, with a missing checkpoint or a damaged training state named
    as such. Called with the run folder locked: finding the checkpoint may recover it from
    a killed save, which must not race another process's save."""
    if not is_model_folder(path):
        raise ValueError(f"{path.parent} has no checkpoint to resume from: its training "
                         f"stopped before the first epoch ended; start it again (its "
                         f"config.json lists the settings) in a new --out folder")
    try:
        trainer.load_checkpoint(path)
    except (KeyError, IndexError, AttributeError) as exc:
        raise ValueError(f"{path}: the checkpoint's training state is damaged (bad or missing "
                         f"entry {clip(exc)}); it cannot be resumed") from None


def _check_epochs_left(args: argparse.Namespace, settings: dict[str, Any], done: int) -> None:
    """Refuse a resume that would train nothing (before anything is written)."""
    if done < settings["epochs"]:
        return
    if args.epochs is not None:
        raise ValueError(f"the run has already trained {done} epochs, so --epochs "
                         f"{args.epochs} leaves nothing to train; give --epochs greater than "
                         f"{done} to train more")
    raise ValueError(f"the run is already complete ({done} of {settings['epochs']} epochs); "
                     f"give --epochs greater than {done} to train more")
