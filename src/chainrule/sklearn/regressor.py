"""`MLPRegressor`: a chainrule network as a scikit-learn regressor."""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if

from ._base import BaseMLP, check_stochastic_solver


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multilayer perceptron regressor trained by `chainrule.train.fit`: a linear output
    unit and the squared error ``mean((y - y_hat)^2) / 2`` (weighted by ``sample_weight``
    when given) plus the L2 penalty, as scikit-learn's ``MLPRegressor``.

    One target (``y`` of shape (n,)) or several ((n, k)); `predict` returns the same shape.
    Hyperparameters and fitted attributes are `MLPClassifier`'s, without ``classes_``.
    """

    _y_numeric = True

    def _prepare_targets(self, y: Any, reset: bool, incremental: bool, classes: Any
                         ) -> tuple[np.ndarray, str, int, dict[str, Any]]:
        targets = y.reshape(len(y), -1).astype(np.float64)
        if not reset and targets.shape[1] != self.n_outputs_:
            raise ValueError(f"{type(self).__name__}: y has {targets.shape[1]} outputs, the "
                             f"fitted network has {self.n_outputs_}")
        return targets, "linear", targets.shape[1], {"_y_is_1d": y.ndim == 1} if reset else {}

    def _score(self, X: np.ndarray, y: np.ndarray, sample_weight: Any = None) -> float:
        return r2_score(y, self.predict(X), sample_weight=sample_weight)

    @available_if(check_stochastic_solver)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> "MLPRegressor":
        """One epoch over ``X, y`` with the optimiser's state kept between calls."""
        return self._fit(X, y, sample_weight, incremental=True, classes=None)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values, (n_samples,) for one target, else (n_samples, n_targets)."""
        out = self._logits(X)
        return out[:, 0] if self._y_is_1d else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
