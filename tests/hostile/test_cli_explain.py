"""Hostile ``chainrule explain`` and ``gradcheck`` input: expressions that are not arithmetic,
code injection, values that are not numbers, and inputs of a million characters. Each is a
usage error (exit 2) with one short line."""
import pytest

HUGE = "x+" * 500_000 + "x"


def _explain(expression, *extra, at="x=1"):
    return ["explain", expression, "--at", at, *extra]


# id: (argv, expected fragment, exit code)
CASES = {
    "syntax error": (_explain("x +* 2"), "syntax error", 2),
    "unknown function": (_explain("frobnicate(x)"), "frobnicate", 2),
    "import injection": (_explain("__import__('os').system('true')"), "__import__", 2),
    "attribute access": (_explain("x.__class__"), "__class__", 2),
    "lambda": (_explain("(lambda: 1)()"), "lambda", 2),
    "string literal": (_explain("'abc' * x"), "'abc'", 2),
    "subscript": (_explain("x[0]"), "x[0]", 2),
    "keyword argument": (_explain("exp(x=1)"), "keyword arguments", 2),
    "comparison": (_explain("x < 2"), "x < 2", 2),
    "two statements": (_explain("x; y"), "';'", 2),
    "empty expression": (_explain(""), "empty", 2),
    "a million characters": (_explain(HUGE), "", 2),
    "a million-character name": (_explain("a" * 1_000_000), "", 2),
    "missing value": (_explain("x*y"), "y", 2),
    "value not a number": (_explain("x", at="x=abc"), "x must be a number", 2),
    "value infinite": (_explain("x", at="x=inf"), "must be finite", 2),
    "value nan": (_explain("x", at="x=nan"), "must be finite", 2),
    "value given twice": (_explain("x", at="x=1,x=2"), "given twice", 2),
    "assignment without a value": (_explain("x", at="x"), "name=value", 2),
    "huge assignment is cut": (_explain("x", at="x=" + "9" * 1_000_000), "", 2),
    "wrt an unknown variable": (_explain("x", "--wrt", "z"), "z", 2),
    "precision zero": (_explain("x", "--precision", "0"), "--precision", 2),
    "precision too high": (_explain("x", "--precision", "99"), "--precision", 2),
    "minus expression without values": (["explain", "-x"], "x", 2),
    "gradcheck expression without values": (["gradcheck", "--expr", "x*y"], "--at", 2),
    "gradcheck eps zero": (["gradcheck", "--expr", "x", "--at", "x=1", "--eps", "0"],
                           "--eps", 2),
    "gradcheck tolerance negative": (["gradcheck", "--expr", "x", "--at", "x=1", "--tol",
                                      "-1"], "--tol", 2),
    "gradcheck unknown dataset": (["gradcheck", "--model", "mlp", "--dataset", "imagenet"],
                                  "imagenet", 2),
    "gradcheck hidden negative": (["gradcheck", "--model", "mlp", "--hidden", "-4"],
                                  "--hidden", 2),
    "gradcheck samples zero": (["gradcheck", "--model", "mlp", "--samples", "0"],
                               "--samples", 2),
    "gradcheck injection": (["gradcheck", "--expr", "__import__('os')", "--at", "x=1"],
                            "__import__", 2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_expressions_are_refused(case, refused):
    refused(*CASES[case])


def test_an_expression_may_start_with_a_minus_sign(capsys):
    from chainrule.cli import main

    assert main(["explain", "-x", "--at", "x=2"]) == 0
    out = capsys.readouterr().out
    assert "dL/dx" in out and "-2" in out
    assert main(["explain", "-x*y", "--at", "x=2,y=3", "--wrt", "y"]) == 0
