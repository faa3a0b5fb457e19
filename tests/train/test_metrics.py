import math

import numpy as np
import pytest

from chainrule.train import metrics as M

Y_TRUE = np.array([0, 0, 1, 1, 2, 2, 2])
Y_PRED = np.array([0, 1, 1, 1, 2, 0, 2])
# confusion matrix by hand (rows true, cols predicted)
CM = np.array([[1, 1, 0],
               [0, 2, 0],
               [1, 0, 2]])


def test_accuracy_from_labels_and_scores():
    assert M.accuracy(Y_TRUE, Y_PRED) == pytest.approx(5 / 7)
    scores = np.eye(3)[Y_PRED] * 0.8 + 0.1
    assert M.accuracy(Y_TRUE, scores) == pytest.approx(5 / 7)
    assert M.accuracy(Y_TRUE.astype(float), Y_PRED) == pytest.approx(5 / 7)


def test_confusion_matrix_by_hand():
    np.testing.assert_array_equal(M.confusion_matrix(Y_TRUE, Y_PRED), CM)
    big = M.confusion_matrix(Y_TRUE, Y_PRED, n_classes=4)
    assert big.shape == (4, 4) and big[3].sum() == 0 and big[:3, :3].tolist() == CM.tolist()
    with pytest.raises(ValueError, match="out of range"):
        M.confusion_matrix(Y_TRUE, Y_PRED, n_classes=2)


def test_precision_recall_f1_by_hand():
    stats = M.precision_recall_f1(Y_TRUE, Y_PRED)
    # class 0: TP 1, FP 1 (a 2 predicted 0), FN 1 -> P 1/2, R 1/2
    # class 1: TP 2, FP 1, FN 0 -> P 2/3, R 1;  class 2: TP 2, FP 0, FN 1 -> P 1, R 2/3
    np.testing.assert_allclose(stats["precision"], [1 / 2, 2 / 3, 1])
    np.testing.assert_allclose(stats["recall"], [1 / 2, 1, 2 / 3])
    np.testing.assert_allclose(stats["f1"], [1 / 2, 0.8, 0.8])
    np.testing.assert_array_equal(stats["support"], [2, 2, 3])
    assert M.precision(Y_TRUE, Y_PRED) == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)
    assert M.recall(Y_TRUE, Y_PRED) == pytest.approx((1 / 2 + 1 + 2 / 3) / 3)
    assert M.f1_score(Y_TRUE, Y_PRED) == pytest.approx(2.1 / 3)
    np.testing.assert_allclose(M.f1_score(Y_TRUE, Y_PRED, average=None), [0.5, 0.8, 0.8])


def test_zero_division_gives_zero():
    # class 2 is never predicted and never true: every ratio for it is 0
    stats = M.precision_recall_f1([0, 1], [0, 0], n_classes=3)
    np.testing.assert_allclose(stats["precision"], [0.5, 0, 0])
    np.testing.assert_allclose(stats["recall"], [1, 0, 0])
    with pytest.raises(ValueError, match="average"):
        M.precision([0, 1], [0, 1], average="micro")


def test_top_k_accuracy_by_hand():
    scores = np.array([[0.5, 0.3, 0.2],
                       [0.1, 0.2, 0.7],
                       [0.4, 0.4, 0.2]])
    y = np.array([1, 1, 1])
    assert M.top_k_accuracy(y, scores, k=1) == pytest.approx(0.0)  # the tie counts against
    assert M.top_k_accuracy(y, scores, k=2) == pytest.approx(1.0)
    assert M.top_k_accuracy(y, scores, k=3) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="k must be"):
        M.top_k_accuracy(y, scores, k=0)


def test_log_loss_by_hand():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    assert M.log_loss([0, 1], p) == pytest.approx(-(math.log(0.7) + math.log(0.8)) / 2)
    # binary as P(class 1)
    assert M.log_loss([1, 0], [0.9, 0.2]) == pytest.approx(-(math.log(0.9) + math.log(0.8)) / 2)
    # a confident mistake is large but finite
    assert math.isfinite(M.log_loss([0], np.array([[0.0, 1.0]])))
    with pytest.raises(ValueError, match="logits"):
        M.log_loss([0, 1], np.array([[2.0, -1.0], [0.5, 0.5]]))


def test_regression_metrics_by_hand():
    y, yhat = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.0, 2.0, 5.0])
    assert M.mse(y, yhat) == pytest.approx((0.25 + 0 + 1 + 1) / 4)
    assert M.mae(y, yhat) == pytest.approx((0.5 + 0 + 1 + 1) / 4)
    assert M.r2(y, yhat) == pytest.approx(1 - 2.25 / 5.0)
    assert M.r2(y, yhat[:, None]) == pytest.approx(1 - 2.25 / 5.0)  # (n, 1) predictions
    assert M.r2([2.0, 2.0], [2.0, 2.0]) == 1.0
    assert M.r2([2.0, 2.0], [2.0, 3.0]) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        M.mse([1.0, 2.0], [1.0, 2.0, 3.0])


@pytest.mark.parametrize("call", [
    lambda: M.accuracy([0, 1], [0]),
    lambda: M.accuracy([], []),
    lambda: M.accuracy([0.5, 1.0], [0, 1]),
    lambda: M.accuracy([[0, 1], [1, 0], [0, 0]], [0, 1, 0]),
    lambda: M.confusion_matrix([-1, 0], [0, 0]),
])
def test_bad_inputs_raise(call):
    with pytest.raises((ValueError, TypeError)):
        call()


def test_against_scikit_learn():
    skm = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, size=300)
    logits = rng.normal(size=(300, 5)) + 2 * np.eye(5)[y]
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    pred = proba.argmax(1)
    assert M.accuracy(y, pred) == pytest.approx(skm.accuracy_score(y, pred))
    np.testing.assert_array_equal(M.confusion_matrix(y, pred), skm.confusion_matrix(y, pred))
    for ours, theirs in ((M.precision, skm.precision_score), (M.recall, skm.recall_score),
                         (M.f1_score, skm.f1_score)):
        assert ours(y, pred) == pytest.approx(theirs(y, pred, average="macro"))
        np.testing.assert_allclose(ours(y, pred, average=None), theirs(y, pred, average=None))
    assert M.log_loss(y, proba) == pytest.approx(skm.log_loss(y, proba), rel=1e-6)
    assert M.top_k_accuracy(y, proba, k=2) == pytest.approx(
        skm.top_k_accuracy_score(y, proba, k=2))
    t, p = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    assert M.mse(t, p) == pytest.approx(skm.mean_squared_error(t, p))
    assert M.mae(t, p) == pytest.approx(skm.mean_absolute_error(t, p))
    assert M.r2(t, p) == pytest.approx(skm.r2_score(t, p))


def test_compute_metrics_from_logits():
    logits = np.array([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]], dtype=np.float32)
    y = np.array([0, 1, 1])
    out = M.compute_metrics(["accuracy", "log_loss", "top1_accuracy"], y, logits, "softmax",
                            prefix="val_")
    assert out["val_accuracy"] == pytest.approx(2 / 3)
    assert out["val_top1_accuracy"] == pytest.approx(2 / 3)
    assert set(out) == {"val_accuracy", "val_log_loss", "val_top1_accuracy"}
    # one sigmoid column: threshold at logit 0
    out = M.compute_metrics(["accuracy"], y, np.array([[1.0], [2.0], [-1.0]]), "sigmoid")
    assert out["accuracy"] == pytest.approx(1 / 3)
    # regression: the logits are the predictions
    out = M.compute_metrics(["mae"], np.array([1.0, 2.0]), np.array([[1.5], [2.0]]), "linear")
    assert out["mae"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="classification output"):
        M.compute_metrics(["accuracy"], np.array([1.0]), np.array([[1.0]]), "linear")
    with pytest.raises(ValueError, match="unknown metric"):
        M.compute_metrics(["acc"], y, logits, "softmax")


def test_scores_from_logits_is_stable():
    z = np.array([[1000.0, -1000.0]], dtype=np.float32)
    np.testing.assert_allclose(M.scores_from_logits(z, "softmax"), [[1.0, 0.0]])
    s = M.scores_from_logits(np.array([-1000.0, 0.0, 1000.0], dtype=np.float32), "sigmoid")
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0])
    assert s.dtype == np.float32


def test_classification_report_lists_classes():
    text = M.classification_report(Y_TRUE, Y_PRED, ["cat", "dog", "emu"])
    lines = text.splitlines()
    assert "precision" in lines[0]
    assert any(line.split()[0] == "dog" and "1.000" in line for line in lines)
    assert any(line.strip().startswith("macro avg") for line in lines)
