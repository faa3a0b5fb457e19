import json

import numpy as np
import pytest

from chainrule.data import DataLoader, Dataset


def arrays(n=103, d=4):
    X = np.arange(n * d, dtype=np.float32).reshape(n, d)
    return X, np.arange(n)


def test_batches_cover_every_row_once():
    X, y = arrays()
    dl = DataLoader(X, y, batch_size=10, shuffle=True, seed=0)
    assert len(dl) == 11
    seen = np.concatenate([yb for _, yb in dl])
    assert sorted(seen.tolist()) == list(range(103))
    for xb, yb in dl:
        np.testing.assert_array_equal(xb, X[yb])
        assert xb.dtype == np.float32


def test_drop_last_and_sizes():
    X, y = arrays()
    dl = DataLoader(X, y, batch_size=10, drop_last=True)
    assert len(dl) == 10 and [len(xb) for xb, _ in dl] == [10] * 10
    assert len(DataLoader(X, y, batch_size=200, drop_last=True)) == 0
    assert [len(xb) for xb, _ in DataLoader(X, y, batch_size=50)] == [50, 50, 3]


def test_no_shuffle_gives_views_in_order():
    X, y = arrays()
    batches = list(DataLoader(X, y, batch_size=32))
    assert all(np.shares_memory(xb, X) for xb, _ in batches)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in batches]), y)


def test_reshuffles_each_epoch_reproducibly():
    X, y = arrays()
    a = DataLoader(X, y, batch_size=16, shuffle=True, seed=42)
    b = DataLoader(X, y, batch_size=16, shuffle=True, seed=42)
    e1 = np.concatenate([yb for _, yb in a])
    e2 = np.concatenate([yb for _, yb in a])
    assert not np.array_equal(e1, e2)
    np.testing.assert_array_equal(e1, np.concatenate([yb for _, yb in b]))
    np.testing.assert_array_equal(e2, np.concatenate([yb for _, yb in b]))
    assert a.epoch == 2


def test_state_round_trip_mid_epoch_through_json():
    X, y = arrays()
    a = DataLoader(X, y, batch_size=8, shuffle=True, seed=7)
    list(a)  # one full epoch
    it = iter(a)
    first = [next(it)[1] for _ in range(3)]
    state = json.loads(json.dumps(a.get_state()))
    assert state["batch"] == 3 and state["epoch"] == 1
    rest = [yb for _, yb in it]
    following = np.concatenate([yb for _, yb in a])

    b = DataLoader(X, y, batch_size=8, shuffle=True, seed=999)
    b.set_state(state)
    resumed = [yb for _, yb in b]
    assert len(resumed) == len(rest)
    np.testing.assert_array_equal(np.concatenate(resumed), np.concatenate(rest))
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in b]), following)
    assert len(np.concatenate(first + rest)) == 103


def test_state_at_epoch_boundary():
    X, y = arrays()
    a = DataLoader(X, y, batch_size=8, shuffle=True, seed=1)
    list(a)
    state = a.get_state()
    assert state["batch"] == 0 and state["epoch"] == 1
    b = DataLoader(X, y, batch_size=8, shuffle=True, seed=2)
    b.set_state(state)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in a]),
                                  np.concatenate([yb for _, yb in b]))


def test_y_none_and_dataset_input():
    X, y = arrays()
    assert all(yb is None for _, yb in DataLoader(X, batch_size=20))
    ds = Dataset(X=X, y=y % 2, feature_names=list("abcd"), class_names=["a", "b"],
                 task="binary", name="t")
    xb, yb = next(iter(DataLoader(ds, batch_size=5)))
    np.testing.assert_array_equal(yb, [0, 1, 0, 1, 0])
    with pytest.raises(ValueError, match="y must be None"):
        DataLoader(ds, y)


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"batch_size": 2.0}, ValueError, "batch_size"),
    ({"batch_size": True}, ValueError, "batch_size"),
    ({"shuffle": "yes"}, TypeError, "shuffle"),
    ({"drop_last": 1}, TypeError, "drop_last"),
    ({"seed": -1}, ValueError, "seed"),
])
def test_argument_validation(kwargs, exc, match):
    X, y = arrays()
    with pytest.raises(exc, match=match):
        DataLoader(X, y, **kwargs)


def test_length_mismatch_and_bad_state():
    X, y = arrays()
    with pytest.raises(ValueError, match="same length, got 103 and 102"):
        DataLoader(X, y[:-1])
    dl = DataLoader(X, y, batch_size=10)
    with pytest.raises(ValueError, match="set_state"):
        dl.set_state({"epoch": 0})
    with pytest.raises(ValueError, match="batch 50 is out of range"):
        dl.set_state({"epoch": 0, "batch": 50, "rng": dl.get_state()["rng"]})


def test_epoch_over_mnist_sized_array_is_fast():
    X = np.zeros((60000, 784), dtype=np.float32)
    y = np.zeros(60000, dtype=np.int64)
    dl = DataLoader(X, y, batch_size=128, shuffle=True, seed=0)
    n = sum(len(xb) for xb, _ in dl)
    assert n == 60000 and len(dl) == 469
