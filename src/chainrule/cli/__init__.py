"""The ``chainrule`` command.

    chainrule train                         train an MLP on the offline digits set
    chainrule train --dataset heart --hidden 32,16 --early-stopping
    chainrule evaluate RUN                  re-score a run on its test split (or --csv FILE)
    chainrule predict RUN --csv FILE        predictions for new rows
    chainrule datasets                      the datasets and whether they work offline
    chainrule explain / gradcheck           derivative tables, gradient checks
    chainrule export RUN --onnx FILE        the run's model as an ONNX graph
    chainrule sweep DIR --grid lr=0.01,0.1  hyperparameter sweep (report: sweep report DIR)

Bad input ends with one line ``chainrule: error: ...`` on stderr and a non-zero exit code
(2 for command-line usage errors, 1 for everything else); ``--traceback`` shows the full
Python traceback instead.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn, Sequence

from . import (datasets_cmd, evaluate_cmd, explain_cmd, export_cmd, gradcheck_cmd, playground_cmd,
               sweep_cmd, train_cmd)

_SUBCOMMANDS = (train_cmd, evaluate_cmd, datasets_cmd, explain_cmd, gradcheck_cmd, export_cmd,
                sweep_cmd, playground_cmd)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: ``chainrule: error: <what> (see 'PROG --help')``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"chainrule: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> ArgumentParser:
    """The parser of the ``chainrule`` command and its subcommands."""
    from .. import __version__

    parser = ArgumentParser(
        prog="chainrule",
        description="Neural networks from scratch on NumPy: train, evaluate and explain.")
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the full Python traceback")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _SUBCOMMANDS:
        module.register(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    from ..train import TrainingDivergedError

    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("chainrule: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `chainrule predict ... | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except (ValueError, TypeError, OSError, ImportError, TrainingDivergedError) as exc:
        if args.traceback:
            raise
        print(f"chainrule: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug, or an error a library raised that we did not expect
        if args.traceback:
            raise
        print(f"chainrule: error: unexpected {type(exc).__name__}: {_one_line(exc)} "
              f"(run with --traceback for details)", file=sys.stderr)
        return 1


__all__ = ["ArgumentParser", "build_parser", "main"]
