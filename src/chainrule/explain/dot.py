"""Drawing a graph: Graphviz DOT text, rendered to SVG/PNG/PDF by the ``dot`` program.

Inputs are ellipses, operations boxes labelled ``ξk = expression``, with the value and
the adjoint dL/dξ (and the tangents dξ/dw in forward mode); each edge carries the local
partial ∂(consumer)/∂(input) when it is a scalar. Without Graphviz the DOT text is kept
and a note says how to render it.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..autodiff import Tensor
from .graph import evaluation_order, format_number, local_partials
from .table import table

RENDER_FORMATS = ("svg", "png", "pdf")


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(output: Tensor, wrt: Any = None, mode: str = "reverse",
           names: Mapping[Tensor, str] | None = None, precision: int = 4,
           rankdir: str = "LR") -> str:
    """The DOT text of ``output``'s graph (see :func:`chainrule.explain.table` for the
    arguments); one node per input and operation, edges from inputs to consumers.
    ``rankdir``: "LR" (left to right) or "TB" (top to bottom, better for long chains)."""
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"to_dot: rankdir must be 'LR' or 'TB', got {rankdir!r}")
    tab = table(output, wrt=wrt, mode=mode, names=names, precision=precision)
    order = evaluation_order(output)
    f = lambda v: format_number(v, precision)  # noqa: E731
    lines = ["digraph chainrule {", f"  rankdir={rankdir};",
             '  node [fontname="Helvetica", fontsize=11];',
             '  edge [fontname="Helvetica", fontsize=9];']
    ids = {id(t): f"n{i}" for i, t in enumerate(order)}
    for t, row in zip(order, tab.rows):
        label = [row.name if row.kind == "input" else f"{row.name} = {row.expr}",
                 f"value {f(row.value)}"]
        label += [f"d{row.name}/d{w} {f(v)}" for w, v in row.tangents.items()]
        if row.adjoint is not None:
            label.append(f"d{tab.output}/d{row.name} {f(row.adjoint)}")
        shape = "ellipse" if row.kind == "input" else "box"
        style = ', style="filled", fillcolor="#eef4ff"' if t is output else ""
        lines.append(f"  {ids[id(t)]} [shape={shape}{style}, label={_quote(chr(10).join(label))}];")
    for t in order:
        for p, partial in local_partials(t):
            attr = f" [label={_quote('∂ ' + f(partial))}]" if partial.size == 1 else ""
            lines.append(f"  {ids[id(p)]} -> {ids[id(t)]}{attr};")
    lines.append("}")
    return "\n".join(lines) + "\n"


@dataclass
class Drawing:
    """The DOT text, the rendered file (None when not rendered) and a note if any."""

    dot: str
    path: Path | None
    note: str = ""

    def _repr_svg_(self) -> str | None:
        """Jupyter shows the drawing as SVG (nothing when Graphviz is not installed)."""
        return dot_to_svg(self.dot)


def render_dot(dot: str, path: str | Path, timeout: float = 30.0) -> Drawing:
    """Write ``dot`` to ``path``: rendered when the suffix is .svg/.png/.pdf and Graphviz's
    ``dot`` is installed, else the DOT text itself (to ``path`` with suffix .dot) and a note."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in RENDER_FORMATS:
        path.write_text(dot, encoding="utf-8")
        return Drawing(dot, path)
    exe = shutil.which("dot")
    if exe is None:
        dot_path = path.with_suffix(".dot")
        dot_path.write_text(dot, encoding="utf-8")
        return Drawing(dot, None, f"Graphviz 'dot' not found: wrote the DOT text to {dot_path}; "
                                  f"render it with: dot -T{fmt} {dot_path} -o {path}")
    try:
        subprocess.run([exe, f"-T{fmt}", "-o", str(path)], input=dot.encode("utf-8"),
                       check=True, capture_output=True, timeout=timeout)
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"dot failed to render {path}: "
                           f"{exc.stderr.decode(errors='replace').strip()}") from None
    return Drawing(dot, path)


def dot_to_svg(dot: str, timeout: float = 30.0) -> str | None:
    """The SVG text Graphviz's ``dot`` draws from ``dot`` (None when it is not installed)."""
    if shutil.which("dot") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.svg"
        render_dot(dot, path, timeout)
        return path.read_text(encoding="utf-8")


def draw_graph(output: Tensor, path: str | Path | None = None, wrt: Any = None,
               mode: str = "reverse", names: Mapping[Tensor, str] | None = None,
               precision: int = 4, rankdir: str = "LR") -> Drawing:
    """The graph of ``output`` as DOT, written/rendered to ``path`` when given."""
    dot = to_dot(output, wrt=wrt, mode=mode, names=names, precision=precision,
                 rankdir=rankdir)
    if path is None:
        note = "" if shutil.which("dot") else "Graphviz 'dot' not found; DOT text only"
        return Drawing(dot, None, note)
    return render_dot(dot, path)
