"""`BaseMLP`: what `MLPClassifier` and `MLPRegressor` share -- the hyperparameters, the
network, and a fit that runs through `chainrule.train.fit` with chainrule's optimisers.

The subclasses say how targets are encoded (`_prepare_targets`), which output unit the
network ends with, and how a validation split is scored (`_score`).
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .. import nn, train
from ._closure import GraphClosure
from ._convergence import SklearnConvergence
from ._losses import PenalisedLoss, WeightedLoss, pack_targets, unit_loss
from ._params import FULL_BATCH_SOLVERS, build_optimizer, check_hyperparameters

_DTYPES = (np.float64, np.float32)
_SEED_BOUND = 2 ** 31 - 1
_STOCHASTIC = ("sgd", "momentum", "adam")


def check_stochastic_solver(est: Any) -> bool:
    """partial_fit exists for the mini-batch solvers only (as in scikit-learn)."""
    if est.solver not in _STOCHASTIC:
        raise AttributeError(f"partial_fit is only available for stochastic optimizers "
                             f"({', '.join(_STOCHASTIC)}); {est.solver!r} is not stochastic")
    return True


class BaseMLP(BaseEstimator):
    """Shared base of the chainrule MLP estimators (see `MLPClassifier`)."""

    _y_numeric = False

    def __init__(self, hidden_layer_sizes: Any = (100,), activation: Any = "relu", *,
                 solver: str = "adam", alpha: float = 0.0001, batch_size: Any = "auto",
                 learning_rate: str = "constant", learning_rate_init: float = 0.001,
                 power_t: float = 0.5, max_iter: int = 200, shuffle: bool = True,
                 random_state: Any = None, tol: float = 1e-4, verbose: Any = False,
                 warm_start: bool = False, momentum: float = 0.9,
                 nesterovs_momentum: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8,
                 n_iter_no_change: int = 10) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

    # ------------------------------------------------------------ subclass hooks
    def _prepare_targets(self, y: Any, reset: bool, incremental: bool, classes: Any
                         ) -> tuple[np.ndarray, str, int, dict[str, Any]]:
        """``(targets for the loss, output unit, n_outputs, fitted facts to set)``."""
        raise NotImplementedError

    def _validation_target(self, y: np.ndarray) -> np.ndarray:
        """The targets ``_score`` compares predictions with (the raw ``y``)."""
        return y

    def _stratify(self, y: np.ndarray) -> np.ndarray | None:
        return None

    def _score(self, X: np.ndarray, y: np.ndarray, sample_weight: Any = None) -> float:
        return self.score(X, y, sample_weight=sample_weight)

    # ------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "BaseMLP":
        """Train on ``X`` (n_samples, n_features) and ``y``; returns self."""
        return self._fit(X, y, sample_weight, incremental=False, classes=None)

    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool, classes: Any
             ) -> "BaseMLP":
        hp = check_hyperparameters(self)
        reset = not ((self.warm_start or incremental) and hasattr(self, "model_"))
        X, y = validate_data(self, X, y, reset=reset, dtype=_DTYPES, multi_output=True,
                             y_numeric=self._y_numeric)
        targets, unit, n_out, facts = self._prepare_targets(y, reset, incremental, classes)
        dtype = X.dtype if reset else self.model_.dtype
        X = X.astype(dtype, copy=False)
        sw = None
        if sample_weight is not None:
            sw = _check_sample_weight(sample_weight, X, dtype=dtype, ensure_non_negative=True)
            if not sw.sum() > 0:
                raise ValueError(f"{type(self).__name__}: the sample weights sum to "
                                 f"{sw.sum()}; at least one must be positive")
            if np.all(sw == 1):
                sw = None  # the unweighted loss, exactly
        rng = check_random_state(self.random_state)
        early = self.early_stopping and not incremental
        split = self._split(X, y, targets, sw, rng, hp) if early else None
        for name, value in facts.items():
            setattr(self, name, value)
        if reset:
            self._initialize(X.shape[1], n_out, unit, hp, dtype, rng)
        if early:
            self.validation_scores_, self.best_validation_score_ = [], -np.inf
            self.best_loss_ = None
        elif self.best_loss_ is None:  # an early-stopped fit continued without
            self.best_loss_, self.validation_scores_ = np.inf, None
        X_tr, T_tr, sw_tr = (X, targets, sw) if split is None else split[:3]
        self._train(X_tr, T_tr, sw_tr, split, hp, unit, incremental, rng)
        return self

    def _split(self, X: np.ndarray, y: np.ndarray, targets: np.ndarray, sw: Any,
               rng: Any, hp: dict[str, Any]) -> tuple:
        parts = [X, targets, self._validation_target(y)] + ([] if sw is None else [sw])
        cut = train_test_split(*parts, random_state=rng, test_size=hp["validation_fraction"],
                               stratify=self._stratify(y))
        X_tr, X_val, T_tr, _, _, y_val = cut[:6]
        sw_tr, sw_val = (None, None) if sw is None else cut[6:8]
        if len(X_val) < 2:
            raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                             "or the size of your dataset.")
        return X_tr, T_tr, sw_tr, X_val, y_val, sw_val

    def _initialize(self, n_features: int, n_out: int, unit: str, hp: dict[str, Any],
                    dtype: np.dtype, rng: Any) -> None:
        self.model_ = nn.MLP(n_features, hp["hidden"], n_out, activation=hp["activations"],
                             output=unit, seed=int(rng.randint(_SEED_BOUND)), dtype=dtype)
        self.n_outputs_ = n_out
        self.n_layers_ = len(hp["hidden"]) + 2
        self.out_activation_ = {"sigmoid": "logistic", "softmax": "softmax",
                                "linear": "identity"}[unit]
        self.n_iter_, self.t_ = 0, 0
        self.loss_curve_: list[float] = []
        self.best_loss_: float | None = np.inf
        self.validation_scores_: list[float] | None = None
        self.best_validation_score_: float | None = None
        self._no_improvement_count = 0
        self._best_state: dict[str, np.ndarray] | None = None
        self._optimizer: Any = None

    def _train(self, X: np.ndarray, T: np.ndarray, sw: Any, split: Any, hp: dict[str, Any],
               unit: str, incremental: bool, rng: Any) -> None:
        model, n = self.model_, len(X)
        full = self.solver in FULL_BATCH_SOLVERS
        batch = n if full else self._batch_size(hp["batch_size"], n)
        named = list(model.named_parameters())
        weights = [p for name, p in named if name.endswith("weight")]
        biases = [p for name, p in named if not name.endswith("weight")]
        scale = 1.0 if sw is None else n / float(sw.sum())  # sklearn divides by sum(w)
        decay = 0.0 if full else hp["alpha"] / batch * scale
        if self._optimizer is None or not incremental:
            self._optimizer = build_optimizer(self.solver, hp, weights, biases, decay)
        loss = unit_loss(unit) if sw is None else WeightedLoss(unit)
        data_targets = T if sw is None else pack_targets(T, sw, model.dtype)
        opt = self._optimizer
        if full:
            loss = PenalisedLoss(loss, weights, 0.5 * hp["alpha"] / (n / scale))
            if self.solver == "newton-cg":
                opt = GraphClosure(opt, model, loss, X, data_targets)
        validation = None
        if split is not None:
            X_val, y_val, sw_val = split[3:]
            validation = lambda: self._score(X_val, y_val, sample_weight=sw_val)  # noqa: E731
        schedule = self.learning_rate if self.solver in ("sgd", "momentum") else "constant"
        conv = SklearnConvergence(self, hp, n, 0.0 if full else 0.5 * decay, weights,
                                  validation, schedule)
        train.fit(model, loss, opt, (X, data_targets), epochs=1 if incremental else
                  hp["max_iter"], batch_size=batch, shuffle=self.shuffle and not full,
                  seed=int(rng.randint(_SEED_BOUND)), verbose=0, metrics=None,
                  callbacks=[conv])
        if split is not None and self._best_state is not None:
            model.load_state_dict(self._best_state)
        if not incremental and not conv.converged:
            warnings.warn(f"{type(self).__name__}: maximum iterations ({hp['max_iter']}) "
                          f"reached and the optimization hasn't converged yet.",
                          ConvergenceWarning)

    def _batch_size(self, batch: Any, n: int) -> int:
        if batch == "auto":
            return min(200, n)
        if batch > n:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is "
                          "going to be clipped")
        return min(batch, n)

    # ------------------------------------------------------------ inference
    def _logits(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_DTYPES)
        return train.predict_logits(self.model_, X)

    @property
    def coefs_(self) -> list[np.ndarray]:
        """The weight matrices, (fan_in, fan_out) each, as scikit-learn lays them out."""
        check_is_fitted(self)
        return [p.data.T.copy() for name, p in self.model_.named_parameters()
                if name.endswith("weight")]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """The bias vectors, one per layer."""
        check_is_fitted(self)
        return [p.data.copy() for name, p in self.model_.named_parameters()
                if name.endswith("bias")]
