"""``chainrule sweep``: a hyperparameter sweep over the options of ``chainrule train``.

    chainrule sweep DIR --grid lr=0.01,0.03,0.1 --grid activation=sigmoid,tanh,relu --seeds 3
    chainrule sweep DIR --search lr=log:1e-4:1e-1 --search hidden=64,128:64 --trials 20
    chainrule sweep DIR --config sweep.toml --workers 4 | --scheduler tcp://HOST:8786
    chainrule sweep report DIR               rebuild the report (also while a sweep runs)

Every ``chainrule train`` option can be fixed (``--epochs 5``) or swept; running the same
command again finishes an interrupted sweep.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

EXCLUDED = ("out", "resume", "weights_format")


def register(subparsers: Any) -> None:
    from ..sweep.options import train_parser

    p = subparsers.add_parser(
        "sweep", parents=[train_parser()], add_help=False,
        help="hyperparameter sweep over the options of 'chainrule train' (Optuna, Dask)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run (or resume) a sweep in the folder DIR: every configuration of the\n"
                    "grid, or --trials configurations drawn by a random or TPE search, each\n"
                    "trained with --seeds seeds. The study is stored in DIR/study.db (Optuna,\n"
                    "SQLite); DIR/trials.csv and DIR/report.html are written at the end.\n"
                    "The train options below fix a value for every trial (--seed is the\n"
                    "first seed). Running the same command again resumes the sweep.",
        epilog="Grid values are separated by commas; a colon inside a value stands for the "
               "comma of a list option: --grid hidden=64:64,128 tries [64, 64] and [128].\n"
               "Search specs: NAME=log:LOW:HIGH, float:LOW:HIGH, int:LOW:HIGH, "
               "int-log:LOW:HIGH, or A,B,C for a choice.\n"
               "chainrule sweep report DIR rebuilds the report from the store.")
    for action in p._actions:  # train options that a sweep refuses stay out of its help
        if action.dest in EXCLUDED:
            action.help = argparse.SUPPRESS
    p.add_argument("words", nargs="+", metavar="DIR",
                   help="the sweep folder; 'report DIR' rebuilds its report")
    s = p.add_argument_group("sweep")
    s.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                   help="a grid axis over a train option (repeatable)")
    s.add_argument("--search", action="append", default=[], metavar="NAME=SPEC",
                   help="a distribution for a random or TPE search (repeatable)")
    s.add_argument("--config", metavar="FILE", help="a TOML file with the sweep's tables "
                                                    "(flags override it)")
    s.add_argument("--sampler", choices=("grid", "random", "tpe"),
                   help="default: grid for --grid only, tpe when --search is given")
    s.add_argument("--trials", type=int, metavar="N",
                   help="configurations to draw in a random or TPE search")
    s.add_argument("--seeds", type=int, metavar="K",
                   help="seeds per configuration: --seed, --seed+1, ... (default: 1)")
    s.add_argument("--metric", metavar="NAME",
                   help="what to rank by: an epoch log (val_accuracy, val_loss, ...) or a "
                        "test_ metric (default: val_accuracy, val_loss for regression)")
    s.add_argument("--prune", action=argparse.BooleanOptionalAction, default=None,
                   help="stop a trial whose metric after an epoch is worse than the median "
                        "of completed trials at that epoch (Optuna's MedianPruner)")
    s.add_argument("--prune-warmup", type=int, metavar="N",
                   help="epochs before a trial may be pruned (default: 1)")
    e = p.add_argument_group("where trials run")
    e.add_argument("--workers", type=int, metavar="N",
                   help="local worker processes (default: 1)")
    e.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask scheduler, e.g. tcp://HOST:8786 (workers need chainrule)")
    e.add_argument("--dask-local", type=int, metavar="N",
                   help="start a Dask LocalCluster of N workers on this machine")
    e.add_argument("--no-report", action="store_true", help="skip the report at the end")
    e.add_argument("--save-models", action="store_true",
                   help="keep each completed trial's model in DIR/models/trial-N (by default "
                        "trials keep only their metrics)")
    p.set_defaults(func=run)


def _report(args: argparse.Namespace) -> int:
    from ..sweep import build_report

    if len(args.words) != 2:
        raise ValueError("usage: chainrule sweep report DIR")
    if args.grid or args.search or args.config:
        raise ValueError("'chainrule sweep report DIR' takes only the folder")
    path = build_report(args.words[1])
    print(f"Report {path} (plots in {path.parent / 'plots'}, trials in "
          f"{path.parent / 'trials.csv'})")
    return 0


def run(args: argparse.Namespace) -> int:
    from ..sweep.api import run_sweep
    from ..sweep.config import config_from, read_toml
    from ..sweep.options import train_options
    from ..sweep.space import parse_grid_arg

    if args.words[0] == "report" and len(args.words) > 1:
        return _report(args)
    if args.words == ["report"] and not (args.grid or args.search or args.config):
        raise ValueError("usage: chainrule sweep report DIR (the sweep folder to report on)")
    if len(args.words) != 1:
        raise ValueError(f"expected one sweep folder, got {' '.join(args.words)} (for the "
                         f"report: chainrule sweep report DIR)")
    given = [f"--{k.replace('_', '-')}" for k in EXCLUDED if getattr(args, k, None)]
    if given:
        raise ValueError(f"{', '.join(given)} does not apply to a sweep: its folder is DIR, "
                         f"and running the same command again resumes it")
    fixed = {dest: getattr(args, dest) for dest in train_options()
             if getattr(args, dest, None) is not None}
    config = config_from(read_toml(args.config) if args.config else None, fixed=fixed,
                         grid=[parse_grid_arg(g) for g in args.grid], search=args.search,
                         seeds=args.seeds, seed=args.seed, sampler=args.sampler,
                         trials=args.trials, metric=args.metric, prune=args.prune,
                         prune_warmup=args.prune_warmup)
    folder = args.words[0]
    try:
        summary = run_sweep(folder, config, workers=args.workers, scheduler=args.scheduler,
                            dask_local=args.dask_local, progress=not args.quiet,
                            report=not args.no_report, save_models=args.save_models,
                            announce=None if args.quiet else print)
    except KeyboardInterrupt:
        print(f"\nchainrule: sweep interrupted; run the same command again to finish the "
              f"remaining trials (the report so far: chainrule sweep report {folder})",
              file=sys.stderr)
        return 130
    c = summary.counts
    print(f"Sweep {folder}: {c['done']} trials settled ({c['failed']} failed, {c['pruned']} "
          f"pruned) on {summary.executor}.")
    if summary.best:
        params = ", ".join(f"{k}={v}" for k, v in sorted(summary.best["params"].items()))
        print(f"Best {config.metric} {summary.best['value']:.4f}: trial "
              f"{summary.best['number']} ({params})")
    files = ["study.db", "trials.csv"] + (["report.html", "plots/"] if summary.report else [])
    files += ["models/"] if args.save_models else []
    print(f"Files in {folder}: {', '.join(files)}")
    return 0
