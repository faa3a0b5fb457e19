import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from chainrule.data import MinMaxScaler, OneHotEncoder, Standardizer, one_hot


def data(n=50, d=13, seed=0):
    return np.random.default_rng(seed).normal(3.0, 2.0, (n, d)).astype(np.float32)


def test_standardizer_fits_train_only_and_keeps_float32():
    train, test = data(), data(seed=1)
    s = Standardizer().fit(train)
    z = s.transform(train)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-5)
    zt = s.transform(test)
    np.testing.assert_allclose(zt, (test - train.mean(0)) / train.std(0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(s.inverse_transform(zt), test, rtol=1e-5, atol=1e-5)
    assert s.transform(train.astype(np.float64)).dtype == np.float64
    assert s.transform(np.ones((2, 13), dtype=np.int64)).dtype == np.float32


def test_zero_variance_column():
    X = data()
    X[:, 4] = 7.0
    z = Standardizer().fit_transform(X)
    assert np.all(z[:, 4] == 0) and np.isfinite(z).all()
    m = MinMaxScaler().fit_transform(X)
    assert np.all(m[:, 4] == 0) and np.isfinite(m).all()


def test_wrong_feature_count_message():
    s = Standardizer().fit(data(d=13))
    with pytest.raises(ValueError, match=r"^Standardizer was fitted on 13 features, got 12$"):
        s.transform(data(d=12))
    m = MinMaxScaler().fit(data(d=13))
    with pytest.raises(ValueError, match="MinMaxScaler was fitted on 13 features, got 14"):
        m.inverse_transform(data(d=14))


def test_not_fitted_and_bad_input():
    with pytest.raises(RuntimeError, match="not fitted"):
        Standardizer().transform(data())
    with pytest.raises(ValueError, match="2-D"):
        Standardizer().fit(np.zeros(5))
    X = data()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"column\(s\) \[2\] contain NaN"):
        Standardizer().fit(X)


@pytest.mark.parametrize("cls", [Standardizer, MinMaxScaler])
def test_state_round_trip_through_json(cls):
    X = data()
    a = cls().fit(X)
    state = json.loads(json.dumps(a.get_state()))
    b = cls.from_state(state)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    other = MinMaxScaler if cls is Standardizer else Standardizer
    with pytest.raises(ValueError, match="from_state"):
        other.from_state(state)


@pytest.mark.parametrize("key, value, expected", [
    ("std", 0.0, r"std\[1\] is 0\.0; expected a finite number > 0"),
    ("std", -2.0, r"std\[1\] is -2\.0"), ("mean", float("nan"), r"mean\[1\] is nan"),
    ("mean", "zero", r"mean\[1\] is zero; expected a finite number")])
def test_a_broken_state_is_refused_by_name(key, value, expected):
    state = Standardizer().fit(data()).get_state()
    state[key][1] = value
    with pytest.raises(ValueError, match=expected):
        Standardizer.from_state(state)


def test_minmax_range_and_inverse():
    X = data()
    m = MinMaxScaler((-1, 1)).fit(X)
    Z = m.transform(X)
    np.testing.assert_allclose(Z.min(0), -1, atol=1e-6)
    np.testing.assert_allclose(Z.max(0), 1, atol=1e-6)
    np.testing.assert_allclose(m.inverse_transform(Z), X, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="feature_range"):
        MinMaxScaler((1, 0))


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 5)),
              elements=st.floats(-1e6, 1e6)))
def test_standardizer_inverse_property(X):
    s = Standardizer().fit(X)
    np.testing.assert_allclose(s.inverse_transform(s.transform(X)), X, rtol=1e-9, atol=1e-6)


def test_one_hot_labels():
    enc = OneHotEncoder().fit(np.array([2, 0, 1, 2]))
    Z = enc.transform(np.array([0, 2]))
    assert Z.dtype == np.float32 and Z.tolist() == [[1, 0, 0], [0, 0, 1]]
    assert enc.inverse_transform(Z).tolist() == [0, 2]
    assert enc.feature_names() == ["0", "1", "2"]
    with pytest.raises(ValueError, match="unknown category 5 in column 0"):
        enc.transform(np.array([5]))


def test_one_hot_categorical_columns():
    X = np.array([["red", "s"], ["blue", "m"], ["red", "m"]])
    enc = OneHotEncoder(columns=["colour", "size"], categories=[["red", "blue"], ["s", "m"]])
    Z = enc.fit_transform(X)
    assert Z.tolist() == [[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 0, 1]]
    assert enc.feature_names() == ["colour=red", "colour=blue", "size=s", "size=m"]
    np.testing.assert_array_equal(enc.inverse_transform(Z), X)
    with pytest.raises(ValueError, match=r"unknown category 'green' in column 'colour'"):
        enc.transform(np.array([["green", "s"]]))
    with pytest.raises(ValueError, match="fitted on 2 columns"):
        enc.transform(np.array([["red"]]))
    ignore = OneHotEncoder(handle_unknown="ignore").fit(X)
    assert ignore.transform(np.array([["green", "s"]])).tolist() == [[0, 0, 0, 1]]


def test_one_hot_state_round_trip():
    X = np.array([["a", "1"], ["b", "2"]])
    for enc in (OneHotEncoder().fit(X), OneHotEncoder().fit(np.array([3, 1, 2]))):
        state = json.loads(json.dumps(enc.get_state()))
        back = OneHotEncoder.from_state(state)
        sample = X if enc.n_features_in == 2 else np.array([1, 3])
        np.testing.assert_array_equal(back.transform(sample), enc.transform(sample))


def test_one_hot_function():
    assert one_hot(np.array([1, 0, 2])).tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 1]]
    assert one_hot(np.array([0]), n_classes=3).shape == (1, 3)
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        one_hot(np.array([0, 2]), n_classes=2)
    with pytest.raises(ValueError, match="integer"):
        one_hot(np.array([0.5]))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_one_hot_encoder_refuses_non_finite_labels_naming_rows(bad):
    from chainrule.data import OneHotEncoder

    y = np.array([0.0, 1.0, bad, 1.0, bad])
    with pytest.raises(ValueError, match=r"labels must be finite.*2 row\(s\): 2, 4"):
        OneHotEncoder().fit(y)
    X = np.array([[0.0, 1.0], [1.0, bad]])
    with pytest.raises(ValueError, match=r"column 1 must be finite.*1 row\(s\): 1"):
        OneHotEncoder().fit(X)
