"""Pipelines, cross-validation, grid search, pickling, chainrule's own format, bad input."""
import json
import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from chainrule.sklearn import MLPClassifier, MLPRegressor, load_estimator, save_estimator

FAST = dict(hidden_layer_sizes=(16,), max_iter=60, batch_size=32, random_state=0)


def test_pipeline_and_cross_val_score(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), MLPClassifier(**FAST))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9


def test_grid_search_in_two_processes(friedman):
    X, y = friedman
    reg = MLPRegressor(learning_rate_init=0.01, **FAST)
    grid = GridSearchCV(make_pipeline(StandardScaler(), reg),
                        {"mlpregressor__alpha": [1e-4, 1e-1],
                         "mlpregressor__activation": ["relu", "tanh"]}, cv=2, n_jobs=2)
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_estimator_[-1].model_.activations[0] == grid.best_params_[
        "mlpregressor__activation"]
    assert grid.score(X, y) > 0.5


@pytest.mark.parametrize("make", [
    lambda: MLPClassifier(**FAST), lambda: MLPRegressor(**FAST)])
def test_pickle_round_trip(make, blobs):
    X, y = blobs
    est = make().fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    assert back.get_params() == est.get_params() and back.loss_curve_ == est.loss_curve_
    back.partial_fit(X, y)  # the optimiser came along: training continues
    assert back.n_iter_ == est.n_iter_ + 1


def test_save_and_load_without_pickle(blobs, tmp_path):
    X, y = blobs
    labels = np.array(["ant", "bee", "cat"])[y]
    clf = MLPClassifier(early_stopping=True, **FAST).fit(X, labels)
    path = save_estimator(clf, tmp_path / "clf")
    assert {p.name for p in path.iterdir()} == {"config.json", "model.npz", "manifest.json"}
    meta = json.loads((path / "config.json").read_text())["metadata"]
    assert meta["estimator"] == "MLPClassifier" and meta["params"]["early_stopping"] is True
    back = load_estimator(path)
    assert type(back) is MLPClassifier and back.get_params() == clf.get_params()
    np.testing.assert_array_equal(back.classes_, clf.classes_)
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    np.testing.assert_allclose(back.predict_proba(X), clf.predict_proba(X))
    assert back.validation_scores_ == clf.validation_scores_ and back.n_iter_ == clf.n_iter_
    with np.load(path / "model.npz", allow_pickle=False) as weights:  # plain arrays
        assert len(weights.files) == 4


@pytest.mark.parametrize("Y", ["binary", "multilabel", "multioutput"])
def test_save_and_load_other_targets(Y, blobs, tmp_path):
    X, y = blobs
    if Y == "multioutput":
        est = MLPRegressor(**FAST).fit(X, np.stack([y, 2.0 * y], axis=1))
    else:
        target = (y == 1) * 1 if Y == "binary" else np.stack([y == 0, y == 1], axis=1) * 1
        est = MLPClassifier(**FAST).fit(X, target)
    back = load_estimator(save_estimator(est, tmp_path / "est"))
    np.testing.assert_array_equal(back.predict(X), est.predict(X))


def test_load_refuses_a_folder_that_is_not_an_estimator(tmp_path):
    from chainrule import nn, train

    train.save_model(nn.MLP(2, [3], 1), tmp_path / "plain")
    with pytest.raises(ValueError, match="not a saved chainrule.sklearn estimator"):
        load_estimator(tmp_path / "plain")
    with pytest.raises(NotFittedError):
        save_estimator(MLPClassifier(), tmp_path / "unfitted")


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_bad_input_raises_scikit_learns_errors(Est, blobs):
    X, y = blobs
    with pytest.raises(NotFittedError):
        Est().predict(X)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Est(**FAST).fit(bad, y)
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        Est(**FAST).fit(bad, y)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        Est(**FAST).fit(X[:, 0], y)
    with pytest.raises(ValueError, match="0 sample"):
        Est(**FAST).fit(X[:0], y[:0])
    est = Est(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        est.predict(np.where(np.isfinite(bad), bad, np.nan))
    with pytest.raises(ValueError, match="4 features"):
        est.predict(X[:, :3])


def test_mixed_string_and_number_labels_are_refused(blobs):
    X, y = blobs
    mixed = np.array(y, dtype=object)
    mixed[:10] = "a"
    with pytest.raises(ValueError, match="Mix of label input types"):
        MLPClassifier(**FAST).fit(X, mixed)
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier(**FAST).fit(X, y + 0.5)


@pytest.mark.parametrize("param, value, message", [
    ("solver", "newton", "solver must be one of"),
    ("hidden_layer_sizes", (8, 0), "hidden_layer_sizes must be positive ints"),
    ("alpha", -1.0, "alpha must be a real number >= 0"),
    ("batch_size", 0, "batch_size must be an int >= 1"),
    ("learning_rate", "cosine", "learning_rate must be one of"),
    ("validation_fraction", 1.0, r"validation_fraction must be in \(0.0, 1.0\)"),
    ("max_iter", 0, "max_iter must be an int >= 1"),
    ("beta_2", 1.0, r"beta_2 must be in \[0.0, 1.0\)"),
])
def test_bad_hyperparameters_are_named_and_change_nothing(param, value, message, blobs):
    X, y = blobs
    clf = MLPClassifier(**FAST).fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(**{param: value}, warm_start=True)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
