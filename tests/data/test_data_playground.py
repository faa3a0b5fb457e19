import numpy as np
import pytest

from chainrule.data import (
    circle, gaussian, multi_gaussian, plane, playground_features, spiral, xor,
)
from chainrule.data.playground import MULTI_GAUSSIAN_CENTRES

GENERATORS = [circle, xor, gaussian, spiral, plane, multi_gaussian]


@pytest.mark.parametrize("gen", GENERATORS)
def test_deterministic_under_seed(gen):
    a, b, c = gen(200, 0.2, seed=3), gen(200, 0.2, seed=3), gen(200, 0.2, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert a.X.shape == (200, 2) and a.X.dtype == np.float32
    assert a.feature_names == ["x1", "x2"]
    assert gen(10, dtype=np.float64, seed=0).X.dtype == np.float64


@pytest.mark.parametrize("gen", [circle, xor, gaussian, spiral])
def test_binary_labels(gen):
    ds = gen(501, 0.0, seed=0)
    assert ds.task == "binary" and ds.y.dtype == np.int64 and set(ds.y.tolist()) <= {0, 1}
    assert len(ds.class_names) == 2


def test_circle_formula():
    ds = circle(1000, 0.0, seed=1)
    r = np.hypot(ds.X[:, 0], ds.X[:, 1])
    assert np.bincount(ds.y).tolist() == [500, 500]
    assert np.all(r[ds.y == 1] < 2.5)
    assert np.all((r[ds.y == 0] >= 3.5) & (r[ds.y == 0] <= 5.0))
    noisy = circle(1000, 0.5, seed=1)
    rn = np.hypot(noisy.X[:, 0], noisy.X[:, 1])
    # points are noise-free (same radii bands); only labels near the boundary flip
    assert np.all((rn < 2.5) | ((rn >= 3.5) & (rn <= 5.0)))
    assert np.mean(noisy.y == (rn < 2.5)) < 1.0
    assert ds.class_names == ["outside", "inside"]


def test_xor_formula():
    ds = xor(2000, 0.0, seed=2)
    x1, x2 = ds.X[:, 0], ds.X[:, 1]
    assert np.all((np.abs(ds.X) >= 0.3) & (np.abs(ds.X) <= 5.3))
    np.testing.assert_array_equal(ds.y, (x1 * x2 >= 0).astype(int))
    assert 0.45 < ds.y.mean() < 0.55
    noisy = xor(2000, 0.3, seed=2)
    assert 0.5 < np.mean(noisy.y == (noisy.X[:, 0] * noisy.X[:, 1] >= 0)) < 1.0


def test_gaussian_formula():
    ds = gaussian(4000, 0.0, seed=3)
    assert np.bincount(ds.y).tolist() == [2000, 2000]
    np.testing.assert_allclose(ds.X[ds.y == 1].mean(axis=0), [2, 2], atol=0.06)
    np.testing.assert_allclose(ds.X[ds.y == 0].mean(axis=0), [-2, -2], atol=0.06)
    np.testing.assert_allclose(ds.X[ds.y == 1].var(axis=0), [0.5, 0.5], rtol=0.1)
    wide = gaussian(4000, 0.5, seed=3)  # variance 0.5 + 7 * 0.5 = 4
    np.testing.assert_allclose(wide.X[wide.y == 0].var(axis=0), [4, 4], rtol=0.1)


def test_gaussian_multiclass():
    ds = gaussian(3000, 0.0, seed=4, n_classes=3)
    assert ds.task == "multiclass" and ds.class_names == ["0", "1", "2"]
    assert np.bincount(ds.y).tolist() == [1000, 1000, 1000]
    for j in range(3):
        t = 5 * np.pi / 4 + 2 * np.pi * j / 3
        centre = 2 * np.sqrt(2) * np.array([np.cos(t), np.sin(t)])
        np.testing.assert_allclose(ds.X[ds.y == j].mean(axis=0), centre, atol=0.08)


def test_spiral_formula_noise_free():
    ds = spiral(400, 0.0, seed=5)
    assert np.bincount(ds.y).tolist() == [200, 200]
    for label, delta in ((1, 0.0), (0, np.pi)):
        pts = ds.X[ds.y == label].astype(np.float64)
        r = np.hypot(pts[:, 0], pts[:, 1])
        order = np.argsort(r)
        i = np.arange(200)
        np.testing.assert_allclose(r[order], 5 * i / 200, atol=1e-5)
        t = 1.75 * 2 * np.pi * i / 200 + delta
        np.testing.assert_allclose(pts[order], np.stack([r[order] * np.sin(t),
                                                         r[order] * np.cos(t)], 1), atol=1e-5)
    assert np.abs(ds.X).max() <= 5


def test_spiral_multiclass_and_noise():
    ds = spiral(301, 0.0, seed=6, n_classes=3)
    assert np.bincount(ds.y).tolist() == [101, 100, 100] and ds.task == "multiclass"
    clean, noisy = spiral(400, 0.0, seed=7), spiral(400, 1.0, seed=7)
    assert np.abs(noisy.X).max() <= 6 and not np.allclose(np.sort(clean.X, 0),
                                                          np.sort(noisy.X, 0))


def test_plane_formula():
    ds = plane(1000, 0.0, seed=8)
    assert ds.task == "regression" and ds.y.dtype == np.float32 and ds.class_names is None
    assert np.all(np.abs(ds.X) <= 6)
    np.testing.assert_allclose(ds.y, ds.X.sum(axis=1) / 10, atol=1e-6)
    noisy = plane(1000, 0.5, seed=8)
    assert np.abs(noisy.y - noisy.X.sum(axis=1) / 10).max() > 0.1


def test_multi_gaussian_formula():
    ds = multi_gaussian(2000, 0.0, seed=9)
    assert np.all(np.abs(ds.y) <= 1) and np.all(np.abs(ds.X) <= 6)
    X = ds.X.astype(np.float64)
    for p, target in zip(X[:50], ds.y[:50]):
        vals = [s * max(0.0, 1 - np.hypot(p[0] - cx, p[1] - cy) / 2)
                for cx, cy, s in MULTI_GAUSSIAN_CENTRES]
        best = max(vals, key=abs) if any(vals) else 0.0
        assert target == pytest.approx(best, abs=1e-6)
    assert ds.y.max() > 0.8 and ds.y.min() < -0.8


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "n must be"), ({"n": 2.5}, "n must be"), ({"noise": -0.1}, "noise"),
    ({"noise": float("nan")}, "noise"), ({"n_classes": 1}, "n_classes"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        spiral(**kwargs)


def test_playground_features():
    X = np.array([[1.0, 2.0], [-0.5, 3.0]], dtype=np.float32)
    F, names = playground_features(X)
    assert names == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2"]
    assert F.dtype == np.float32 and F.shape == (2, 7)
    np.testing.assert_allclose(F[0], [1, 2, 1, 4, 2, np.sin(1), np.sin(2)], rtol=1e-6)
    F2, names2 = playground_features(X, ["sin(x2)", "x1·x2"])
    assert names2 == ["sin x2", "x1*x2"]
    np.testing.assert_allclose(F2[1], [np.sin(3), -1.5], rtol=1e-6)
    with pytest.raises(ValueError, match=r"unknown playground feature\(s\) \['x3'\]"):
        playground_features(X, ["x1", "x3"])
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        playground_features(np.zeros((3, 3)))
