"""Saving a fitted estimator in chainrule's model format (no pickle).

The folder is a chainrule model folder (`chainrule.train.save_model`: ``config.json`` with
the network's config, ``model.npz`` with its weights); the estimator's class, its
hyperparameters and its fitted attributes go into the config's metadata as JSON. The
optimiser's state is not kept: `partial_fit` after a load starts a fresh optimiser.
"""
from __future__ import annotations

import numbers
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.preprocessing import LabelBinarizer

from .. import train
from ._base import BaseMLP
from .classifier import MLPClassifier
from .regressor import MLPRegressor

_KIND = "chainrule.sklearn"
_CLASSES = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}
_FITTED = ("n_features_in_", "n_outputs_", "n_layers_", "out_activation_", "n_iter_", "t_",
           "loss_", "loss_curve_", "best_loss_", "validation_scores_",
           "best_validation_score_")


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return repr(value)  # 'inf', '-inf': JSON has no infinity
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if value in ("inf", "-inf"):
        return float(value)
    return value


def _params(est: BaseMLP) -> dict[str, Any]:
    params = est.get_params(deep=False)
    if not (params["random_state"] is None or isinstance(params["random_state"],
                                                         numbers.Integral)):
        params["random_state"] = None  # a RandomState object is not kept
    return {k: _json_value(v) for k, v in params.items()}


def save_estimator(est: BaseMLP, path: str | Path) -> Path:
    """Write the fitted ``est`` to the folder ``path`` (atomically); returns the path."""
    if not isinstance(est, BaseMLP):
        raise TypeError(f"save_estimator: expected a chainrule MLPClassifier or MLPRegressor, "
                        f"got {type(est).__name__}")
    if not hasattr(est, "model_"):
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(f"save_estimator: this {type(est).__name__} is not fitted yet; "
                             f"call fit first")
    fitted = {name: _json_value(getattr(est, name)) for name in _FITTED}
    if hasattr(est, "feature_names_in_"):
        fitted["feature_names_in_"] = [str(n) for n in est.feature_names_in_]
    if isinstance(est, MLPClassifier):
        binarizer = est._label_binarizer
        fitted["classes"] = {"values": _json_value(binarizer.classes_.tolist()),
                             "dtype": binarizer.classes_.dtype.str,
                             "y_type": binarizer.y_type_}
    else:
        fitted["y_is_1d"] = bool(est._y_is_1d)
    meta = {"kind": _KIND, "estimator": type(est).__name__, "params": _params(est),
            "fitted": fitted}
    return train.save_model(est.model_, path, metadata=meta)


def _binarizer(info: dict[str, Any]) -> LabelBinarizer:
    dtype = np.dtype(info["dtype"]) if info["dtype"] != "|O" else object
    classes = np.asarray(info["values"], dtype=dtype)
    if info["y_type"] == "multilabel-indicator":
        return LabelBinarizer().fit(np.eye(max(len(classes), 3), len(classes), dtype=int))
    return LabelBinarizer().fit(classes)


def load_estimator(path: str | Path) -> BaseMLP:
    """The estimator saved by `save_estimator` in ``path``, fitted, ready to predict."""
    meta = train.read_config(path).get("metadata", {})
    if not isinstance(meta, dict) or meta.get("kind") != _KIND or \
            meta.get("estimator") not in _CLASSES:
        raise ValueError(f"{path} holds a chainrule model but not a saved chainrule.sklearn "
                         f"estimator (save one with chainrule.sklearn.save_estimator)")
    params = dict(meta["params"])
    if isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    est = _CLASSES[meta["estimator"]](**params)
    fitted = dict(meta["fitted"])
    est.model_ = train.load_model(path)
    for name in _FITTED:
        setattr(est, name, _from_json(fitted[name]))
    if "feature_names_in_" in fitted:
        est.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
    if isinstance(est, MLPClassifier):
        est._label_binarizer = _binarizer(fitted["classes"])
        est.classes_ = est._label_binarizer.classes_
    else:
        est._y_is_1d = bool(fitted["y_is_1d"])
    est._no_improvement_count, est._best_state, est._optimizer = 0, None, None
    return est
