"""`ProgressBar`: what `fit` prints while it trains.

On a terminal (``verbose=1``)::

    Epoch 3/30
     41/57 [=====================>........] - ETA: 0s - loss: 0.2345

redrawn in place at most ten times a second, then replaced at the end of the epoch by::

     57/57 [==============================] - 0.4s 7ms/step - loss: 0.2291 - accuracy: 0.9371 - val_loss: ...

In a Jupyter notebook (``verbose=1``, printing to the default stdout) the bar is HTML updated
in place, with a table of the epochs' metrics (:mod:`chainrule.train.notebook_progress`).
When the output is not a terminal (a log file, a pipe) or with
``verbose=2``, one line per epoch: ``Epoch 3/30 - 0.4s - loss: 0.2291 - ...``.
``verbose=0`` prints nothing.
"""
from __future__ import annotations

import sys
import time
from typing import IO, Any

from .callbacks import Callback

_WIDTH = 30


def format_logs(logs: dict[str, float]) -> str:
    """``"loss: 0.2291 - accuracy: 0.9371"``: 4 significant decimals, lr in short form."""
    parts = []
    for key, value in logs.items():
        if key in ("size", "batch"):
            continue
        parts.append(f"{key}: {value:.3g}" if key == "lr" else f"{key}: {value:.4f}")
    return " - ".join(parts)


def format_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}:{secs:02d}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


class ProgressBar(Callback):
    """A per-epoch progress bar with the running loss and an ETA, then the epoch's metrics.

    ``verbose``: 0 silent, 1 a bar on a terminal and one line per epoch otherwise, 2 always one
    line per epoch. ``file``: where to print (default: ``sys.stdout`` at the time of printing).
    """

    priority = 50

    def __init__(self, verbose: int = 1, file: IO[str] | None = None,
                 refresh_seconds: float = 0.1) -> None:
        if verbose not in (0, 1, 2):
            raise ValueError(f"ProgressBar: verbose must be 0, 1 or 2, got {verbose!r}")
        self.verbose = verbose
        self._file = file
        self.refresh_seconds = float(refresh_seconds)
        self._bar = False
        self._notebook: Any = None
        self._epoch = 0
        self._epochs = 0
        self._steps = 0
        self._start = 0.0
        self._last_draw = 0.0
        self._loss_sum = 0.0
        self._count = 0

    @property
    def file(self) -> IO[str]:
        return self._file if self._file is not None else sys.stdout

    def _print(self, text: str, end: str = "\n") -> None:
        self.file.write(text + end)
        self.file.flush()

    def on_train_begin(self, logs: dict[str, float]) -> None:
        isatty = getattr(self.file, "isatty", None)
        self._bar = self.verbose == 1 and callable(isatty) and bool(isatty())
        self._epochs = self.trainer.epochs if self.trainer is not None else 0
        self._notebook = None
        if self.verbose == 1 and self._file is None:
            from .notebook_progress import NotebookBar, in_notebook
            if in_notebook():
                self._notebook, self._bar = NotebookBar(self._epochs), False

    def on_epoch_begin(self, epoch: int, logs: dict[str, float]) -> None:
        if not self.verbose:
            return
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._loss_sum, self._count = 0.0, 0
        self._steps = self.trainer.steps_per_epoch if self.trainer is not None else 0
        self._epoch = epoch
        if self._bar:
            self._print(f"Epoch {epoch + 1}/{self._epochs}")

    def on_batch_end(self, batch: int, logs: dict[str, float]) -> None:
        if not (self._bar or self._notebook):
            return
        size = int(logs.get("size", 1))
        self._loss_sum += logs.get("loss", 0.0) * size
        self._count += size
        now = time.perf_counter()
        if now - self._last_draw < self.refresh_seconds and batch + 1 < self._steps:
            return
        self._last_draw = now
        done = batch + 1
        elapsed = now - self._start
        eta = elapsed / done * max(self._steps - done, 0)
        loss = self._loss_sum / max(self._count, 1)
        if self._notebook is not None:
            self._notebook.batch(self._epoch, done, self._steps, eta, loss)
            return
        self._print(f"\r{self._bar_text(done)} - ETA: {format_seconds(eta)} - loss: {loss:.4f}",
                    end="")

    def _bar_text(self, done: int) -> str:
        total = max(self._steps, done)
        width = len(str(total))
        filled = int(_WIDTH * done / total) if total else _WIDTH
        arrow = "=" * filled if filled >= _WIDTH else "=" * filled + ">" + "." * (
            _WIDTH - filled - 1)
        return f"{done:>{width}}/{total} [{arrow}]"

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        if not self.verbose:
            return
        elapsed = time.perf_counter() - self._start
        if self._notebook is not None:
            self._notebook.epoch_end(epoch, elapsed, logs)
            return
        text = format_logs(logs)
        if self._bar:
            per_step = elapsed / max(self._steps, 1) * 1000
            self._print(f"\r{self._bar_text(self._steps)} - {format_seconds(elapsed)} "
                        f"{per_step:.0f}ms/step - {text}\x1b[K")
        else:
            self._print(f"Epoch {epoch + 1}/{self._epochs} - {format_seconds(elapsed)} - {text}")

    def on_train_end(self, logs: dict[str, Any]) -> None:
        stopped = self.trainer is not None and self.trainer.stopped_early
        if self._notebook is not None:
            self._notebook.finish(self.trainer.epoch if stopped else None)
            return
        if self.verbose and stopped:
            self._print(f"Stopped early after epoch {self.trainer.epoch}.")
