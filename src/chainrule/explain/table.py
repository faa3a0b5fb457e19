"""``table(output, wrt)``: the lecture's derivative table for any graph built with chainrule.

One row per node in evaluation order — its name (ξ1, ξ2, ...; inputs by their names), the
expression it computes, its value, its local partial derivative(s) ∂ξ/∂(input), and the
accumulated derivative: in forward mode the tangent dξ/dw carried forward from each ``w``,
in reverse mode the adjoint dL/dξ carried back from the output L. The final derivatives
dL/dw come last. For a scalar chain ξ1 → ξ2 → ... → L::

    forward:  dξk/dw = ∂ξk/∂ξ(k-1) · dξ(k-1)/dw          reverse:  dL/dξk = dL/dξ(k+1) · ∂ξ(k+1)/∂ξk

and both end at the same number dL/dw. For non-scalar tensors the local partial shown is
the JVP of a tangent of ones (the elementwise derivative for elementwise ops), and forward
mode pushes a tangent of ones from ``w`` (so dL/dw there is the sum of the gradient).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..autodiff import Tensor
from .graph import (Names, assign_names, evaluation_order, expression_of, format_number,
                    forward_tangents, local_partials, reverse_adjoints)
from .render import html_grid, markdown_grid, text_grid

MODES = ("forward", "reverse", "both")


@dataclass
class Row:
    """One line of a table.

    ``kind`` is ``"input"`` (a variable), ``"node"`` (an operation) or ``"result"`` (a final
    derivative dL/dw, whose ``value`` is that derivative). ``partials`` maps each recorded
    input's name to ∂ξ/∂input; ``tangents`` maps each ``wrt`` name to dξ/dw (forward mode);
    ``adjoint`` is dL/dξ (reverse mode).
    """

    name: str
    expr: str
    value: np.ndarray
    partials: dict[str, np.ndarray] = field(default_factory=dict)
    tangents: dict[str, np.ndarray] = field(default_factory=dict)
    adjoint: np.ndarray | None = None
    kind: str = "node"


@dataclass
class Table:
    """The rows, the names of the output and of the ``wrt`` inputs, and the mode shown."""

    rows: list[Row]
    output: str
    wrt: list[str]
    mode: str
    precision: int = 6

    def derivative(self, wrt: str, mode: str | None = None) -> np.ndarray:
        """dL/dw as computed by ``mode`` (default: reverse when shown, else forward)."""
        if wrt not in self.wrt:
            raise KeyError(f"no derivative with respect to {wrt!r}; the table has {self.wrt}")
        row = next(r for r in self.rows if r.kind == "result" and r.name.endswith(f"/d{wrt}"))
        mode = mode or ("forward" if self.mode == "forward" else "reverse")
        if mode == "forward":
            if self.mode == "reverse":
                raise ValueError("this table was built in reverse mode only")
            return row.tangents[wrt]
        if mode == "reverse":
            if self.mode == "forward":
                raise ValueError("this table was built in forward mode only")
            return row.adjoint
        raise ValueError(f"mode must be 'forward' or 'reverse', got {mode!r}")

    def first_non_finite(self) -> tuple[Row, list[Row]] | None:
        """Where the trouble starts: the first node whose value is NaN (outside its
        function's domain, as ``log(-1)``) or infinite (a pole or an overflow, as ``log(0)``)
        while its recorded inputs are finite, with the rows of those inputs; None when every
        value is finite."""
        by_name = {r.name: r for r in self.rows if r.kind != "result"}
        for r in self.rows:
            if r.kind != "node" or np.isfinite(r.value).all():
                continue
            inputs = [by_name[k] for k in r.partials if k in by_name]
            if all(np.isfinite(i.value).all() for i in inputs):
                return r, inputs
        return None

    # ---------------------------------------------------------------- rendering
    def _header(self) -> list[str]:
        cols = ["ξ", "expression", "value", "local partials"]
        if self.mode in ("forward", "both"):
            cols += [f"dξ/d{w} (forward)" for w in self.wrt]
        if self.mode in ("reverse", "both"):
            cols.append(f"d{self.output}/dξ (reverse)")
        return cols

    def _cells(self) -> list[list[str]]:
        f = lambda v: format_number(v, self.precision)  # noqa: E731
        body = []
        for r in self.rows:
            partials = ", ".join(f"∂/∂{k} = {f(v)}" for k, v in r.partials.items())
            cells = [r.name, r.expr, f(r.value), partials]
            if self.mode in ("forward", "both"):
                cells += [f(r.tangents[w]) if w in r.tangents else "" for w in self.wrt]
            if self.mode in ("reverse", "both"):
                cells.append("" if r.adjoint is None else f(r.adjoint))
            body.append(cells)
        return body

    def _result_start(self) -> list[int]:
        starts = [i for i, r in enumerate(self.rows) if r.kind == "result"]
        firsts = [i for i, r in enumerate(self.rows) if r.kind == "node"]
        out = starts[:1]
        if firsts:
            out.append(firsts[0])
        return out

    def to_text(self, style: str = "box") -> str:
        """An aligned terminal table (``style="box"`` Unicode borders or ``"plain"``)."""
        title = f"{self._title()}\n"
        return title + text_grid(self._header(), self._cells(), style, self._result_start())

    def to_markdown(self) -> str:
        return f"**{self._title()}**\n\n" + markdown_grid(self._header(), self._cells())

    def to_html(self) -> str:
        starts = [i for i, r in enumerate(self.rows) if r.kind == "result"][:1]
        return html_grid(self._header(), self._cells(), self._title(), starts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def render(self, format: str = "text") -> str:  # noqa: A002
        """``format`` is ``text``, ``md`` (or ``markdown``) or ``html``."""
        if format == "text":
            return self.to_text()
        if format in ("md", "markdown"):
            return self.to_markdown()
        if format == "html":
            return self.to_html()
        raise ValueError(f"format must be 'text', 'md' or 'html', got {format!r}")

    def _title(self) -> str:
        modes = {"forward": "forward mode (tangents dξ/dw carried forward)",
                 "reverse": f"reverse mode (adjoints d{self.output}/dξ carried back)",
                 "both": "forward and reverse mode"}
        return f"d{self.output}/d({', '.join(self.wrt)}) — {modes[self.mode]}"

    def __str__(self) -> str:
        return self.to_text()


def _wrt_list(wrt: Any, order: Sequence[Tensor], names: Names) -> list[Tensor]:
    leaves = [t for t in order if t._prim is None]
    if wrt is None:
        return leaves
    if isinstance(wrt, (Tensor, str)):
        wrt = [wrt]
    out = []
    for w in wrt:
        if isinstance(w, str):
            match = [t for t in leaves if names.by_id[id(t)] == w]
            if not match:
                raise ValueError(f"explain: no input named {w!r} in the graph; inputs: "
                                 f"{[names.by_id[id(t)] for t in leaves]}")
            out.append(match[0])
        elif isinstance(w, Tensor):
            if all(w is not t for t in leaves):
                raise ValueError("explain: a wrt tensor is not an input (a leaf that "
                                 "requires grad) of the output's graph")
            out.append(w)
        else:
            raise TypeError(f"explain: wrt entries must be Tensors or input names, got "
                            f"{type(w).__name__}")
    return out


def table(output: Tensor, wrt: Any = None, mode: str = "both",
          names: Mapping[Tensor, str] | None = None, precision: int = 6) -> Table:
    """The derivative table of ``output`` with respect to the inputs ``wrt``.

    Args:
        output: a scalar Tensor computed with chainrule ops from inputs that require grad
            (use float64 to see exact numbers).
        wrt: input Tensors or their names (``Tensor.name``); default every input.
        mode: ``"forward"`` (dξ/dw), ``"reverse"`` (dL/dξ) or ``"both"``.
        names: display names for some tensors (default: inputs by ``Tensor.name``, nodes
            ξ1, ξ2, ... in evaluation order; the output by its ``name`` if it has one).
        precision: significant digits shown.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if not isinstance(precision, int) or not 1 <= precision <= 17:
        raise ValueError(f"precision must be an int in [1, 17], got {precision!r}")
    order = evaluation_order(output)
    nm = assign_names(order, names, precision)
    ws = _wrt_list(wrt, order, nm)
    out_name = nm.by_id[id(output)]
    if output.size != 1:
        raise ValueError(f"explain: the output must be a scalar, got shape {output.shape}; "
                         f"reduce it first, e.g. with .sum()")
    with np.errstate(all="ignore"):
        tangents = {nm.by_id[id(w)]: forward_tangents(order, w)
                    for w in ws} if mode != "reverse" else {}
        adjoints = reverse_adjoints(output, order) if mode != "forward" else {}
        rows = []
        for t in order:
            is_leaf = t._prim is None
            rows.append(Row(
                name=nm.by_id[id(t)],
                expr="input" if is_leaf else expression_of(t, nm),
                value=np.array(t.data, copy=True),
                partials={} if is_leaf else {nm.of(p): v for p, v in local_partials(t)},
                tangents={w: tg[id(t)] for w, tg in tangents.items()},
                adjoint=adjoints.get(id(t)),
                kind="input" if is_leaf else "node"))
        for w in ws:
            wn = nm.by_id[id(w)]
            fwd = np.asarray(tangents[wn][id(output)]).sum() if tangents else None
            rev = adjoints.get(id(w))
            rows.append(Row(name=f"d{out_name}/d{wn}", expr="chain rule: Σ over paths of Π ∂",
                            value=np.asarray(rev if rev is not None else fwd),
                            tangents={wn: np.asarray(fwd)} if fwd is not None else {},
                            adjoint=rev, kind="result"))
    return Table(rows, out_name, [nm.by_id[id(w)] for w in ws], mode, precision)
