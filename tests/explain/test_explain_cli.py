"""`chainrule explain` and `chainrule gradcheck`: register/run, exit codes, one-line errors."""
import argparse
import importlib.util
import subprocess
import sys

import pytest

from chainrule.cli import explain_cmd, gradcheck_cmd


def _parser():
    top = argparse.ArgumentParser(prog="chainrule")
    sub = top.add_subparsers(dest="command")
    explain_cmd.register(sub)
    gradcheck_cmd.register(sub)
    return top


def _run(argv, capsys):
    args = _parser().parse_args(argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_lecture_expression(capsys):
    code, out, err = _run(["explain", "-y*log(sigmoid(w*x))", "--at", "x=3,y=1,w=3", "--wrt",
                           "w", "--mode", "both", "--expand"], capsys)
    assert code == 0 and err == ""
    assert "w * (-x)" in out and "1 / ξ3" in out and "dL/dw" in out
    assert out.count("-0.000370184") >= 3


@pytest.mark.parametrize("fmt, marker", [("md", "| ξ |"), ("html", "<table")])
def test_explain_formats(capsys, fmt, marker):
    code, out, _ = _run(["explain", "x*w", "--at", "x=2", "--at", "w=3", "--format", fmt],
                        capsys)
    assert code == 0 and marker in out


def test_explain_dot_file(tmp_path, capsys):
    target = tmp_path / "graph.gv"
    code, _, _ = _run(["explain", "sigmoid(w*x)", "--at", "x=1,w=2", "--dot", str(target)],
                      capsys)
    assert code == 0 and target.read_text().startswith("digraph")


@pytest.mark.parametrize("argv, fragment", [
    (["explain", "x.__class__", "--at", "x=1"], "attribute access"),
    (["explain", "x*w", "--at", "x=1,w=foo"], "must be a number"),
    (["explain", "x*w", "--at", "x=1"], "no value given for w"),
    (["explain", "x*w", "--at", "x=1,w=2", "--wrt", "q"], "'q'"),
    (["explain", "x", "--at", "x=inf"], "finite"),
    (["explain", "x", "--at", "x"], "name=value"),
    (["explain", "9**9**9", "--at", "x=1"], "power tower"),
    (["gradcheck", "--expr", "x*", "--at", "x=1"], "syntax error"),
    (["gradcheck", "--expr", "x*y"], "--at"),
    (["gradcheck", "--model", "mlp", "--dataset", "nope"], "unknown dataset"),
    (["gradcheck", "--model", "mlp", "--hidden", "0"], "positive"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, fragment):
    code, out, err = _run(argv, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err


def test_gradcheck_expression_and_model(capsys):
    code, out, _ = _run(["gradcheck", "--expr", "-y*log(sigmoid(w*x))", "--at",
                         "x=3,y=1,w=3"], capsys)
    assert code == 0 and "PASSED" in out and out.count(" ok ") == 3
    code, out, _ = _run(["gradcheck", "--model", "mlp", "--hidden", "4,3", "--activation",
                         "tanh", "--dataset", "xor", "--samples", "8"], capsys)
    assert code == 0 and "layers.0.weight" in out and "layers.4.bias" in out


def test_gradcheck_fails_with_exit_1(capsys):
    # relu at its kink: the one-sided subgradient disagrees with the central difference
    code, out, _ = _run(["gradcheck", "--expr", "relu(x)", "--at", "x=0"], capsys)
    assert code == 1 and "FAIL" in out


def test_every_option_has_help():
    top = _parser()
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("explain", "gradcheck"):
        for action in sub.choices[name]._actions:
            assert action.help, f"{name} {action.option_strings} has no help"


@pytest.mark.skipif(importlib.util.find_spec("chainrule.cli.__main__") is None,
                    reason="the chainrule CLI entry point is not there yet")
def test_through_python_m():
    proc = subprocess.run([sys.executable, "-m", "chainrule.cli", "explain",
                           "-y*log(sigmoid(w*x))", "--at", "x=3,y=1,w=3", "--wrt", "w"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "-0.000370184" in proc.stdout


@pytest.mark.parametrize("expr, at, says", [
    ("log(x)", "x=-1", "L = log(x) is nan at x = -1: the point is outside the function's "
                       "domain"),
    ("log1p(x)", "x=-2", "L = log1p(x) is nan at x = -2: the point is outside"),
    ("sqrt(x)*y", "x=-4,y=2", "ξ1 = sqrt(x) is nan at x = -4"),
    ("log(x)", "x=0", "L = log(x) is -inf at x = 0: a pole or an overflow"),
])
def test_explain_warns_and_fails_outside_the_domain(capsys, expr, at, says):
    code, out, err = _run(["explain", expr, "--at", at], capsys)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("chainrule: warning: ") and says in err
    assert "dL/dx" in out  # the table is still shown, with its NaNs
