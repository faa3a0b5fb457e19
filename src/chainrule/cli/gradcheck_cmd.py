"""``chainrule gradcheck``: reverse-mode gradients against central finite differences.

    chainrule gradcheck --expr "-y*log(sigmoid(w*x))" --at x=3,y=1,w=3
    chainrule gradcheck --model mlp --hidden 8,8 --activation tanh --dataset xor

Prints the worst relative error per parameter tensor; exit code 0 when all pass, 1 when a
check fails, 2 on bad input.
"""
from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .explain_cmd import expression_friendly, parse_assignments, parse_names


def register(subparsers: Any) -> None:
    """Add the ``gradcheck`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "gradcheck", help="check gradients of an expression or a model by finite differences",
        description="Compare reverse-mode gradients with central finite differences in "
                    "float64 and report the worst relative error per parameter tensor.")
    expression_friendly(p)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--expr", metavar="EXPRESSION",
                      help='an expression to check, e.g. "-y*log(sigmoid(w*x))"')
    what.add_argument("--model", choices=("mlp",), help="a model to check (an nn.MLP)")
    p.add_argument("--at", action="append", metavar="NAME=VALUE,...",
                   help="values of the expression's variables, e.g. x=3,y=1,w=3")
    p.add_argument("--wrt", metavar="NAMES",
                   help="expression variables to check, comma-separated (default: all)")
    p.add_argument("--hidden", default="8", metavar="WIDTHS",
                   help="hidden layer widths of the MLP, comma-separated (default 8)")
    p.add_argument("--activation", default="tanh", metavar="NAME",
                   help="hidden activation of the MLP (default tanh)")
    p.add_argument("--dataset", default="xor", metavar="NAME",
                   help="dataset whose first examples feed the MLP (default xor)")
    p.add_argument("--samples", type=int, default=16, metavar="N",
                   help="number of examples in the checked batch (default 16)")
    p.add_argument("--seed", type=int, default=0, help="seed of the model and the sampling")
    p.add_argument("--eps", type=float, default=1e-6, help="finite-difference step (default 1e-6)")
    p.add_argument("--tol", type=float, default=1e-5,
                   help="largest relative error that passes (default 1e-5)")
    p.add_argument("--max-entries", type=int, default=64, metavar="N",
                   help="entries checked per tensor, sampled when larger (default 64)")
    p.set_defaults(func=run)


def _error(msg: str) -> int:
    from ._errors import report

    return report(msg, 2)


def _expression_report(args: argparse.Namespace) -> Any:
    from ..explain import gradcheck, parse
    from ..explain.expression import build_expression

    expr = parse(args.expr)
    values = parse_assignments(args.at)
    wrt = parse_names(args.wrt)
    _, leaves = build_expression(expr, values, wrt)
    params = {n: t for n, t in leaves.items() if t.requires_grad}

    def loss_fn() -> Any:
        return build_expression(expr, {**values, **leaves})[0]

    return gradcheck(loss_fn, params, args.eps, args.tol, args.max_entries, args.seed)


def _model_report(args: argparse.Namespace) -> Any:
    from ..data import load_dataset
    from ..explain import gradcheck_model
    from ..nn import MLP, default_loss

    hidden = [int(h) for h in args.hidden.split(",") if h.strip()] if args.hidden else []
    if any(h < 1 for h in hidden):
        raise ValueError(f"--hidden must be positive widths, got {args.hidden!r}")
    if args.samples < 1:
        raise ValueError(f"--samples must be >= 1, got {args.samples}")
    data = load_dataset(args.dataset)
    if not hasattr(data, "X"):
        data = data.train  # a dataset that comes split
    X = np.asarray(data.X[: args.samples], dtype=np.float64).reshape(min(args.samples,
                                                                         len(data.X)), -1)
    y = np.asarray(data.y[: args.samples])
    task = data.task
    n_out = 1 if task in ("binary", "regression") else int(len(data.class_names))
    model = MLP(X.shape[1], hidden, n_out, activation=args.activation, task=task,
                seed=args.seed, dtype=np.float64)
    model.eval()
    loss = default_loss(model.output_unit)
    if task == "binary":
        y = y.astype(np.float64).reshape(-1, 1)
    elif task == "regression":
        y = y.astype(np.float64).reshape(len(y), -1)
    return gradcheck_model(model, X, y, loss, args.eps, args.tol, args.max_entries, args.seed)


def run(args: argparse.Namespace) -> int:
    """Print the report; 0 when every tensor passes, 1 on a failure, 2 on bad input."""
    from ..explain import ExpressionError

    try:
        if not args.eps > 0 or not args.tol > 0 or args.max_entries < 1:
            raise ValueError("--eps and --tol must be > 0 and --max-entries >= 1")
        if args.expr is not None:
            if args.at is None:
                raise ValueError("--expr needs --at with the values of its variables")
            report = _expression_report(args)
        else:
            report = _model_report(args)
    except ExpressionError as exc:
        return _error(exc.one_line())
    except (ValueError, TypeError, KeyError, OSError) as exc:
        return _error(str(exc))
    print(report.to_text())
    return 0 if report.passed else 1
