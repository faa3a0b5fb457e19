"""``chainrule explain``: the derivative table of an expression, as the lecture shows it.

    chainrule explain "-y*log(sigmoid(w*x))" --at x=3,y=1,w=3 --wrt w --mode both --expand
"""
from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path
from typing import Any

from ._errors import report

# An argument that starts with "-" but contains an operator or a parenthesis is an
# expression ("-y*log(x)"), not an option: argparse treats such strings as positionals.
_EXPRESSION_LIKE = re.compile(r"^-\d+$|^-\d*\.\d+$|^-.*[^\w\-=]")


def parse_assignments(items: list[str] | None) -> dict[str, float]:
    """``["x=3,y=1", "w=3"]`` -> ``{"x": 3.0, "y": 1.0, "w": 3.0}``; ValueError on bad input."""
    values: dict[str, float] = {}
    for item in items or []:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            name, sep, raw = part.partition("=")
            name = name.strip()
            if not sep or not name.isidentifier():
                raise ValueError(f"--at expects name=value pairs separated by commas, got "
                                 f"{part!r}")
            try:
                v = float(raw)
            except ValueError:
                raise ValueError(f"--at: the value of {name} must be a number, got "
                                 f"{raw.strip()!r}") from None
            if not math.isfinite(v):
                raise ValueError(f"--at: the value of {name} must be finite, got {raw.strip()}")
            if name in values:
                raise ValueError(f"--at: {name} is given twice")
            values[name] = v
    return values


def parse_names(text: str | None) -> list[str] | None:
    """``"w,x"`` -> ``["w", "x"]`` (None stays None)."""
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ValueError("--wrt expects one or more variable names separated by commas")
    return names


def expression_friendly(parser: argparse.ArgumentParser) -> None:
    """Let a positional expression start with a minus sign (``"-y*log(x)"``)."""
    parser._negative_number_matcher = _EXPRESSION_LIKE  # type: ignore[attr-defined]


def register(subparsers: Any) -> None:
    """Add the ``explain`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "explain", help="show the forward/reverse derivative table of an expression",
        description="One row per intermediate variable ξ: its expression, value, local "
                    "partial derivative and accumulated derivative (forward: dξ/dw, "
                    "reverse: dL/dξ). Functions: exp log sqrt sigmoid tanh relu softplus abs "
                    "sin cos log1p expm1 max min.")
    expression_friendly(p)
    p.add_argument("expression", help='the expression, e.g. "-y*log(sigmoid(w*x))"')
    p.add_argument("--at", action="append", metavar="NAME=VALUE,...",
                   help="values of the variables, e.g. x=3,y=1,w=3 (repeatable)")
    p.add_argument("--wrt", metavar="NAMES",
                   help="variables to differentiate with respect to, comma-separated "
                        "(default: all)")
    p.add_argument("--mode", choices=("forward", "reverse", "both"), default="both",
                   help="accumulated derivative to show: forward dξ/dw, reverse dL/dξ, or both")
    p.add_argument("--expand", action="store_true",
                   help="show sigmoid and softplus as elementary steps (exp, 1+·, 1/·, log)")
    p.add_argument("--format", choices=("text", "md", "html"), default="text",
                   help="output format: terminal table, Markdown or HTML")
    p.add_argument("--precision", type=int, default=6, metavar="DIGITS",
                   help="significant digits shown (default 6)")
    p.add_argument("--dot", metavar="FILE",
                   help="also draw the graph: FILE.svg/.png/.pdf rendered with Graphviz when "
                        "installed, any other name gets the DOT text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the table; 0 on success, 2 on bad input (one line on stderr)."""
    from ..explain import ExpressionError, explain_expression, parse
    from ..explain.dot import render_dot, to_dot
    from ..explain.expression import build_expression

    try:
        expr = parse(args.expression)
        values = parse_assignments(args.at)
        wrt = parse_names(args.wrt)
        if not 1 <= args.precision <= 17:
            raise ValueError(f"--precision must be between 1 and 17, got {args.precision}")
        tab = explain_expression(expr, values, wrt=wrt, mode=args.mode, expand=args.expand,
                                 precision=args.precision)
    except ExpressionError as exc:
        return report(exc.one_line(), 2)
    except (ValueError, TypeError) as exc:
        return report(str(exc), 2)
    print(tab.render(args.format))
    status = _warn_outside_domain(tab)
    if args.dot:
        out, leaves = build_expression(expr, values, wrt, args.expand)
        out.name = "L"
        wanted = [leaves[n] for n in (wrt or expr.variables)]
        try:
            drawing = render_dot(to_dot(out, wrt=wanted, mode=args.mode,
                                        precision=args.precision), Path(args.dot))
        except (OSError, RuntimeError) as exc:
            return report(f"cannot write {args.dot}: {exc}", 2)
        if drawing.note:
            print(drawing.note, file=sys.stderr)
    return status


def _warn_outside_domain(tab: Any) -> int:
    """One warning line on stderr and exit status 1 when a value in the table is NaN or
    infinite (the point is outside a function's domain); else 0."""
    import numpy as np

    from ..explain.graph import format_number

    found = tab.first_non_finite()
    if found is None:
        return 0
    row, inputs = found
    value = format_number(row.value, tab.precision)
    at = ", ".join(f"{i.name} = {format_number(i.value, tab.precision)}" for i in inputs)
    where = f" at {at}" if at else ""
    if np.isnan(row.value).any():
        why = "the point is outside the function's domain; every derivative through it is nan"
    else:
        why = "a pole or an overflow; the derivatives through it are not finite"
    print(f"chainrule: warning: {row.name} = {row.expr} is {value}{where}: {why}",
          file=sys.stderr)
    return 1
