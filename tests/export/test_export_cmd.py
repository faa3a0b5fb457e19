"""`chainrule export RUN --onnx FILE`: the run's model, its standardiser and its classes."""
import numpy as np
import pytest

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from chainrule.cli import main  # noqa: E402

FAST = ["--hidden", "12", "--epochs", "2", "--quiet"]


def session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "digits"
    assert main(["train", *FAST, "--out", str(out), "--seed", "0"]) == 0
    return out


def test_classification_run_takes_raw_rows(digits_run, tmp_path, capsys):
    from chainrule import data, train
    from chainrule.cli._run import read_run

    target = tmp_path / "digits.onnx"
    assert main(["export", str(digits_run), "--onnx", str(target)]) == 0
    assert "standardised in the graph" in capsys.readouterr().out
    run = read_run(digits_run)
    model = run.load_model()
    scaler = data.Standardizer.from_state(run.standardizer_state)
    raw = data.digits().X[:50].astype(np.float32)
    label, proba = session(target).run(None, {"input": raw})
    expected = train.predict_proba(model, scaler.transform(raw))
    np.testing.assert_allclose(proba, expected, atol=1e-5)
    names = np.array(run.data["class_names"])
    np.testing.assert_array_equal(label, names[np.argmax(expected, axis=1)])


def test_regression_run(tmp_path, capsys):
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=120, n_features=5, random_state=0)
    rows = ["a,b,c,d,e,target"] + [",".join(f"{v:.6f}" for v in (*x, t)) for x, t in zip(X, y)]
    (tmp_path / "f.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "run"
    assert main(["train", "--csv", str(tmp_path / "f.csv"), "--target", "target", *FAST,
                 "--out", str(out)]) == 0
    assert main(["export", str(out), "--onnx", str(tmp_path / "f.onnx")]) == 0
    capsys.readouterr()
    from chainrule import data, train
    from chainrule.cli._run import read_run

    run = read_run(out)
    assert run.data["task"] == "regression"
    (got,) = session(tmp_path / "f.onnx").run(None, {"input": X.astype(np.float32)})
    scaler = data.Standardizer.from_state(run.standardizer_state)
    expected = train.predict_logits(run.load_model(), scaler.transform(X))
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-5)


def test_a_folder_that_is_not_a_run_is_one_line(tmp_path, capsys):
    assert main(["export", str(tmp_path), "--onnx", str(tmp_path / "x.onnx")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error:") and "run" in err
    assert not (tmp_path / "x.onnx").exists()


def test_an_onnx_path_inside_the_run_or_a_folder_is_refused(digits_run, tmp_path, capsys):
    config = digits_run / "config.json"
    before = config.read_bytes()
    assert main(["export", str(digits_run), "--onnx", str(config)]) == 1
    assert "inside the run folder" in capsys.readouterr().err
    assert config.read_bytes() == before  # the run's own file is left alone
    assert main(["export", str(digits_run), "--onnx", str(digits_run)]) == 1
    assert "inside the run folder" in capsys.readouterr().err
    assert main(["export", str(digits_run), "--onnx", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: --onnx") and "is a folder" in err
    assert main(["export", str(digits_run), "--onnx", str(tmp_path / "x.onnx"),
                 "--opset", "99"]) == 1
    assert "opset must be an int from 13 to" in capsys.readouterr().err
    assert not (tmp_path / "x.onnx").exists()


def test_a_run_with_categorical_columns_names_its_one_hot_inputs(tmp_path, capsys):
    run = tmp_path / "heart"
    assert main(["train", "--dataset", "heart", *FAST, "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["export", str(run), "--onnx", str(tmp_path / "heart.onnx")]) == 0
    out = capsys.readouterr().out
    assert "(N, 18) unscaled features" in out and "categorical ones one-hot" in out
    import onnx

    meta = {p.key: p.value for p in onnx.load(str(tmp_path / "heart.onnx")).metadata_props}
    assert "ChestPain=typical" in meta["feature_names"]
