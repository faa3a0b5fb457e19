"""chainrule.train: the fit loop, callbacks, metrics, inference and checkpoints.

>>> from chainrule import nn, optim, train
>>> model = nn.MLP(64, [128, 64], 10)
>>> opt = optim.get_optimizer("adam", model.parameters(), lr=1e-3)
>>> history = train.fit(model, nn.CrossEntropyLoss(), opt, (X, y), val_data=(Xv, yv),
...                     epochs=20, callbacks=[train.EarlyStopping(patience=3)])
>>> train.evaluate(model, (Xt, yt), metrics=["accuracy", "f1"])
>>> train.save_model(model, "my-model", metadata={"class_names": names})
"""
from __future__ import annotations

from . import metrics
from .callbacks import (Callback, CallbackList, EarlyStopping, History, LambdaCallback,
                        LearningRateScheduler, ModelCheckpoint, NaNGuard,
                        TrainingDivergedError)
from .checkpoint import (Checkpoint, atomic_write_bytes, atomic_write_text, is_model_folder,
                         load_checkpoint, load_model, read_config, read_json,
                         save_checkpoint, save_model, write_json)
from .inference import evaluate, predict, predict_logits, predict_proba
from .losses import OutputLoss
from .progress import ProgressBar
from .step import TrainStep
from .trainer import Trainer, fit

__all__ = [
    "Callback", "CallbackList", "Checkpoint", "EarlyStopping", "History", "LambdaCallback",
    "LearningRateScheduler", "ModelCheckpoint", "NaNGuard", "OutputLoss", "ProgressBar",
    "TrainStep", "Trainer", "TrainingDivergedError", "atomic_write_bytes", "atomic_write_text", "evaluate",
    "fit", "is_model_folder", "load_checkpoint", "load_model", "metrics", "predict",
    "predict_logits", "predict_proba", "read_config", "read_json", "save_checkpoint",
    "save_model",
    "write_json",
]
