"""Hostile input to the Python API: bad arrays to fit / evaluate / predict, bad optimiser and
schedule hyperparameters, bad dataset arguments, bad explain expressions and points, and
extreme numerics.

Every case checks the three promises of an API that refuses: the right exception type, one
clear line that names the problem, and nothing changed -- the parameters and the optimiser
state of every model in reach bit for bit as they were, and no file written or touched.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from chainrule import Tensor, nn, optim, train
from chainrule import data as D
from chainrule.explain import ExpressionError, explain_expression, gradcheck

N = 40


@dataclass
class World:
    """Three trained models with optimiser state, their data, and a folder of files."""

    X: np.ndarray
    y: np.ndarray
    clf: Any
    clf_opt: Any
    reg: Any
    reg_opt: Any
    t: np.ndarray
    binary: Any
    bin_opt: Any
    folder: Path

    def models(self) -> list[tuple[Any, Any]]:
        return [(self.clf, self.clf_opt), (self.reg, self.reg_opt), (self.binary, self.bin_opt)]


def _world(folder: Path) -> World:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0)  # 0..2
    t = X.sum(axis=1)
    clf, reg = nn.MLP(4, [8], 3, seed=0), nn.MLP(4, [8], 1, output="linear", seed=1)
    binary = nn.MLP(4, [8], 1, seed=2)
    clf_opt = optim.Adam(clf.parameters(), lr=1e-2)
    reg_opt = optim.SGD(reg.parameters(), lr=1e-2, momentum=0.9)
    bin_opt = optim.RMSProp(binary.parameters(), lr=1e-2)
    # one epoch each, so every optimiser holds state that a refusal must leave alone
    train.fit(clf, nn.CrossEntropyLoss(), clf_opt, (X, y), epochs=1, verbose=0)
    train.fit(reg, nn.MSELoss(), reg_opt, (X, t), epochs=1, verbose=0)
    train.fit(binary, nn.BCEWithLogitsLoss(), bin_opt, (X, y.clip(0, 1)), epochs=1, verbose=0)
    (folder / "table.csv").write_text("a,b,label\n" + "".join(
        f"{i},{i % 3},{'yes' if i % 2 else 'no'}\n" for i in range(20)))
    (folder / "nan_target.csv").write_text("a,label\n1,0\n2,NAN\n3,1\n4,inf\n")
    return World(X, y, clf, clf_opt, reg, reg_opt, t, binary, bin_opt, folder)


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every leaf of a nested state dict, arrays copied, in a stable order."""
    if isinstance(value, dict):
        return [leaf for k in sorted(value, key=str) for leaf in _leaves(value[k], f"{path}/{k}")]
    if isinstance(value, (list, tuple)):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, f"{path}/{i}")]
    if isinstance(value, np.ndarray):
        return [(path, value.copy())]
    return [(path, value)]


def _same(a: list[tuple[str, Any]], b: list[tuple[str, Any]]) -> bool:
    if [k for k, _ in a] != [k for k, _ in b]:
        return False
    for (_, x), (_, y) in zip(a, b):
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)
                    and x.dtype == y.dtype and x.shape == y.shape
                    and x.tobytes() == y.tobytes()):
                return False
        elif x != y and not (isinstance(x, float) and math.isnan(x) and math.isnan(y)):
            return False
    return True


def _snapshot(world: World) -> list[Any]:
    return [(_leaves(m.state_dict()), _leaves(o.state_dict())) for m, o in world.models()] + [
        _files(world.folder)]


@dataclass
class Case:
    id: str
    act: Callable[[World], Any]
    error: type[BaseException]
    says: str  # a regular expression the one-line message must contain


def _replace(a: np.ndarray, row: int, col: int | None, value: Any) -> np.ndarray:
    out = a.copy()
    if col is None:
        out[row] = value
    else:
        out[row, col] = value
    return out


CE, MSE, BCE = nn.CrossEntropyLoss(), nn.MSELoss(), nn.BCEWithLogitsLoss()


def fit_clf(w: World, X: Any = None, y: Any = None, **kw: Any) -> Any:
    data = kw.pop("data", ((w.X if X is None else X), (w.y if y is None else y)))
    return train.fit(w.clf, CE, w.clf_opt, data, verbose=0, epochs=kw.pop("epochs", 1), **kw)


def _bad_group_lr(w: World) -> None:
    """Set an infinite lr between steps: the step refuses, the lr is put back."""
    group = w.clf_opt.param_groups[0]
    old = group["lr"]
    for p in w.clf.parameters():
        p.grad = Tensor(np.ones_like(p.data))
    group["lr"] = math.inf
    try:
        w.clf_opt.step()
    finally:
        group["lr"] = old
        w.clf_opt.zero_grad()


def _gradcheck_square(scale: float = 1.0, **kw: Any) -> Any:
    v = Tensor(np.ones(2), requires_grad=True)
    return gradcheck(lambda: (v * v).sum() * scale, {"v": v}, **kw)


def _overflowing_schedule(w: World) -> None:
    sched = optim.ExponentialLR(optim.SGD([nn.Parameter(np.zeros(2))], lr=0.1), gamma=1e300)
    sched.step()
    sched.step()


CASES = [
    # ---------------------------------------------------------------- fit: features
    Case("fit-nan-in-X", lambda w: fit_clf(w, X=_replace(w.X, 3, 2, np.nan)), ValueError,
         r"^fit: X has a non-finite value \(nan\) at row 3, column 2"),
    Case("fit-inf-in-X", lambda w: fit_clf(w, X=_replace(w.X, 0, 0, np.inf)), ValueError,
         r"non-finite value \(inf\) at row 0, column 0"),
    Case("fit-neg-inf-in-X", lambda w: fit_clf(w, X=_replace(w.X, 39, 3, -np.inf)), ValueError,
         r"\(-inf\) at row 39, column 3"),
    Case("fit-overflows-float32", lambda w: fit_clf(
        w, X=_replace(w.X.astype(np.float64), 5, 1, 1e300)), ValueError,
         r"X value 1e\+300 at row 5, column 1 is too large for the model's float32"),
    Case("fit-string-X", lambda w: fit_clf(w, X=np.full((N, 4), "a")), TypeError,
         r"fit: X must hold numbers, got dtype <U1"),
    Case("fit-scalar-X", lambda w: fit_clf(w, X=np.float32(1.0)), ValueError,
         r"X must have a sample axis"),
    Case("fit-ragged-X", lambda w: fit_clf(w, X=[[1.0, 2.0], [3.0]]), TypeError,
         r"X must be an array of numbers"),
    Case("fit-wrong-feature-count", lambda w: fit_clf(w, X=np.zeros((N, 5), np.float32)),
         ValueError, r"X has 5 features per row but the model takes 4"),
    Case("fit-no-rows", lambda w: fit_clf(w, X=np.zeros((0, 4), np.float32),
                                          y=np.zeros(0, np.int64)), ValueError,
         r"train_data has no samples"),
    Case("fit-not-a-pair", lambda w: fit_clf(w, data=w.X), TypeError,
         r"data must be an \(X, y\) pair"),
    Case("fit-no-targets", lambda w: fit_clf(w, data=(w.X, None)), ValueError,
         r"train_data has no targets"),
    # ---------------------------------------------------------------- fit: targets
    Case("fit-label-too-large", lambda w: fit_clf(w, y=_replace(w.y, 39, None, 3)), ValueError,
         r"label 3 at row 39 is not in 0\.\.2 \(the model has 3 outputs\)"),
    Case("fit-negative-label", lambda w: fit_clf(w, y=_replace(w.y, 17, None, -1)), ValueError,
         r"label -1 at row 17 is not in 0\.\.2"),
    Case("fit-float-labels", lambda w: fit_clf(w, y=w.y.astype(np.float64)), TypeError,
         r"class labels must be integers 0\.\.k-1, got dtype float64"),
    Case("fit-string-labels", lambda w: fit_clf(w, y=w.y.astype(str)), TypeError,
         r"targets must be numbers, got dtype <U"),
    Case("fit-too-few-targets", lambda w: fit_clf(w, y=w.y[:-1]), ValueError,
         r"X has 40 rows but y has 39"),
    Case("fit-loader-bad-label", lambda w: fit_clf(
        w, data=D.DataLoader(w.X, _replace(w.y, 33, None, 7), batch_size=8)), ValueError,
         r"label 7 at row 33"),
    Case("fit-val-nan", lambda w: fit_clf(w, val_data=(_replace(w.X, 2, 1, np.nan), w.y)),
         ValueError, r"fit \(val_data\): X has a non-finite value \(nan\) at row 2, column 1"),
    Case("fit-val-bad-label", lambda w: fit_clf(w, val_data=(w.X, _replace(w.y, 4, None, 9))),
         ValueError, r"fit \(val_data\): label 9 at row 4"),
    Case("fit-regression-nan-target", lambda w: train.fit(
        w.reg, MSE, w.reg_opt, (w.X, _replace(w.t, 7, None, np.nan)), verbose=0), ValueError,
         r"fit: targets must be finite, got nan in 1 row\(s\): 7"),
    Case("fit-regression-inf-target", lambda w: train.fit(
        w.reg, MSE, w.reg_opt, (w.X, _replace(w.t, 0, None, -np.inf)), verbose=0), ValueError,
         r"targets must be finite, got -inf in 1 row\(s\): 0"),
    Case("fit-binary-target-2", lambda w: train.fit(
        w.binary, BCE, w.bin_opt, (w.X, _replace(w.y.clip(0, 1), 5, None, 2)), verbose=0),
         ValueError, r"target 2 at row 5 is not a probability in \[0, 1\]"),
    Case("fit-binary-target-negative", lambda w: train.fit(
        w.binary, BCE, w.bin_opt, (w.X, _replace(w.y.clip(0, 1).astype(np.float32), 6, None,
                                                 -0.5)), verbose=0),
         ValueError, r"target -0\.5 at row 6 is not a probability"),
    # ---------------------------------------------------------------- fit: arguments
    Case("fit-epochs-0", lambda w: fit_clf(w, epochs=0), ValueError,
         r"fit: epochs must be an int >= 1, got 0"),
    Case("fit-batch-size-0", lambda w: fit_clf(w, batch_size=0), ValueError,
         r"fit: batch_size must be an int >= 1, got 0"),
    Case("fit-batch-size-float", lambda w: fit_clf(w, batch_size=2.5), ValueError,
         r"batch_size must be an int >= 1, got 2\.5"),
    Case("fit-shuffle-string", lambda w: fit_clf(w, shuffle="yes"), TypeError,
         r"shuffle must be a bool"),
    Case("fit-clip-negative", lambda w: fit_clf(w, clip_grad_norm=-1.0), ValueError,
         r"clip_grad_norm must be a positive number"),
    Case("fit-nan-guard-string", lambda w: fit_clf(w, nan_guard="no"), TypeError,
         r"nan_guard must be a bool"),
    Case("fit-unknown-metric", lambda w: fit_clf(w, metrics=["acuracy"]), ValueError,
         r"unknown metric"),
    # ---------------------------------------------------------------- evaluate / predict
    Case("evaluate-nan-in-X", lambda w: train.evaluate(
        w.clf, (_replace(w.X, 8, 0, np.nan), w.y), CE), ValueError,
         r"^evaluate: X has a non-finite value \(nan\) at row 8, column 0"),
    Case("evaluate-label-out-of-range", lambda w: train.evaluate(
        w.clf, (w.X, _replace(w.y, 0, None, 9))), ValueError, r"evaluate: label 9 at row 0"),
    Case("evaluate-nan-regression-target", lambda w: train.evaluate(
        w.reg, (w.X, _replace(w.t, 3, None, np.nan))), ValueError,
         r"evaluate: targets must be finite, got nan in 1 row\(s\): 3"),
    Case("evaluate-length-mismatch", lambda w: train.evaluate(w.clf, (w.X, w.y[:10])),
         ValueError, r"evaluate: X has 40 rows but y has 10"),
    Case("evaluate-batch-size-0", lambda w: train.evaluate(w.clf, (w.X, w.y), batch_size=0),
         ValueError, r"evaluate: batch_size must be a positive int, got 0"),
    Case("predict-inf-in-X", lambda w: train.predict(w.clf, _replace(w.X, 1, 3, np.inf)),
         ValueError, r"predict_logits: X has a non-finite value \(inf\) at row 1, column 3"),
    Case("predict-overflows-float32", lambda w: train.predict(
        w.clf, np.full((2, 4), 1e39)), ValueError, r"1e\+39 at row 0, column 0 is too large"),
    Case("predict-wrong-feature-count", lambda w: train.predict(
        w.clf, np.zeros((3, 5), np.float32)), ValueError,
         r"expected input with last dimension 4, got shape \(3, 5\)"),
    Case("predict-proba-regression", lambda w: train.predict_proba(w.reg, w.X), ValueError,
         r"has no class probabilities"),
    Case("predict-batch-size-negative", lambda w: train.predict(w.clf, w.X, batch_size=-1),
         ValueError, r"batch_size must be a positive int, got -1"),
    # ---------------------------------------------------------------- optimisers
    Case("adam-lr-inf", lambda w: optim.Adam(w.clf.parameters(), lr=math.inf), ValueError,
         r"^Adam: lr must be a finite number, got inf$"),
    Case("adam-lr-nan", lambda w: optim.Adam(w.clf.parameters(), lr=math.nan), ValueError,
         r"Adam: lr must be >= 0\.0, got nan"),
    Case("adam-lr-negative", lambda w: optim.Adam(w.clf.parameters(), lr=-1e-3), ValueError,
         r"Adam: lr must be >= 0\.0, got -0\.001"),
    Case("adam-eps-0", lambda w: optim.Adam(w.clf.parameters(), eps=0.0), ValueError,
         r"Adam: eps must be > 0\.0, got 0\.0"),
    Case("adamw-eps-inf", lambda w: optim.AdamW(w.clf.parameters(), eps=math.inf), ValueError,
         r"AdamW: eps must be a finite number, got inf"),
    Case("adam-beta-1", lambda w: optim.Adam(w.clf.parameters(), betas=(1.0, 0.9)),
         ValueError, r"betas\[0\] must be < 1\.0"),
    Case("sgd-momentum-inf", lambda w: optim.SGD(w.clf.parameters(), lr=0.1,
                                                 momentum=math.inf), ValueError,
         r"SGD: momentum must be a finite number, got inf"),
    Case("sgd-lr-string", lambda w: optim.SGD(w.clf.parameters(), lr="0.1"), TypeError,
         r"SGD: lr must be a real number, got str"),
    Case("rmsprop-alpha-1.5", lambda w: optim.RMSProp(w.clf.parameters(), alpha=1.5),
         ValueError, r"alpha must be < 1\.0, got 1\.5"),
    Case("adagrad-eps-0", lambda w: optim.Adagrad(w.clf.parameters(), eps=0), ValueError,
         r"Adagrad: eps must be > 0\.0, got 0"),
    Case("lbfgs-max-iter-0", lambda w: optim.LBFGS(w.clf.parameters(), max_iter=0),
         ValueError, r"LBFGS: max_iter must be >= 1, got 0"),
    Case("newton-cg-lr-inf", lambda w: optim.NewtonCG(w.clf.parameters(), lr=math.inf),
         ValueError, r"NewtonCG: lr must be a finite number"),
    Case("newton-cg-damping-negative", lambda w: optim.NewtonCG(w.clf.parameters(),
                                                                damping=-1.0), ValueError,
         r"damping must be >= 0\.0, got -1\.0"),
    Case("unknown-optimizer", lambda w: optim.get_optimizer("adamm", w.clf.parameters()),
         ValueError, r"unknown optimiser 'adamm'; available: sgd"),
    Case("group-lr-inf-between-steps", _bad_group_lr, ValueError,
         r"Adam: lr must be a finite number, got inf"),
    Case("steplr-gamma-inf", lambda w: optim.StepLR(w.clf_opt, step_size=1, gamma=math.inf),
         ValueError, r"StepLR: gamma must be a finite number, got inf"),
    Case("steplr-step-size-0", lambda w: optim.StepLR(w.clf_opt, step_size=0), ValueError,
         r"StepLR: step_size must be >= 1, got 0"),
    Case("schedule-overflows", _overflowing_schedule, ValueError,
         r"ExponentialLR: the learning rate at epoch 2 would be inf"),
    # ---------------------------------------------------------------- datasets
    Case("unknown-dataset", lambda w: D.load_dataset("nope"), ValueError,
         r"unknown dataset 'nope'\. Available: digits"),
    Case("csv-missing-file", lambda w: D.load_csv(w.folder / "absent.csv", target="y"),
         FileNotFoundError, r"CSV file not found: .*absent\.csv"),
    Case("csv-unknown-target", lambda w: D.load_csv(w.folder / "table.csv", target="zz"),
         ValueError, r"target names column\(s\) \['zz'\] not in the file"),
    Case("csv-non-finite-target", lambda w: D.load_csv(w.folder / "nan_target.csv",
                                                       target="label", na_values=()),
         ValueError, r"2 non-finite cell\(s\) \('NAN'\) on line\(s\) 3, 5"),
    Case("csv-bad-missing-policy", lambda w: D.load_csv(w.folder / "table.csv", target="label",
                                                        missing="bogus"), ValueError,
         r"missing must be one of \('error', 'drop', 'impute'\), got 'bogus'"),
    Case("split-test-size-1.5", lambda w: D.train_test_split(w.X, w.y, test_size=1.5),
         ValueError, r"test_size=1\.5 must be a fraction strictly between 0 and 1"),
    Case("stratify-nan-labels", lambda w: D.train_test_split(
        w.X, _replace(w.y.astype(float), 2, None, np.nan), stratify=True), ValueError,
         r"stratify: labels must be finite, got nan in 1 row\(s\): 2"),
    Case("loader-batch-size-0", lambda w: D.DataLoader(w.X, w.y, batch_size=0), ValueError,
         r"DataLoader: batch_size must be a positive int, got 0"),
    Case("mnist-missing-folder", lambda w: D.mnist(data_dir=w.folder / "none"),
         FileNotFoundError, r"data_dir .*none does not exist or is not a folder"),
    Case("playground-n-negative", lambda w: D.xor(n=-5), ValueError,
         r"n must be an int >= 2 \(one point per class\), got -5"),
    Case("one-hot-encoder-nan", lambda w: D.OneHotEncoder().fit(np.array([0.0, np.nan])),
         ValueError, r"OneHotEncoder\.fit: labels must be finite, got nan in 1 row\(s\): 1"),
    Case("standardizer-nan", lambda w: D.Standardizer().fit(_replace(w.X, 1, 2, np.nan)),
         ValueError, r"Standardizer\.fit: column\(s\) \[2\] contain NaN or inf"),
    # ---------------------------------------------------------------- explain
    Case("explain-attribute", lambda w: explain_expression("x.__class__", {"x": 1.0}),
         ExpressionError, r"attribute access is not allowed"),
    Case("explain-import", lambda w: explain_expression("__import__('os').system('ls')",
                                                        {"x": 1.0}), ExpressionError,
         r"only the named functions exp, log, .* can be called \(at column 1: "),
    Case("explain-syntax", lambda w: explain_expression("x*", {"x": 1.0}), ExpressionError,
         r"syntax error"),
    Case("explain-power-tower", lambda w: explain_expression("9**9**9", {"x": 1.0}),
         ExpressionError, r"power tower"),
    Case("explain-huge-expression", lambda w: explain_expression("x+" * 500_000 + "x",
                                                                 {"x": 1.0}),
         ExpressionError, r"longer than 500 characters .{0,80}$"),
    Case("explain-missing-value", lambda w: explain_expression("x*w", {"x": 1.0}), ValueError,
         r"no value given for w"),
    Case("explain-nan-point", lambda w: explain_expression("x*x", {"x": math.nan}), ValueError,
         r"value of 'x' must be finite, got nan"),
    Case("explain-string-point", lambda w: explain_expression("x*x", {"x": "abc"}), TypeError,
         r"value of 'x' must be a number"),
    Case("explain-unknown-wrt", lambda w: explain_expression("x*x", {"x": 1.0}, wrt=["q"]),
         ValueError, r"cannot differentiate with respect to 'q'"),
    Case("explain-bad-mode", lambda w: explain_expression("x", {"x": 1.0}, mode="sideways"),
         ValueError, r"mode must be one of"),
    Case("explain-precision-0", lambda w: explain_expression("x", {"x": 1.0}, precision=0),
         ValueError, r"precision must be an int in \[1, 17\], got 0"),
    Case("gradcheck-eps-0", lambda w: _gradcheck_square(eps=0.0), ValueError,
         r"gradcheck: eps must be a finite number > 0, got 0\.0"),
    Case("gradcheck-nan-loss", lambda w: _gradcheck_square(scale=math.nan), ValueError,
         r"gradcheck: the loss is nan at this point"),
    # ---------------------------------------------------------------- extreme numerics
    Case("fit-overflowing-activations", lambda w: fit_clf(
        w, X=np.full((N, 4), 3e38, np.float32)), train.TrainingDivergedError,
         r"loss became nan at epoch 1, batch 1; the weights are those of the last finite step"),
    Case("fit-overflowing-squared-error", lambda w: train.fit(
        w.reg, MSE, w.reg_opt, (w.X, np.full(N, 1e30, np.float32)), verbose=0),
         train.TrainingDivergedError, r"loss became inf at epoch 1, batch 1"),
    Case("fit-schedule-returns-inf", lambda w: fit_clf(
        w, callbacks=[train.LearningRateScheduler(lambda epoch, lr: math.inf)]), ValueError,
         r"LearningRateScheduler: schedule\(0, lr\) returned inf; expected a finite float"),
]


def test_the_corpus_is_large_and_its_ids_unique():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_call_is_refused_cleanly(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a stray file would land here
    world = _world(tmp_path)
    before = _snapshot(world)
    with np.errstate(all="ignore"), pytest.raises(case.error) as info:
        case.act(world)
    text = str(info.value)
    line = text.splitlines()[0] if isinstance(info.value, ExpressionError) else text
    assert "\n" not in line and 0 < len(line) <= 300, text[:400]
    assert re.search(case.says, line), line
    assert not re.search(r"np\.\w+\(|Traceback|unexpected ", line), line
    after = _snapshot(world)
    for (w0, o0), (w1, o1) in zip(before[:-1], after[:-1]):
        assert _same(w0, w1), "parameters changed"
        assert _same(o0, o1), "optimiser state changed"
    assert before[-1] == after[-1], "files were written or changed"


def test_a_point_outside_the_domain_is_no_error_but_nan_derivatives():
    """Not a refusal: the table shows where the function is undefined."""
    with np.errstate(all="ignore"):
        tab = explain_expression("log(x) * y", {"x": -1.0, "y": 2.0})
    assert math.isnan(float(tab.derivative("x"))) and math.isnan(float(tab.derivative("y")))
    row, inputs = tab.first_non_finite()
    assert row.expr == "log(x)" and [r.name for r in inputs] == ["x"]


def test_extreme_but_finite_points_keep_finite_derivatives():
    tab = explain_expression("sigmoid(w*x)", {"w": 1000.0, "x": 1.0})
    assert float(tab.derivative("w")) == 0.0 and tab.first_non_finite() is None
    tab = explain_expression("x*x", {"x": 1e150})
    assert float(tab.derivative("x")) == pytest.approx(2e150)
