"""The examples/ scripts reproduce the lecture's worked examples."""
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _main(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main()


def test_logistic_derivative(capsys):
    r = _main("logistic_derivative")
    expected = -3 * math.exp(-9) / (1 + math.exp(-9))
    assert r["forward"] == pytest.approx(expected, rel=1e-12)
    assert abs(r["forward"] - r["reverse"]) < 1e-12
    assert r["loss"] == pytest.approx(math.log1p(math.exp(-9)), rel=1e-12)
    out = capsys.readouterr().out
    assert "w * (-x)" in out and "-3.7018372796e-04" in out


def test_homework_network(capsys):
    r = _main("homework_network")
    f, view, bw = r["formulas"], r["view"], r["backward"]
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    y_hat = sig(1 + 2 * sig(2.0) + 3 * sig(16.0))
    assert view["y_hat"] == pytest.approx(y_hat, rel=1e-14)
    assert view["y_hat"] == pytest.approx(0.99686377, abs=1e-8)
    for k in bw:
        assert view[k] == pytest.approx(f[k], rel=1e-10, abs=1e-20), k
        assert bw[k] == pytest.approx(f[k], rel=1e-10, abs=1e-20), k
    for k in ("Delta5", "Delta3", "Delta4"):
        assert view[k] == pytest.approx(f[k], rel=1e-10), k
    assert f["w35"] == pytest.approx(f["Delta5"] * sig(2.0), rel=1e-14)
    assert "∂E/∂W[2]" in capsys.readouterr().out


def test_regression_network():
    r = _main("regression_network")
    assert r["y_hat"] == pytest.approx(20.03, abs=0.005)
    assert r["dL/dbC"] == pytest.approx(10.06, abs=0.005)
    assert r["dL/dbC"] == pytest.approx(-2 * (15 - r["y_hat"]), rel=1e-12)
    assert r["dL/dwC1"] == pytest.approx(r["dL/dbC"] * r["a_A"], rel=1e-12)
    assert r["a_A"] == pytest.approx(0.88, abs=0.005) and r["a_B"] < 1e-17
    assert r["table dL/dbC"] == pytest.approx(r["dL/dbC"], rel=1e-12)
    assert r["table dL/dbA"] == pytest.approx(r["dL/dbA"], rel=1e-12)


def test_xor_neurons(capsys):
    r = _main("xor_neurons")
    np.testing.assert_array_equal(r["xor"], [0, 1, 1, 0])
    np.testing.assert_array_equal(r["sign"], 2 * r["xor"] - 1)
    np.testing.assert_array_equal(np.round(r["sigmoid"]), r["xor"])
    assert np.all(np.abs(r["sigmoid"] - r["xor"]) < 1e-3)
    assert "XOR" in capsys.readouterr().out
