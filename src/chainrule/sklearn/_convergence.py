"""`SklearnConvergence`: scikit-learn's end-of-iteration bookkeeping as a chainrule
`Callback` -- the loss curve, the stopping rule on the training loss or on a validation
score, the 'invscaling' and 'adaptive' learning rates, and the best weights of an early
stop. It runs inside `chainrule.train.fit`; the estimators add no loop of their own."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..train import Callback

#: below this learning rate the 'adaptive' schedule stops instead of dividing by 5
_MIN_ADAPTIVE_LR = 1e-6


class SklearnConvergence(Callback):
    """Records each epoch on the estimator ``est`` (``loss_``, ``loss_curve_``, ``n_iter_``,
    ``t_``, ``validation_scores_``) and sets ``trainer.stop_training`` when the loss (or the
    validation score, with ``validation``) has not improved by ``tol`` for more than
    ``n_iter_no_change`` epochs.

    Args:
        penalty: coefficient c of the L2 term ``c * sum W^2`` added to the logged loss
            (0 when the loss already holds it).
        validation: ``score() -> float`` on the held-out split, or None.
        schedule: 'constant', 'invscaling' or 'adaptive' (the SGD solvers' learning rate).
    """

    def __init__(self, est: Any, hp: dict[str, Any], n_train: float, penalty: float,
                 weights: list, validation: Callable[[], float] | None, schedule: str
                 ) -> None:
        self.est, self.hp, self.n_train = est, hp, n_train
        self.penalty, self.weights = penalty, weights
        self.validation, self.schedule = validation, schedule
        self.converged = False

    def _penalty_value(self) -> float:
        if not self.penalty:
            return 0.0
        return self.penalty * sum(float(np.vdot(w.data, w.data)) for w in self.weights)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        est, tol = self.est, self.hp["tol"]
        loss = float(logs["loss"]) + self._penalty_value()
        est.loss_ = loss
        est.loss_curve_.append(loss)
        est.n_iter_ += 1
        est.t_ += self.n_train
        if self.validation is not None:
            score = self.validation()
            est.validation_scores_.append(score)
            worse = score < est.best_validation_score_ + tol
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                est._best_state = {k: v.copy() for k, v in est.model_.state_dict().items()}
        else:
            worse = loss > est.best_loss_ - tol
            est.best_loss_ = min(est.best_loss_, loss)
        est._no_improvement_count = est._no_improvement_count + 1 if worse else 0
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {loss:.8f}")
        groups = self.trainer.optimizer.param_groups
        if self.schedule == "invscaling":
            for g in groups:
                g["lr"] = self.hp["learning_rate_init"] / (est.t_ + 1) ** self.hp["power_t"]
        if est._no_improvement_count > self.hp["n_iter_no_change"]:
            self._no_improvement(groups)

    def _no_improvement(self, groups: list[dict[str, Any]]) -> None:
        est = self.est
        what = "Validation score" if self.validation is not None else "Training loss"
        reason = (f"{what} did not improve more than tol={self.hp['tol']:f} for "
                  f"{self.hp['n_iter_no_change']} consecutive epochs.")
        if self.schedule == "adaptive" and groups[0]["lr"] > _MIN_ADAPTIVE_LR:
            for g in groups:
                g["lr"] /= 5.0
            est._no_improvement_count = 0
            if est.verbose:
                print(f"{reason} Setting learning rate to {groups[0]['lr']:f}")
            return
        if est.verbose:
            print(f"{reason} Stopping.")
        self.converged = True
        self.trainer.stop_training = True
