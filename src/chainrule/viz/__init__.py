"""chainrule.viz: plots with matplotlib (``pip install "chainrule[viz]"``), Agg backend.

Every function returns the matplotlib Figure and saves it (PNG, or the suffix's format)
when ``path`` is given. matplotlib is imported only when a plot is drawn.
"""
from __future__ import annotations

from ._mpl import figure_png
from .activations import activation_curve, plot_activations
from .boundary import plot_decision_boundary, plot_hidden_layers
from .curves import plot_confusion_matrix, plot_gradient_norms, plot_history

__all__ = [
    "activation_curve", "figure_png", "plot_activations", "plot_confusion_matrix", "plot_decision_boundary",
    "plot_gradient_norms", "plot_hidden_layers", "plot_history",
]
