"""Estimators export like networks: ONNX Runtime gives their predict / predict_proba."""
import numpy as np
import pytest

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from chainrule.export import to_onnx  # noqa: E402
from chainrule.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

FAST = dict(hidden_layer_sizes=(12, 6), activation="tanh", max_iter=30, batch_size=32,
            random_state=0)


def run(est, X):
    session = ort.InferenceSession(to_onnx(est).SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in session.get_outputs()], session.run(None, {"input": X})))


@pytest.fixture(scope="module")
def data():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=120, centers=3, n_features=5, random_state=1)
    return X.astype(np.float32), y


@pytest.mark.parametrize("labels", ["int", "str", "float"])
def test_multiclass_labels_and_probabilities(labels, data):
    X, y = data
    target = {"int": y * 10, "str": np.array(["a", "b", "c"])[y], "float": y * 2.0}[labels]
    clf = MLPClassifier(**FAST).fit(X, target)
    out = run(clf, X)
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(out["label"], clf.predict(X))
    one = run(clf, X[:1])
    np.testing.assert_array_equal(one["label"], clf.predict(X[:1]))


def test_binary_and_multilabel(data):
    X, y = data
    clf = MLPClassifier(**FAST).fit(X, y == 1)
    out = run(clf, X)
    assert out["probabilities"].shape == (120, 2)
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(out["label"], clf.predict(X))
    Y = np.stack([y == 0, y == 1], axis=1).astype(int)
    multi = MLPClassifier(**FAST).fit(X, Y)
    out = run(multi, X)
    np.testing.assert_allclose(out["probabilities"], multi.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(out["label"], multi.predict(X))


def test_float64_estimator_on_float32_rows(data):
    X, y = data
    clf = MLPClassifier(**FAST).fit(X.astype(np.float64), y)
    np.testing.assert_allclose(run(clf, X)["probabilities"], clf.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("outputs", [1, 2])
def test_regressor_values_keep_the_target_shape(outputs, data):
    X, y = data
    target = y.astype(float) if outputs == 1 else np.stack([y, -y], axis=1).astype(float)
    reg = MLPRegressor(**FAST).fit(X, target)
    got = run(reg, X)["variable"]
    assert got.shape == reg.predict(X).shape
    np.testing.assert_allclose(got, reg.predict(X), atol=1e-5, rtol=1e-5)


def test_an_unfitted_estimator_is_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted"):
        to_onnx(MLPClassifier())


def test_a_pipeline_with_a_standard_scaler_exports_with_the_scaling(data):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = data
    X = X * 50 + 7  # the scaling matters: rows far from unit scale
    pipe = make_pipeline(StandardScaler(), MLPClassifier(**FAST)).fit(X, y)
    out = run(pipe, X)
    np.testing.assert_allclose(out["probabilities"], pipe.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(out["label"], pipe.predict(X))
    reg = make_pipeline(StandardScaler(with_mean=False), MLPRegressor(**FAST)).fit(X, y * 1.5)
    np.testing.assert_allclose(run(reg, X)["variable"], reg.predict(X), rtol=1e-4, atol=1e-4)


def test_a_pipeline_with_other_steps_is_refused_by_name(data):
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = data
    pipe = make_pipeline(PCA(3), MLPClassifier(**FAST)).fit(X, y)
    with pytest.raises(TypeError, match=r"pca \(PCA\), mlpclassifier \(MLPClassifier\)"):
        to_onnx(pipe)
    scaled = make_pipeline(StandardScaler(), MLPClassifier(**FAST)).fit(X, y)
    with pytest.raises(ValueError, match="its own StandardScaler"):
        to_onnx(scaled, standardizer=StandardScaler().fit(X))
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        to_onnx(make_pipeline(StandardScaler(), MLPClassifier(**FAST)))
