"""Derivative tables: the lecture's numbers at X=3, y=1, W=3, and tables of any graph."""
import math

import numpy as np
import pytest

from chainrule import Tensor
from chainrule.explain import explain_expression, table

E9 = math.exp(-9)
EXPECTED = -3 * E9 / (1 + E9)
LECTURE = "-y*log(sigmoid(w*x))"
AT = {"x": 3.0, "y": 1.0, "w": 3.0}


def test_acceptance_final_derivative_both_modes():
    tab = explain_expression(LECTURE, AT, wrt=["w"], mode="both")
    fwd = float(tab.derivative("w", "forward"))
    rev = float(tab.derivative("w", "reverse"))
    assert abs(fwd - rev) < 1e-12
    assert fwd == pytest.approx(EXPECTED, rel=1e-12)
    assert f"{rev:.4e}" == "-3.7018e-04"
    last = tab.rows[-1]
    assert last.kind == "result" and last.name == "dL/dw"
    assert float(last.value) == pytest.approx(EXPECTED, rel=1e-12)


def test_expanded_rows_are_the_lecture_chain():
    tab = explain_expression(LECTURE, AT, wrt=["w"], mode="both", expand=True)
    nodes = [r for r in tab.rows if r.kind == "node"]
    assert [r.expr for r in nodes] == ["w * (-x)", "exp(ξ1)", "1 + ξ2", "1 / ξ3", "log(ξ4)",
                                       "-y * ξ5"]
    assert [r.name for r in nodes] == ["ξ1", "ξ2", "ξ3", "ξ4", "ξ5", "L"]
    values = [-9.0, E9, 1 + E9, 1 / (1 + E9), math.log(1 / (1 + E9)), -math.log(1 / (1 + E9))]
    partials = [-3.0, E9, 1.0, -1 / (1 + E9) ** 2, 1 + E9, -1.0]
    # (the slide drops the signs of the last tangents; these are the correct ones)
    tangents = [-3.0, -3 * E9, -3 * E9, 3 * E9 / (1 + E9) ** 2, 3 * E9 / (1 + E9), EXPECTED]
    for r, v, p, t in zip(nodes, values, partials, tangents):
        assert float(r.value) == pytest.approx(v, rel=1e-12, abs=1e-300), r.name
        (partial,) = r.partials.values()
        assert float(partial) == pytest.approx(p, rel=1e-12), r.name
        assert float(r.tangents["w"]) == pytest.approx(t, rel=1e-12), r.name
    # reverse mode: dL/dξ5 = -y = -1, dL/dξ4 = -1/ξ4, ..., dL/dξ1 = -e^-9/(1+e^-9)
    adjoints = [float(r.adjoint) for r in nodes]
    assert adjoints[-1] == 1.0
    assert adjoints[4] == -1.0
    assert adjoints[3] == pytest.approx(-(1 + E9), rel=1e-12)
    assert adjoints[2] == pytest.approx(1 / (1 + E9), rel=1e-12)
    assert adjoints[0] == pytest.approx(E9 / (1 + E9), rel=1e-12)
    assert float(tab.derivative("w", "forward")) == pytest.approx(EXPECTED, rel=1e-12)
    assert abs(float(tab.derivative("w", "forward")) - float(tab.derivative("w", "reverse"))) \
        < 1e-12


def test_unexpanded_rows_and_all_variables():
    tab = explain_expression(LECTURE, AT, mode="both")
    assert tab.wrt == ["y", "w", "x"]
    nodes = [r for r in tab.rows if r.kind == "node"]
    assert [r.expr for r in nodes] == ["w * x", "sigmoid(ξ1)", "log(ξ2)", "-y", "ξ4 * ξ3"]
    sig = 1 / (1 + E9)
    assert float(nodes[1].value) == pytest.approx(sig, rel=1e-14)
    assert float(nodes[1].partials["ξ1"]) == pytest.approx(sig * (1 - sig), rel=1e-10)
    assert float(tab.derivative("y")) == pytest.approx(-math.log(sig), rel=1e-12)
    assert float(tab.derivative("x")) == pytest.approx(EXPECTED, rel=1e-12)


def test_formats():
    tab = explain_expression(LECTURE, AT, wrt=["w"], mode="both", expand=True)
    text = tab.to_text()
    lines = text.splitlines()
    assert lines[1].startswith("┌") and lines[-1].startswith("└")
    assert len({len(line) for line in lines[1:]}) == 1  # aligned
    assert "-0.000370184" in text
    plain = tab.to_text(style="plain")
    assert "│" not in plain and "ξ5" in plain
    md = tab.render("md")
    assert "| ξ | expression | value |" in md and md.count("\n|") >= 9
    html = tab.render("html")
    assert html.startswith('<table class="chainrule-explain">') and "<td>ξ1</td>" in html
    with pytest.raises(ValueError, match="format"):
        tab.render("pdf")


def test_forward_only_and_reverse_only():
    fwd = explain_expression(LECTURE, AT, wrt=["w"], mode="forward")
    assert all(r.adjoint is None for r in fwd.rows)
    assert "reverse" not in fwd.to_text().splitlines()[2]
    with pytest.raises(ValueError, match="forward mode only"):
        fwd.derivative("w", "reverse")
    rev = explain_expression(LECTURE, AT, wrt=["w"], mode="reverse")
    assert all(not r.tangents for r in rev.rows if r.kind == "node")


def test_table_of_any_graph_with_shared_input():
    x = Tensor(np.float64(2.0), requires_grad=True, name="x")
    w = Tensor(np.float64(5.0), requires_grad=True, name="w")
    out = x * x + w * x
    tab = table(out, wrt=[x, "w"])
    first = [r for r in tab.rows if r.kind == "node"][0]
    assert first.expr == "x * x" and float(first.partials["x"]) == 4.0
    assert float(tab.derivative("x", "forward")) == 2 * 2 + 5
    assert float(tab.derivative("x", "reverse")) == 2 * 2 + 5
    assert float(tab.derivative("w")) == 2.0
    assert tab.output == "ξ3"


def test_table_of_a_vector_graph():
    rng = np.random.default_rng(0)
    W = Tensor(rng.standard_normal((3, 2)), requires_grad=True, name="W")
    x = Tensor(rng.standard_normal(2), name="x")
    loss = (W @ x).tanh().sum()
    tab = table(loss, wrt=[W], names={loss: "E"})
    assert tab.output == "E"
    grad = tab.derivative("W", "reverse")
    expected = np.outer(1 - np.tanh(W.data @ x.data) ** 2, x.data)
    np.testing.assert_allclose(grad, expected, rtol=1e-12)
    assert float(tab.derivative("W", "forward")) == pytest.approx(expected.sum(), rel=1e-12)
    assert "W @ x" in tab.to_text()


def test_bad_arguments():
    x = Tensor(np.float64(1.0), requires_grad=True, name="x")
    y = x * 2.0
    with pytest.raises(ValueError, match="mode"):
        table(y, mode="sideways")
    with pytest.raises(ValueError, match="no input named 'q'"):
        table(y, wrt=["q"])
    with pytest.raises(ValueError, match="requires grad"):
        table(Tensor(np.float64(1.0)))
    with pytest.raises(ValueError, match="scalar"):
        table(Tensor(np.ones(3), requires_grad=True) * 2.0)
    with pytest.raises(TypeError, match="names"):
        table(y, names=["x"])
    with pytest.raises(ValueError, match="nothing to differentiate"):
        explain_expression("2 * y", {"y": 1.0}, wrt=[])


@pytest.mark.parametrize("expr, at, origin", [
    ("log(x)", {"x": -1.0}, "log(x)"), ("log1p(x)", {"x": -2.0}, "log1p(x)"),
    ("sqrt(x) * y + 1", {"x": -4.0, "y": 2.0}, "sqrt(x)"),
    ("tanh(log(x)) * 0", {"x": -1.0}, "log(x)")])
def test_a_point_outside_the_domain_gives_nan_derivatives(expr, at, origin):
    """log(-1) is NaN, so dL/dx is NaN in both modes (the rule 1/x alone would say -1)."""
    tab = explain_expression(expr, at, mode="both")
    for name in at:
        assert math.isnan(float(tab.derivative(name, "forward")))
        assert math.isnan(float(tab.derivative(name, "reverse")))
    row, inputs = tab.first_non_finite()
    assert row.expr == origin and math.isnan(float(row.value))
    assert all(math.isnan(float(v)) for v in row.partials.values())
    assert [i.name for i in inputs] == ["x"]


def test_nan_marks_only_the_elements_outside_the_domain():
    """Row by row the NaN stays where log was undefined; the sum L is NaN, so is dL/dx."""
    x = Tensor(np.array([-1.0, 2.0]), requires_grad=True, name="x")
    with np.errstate(invalid="ignore"):
        tab = table((x.log() * 3.0).sum(), wrt=[x])
    node = next(r for r in tab.rows if r.expr == "log(x)")
    np.testing.assert_array_equal(node.partials["x"], [np.nan, 0.5])
    np.testing.assert_array_equal(node.tangents["x"], [np.nan, 0.5])
    assert np.isnan(tab.derivative("x", "reverse")).all()


def test_finite_points_have_no_non_finite_origin():
    assert explain_expression("log(x)", {"x": 2.0}).first_non_finite() is None
    tab = explain_expression("log(x)", {"x": 0.0})
    row, _ = tab.first_non_finite()
    assert float(row.value) == -math.inf


@pytest.mark.parametrize("half,reduction,formula", [
    (True, "mean", "mean(½ (ξ1 - (const[3, 1]))²)"),
    (False, "sum", "sum((ξ1 - (const[3, 1]))²)"),
    (False, "none", "(ξ1 - (const[3, 1]))²")])
def test_a_squared_error_row_shows_its_reduction_and_half(half, reduction, formula):
    from chainrule import nn

    lin = nn.Linear(2, 1, rng=0)
    loss = nn.MSELoss(reduction=reduction, half=half)(lin(np.ones((3, 2), np.float32)),
                                                       np.zeros((3, 1), np.float32))
    if reduction == "none":
        loss = loss.sum()
    rows = [r for r in table(loss).rows if r.kind == "node"]
    assert rows[-1 if reduction != "none" else -2].expr == formula
