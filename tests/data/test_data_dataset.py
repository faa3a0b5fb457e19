import sys

import numpy as np
import pytest

from chainrule.data import Dataset, DatasetSplits, digits


def make(n=10, **kw):
    fields = dict(X=np.zeros((n, 3), np.float32), y=np.arange(n) % 2, feature_names=["a", "b", "c"],
                  class_names=["no", "yes"], task="binary", name="t")
    fields.update(kw)
    return Dataset(**fields)


def test_properties_and_repr():
    ds = make()
    assert len(ds) == 10 and ds.n_features == 3 and ds.n_classes == 2
    assert "n=10" in repr(ds) and "binary" in repr(ds)
    reg = make(y=np.zeros(10, np.float32), class_names=None, task="regression")
    assert reg.n_classes is None


@pytest.mark.parametrize("kw, exc, match", [
    ({"y": np.arange(9) % 2}, ValueError, "10 rows but y has 9"),
    ({"task": "classification"}, ValueError, "task must be one of"),
    ({"feature_names": ["a"]}, ValueError, "1 feature names for 3"),
    ({"class_names": ["a", "b", "c"]}, ValueError, "'binary' with 3 classes"),
    ({"y": np.arange(10)}, ValueError, r"labels must lie in 0..1"),
    ({"y": np.zeros(10)}, TypeError, "integers"),
    ({"class_names": None}, ValueError, "needs class_names"),
])
def test_validation(kw, exc, match):
    with pytest.raises(exc, match=match):
        make(**kw)


def test_flatten_images():
    X = np.full((4, 2, 2), 255, dtype=np.uint8)
    ds = Dataset(X=X, y=np.arange(4) % 2, feature_names=list("abcd"), class_names=["0", "1"],
                 task="binary", name="img")
    flat = ds.flatten()
    assert flat.X.shape == (4, 4) and flat.X.dtype == np.float32 and flat.X.max() == 1.0
    assert ds.flatten(scale=False).X.max() == 255.0
    assert ds.flatten(dtype=np.float64).X.dtype == np.float64
    with pytest.raises(ValueError, match="uint8"):
        make().flatten(scale=True)


def test_subset_and_split():
    ds = make(n=20)
    sub = ds.subset(np.arange(5))
    assert len(sub) == 5 and sub.feature_names == ds.feature_names
    assert len(ds.subset(ds.y == 1)) == 10
    parts = ds.split(test_size=0.25, val_size=0.25, seed=0)
    assert isinstance(parts, DatasetSplits)
    assert (len(parts.train), len(parts.val), len(parts.test)) == (10, 5, 5)
    assert "train=10" in repr(parts)
    with pytest.raises(TypeError, match="integers or a boolean mask"):
        ds.subset(np.array([0.5]))


def test_digits():
    ds = digits()
    assert ds.X.shape == (1797, 64) and ds.X.dtype == np.float32
    assert 0 <= ds.X.min() and ds.X.max() == 1.0
    assert ds.y.dtype == np.int64 and ds.class_names == [str(d) for d in range(10)]
    assert ds.feature_names[9] == "pixel_1_1"
    raw = digits(scale=False, images=True)
    assert raw.X.shape == (1797, 8, 8) and raw.X.max() == 16.0


def test_digits_without_sklearn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r'pip install "chainrule\[data\]"'):
        digits()
