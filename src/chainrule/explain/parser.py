"""The expression language of ``chainrule explain``: parsed with :mod:`ast`, never evaluated.

Grammar (everything else is refused with a message pointing at the offending part)::

    expr := number | name | expr (+ - * / **) expr | -expr | +expr | (expr)
          | func(expr) | max(expr, expr) | min(expr, expr)
    func := exp log sqrt sigmoid tanh relu softplus abs sin cos log1p expm1

Limits keep every input cheap: at most 500 characters, 200 syntax nodes and 50 levels of
nesting; numeric literals at most 1e15 in magnitude; a constant exponent at most 100 in
magnitude, and no power inside an exponent (``9**9**9``). A subexpression made only of
constants is computed in float64 at parse time and refused if it is not finite. Values are
only ever computed by the library's NumPy ops, so no input can make Python do unbounded work.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_LENGTH = 500
MAX_NODES = 200
MAX_DEPTH = 50
MAX_LITERAL = 1e15
MAX_EXPONENT = 100.0

FUNCTIONS: dict[str, int] = {
    "exp": 1, "log": 1, "sqrt": 1, "sigmoid": 1, "tanh": 1, "relu": 1, "softplus": 1,
    "abs": 1, "sin": 1, "cos": 1, "log1p": 1, "expm1": 1, "max": 2, "min": 2,
}
"""Callable names and their number of arguments."""

BINARY_OPS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/",
                               ast.Pow: "**"}

_REFUSED: dict[type, str] = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons", ast.BoolOp: "boolean operators (and/or)",
    ast.IfExp: "conditional expressions", ast.NamedExpr: "assignment expressions (:=)",
    ast.JoinedStr: "f-strings", ast.FormattedValue: "f-strings",
    ast.List: "lists", ast.Tuple: "tuples", ast.Set: "sets", ast.Dict: "dicts",
    ast.Starred: "starred expressions", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Slice: "slices",
}


class ExpressionError(ValueError):
    """An expression that is refused; ``col``/``end`` locate the offending part (0-based)."""

    def __init__(self, message: str, text: str, col: int, end: int | None = None) -> None:
        self.message = message
        self.text = text
        self.col = max(0, min(col, len(text)))
        self.end = max(self.col + 1, min(end if end is not None else self.col + 1,
                                         len(text)))
        super().__init__(f"{self.one_line()}\n{self.pointer()}")

    def one_line(self) -> str:
        """The message, the column and the offending text (at most 40 characters of it) on
        one line."""
        part = self.text[self.col:self.end]
        if len(part) > 40:
            part = part[:40] + "…"
        where = f"at column {self.col + 1}"
        return f"{self.message} ({where}: {part!r})" if part else f"{self.message} ({where})"

    def pointer(self) -> str:
        """The expression with a caret line under the offending part."""
        shown = self.text if len(self.text) <= 120 else self.text[:120] + "…"
        col = min(self.col, 120)
        width = max(1, min(self.end, 120) - col)
        return f"  {shown}\n  {' ' * col}{'^' * width}"


@dataclass
class Node:
    """One node of a parsed expression.

    ``kind`` is ``num`` (``value``), ``var`` (``name``), ``neg`` (one child), ``bin``
    (``op`` in + - * / **, two children) or ``call`` (``name``, children). ``text`` is the
    source of the node; ``const`` its float64 value when it contains no variable.
    """

    kind: str
    text: str
    col: int = 0
    name: str = ""
    op: str = ""
    value: float = 0.0
    children: tuple["Node", ...] = ()
    const: float | None = None
    variables: frozenset[str] = field(default_factory=frozenset)

    @property
    def has_power(self) -> bool:
        return (self.kind == "bin" and self.op == "**") or any(c.has_power
                                                               for c in self.children)


@dataclass(frozen=True)
class Expression:
    """A parsed, validated expression: its source, syntax tree and variables (in order)."""

    text: str
    root: Node
    variables: tuple[str, ...]


def _char_col(text: str, byte_col: int | None) -> int:
    """ast offsets count UTF-8 bytes; convert to a character index."""
    if byte_col is None:
        return 0
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def _const_value(kind: str, op: str, name: str, args: list[float]) -> float:
    with np.errstate(all="ignore"):
        a = np.float64(args[0])
        if kind == "neg":
            return float(-a)
        if kind == "bin":
            b = np.float64(args[1])
            return float({"+": np.add, "-": np.subtract, "*": np.multiply,
                          "/": np.true_divide, "**": np.power}[op](a, b))
        fn = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "tanh": np.tanh,
              "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
              "relu": lambda v: np.maximum(v, 0.0),
              "softplus": lambda v: np.logaddexp(0.0, v), "abs": np.abs, "sin": np.sin,
              "cos": np.cos, "log1p": np.log1p, "expm1": np.expm1}
        if name == "max":
            return float(np.maximum(a, args[1]))
        if name == "min":
            return float(np.minimum(a, args[1]))
        return float(fn[name](a))


class _Converter:
    def __init__(self, text: str) -> None:
        self.text = text
        self.count = 0

    def fail(self, message: str, node: ast.AST) -> ExpressionError:
        col = _char_col(self.text, getattr(node, "col_offset", 0))
        end = _char_col(self.text, getattr(node, "end_col_offset", None)) or col + 1
        return ExpressionError(message, self.text, col, end)

    def source(self, node: ast.AST) -> tuple[int, str]:
        col = _char_col(self.text, node.col_offset)
        end = _char_col(self.text, node.end_col_offset)
        return col, self.text[col:end]

    def make(self, node: ast.AST, kind: str, children: tuple[Node, ...] = (), **kw: Any) -> Node:
        col, text = self.source(node)
        variables = frozenset().union(*(c.variables for c in children)) if children else \
            frozenset(kw.pop("variables", ()))
        out = Node(kind, text, col, children=children, variables=variables, **kw)
        if kind == "num":
            out.const = out.value
        elif not variables:
            out.const = _const_value(kind, out.op, out.name, [c.const for c in children])
            if not np.isfinite(out.const):
                raise self.fail("this constant subexpression is not a finite float64 number",
                                node)
        return out

    def convert(self, node: ast.AST, depth: int) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(f"the expression has more than {MAX_NODES} parts", node)
        if depth > MAX_DEPTH:
            raise self.fail(f"the expression is nested more than {MAX_DEPTH} levels deep", node)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return self.convert(node.operand, depth + 1)
            if not isinstance(node.op, ast.USub):
                raise self.fail(f"operator {type(node.op).__name__} is not allowed; use + - * "
                                f"/ ** and unary minus", node)
            return self.make(node, "neg", (self.convert(node.operand, depth + 1),))
        if isinstance(node, ast.BinOp):
            return self.binop(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        what = _REFUSED.get(type(node), f"{type(node).__name__} expressions")
        raise self.fail(f"{what} are not allowed in an expression"
                        if not what.endswith("access") else f"{what} is not allowed", node)

    def constant(self, node: ast.Constant) -> Node:
        v = node.value
        if isinstance(v, bool) or v is None or v is Ellipsis:
            raise self.fail(f"{v!r} is not a number", node)
        if isinstance(v, (str, bytes)):
            raise self.fail("strings are not allowed in an expression", node)
        if isinstance(v, complex):
            raise self.fail("complex numbers are not allowed", node)
        if isinstance(v, int) and v.bit_length() > 60:
            raise self.fail(f"numeric literals must be at most {MAX_LITERAL:g} in magnitude",
                            node)
        f = float(v)
        if not np.isfinite(f) or abs(f) > MAX_LITERAL:
            raise self.fail(f"numeric literals must be at most {MAX_LITERAL:g} in magnitude",
                            node)
        return self.make(node, "num", value=f)

    def name(self, node: ast.Name) -> Node:
        if node.id.startswith("_"):
            raise self.fail("names starting with '_' are not allowed", node)
        if node.id in FUNCTIONS:
            raise self.fail(f"{node.id} is a function; call it, e.g. {node.id}(x)", node)
        return self.make(node, "var", name=node.id, variables=(node.id,))

    def binop(self, node: ast.BinOp, depth: int) -> Node:
        op = BINARY_OPS.get(type(node.op))
        if op is None:
            raise self.fail(f"operator {type(node.op).__name__} is not allowed; use + - * / **",
                            node)
        left = self.convert(node.left, depth + 1)
        right = self.convert(node.right, depth + 1)
        if op == "**":
            if right.has_power:
                raise self.fail("a power inside an exponent (a power tower) is not allowed",
                                node.right)
            if right.const is not None and abs(right.const) > MAX_EXPONENT:
                raise self.fail(f"constant exponents must be at most {MAX_EXPONENT:g} in "
                                f"magnitude", node.right)
        return self.make(node, "bin", (left, right), op=op)

    def call(self, node: ast.Call, depth: int) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail("only the named functions " + ", ".join(FUNCTIONS)
                            + " can be called", node.func)
        fname = node.func.id
        if fname not in FUNCTIONS:
            raise self.fail(f"unknown function {fname!r}; available: {', '.join(FUNCTIONS)}",
                            node.func)
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node.keywords[0].value)
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.fail("starred arguments are not allowed", a)
        arity = FUNCTIONS[fname]
        if len(node.args) != arity:
            raise self.fail(f"{fname} takes {arity} argument{'s' if arity > 1 else ''}, got "
                            f"{len(node.args)}", node)
        args = tuple(self.convert(a, depth + 1) for a in node.args)
        return self.make(node, "call", args, name=fname)


def parse(text: str) -> Expression:
    """Parse and validate ``text``; raise :class:`ExpressionError` pointing at what is refused."""
    if not isinstance(text, str):
        raise TypeError(f"expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters",
                              text, MAX_LENGTH, len(text))
    for i, ch in enumerate(text):
        if ch in "\n\r\x00" or (ord(ch) < 32 and ch != "\t"):
            raise ExpressionError("the expression must be one line of printable text",
                                  text, i)
    if not text.strip():
        raise ExpressionError("the expression is empty", text, 0)
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch in "([{") - (ch in ")]}")
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep",
                                  text, i)
    try:
        tree = ast.parse(text.lstrip(), mode="eval")
    except SyntaxError as exc:
        lead = len(text) - len(text.lstrip())
        col = lead + max(0, (exc.offset or 1) - 1)
        raise ExpressionError(f"syntax error: {exc.msg}", text, col) from None
    except (ValueError, MemoryError, RecursionError):
        raise ExpressionError("the expression cannot be parsed", text, 0) from None
    lead = len(text) - len(text.lstrip())
    conv = _Converter(text.lstrip())
    try:
        root = conv.convert(tree.body, 1)
    except ExpressionError as exc:
        raise ExpressionError(exc.message, text, exc.col + lead, exc.end + lead) from None
    seen: dict[str, None] = {}
    stack = [root]
    order: list[str] = []
    while stack:  # variables in order of first appearance (left to right)
        n = stack.pop()
        if n.kind == "var" and n.name not in seen:
            seen[n.name] = None
            order.append(n.name)
        stack.extend(reversed(n.children))
    return Expression(text.strip(), root, tuple(order))
