"""chainrule.explain: backpropagation you can read.

* :func:`table` — the lecture's derivative table (value, local partials, forward tangents
  dξ/dw, reverse adjoints dL/dξ) for any graph built with the library;
  :func:`explain_expression` for a typed expression such as ``"-y*log(sigmoid(w*x))"``,
  parsed safely by :func:`parse` (``ast``, whitelisted names, never ``eval``).
* :func:`explain_network` — the δ recursion of an MLP, layer by layer, for one example.
* :func:`to_dot` / :func:`draw_graph` — Graphviz drawings of a graph.
* :func:`gradcheck` / :func:`gradcheck_model` — finite-difference checks per parameter.
* :class:`GradientDiagnostics` and :func:`vanishing_gradient_demo` — gradient norms and
  activation statistics during training.
"""
from __future__ import annotations

from .diagnostics import (GradientDiagnostics, activation_stats, layer_grad_norms,
                          vanishing_gradient_demo)
from .dot import Drawing, draw_graph, render_dot, to_dot
from .expression import build_expression, explain_expression
from .gradcheck import GradcheckReport, ParamCheck, gradcheck, gradcheck_model
from .layers import DenseLayer, dense_layers
from .network import LOSSES, LayerTrace, NetworkTrace, backward_gradients, explain_network
from .parser import FUNCTIONS, Expression, ExpressionError, parse
from .table import Row, Table, table

__all__ = [
    "FUNCTIONS", "LOSSES", "DenseLayer", "Drawing", "Expression", "ExpressionError",
    "GradcheckReport", "GradientDiagnostics", "LayerTrace", "NetworkTrace", "ParamCheck",
    "Row", "Table", "activation_stats", "backward_gradients", "build_expression",
    "dense_layers", "draw_graph", "explain_expression", "explain_network", "gradcheck",
    "gradcheck_model", "layer_grad_norms", "parse", "render_dot", "table", "to_dot",
    "vanishing_gradient_demo",
]
