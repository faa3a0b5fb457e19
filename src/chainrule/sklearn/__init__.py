"""chainrule.sklearn: chainrule networks as scikit-learn estimators (``pip install
"chainrule[sklearn]"``).

`MLPClassifier` and `MLPRegressor` follow scikit-learn's conventions (pipelines,
cross-validation, grid search, pickling) and train through `chainrule.train.fit`.
`save_estimator` / `load_estimator` keep a fitted estimator in chainrule's pickle-free
model format; `chainrule.export.to_onnx` exports one to ONNX.

Examples:
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from chainrule.sklearn import MLPClassifier
    >>> clf = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(64,)))
    >>> clf.fit(X, y).score(X_test, y_test)
"""
from __future__ import annotations

from .classifier import MLPClassifier
from .persist import load_estimator, save_estimator
from .regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor", "load_estimator", "save_estimator"]
