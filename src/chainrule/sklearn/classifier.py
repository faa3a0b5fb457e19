"""`MLPClassifier`: a chainrule network as a scikit-learn classifier."""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d

from ._base import BaseMLP, check_stochastic_solver


def _refuse_mixed_labels(y: np.ndarray) -> None:
    """scikit-learn's error for string labels mixed with numbers (`unique_labels` gives it
    for separate arrays; within one object array NumPy's sort would fail first)."""
    if y.dtype == object and len({isinstance(v, str) for v in y.ravel().tolist()}) > 1:
        raise ValueError("Mix of label input types (string and number)")


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multilayer perceptron classifier trained by `chainrule.train.fit`.

    Binary targets get one sigmoid output, several classes a softmax output, a multi-label
    indicator matrix one sigmoid output per label; the loss is the output unit's
    cross-entropy (weighted by ``sample_weight`` when given) plus the L2 penalty
    ``alpha / 2 * sum W^2`` scaled as in scikit-learn.

    Hyperparameters are scikit-learn's ``MLPClassifier`` ones, with chainrule's wider
    choices:

    - ``activation``: any chainrule activation ('relu', 'tanh', 'sigmoid' or 'logistic',
      'leaky_relu', 'elu', 'softplus', 'silu'/'swish', 'gelu', ...), or a list with one per
      hidden layer.
    - ``solver``: 'sgd' (with ``momentum`` and ``nesterovs_momentum``, as scikit-learn's),
      'momentum' (classical heavy-ball momentum), 'adam', and the full-batch 'lbfgs' and
      'newton-cg' (one step of `chainrule.optim.LBFGS` / `NewtonCG` per iteration).
    - ``learning_rate`` ('constant', 'invscaling', 'adaptive') applies to the SGD solvers.

    The network trains in the dtype of ``X`` (float32 stays float32, anything else becomes
    float64), as scikit-learn's does. Fitted attributes: ``model_`` (the `chainrule.nn.MLP`,
    which returns logits), ``classes_``, ``n_features_in_``, ``feature_names_in_``,
    ``loss_``, ``loss_curve_``, ``best_loss_``, ``validation_scores_``,
    ``best_validation_score_``, ``n_iter_``, ``t_``, ``n_outputs_``, ``n_layers_``,
    ``out_activation_``, and ``coefs_`` / ``intercepts_`` read from the network.
    """

    def _prepare_targets(self, y: Any, reset: bool, incremental: bool, classes: Any
                         ) -> tuple[np.ndarray, str, int, dict[str, Any]]:
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        _refuse_mixed_labels(y)
        check_classification_targets(y)
        labels = unique_labels(y)
        facts: dict[str, Any] = {}
        if reset:
            if incremental and classes is None:
                raise ValueError(f"{type(self).__name__}.partial_fit: classes must be passed "
                                 f"on the first call")
            binarizer = LabelBinarizer().fit(y if classes is None else unique_labels(classes))
            if len(binarizer.classes_) < 2:
                raise ValueError(f"{type(self).__name__}: the targets hold one class only "
                                 f"({binarizer.classes_[0]!r}); a classifier needs at least "
                                 f"2 classes")
            facts = {"_label_binarizer": binarizer, "classes_": binarizer.classes_}
        else:
            binarizer = self._label_binarizer
            known = set(binarizer.classes_.tolist())
            if incremental and not set(labels.tolist()) <= known:
                raise ValueError(f"`y` has classes not in `self.classes_`: got {labels}, "
                                 f"expected a subset of {binarizer.classes_}")
            if not incremental and set(labels.tolist()) != known:
                raise ValueError(f"warm_start can only be used where `y` has the same classes "
                                 f"as in the previous call to fit: got {labels}, expected "
                                 f"{binarizer.classes_}")
        onehot = binarizer.transform(y)
        multilabel = binarizer.y_type_ == "multilabel-indicator"
        if binarizer.y_type_ == "multiclass":
            return np.argmax(onehot, axis=1).astype(np.int64), "softmax", onehot.shape[1], facts
        unit = "sigmoid"
        return onehot.astype(np.float64), unit, onehot.shape[1] if multilabel else 1, facts

    def _stratify(self, y: np.ndarray) -> np.ndarray | None:
        return None if type_of_target(y) == "multilabel-indicator" else y

    def _score(self, X: np.ndarray, y: np.ndarray, sample_weight: Any = None) -> float:
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)

    @available_if(check_stochastic_solver)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None,
                    classes: Any = None) -> "MLPClassifier":
        """One epoch over ``X, y`` with the optimiser's state kept between calls;
        ``classes`` (every label ``y`` may hold) is required on the first call."""
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, (n_samples, n_classes); for multi-label targets the
        probability of each label, (n_samples, n_labels)."""
        z = self._logits(X)
        if self.out_activation_ == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        p = 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid, finite for any z
        return p if self.n_outputs_ > 1 else np.hstack([1.0 - p, p])

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log of `predict_proba`, computed from the logits (finite where it is not -inf
        mathematically)."""
        z = self._logits(X)
        if self.out_activation_ == "softmax":
            shifted = z - z.max(axis=1, keepdims=True)
            return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        log_p, log_q = -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)
        return log_p if self.n_outputs_ > 1 else np.hstack([log_q, log_p])

    def predict(self, X: Any) -> np.ndarray:
        """The predicted classes (an indicator matrix for multi-label targets)."""
        z = self._logits(X)
        if self.out_activation_ == "softmax":
            return self.classes_[np.argmax(z, axis=1)]
        scores = (z > 0).astype(np.float64)  # sigmoid(z) > 1/2
        return self._label_binarizer.inverse_transform(
            scores if self.n_outputs_ > 1 else scores[:, 0])

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags
