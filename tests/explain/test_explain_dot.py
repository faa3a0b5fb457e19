"""Graph drawings: DOT text always; rendering only when Graphviz is installed."""
import re
import shutil

import numpy as np
import pytest

from chainrule.explain import build_expression, draw_graph, render_dot, to_dot


def _graph():
    out, leaves = build_expression("-y*log(sigmoid(w*x))", {"x": 3.0, "y": 1.0, "w": 3.0},
                                   wrt=["w"], expand=True)
    out.name = "L"
    return out, leaves


def test_dot_text_structure():
    out, _ = _graph()
    dot = to_dot(out)
    assert dot.startswith("digraph chainrule {") and dot.rstrip().endswith("}")
    nodes = re.findall(r"^\s+(n\d+) \[shape=(\w+)", dot, flags=re.M)
    edges = re.findall(r"^\s+(n\d+) -> (n\d+)", dot, flags=re.M)
    assert len(nodes) == 7  # w and the 6 steps
    assert sum(shape == "ellipse" for _, shape in nodes) == 1
    assert len(edges) == 6
    ids = {n for n, _ in nodes}
    assert all(a in ids and b in ids for a, b in edges)
    assert "ξ1 = w * (-x)" in dot and "dL/dw -0.0003702" in dot
    assert 'label="∂ -3"' in dot
    assert dot.count("{") == dot.count("}")


def test_labels_are_escaped():
    from chainrule import Tensor
    x = Tensor(np.float64(1.0), requires_grad=True, name='a"b')
    dot = to_dot(x * 2.0)
    assert 'a\\"b' in dot


def test_without_graphviz_the_dot_text_is_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    out, _ = _graph()
    drawing = draw_graph(out, tmp_path / "g.svg")
    assert drawing.path is None and "dot -Tsvg" in drawing.note
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    plain = render_dot(drawing.dot, tmp_path / "g.gv")
    assert plain.path == tmp_path / "g.gv" and plain.note == ""


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_render_svg(tmp_path):
    out, _ = _graph()
    drawing = draw_graph(out, tmp_path / "g.svg")
    assert drawing.path is not None and "<svg" in drawing.path.read_text()
