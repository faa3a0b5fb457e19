"""``chainrule gradcheck``: reverse-mode gradients against central finite differences.

    chainrule gradcheck --expr "-y*log(sigmoid(w*x))" --at x=3,y=1,w=3
    chainrule gradcheck --model mlp --hidden 8,8 --activation tanh --dataset xor

Prints, per parameter tensor, the entry closest to failing the combined criterion
|analytic - numeric| <= atol·max(1, |loss|) + rtol·|numeric|; exit code 0 when all pass, 1
when a check fails, 2 on bad input. The MLP's data are those `chainrule train` feeds it:
the same seeded split and the same standardisation, from the training split.
"""
from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from ..explain.gradcheck import ATOL, EPS, RTOL
from ._errors import report
from .explain_cmd import expression_friendly, parse_assignments, parse_names


def register(subparsers: Any) -> None:
    """Add the ``gradcheck`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "gradcheck", help="check gradients of an expression or a model by finite differences",
        description="Compare reverse-mode gradients with central finite differences in "
                    "float64. An entry passes when |analytic - numeric| <= atol * max(1, "
                    "|loss|) + rtol * |numeric|, as numpy.testing and torch.autograd.gradcheck "
                    "combine an absolute and a relative tolerance. The MLP sees the first "
                    "examples of the training split that 'chainrule train' would use, "
                    "standardised the same way.")
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
                   help="dataset whose first training examples feed the MLP (default xor)")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder with the MNIST / Fashion-MNIST files")
    p.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=None,
                   help="standardise the features as 'chainrule train' does (default: on, "
                        "except for mnist and fashion-mnist)")
    p.add_argument("--samples", type=int, default=16, metavar="N",
                   help="number of examples in the checked batch (default 16)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the data, the split, the model and the sampled entries "
                        "(default 0)")
    p.add_argument("--eps", type=float, default=EPS,
                   help=f"finite-difference step (default {EPS:g})")
    p.add_argument("--rtol", type=float, default=RTOL,
                   help=f"relative tolerance, a fraction of |numeric| (default {RTOL:g})")
    p.add_argument("--atol", type=float, default=ATOL,
                   help=f"absolute tolerance, scaled by max(1, |loss|) (default {ATOL:g})")
    p.add_argument("--max-entries", type=int, default=64, metavar="N",
                   help="entries checked per tensor, sampled when larger (default 64)")
    p.set_defaults(func=run)


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

    return gradcheck(loss_fn, params, args.eps, args.rtol, args.atol, args.max_entries,
                     args.seed)


def _model_report(args: argparse.Namespace) -> Any:
    from ..nn.activations import ACTIVATIONS

    hidden = parse_hidden(args.hidden)  # the options first, then the (maybe large) data
    if args.activation.lower() not in ACTIVATIONS:
        raise ValueError(f"--activation must be one of {', '.join(sorted(ACTIVATIONS))}, got "
                         f"{args.activation!r}")
    X, y, data = model_batch(args.dataset, args.samples, args.seed, args.standardize,
                             args.data_dir)
    return gradcheck_mlp(X, y, data, hidden, args.activation, args.seed, args.eps, args.rtol,
                         args.atol, args.max_entries)


def parse_hidden(text: str | None) -> list[int]:
    """``"8,8"`` -> ``[8, 8]``; ValueError naming the option on anything else."""
    try:
        hidden = [int(h) for h in text.split(",") if h.strip()] if text else []
    except ValueError:
        raise ValueError(f"--hidden must be comma-separated positive widths, got "
                         f"{text!r}") from None
    if any(h < 1 for h in hidden):
        raise ValueError(f"--hidden must be positive widths, got {text!r}")
    return hidden


def model_batch(dataset: str, samples: int, seed: int, standardize: bool | None,
                data_dir: str | None = None) -> tuple[np.ndarray, np.ndarray, Any]:
    """The first ``samples`` rows of the training split `chainrule train` would make with
    ``seed`` (float64, standardised as train standardises them), their targets, and the
    prepared data (task, classes)."""
    from ._data import prepare, resolve_standardize

    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ValueError(f"--samples must be >= 1, got {samples}")
    settings = {"dataset": dataset, "csv": None, "target": None, "data_dir": data_dir,
                "seed": seed, "val_fraction": 0.1, "test_fraction": 0.2,
                "standardize": standardize}
    settings["standardize"] = resolve_standardize(settings)
    data = prepare(settings)
    X, y = data.train
    return np.asarray(X[:samples], dtype=np.float64), np.asarray(y[:samples]), data


def gradcheck_mlp(X: np.ndarray, y: np.ndarray, data: Any, hidden: list[int],
                  activation: str, seed: int, eps: float, rtol: float, atol: float,
                  max_entries: int) -> Any:
    """The report of an float64 ``nn.MLP`` (evaluation mode) with the loss train uses."""
    from ..explain import gradcheck_model
    from ..nn import MLP, default_loss

    task = data.task
    n_out = 1 if task in ("binary", "regression") else int(data.n_classes)
    model = MLP(X.shape[1], hidden, n_out, activation=activation, task=task, seed=seed,
                dtype=np.float64).astype(np.float64)  # astype: PReLU's slope too
    model.eval()
    # Zero biases put a unit exactly on ReLU's kink (or a step's jump) whenever the layer
    # before is silent for an example, and no derivative exists there: check at a point
    # where the network is differentiable, with biases drawn away from zero.
    rng = np.random.default_rng([seed, 1])
    for name, p in model.named_parameters():
        if name.endswith("bias"):
            p.data[...] = rng.choice([-1.0, 1.0], p.shape) * rng.uniform(0.1, 0.5, p.shape)
    loss = default_loss(model.output_unit)
    if task == "binary":
        y = y.astype(np.float64).reshape(-1, 1)
    elif task == "regression":
        y = y.astype(np.float64).reshape(len(y), -1)
    return gradcheck_model(model, X, y, loss, eps, rtol, atol, max_entries, seed)


def run(args: argparse.Namespace) -> int:
    """Print the report; 0 when every tensor passes, 1 on a failure, 2 on bad input."""
    from ..explain import ExpressionError

    try:
        for flag, value in (("--eps", args.eps), ("--rtol", args.rtol), ("--atol", args.atol)):
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{flag} must be a finite number > 0, got {value:g}")
        if args.max_entries < 1:
            raise ValueError(f"--max-entries must be >= 1, got {args.max_entries}")
        if args.expr is not None:
            if args.at is None:
                raise ValueError("--expr needs --at with the values of its variables")
            result = _expression_report(args)
        else:
            result = _model_report(args)
    except ExpressionError as exc:
        return report(exc.one_line(), 2)
    except (ValueError, TypeError, KeyError, OSError) as exc:
        return report(str(exc), 2)
    print(result.to_text())
    return 0 if result.passed else 1
