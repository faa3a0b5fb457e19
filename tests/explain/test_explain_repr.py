"""Explain objects show themselves in Jupyter: tables and the δ view as HTML, drawings as SVG."""
import shutil

import numpy as np
import pytest

from chainrule import Tensor
import chainrule as cr
from chainrule.explain import draw_graph, explain_expression, explain_network, table
from chainrule.explain.dot import Drawing, dot_to_svg

LECTURE = "-y*log(sigmoid(w*x))"
AT = {"x": 3.0, "y": 1.0, "w": 3.0}
HOMEWORK = [(np.array([[2.0, 3.0], [4.0, 1.0]]), np.array([1.0, -1.0]), "sigmoid"),
            (np.array([[2.0, 3.0]]), np.array([1.0]), "sigmoid")]


def test_table_html_has_every_row_and_the_lecture_number():
    tab = explain_expression(LECTURE, AT, wrt=["w"], mode="both", expand=True)
    page = tab._repr_html_()
    assert page == tab.to_html()
    assert page.startswith('<table class="chainrule-explain">')
    assert page.count("<tr") == len(tab.rows) + 1  # the header row and one per row
    assert "<caption>dL/d(w) — forward and reverse mode</caption>" in page
    assert "-0.000370184" in page
    assert '<tr class="result"><td>dL/dw</td>' in page


def test_table_html_escapes_expressions():
    x = Tensor(np.float64(2.0), requires_grad=True, name="x<1>")
    tab = table(x * x, wrt=[x])
    page = tab._repr_html_()
    assert "x&lt;1&gt;" in page and "x<1>" not in page


def test_network_trace_html_is_the_delta_recursion():
    trace = explain_network(HOMEWORK, [5.0, -3.0], [1.0], loss="squared")
    page = trace._repr_html_()
    assert page == trace.to_html()
    assert "δ recursion through 2 layers" in page
    assert page.count("<tr>") == len(trace._rows()) + 1
    assert "<td>δ[1]</td><td>f&#x27;(a[1]) ⊙ W[2]ᵀ δ[2]</td>" in page
    assert "<td>∂E/∂W[2]</td>" in page


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_drawing_shows_as_svg():
    w = Tensor(np.float64(3.0), requires_grad=True, name="w")
    drawing = draw_graph(-1.0 * cr.log(cr.sigmoid(w * 3.0)), wrt=[w])
    svg = drawing._repr_svg_()
    assert svg is not None and "<svg" in svg and "</svg>" in svg
    assert ">w<" in svg  # the input node is labelled


def test_drawing_without_graphviz_has_no_svg(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert dot_to_svg("digraph { a -> b }") is None
    assert Drawing("digraph { a -> b }", None)._repr_svg_() is None


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_broken_dot_text_is_an_error_naming_dot():
    with pytest.raises(RuntimeError, match="dot failed to render"):
        dot_to_svg("digraph { a -> ")


def test_graph_direction_is_chosen_and_checked():
    w = Tensor(np.float64(3.0), requires_grad=True, name="w")
    out = cr.log(cr.sigmoid(w * 3.0))
    assert "rankdir=LR;" in draw_graph(out, wrt=[w]).dot
    assert "rankdir=TB;" in draw_graph(out, wrt=[w], rankdir="TB").dot
    with pytest.raises(ValueError, match="rankdir must be 'LR' or 'TB', got 'XY'"):
        draw_graph(out, wrt=[w], rankdir="XY")
