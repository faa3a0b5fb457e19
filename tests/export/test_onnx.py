"""ONNX export round trips under ONNX Runtime: networks of several depths and activations,
the three output units, float32 inputs, a batch of one row; estimators; refusals."""
import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from chainrule import data, nn  # noqa: E402
from chainrule.export import save_onnx, to_onnx  # noqa: E402
from chainrule.nn.activations import ACTIVATIONS as NN_ACTIVATIONS  # noqa: E402

# every hidden-layer activation nn has (softmax and log_softmax act on a whole row)
ACTIVATIONS = sorted(set(NN_ACTIVATIONS) - {"softmax", "log_softmax"})
UNITS = [("sigmoid", 1), ("softmax", 4), ("linear", 3)]


def run(proto, X):
    session = ort.InferenceSession(proto.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    return session.run(None, {"input": X})


def reference(model, X):
    """chainrule's prediction: probabilities for sigmoid/softmax, values for linear."""
    return model(X).data if model.output_unit == "linear" else model.predict_proba(X)


@pytest.fixture(scope="module")
def rows():
    return np.random.default_rng(0).normal(scale=2.0, size=(64, 6)).astype(np.float32)


@pytest.mark.parametrize("unit, width", UNITS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_and_output_unit(activation, unit, width, rows):
    model = nn.MLP(6, [9, 7], width, activation=activation, output=unit, seed=3)
    proto = to_onnx(model)
    (got,) = run(proto, rows)
    assert got.dtype == np.float32 and got.shape == (64, width)
    np.testing.assert_allclose(got, reference(model, rows), atol=1e-5, rtol=1e-5)
    (one,) = run(proto, rows[:1])  # a batch of one row
    np.testing.assert_allclose(one, reference(model, rows[:1]), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("hidden", [[], [5], [16, 8, 8, 4]])
def test_depths_and_mixed_activations(hidden, rows):
    acts = (["tanh", "gelu", "elu", "relu"] * 2)[:len(hidden)]
    model = nn.MLP(6, hidden, 3, activation=acts, output="softmax", seed=1)
    (got,) = run(to_onnx(model), rows)
    np.testing.assert_allclose(got, model.predict_proba(rows), atol=1e-5)


def test_activation_parameters_are_exported(rows):
    """Non-default slopes and a learned swish beta come through as constants."""
    model = nn.Sequential(nn.Linear(6, 8, rng=np.random.default_rng(0)),
                          nn.LeakyReLU(0.2), nn.Linear(8, 8, rng=np.random.default_rng(1)),
                          nn.ELU(0.7), nn.Linear(8, 8, rng=np.random.default_rng(2)),
                          nn.Softplus(beta=2.0), nn.Linear(8, 8, rng=np.random.default_rng(3)),
                          nn.SiLU(beta=1.5, learn_beta=True), nn.GELU("tanh"),
                          nn.PReLU(8, init=0.1), nn.Dropout(0.5), nn.Softmax())
    model.eval()
    (got,) = run(to_onnx(model), rows)
    np.testing.assert_allclose(got, model(rows).data, atol=1e-5)


def test_standardizer_is_part_of_the_graph(rows):
    raw = rows * 10 + 50
    scaler = data.Standardizer().fit(raw)
    model = nn.MLP(6, [8], 2, activation="tanh", seed=0)
    (got,) = run(to_onnx(model, standardizer=scaler), raw)
    expected = model.predict_proba(scaler.transform(raw).astype(np.float32))
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_class_names_give_labels_and_probabilities(rows):
    from chainrule import train

    model = nn.MLP(6, [8], 1, output="sigmoid", seed=0)
    label, proba = run(to_onnx(model, class_names=["no", "yes"]), rows)
    np.testing.assert_allclose(proba, train.predict_proba(model, rows), atol=1e-5)
    np.testing.assert_array_equal(label, np.array(["no", "yes"])[train.predict(model, rows)])
    with pytest.raises(ValueError, match="got 3 class names"):
        to_onnx(model, class_names=["a", "b", "c"])


def test_a_float64_network_exports_as_float32(rows):
    model = nn.MLP(6, [8], 3, output="linear", seed=0, dtype=np.float64)
    (got,) = run(to_onnx(model), rows)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, model(rows.astype(np.float64)).data, atol=1e-5,
                               rtol=1e-5)


def test_what_onnx_cannot_express_is_refused_by_name():
    class Cube(nn.Module):
        def forward(self, x):
            return x * x * x

    with pytest.raises(ValueError, match=r"Cube.*cannot be expressed in ONNX"):
        to_onnx(nn.Sequential(nn.Linear(2, 3), Cube(), nn.Linear(3, 1)))
    with pytest.raises(ValueError, match=r"Maxout.*cannot be expressed in ONNX"):
        to_onnx(nn.Sequential(nn.Linear(2, 6), nn.Maxout(6, 3, pieces=2)))
    with pytest.raises(TypeError, match="expected a chainrule nn.MLP"):
        to_onnx(lambda x: x)
    with pytest.raises(ValueError, match="opset must be an int from 13 to"):
        to_onnx(nn.MLP(2, [3], 1), opset=9)
    with pytest.raises(ValueError, match=r"opset must be an int from 13 to \d+ .*got 99"):
        to_onnx(nn.MLP(2, [3], 1), opset=99)  # no runtime loads a future opset


def test_save_onnx_writes_a_loadable_file(tmp_path, rows):
    model = nn.MLP(6, [4], 2, seed=0)
    path = save_onnx(to_onnx(model, metadata={"task": "multiclass"}), tmp_path / "m.onnx")
    loaded = onnx.load(str(path))
    props = {p.key: p.value for p in loaded.metadata_props}
    assert props["output_unit"] == "softmax" and props["task"] == "multiclass"
    assert [i.name for i in loaded.graph.input] == ["input"]
