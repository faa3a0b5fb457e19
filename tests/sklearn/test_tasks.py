"""Binary, multi-class and multi-label classification, single- and multi-output regression,
sample weights, early stopping, partial_fit and every solver."""
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from chainrule import nn
from chainrule.sklearn import MLPClassifier, MLPRegressor

SMALL = dict(hidden_layer_sizes=(16,), batch_size=32, random_state=0)


def test_multiclass_string_labels_and_fitted_attributes(blobs):
    X, y = blobs
    labels = np.array(["ant", "bee", "cat"])[y]
    clf = MLPClassifier(max_iter=150, **SMALL).fit(X, labels)
    assert list(clf.classes_) == ["ant", "bee", "cat"]
    assert clf.score(X, labels) > 0.95
    assert isinstance(clf.model_, nn.MLP) and clf.model_.output_unit == "softmax"
    assert clf.n_features_in_ == 4 and clf.n_outputs_ == 3 and clf.out_activation_ == "softmax"
    assert clf.n_iter_ == len(clf.loss_curve_) and clf.loss_ == clf.loss_curve_[-1]
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] and clf.validation_scores_ is None
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-12)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, atol=1e-12)
    assert [w.shape for w in clf.coefs_] == [(4, 16), (16, 3)]
    assert [b.shape for b in clf.intercepts_] == [(16,), (3,)]


def test_binary_uses_one_sigmoid_output(blobs):
    X, y = blobs
    keep = y < 2
    clf = MLPClassifier(max_iter=100, **SMALL).fit(X[keep], y[keep] * 5)
    assert clf.model_.out_features == 1 and clf.out_activation_ == "logistic"
    assert list(clf.classes_) == [0, 5] and clf.score(X[keep], y[keep] * 5) > 0.95
    proba = clf.predict_proba(X[keep])
    assert proba.shape == (int(keep.sum()), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    # log-probabilities stay finite where a probability underflows
    assert np.all(np.isfinite(clf.predict_log_proba(X[keep] * 1e4)))


def test_multilabel_indicator_targets(blobs):
    X, y = blobs
    Y = np.stack([y == 0, y != 2, y == 1], axis=1).astype(int)
    clf = MLPClassifier(max_iter=150, **SMALL).fit(X, Y)
    assert clf.n_outputs_ == 3 and clf.out_activation_ == "logistic"
    assert clf.predict(X).shape == (150, 3) and set(np.unique(clf.predict(X))) <= {0, 1}
    assert clf.predict_proba(X).shape == (150, 3)
    assert clf.score(X, Y) > 0.9  # subset accuracy


def test_single_and_multi_output_regression(friedman):
    X, y = friedman
    kw = dict(hidden_layer_sizes=(32,), max_iter=200, batch_size=32, learning_rate_init=0.01,
              random_state=0)
    reg = MLPRegressor(**kw).fit(X, y)
    assert reg.predict(X).shape == (200,) and reg.score(X, y) > 0.8
    Y = np.stack([y, -2 * y], axis=1)
    reg2 = MLPRegressor(**kw).fit(X, Y)
    assert reg2.predict(X).shape == (200, 2) and reg2.score(X, Y) > 0.8
    assert reg2.out_activation_ == "identity" and reg2.model_.output_unit == "linear"


def test_sample_weights_shift_the_decision(blobs):
    X, y = blobs
    keep = y < 2
    Xb, yb = X[keep], y[keep]
    # flip a third of class 1 to class 0 and let the weights decide who wins
    noisy = yb.copy()
    flip = np.flatnonzero(yb == 1)[::3]
    noisy[flip] = 0
    w_trust = np.where(np.isin(np.arange(len(yb)), flip), 100.0, 1.0)
    w_ignore = np.where(np.isin(np.arange(len(yb)), flip), 1e-3, 1.0)
    trust = MLPClassifier(max_iter=300, **SMALL).fit(Xb, noisy, sample_weight=w_trust)
    ignore = MLPClassifier(max_iter=300, **SMALL).fit(Xb, noisy, sample_weight=w_ignore)
    assert np.mean(trust.predict(Xb[flip]) == 0) > np.mean(ignore.predict(Xb[flip]) == 0)
    assert np.mean(ignore.predict(Xb[flip]) == 1) > 0.8


def test_unit_weights_are_exactly_no_weights(blobs):
    X, y = blobs
    a = MLPClassifier(max_iter=20, **SMALL).fit(X, y)
    b = MLPClassifier(max_iter=20, **SMALL).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_sample_weight_of_two_equals_a_repeated_row_full_batch(friedman):
    X, y = friedman
    X, y = X[:60], y[:60]
    w = np.ones(60)
    w[:10] = 2
    Xr, yr = np.vstack([X, X[:10]]), np.concatenate([y, y[:10]])
    kw = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=30, random_state=0)
    a = MLPRegressor(**kw).fit(X, y, sample_weight=w)
    b = MLPRegressor(**kw).fit(Xr, yr)
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-6)


def test_early_stopping_keeps_the_best_validation_weights(blobs):
    X, y = blobs
    clf = MLPClassifier(early_stopping=True, n_iter_no_change=3, max_iter=200,
                        validation_fraction=0.2, **SMALL).fit(X, y)
    assert clf.best_loss_ is None and len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.n_iter_ < 200  # stopped by the validation score


def test_a_converged_fit_does_not_warn_and_max_iter_does(blobs):
    import warnings

    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = MLPClassifier(max_iter=2000, tol=1e-2, n_iter_no_change=2, **SMALL).fit(X, y)
    assert clf.n_iter_ < 2000
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        MLPClassifier(max_iter=2, **SMALL).fit(X, y)


@pytest.mark.parametrize("solver", ["sgd", "momentum", "adam", "lbfgs", "newton-cg"])
def test_every_solver_learns(solver, blobs):
    X, y = blobs
    kw = dict(hidden_layer_sizes=(8,), random_state=0, solver=solver, learning_rate_init=0.01)
    iters = {"lbfgs": 40, "newton-cg": 8}.get(solver, 100)
    clf = MLPClassifier(max_iter=iters, **kw).fit(X, y)
    assert clf.score(X, y) > 0.9, solver
    assert clf.n_iter_ == len(clf.loss_curve_) <= iters


@pytest.mark.parametrize("schedule", ["invscaling", "adaptive"])
def test_sgd_learning_rate_schedules(schedule, blobs):
    X, y = blobs
    clf = MLPClassifier(solver="sgd", learning_rate=schedule, learning_rate_init=0.05,
                        max_iter=60, n_iter_no_change=2, tol=1e-3, **SMALL).fit(X, y)
    lr = clf._optimizer.param_groups[0]["lr"]
    if schedule == "invscaling":
        assert lr == pytest.approx(0.05 / (clf.t_ + 1) ** 0.5)
    else:
        assert lr < 0.05  # divided by 5 at least once when the loss stalled
    assert clf.score(X, y) > 0.9


def test_one_activation_per_layer_and_chainrule_activations(blobs):
    X, y = blobs
    clf = MLPClassifier(hidden_layer_sizes=(8, 8), activation=["gelu", "logistic"],
                        max_iter=50, random_state=0).fit(X, y)
    assert clf.model_.activations == ["gelu", "sigmoid"]
    with pytest.raises(ValueError, match="activation lists 1 names for 2 hidden layers"):
        MLPClassifier(hidden_layer_sizes=(8, 8), activation=["relu"]).fit(X, y)
    with pytest.raises(ValueError, match="activation must be one of"):
        MLPClassifier(activation="softmax").fit(X, y)


def test_partial_fit_continues_one_epoch_per_call(blobs):
    X, y = blobs
    clf = MLPClassifier(learning_rate_init=0.01, **SMALL)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    for _ in range(30):
        clf.partial_fit(X[:100], y[:100], classes=[0, 1, 2])
    assert clf.n_iter_ == 30 and clf.score(X, y) > 0.9
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] / 2
    with pytest.raises(ValueError, match="classes not in"):
        clf.partial_fit(X, y + 1)
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    reg = MLPRegressor(**SMALL)
    reg.partial_fit(X, y.astype(float))
    reg.partial_fit(X, y.astype(float))
    assert reg.n_iter_ == 2


def test_warm_start_continues_from_the_fitted_network(blobs):
    X, y = blobs
    clf = MLPClassifier(max_iter=5, warm_start=True, **SMALL).fit(X, y)
    first = clf.model_
    clf.fit(X, y)
    assert clf.model_ is first and clf.n_iter_ == 10 and len(clf.loss_curve_) == 10
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X[y < 2], y[y < 2])


def test_float32_input_trains_a_float32_network(blobs):
    X, y = blobs
    clf = MLPClassifier(max_iter=5, **SMALL).fit(X.astype(np.float32), y)
    assert clf.model_.dtype == np.float32
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    assert MLPClassifier(max_iter=5, **SMALL).fit(X, y).model_.dtype == np.float64
