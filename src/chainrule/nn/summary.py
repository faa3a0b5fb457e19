"""``summary(model)``: a model's layers, output shapes and parameter counts, as Keras shows them.

One row per leaf module (a layer with no sub-modules), in the order the forward runs for a
``Sequential`` or an ``MLP``; the output shape of each is found by running the layer on a
one-example batch of zeros when the model is a chain (Sequential and MLP containers
only; other containers show ``?``, since their data may branch) (no gradient is recorded, Dropout is not run: it keeps the shape,
and running it would draw from its random generator). ``None`` stands for the batch size::

    >>> from chainrule.nn.summary import summary
    >>> print(summary(nn.MLP(64, [128, 64], 10)))
    Model: MLP (output unit: softmax, applied by predict_proba and fused into the loss)
    ...
    Total params: 17,226

``str()`` is the text table, ``to_html()`` (and ``_repr_html_``, so Jupyter shows it) an
HTML table. ``Module.summary()`` prints it; a model shown in a notebook displays it.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..autodiff import Tensor, no_grad
from .layers import Dropout, Linear, Maxout, Sequential
from .mlp import MLP
from .module import Module


@dataclass
class LayerRow:
    """One leaf module: its dotted name, class, output shape (None: unknown) and own
    parameter count (trainable and not)."""

    name: str
    kind: str
    output_shape: tuple[int | None, ...] | None
    params: int
    trainable: int


@dataclass
class ModelSummary:
    """The rows of :func:`summary` and the totals (shared parameters counted once)."""

    model_name: str
    note: str
    rows: list[LayerRow]
    total: int
    trainable: int

    @property
    def non_trainable(self) -> int:
        return self.total - self.trainable

    def _cells(self) -> list[tuple[str, str, str]]:
        return [(f"{r.name} ({r.kind})" if r.name else r.kind, _shape_text(r.output_shape),
                 f"{r.params:,}") for r in self.rows]

    def _title(self) -> str:
        return f"Model: {self.model_name}" + (f" ({self.note})" if self.note else "")

    def _totals(self) -> list[str]:
        return [f"Total params: {self.total:,}", f"Trainable params: {self.trainable:,}",
                f"Non-trainable params: {self.non_trainable:,}"]

    def to_text(self) -> str:
        header = ("Layer (type)", "Output shape", "Param #")
        cells = self._cells()
        widths = [max(len(row[j]) for row in [header, *cells]) for j in range(3)]

        def line(row: Sequence[str]) -> str:
            return (f"{row[0]:<{widths[0]}}   {row[1]:<{widths[1]}}   "
                    f"{row[2]:>{widths[2]}}").rstrip()

        rule = "─" * (sum(widths) + 6)
        return "\n".join([self._title(), rule, line(header), "═" * len(rule),
                          *(line(c) for c in cells), "═" * len(rule), *self._totals()])

    def to_html(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><td style='text-align:left'>{esc(a)}</td><td style='text-align:left'>"
            f"<code>{esc(b)}</code></td><td style='text-align:right'>{esc(c)}</td></tr>"
            for a, b, c in self._cells())
        totals = "<br>".join(esc(t) for t in self._totals())
        return ("<div class='chainrule-summary'>"
                f"<p><b>{esc(self._title())}</b></p>"
                "<table class='chainrule-table'><thead><tr>"
                "<th style='text-align:left'>Layer (type)</th>"
                "<th style='text-align:left'>Output shape</th>"
                "<th style='text-align:right'>Param #</th></tr></thead>"
                f"<tbody>{rows}</tbody></table><p>{totals}</p></div>")

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()


def _shape_text(shape: tuple[int | None, ...] | None) -> str:
    if shape is None:
        return "?"
    inner = ", ".join("None" if s is None else str(s) for s in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _leaves(module: Module, prefix: str = "") -> list[tuple[str, Module]]:
    """The modules without sub-modules (and any module holding parameters of its own),
    in registration order (the order a Sequential or an MLP runs them); a module used
    twice appears twice."""
    if not module._modules or module._parameters:
        return [(prefix, module)]
    out = []
    for name, child in module._modules.items():
        out += _leaves(child, f"{prefix}.{name}" if prefix else name)
    return out


def _input_width(leaves: list[tuple[str, Module]]) -> int | None:
    for _, m in leaves:
        if isinstance(m, (Linear, Maxout)):
            return m.in_features
        if m._parameters:
            return None
    return None


def _probe(module: Module, shape: tuple[int, ...] | None,
           dtype: np.dtype) -> tuple[int, ...] | None:
    """The output shape of ``module`` on zeros of ``shape`` (None when it cannot run)."""
    if shape is None:
        return None
    if isinstance(module, Dropout):
        return shape
    try:
        with no_grad():
            out = module(Tensor(np.zeros(shape, dtype=dtype)))
    except Exception:  # noqa: BLE001  a layer that cannot run on zeros: its shape is unknown
        return None
    return tuple(out.shape) if isinstance(out, Tensor) else None


def summary(model: Module, input_shape: Sequence[int] | None = None) -> ModelSummary:
    """The layers of ``model`` with their output shapes and parameter counts.

    Args:
        model: any :class:`~chainrule.nn.Module` (an ``MLP``, a ``Sequential``, ...).
        input_shape: the shape of one example, e.g. ``(64,)``; by default the input width of
            the first ``Linear`` or ``Maxout`` layer. When it cannot be known the output
            shapes show as ``?``.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected a chainrule.nn.Module, got {type(model).__name__}")
    if input_shape is not None:
        dims = tuple(input_shape)
        if not dims or any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1
                           for d in dims):
            raise ValueError(f"summary: input_shape must be the shape of one example, a tuple "
                             f"of positive ints such as (64,), got {input_shape!r}")
    leaves = _leaves(model)
    chain = all(isinstance(m, (Sequential, MLP)) for _, m in model.named_modules()
                if m._modules)
    shape: tuple[int, ...] | None = None
    if not chain:  # branches: the order of registration is not the order of the data
        shape = None
    elif input_shape is not None:
        shape = (1, *(int(d) for d in input_shape))
    else:
        width = _input_width(leaves)
        shape = None if width is None else (1, width)
    params = [p for p in model.parameters()]
    dtype = params[0].data.dtype if params else np.dtype(np.float32)
    rows = []
    first_name: dict[int, str] = {}
    seen: set[int] = set()  # parameters already counted (a tied weight counts once)
    for name, m in leaves:
        kind = type(m).__name__
        if id(m) in first_name:  # the same layer again: its parameters are counted once
            kind += f", same as {first_name[id(m)] or 'the model'}"
            own = []
        else:
            first_name[id(m)] = name
            own = [p for p in m._parameters.values() if id(p) not in seen]
            seen.update(id(p) for p in own)
        shape = _probe(m, shape, dtype)
        rows.append(LayerRow(name, kind, None if shape is None else (None, *shape[1:]),
                             sum(p.size for p in own),
                             sum(p.size for p in own if p.requires_grad)))
    unit = getattr(model, "output_unit", None)
    note = "" if unit is None else (
        f"output unit: {unit}" + ("" if unit == "linear"
                                  else ", applied by predict_proba and fused into the loss"))
    return ModelSummary(type(model).__name__, note, rows,
                        total=sum(p.size for p in params),
                        trainable=sum(p.size for p in params if p.requires_grad))


__all__ = ["LayerRow", "ModelSummary", "summary"]
