"""The ``chainrule`` command.

    chainrule train                         train an MLP on the offline digits set
    chainrule train --dataset heart --hidden 32,16 --early-stopping
    chainrule evaluate RUN                  re-score a run on its test split (or --csv FILE)
    chainrule predict RUN --csv FILE        predictions for new rows
    chainrule datasets                      the datasets and whether they work offline
    chainrule explain / gradcheck           derivative tables, gradient checks
    chainrule export RUN --onnx FILE        the run's model as an ONNX graph
    chainrule sweep DIR --grid lr=0.01,0.1  hyperparameter sweep (report: sweep report DIR)

Every sub-command reports an error the same way: one line ``chainrule: error: ...`` on
stderr, quoting at most a few hundred characters of the input, and an exit code:

    0    success
    1    the command failed: bad data, files or run folders, a failed gradient check, ...
    2    the command line is wrong: an unknown option, a bad option value or expression
    130  interrupted (Ctrl-C); ``chainrule train`` says how to resume

``--traceback`` shows the full Python traceback instead.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from typing import NoReturn, Sequence

from . import (datasets_cmd, evaluate_cmd, explain_cmd, export_cmd, gradcheck_cmd, playground_cmd,
               sweep_cmd, train_cmd)

from ._errors import one_line, report

_SUBCOMMANDS = (train_cmd, evaluate_cmd, datasets_cmd, explain_cmd, gradcheck_cmd, export_cmd,
                sweep_cmd, playground_cmd)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: ``chainrule: error: <what> (see 'PROG --help')``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"chainrule: error: {one_line(message)} (see '{self.prog} --help')\n")


def build_parser() -> ArgumentParser:
    """The parser of the ``chainrule`` command and its subcommands."""
    from .. import __version__

    parser = ArgumentParser(
        prog="chainrule", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Neural networks from scratch on NumPy: train, evaluate and explain.",
        epilog="Errors are one line 'chainrule: error: ...'. Exit codes: 0 success, 1 the "
               "command failed\n(data, files, run folders, a failed gradient check), 2 the "
               "command line is wrong\n(unknown option, bad value or expression), 130 "
               "interrupted.")
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the full Python traceback")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _SUBCOMMANDS:
        module.register(sub)
    for name in ("explain", "gradcheck"):  # an expression may start with "-": "-x"
        if name in sub.choices:
            sub.choices[name]._negative_number_matcher = _NOT_AN_OPTION
    return parser


# After the options of explain/gradcheck are matched, anything else that starts with a
# single "-" is an expression ("-x", "-y*log(p)"), not an unknown option.
_NOT_AN_OPTION = re.compile(r"^-(?!-)")


def _one_line(exc: BaseException) -> str:
    return one_line(str(exc)) or type(exc).__name__


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
        return report(_one_line(exc), 1)
    except MemoryError:
        if args.traceback:
            raise
        return report("not enough memory for this command (a smaller --hidden or "
                      "--batch-size may fit)", 1)
    except Exception as exc:  # a bug, or an error a library raised that we did not expect
        if args.traceback:
            raise
        return report(f"internal error ({type(exc).__name__}): {_one_line(exc)} (run with "
                      f"--traceback for details)", 1)


__all__ = ["ArgumentParser", "build_parser", "main"]
