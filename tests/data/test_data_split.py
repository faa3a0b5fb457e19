import numpy as np
import pytest

from chainrule.data import heart, train_test_split, train_val_test_split


def labelled(n=1000, weights=(0.7, 0.2, 0.1), seed=0):
    y = np.random.default_rng(seed).choice(len(weights), size=n, p=weights)
    return np.arange(n, dtype=np.float32)[:, None], y


def test_sizes_disjoint_and_complete():
    X, y = labelled()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, seed=0)
    assert len(Xte) == 250 and len(Xtr) == 750
    ids = np.concatenate([Xtr[:, 0], Xte[:, 0]])
    assert sorted(ids.tolist()) == list(range(1000))
    np.testing.assert_array_equal(y[Xtr[:, 0].astype(int)], ytr)
    assert len(train_test_split(X, test_size=100, seed=0)[1]) == 100


def test_seeded_and_shuffled():
    X, y = labelled()
    a = train_test_split(X, y, seed=5)
    b = train_test_split(X, y, seed=5)
    c = train_test_split(X, y, seed=6)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])
    assert not np.all(np.diff(a[0][:, 0]) > 0)


def test_stratified_keeps_proportions():
    X, y = labelled()
    _, _, ytr, yte = train_test_split(X, y, test_size=0.2, stratify=True, seed=1)
    full = np.bincount(y) / len(y)
    assert np.abs(np.bincount(yte) / len(yte) - full).max() < 0.005
    assert np.abs(np.bincount(ytr) / len(ytr) - full).max() < 0.005
    groups = np.arange(1000) % 4
    _, Xte = train_test_split(X, test_size=0.2, stratify=groups, seed=1)
    assert np.bincount(groups[Xte[:, 0].astype(int)]).tolist() == [50, 50, 50, 50]


def test_three_way_split():
    X, y = labelled()
    Xtr, Xva, Xte, ytr, yva, yte = train_val_test_split(X, y, val_size=0.1, test_size=0.2,
                                                        stratify=True, seed=2)
    assert (len(Xtr), len(Xva), len(Xte)) == (700, 100, 200)
    ids = np.concatenate([Xtr, Xva, Xte])[:, 0]
    assert len(np.unique(ids)) == 1000
    full = np.bincount(y) / 1000
    for part in (ytr, yva, yte):
        assert np.abs(np.bincount(part, minlength=3) / len(part) - full).max() < 0.02


def test_heart_stratified():
    ds = heart()
    splits = ds.split(test_size=0.2, seed=0)
    assert len(splits.train) + len(splits.test) == 297
    rate = ds.y.mean()
    assert abs(splits.test.y.mean() - rate) < 0.01 and abs(splits.train.y.mean() - rate) < 0.01


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"test_size": 0.0}, ValueError, "test_size=0.0"),
    ({"test_size": 1.5}, ValueError, "test_size"),
    ({"test_size": 1000}, ValueError, "test_size=1000 rows"),
    ({"test_size": "20%"}, TypeError, "test_size"),
    ({"test_size": True}, TypeError, "test_size"),
])
def test_bad_sizes(kwargs, exc, match):
    X, y = labelled(100)
    with pytest.raises(exc, match=match):
        train_test_split(X, y, **kwargs)


def test_other_errors():
    X, y = labelled(100)
    with pytest.raises(ValueError, match="leave no training rows"):
        train_val_test_split(X, y, val_size=0.5, test_size=0.5)
    with pytest.raises(ValueError, match="same length"):
        train_test_split(X, y[:50])
    with pytest.raises(ValueError, match="stratify=True needs y"):
        train_test_split(X, stratify=True)
    y1 = y.copy()
    y1[0] = 9
    with pytest.raises(ValueError, match="class 9 has only 1 member"):
        train_test_split(X, y1, stratify=True)


def test_stratify_refuses_non_finite_labels_naming_rows():
    from chainrule.data import train_test_split

    X = np.arange(20.0).reshape(10, 2)
    y = np.array([0, 1] * 5, dtype=float)
    y[[4, 7]] = np.nan
    with pytest.raises(ValueError, match=r"stratify: labels must be finite.*rows?\(s\): 4, 7"):
        train_test_split(X, y, stratify=True, seed=0)
