"""The progress line of a running sweep: done, running, failed, pruned, best, time left."""
from __future__ import annotations

import sys
import time
from typing import IO


def _clock(seconds: float) -> str:
    seconds = int(round(max(seconds, 0)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Prints ``sweep 5/12 done, 2 running, 1 failed, 0 pruned | best val_accuracy 0.9722
    (trial 3) | 0:12 elapsed, ~0:20 left``: rewritten in place on a terminal, one line per
    finished trial otherwise. ``enabled=False`` prints nothing."""

    def __init__(self, total: int, metric: str, enabled: bool = True,
                 stream: IO[str] | None = None) -> None:
        self.total, self.metric, self.enabled = total, metric, enabled
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self._last_line = ""
        self._last_time = 0.0
        self._done_at_start: int | None = None

    def line(self, done: int, running: int, failed: int, pruned: int,
             best: tuple[float, int] | None) -> str:
        elapsed = time.monotonic() - self.start
        if self._done_at_start is None:
            self._done_at_start = done
        finished_here = done - self._done_at_start
        left = max(self.total - done, 0)
        if left == 0:
            eta = "done"
        elif finished_here:
            eta = f"~{_clock(elapsed / finished_here * left)} left"
        else:
            eta = "time left unknown yet"
        best_text = (f"best {self.metric} {best[0]:.4g} (trial {best[1]})" if best
                     else f"best {self.metric} -")
        return (f"sweep {done}/{self.total} done, {running} running, {failed} failed, "
                f"{pruned} pruned | {best_text} | {_clock(elapsed)} elapsed, {eta}")

    def update(self, done: int, running: int, failed: int, pruned: int,
               best: tuple[float, int] | None, final: bool = False) -> None:
        if not self.enabled:
            return
        text = self.line(done, running, failed, pruned, best)
        now = time.monotonic()
        if self.tty:
            if final or now - self._last_time >= 0.5:
                end = "\n" if final else ""
                self.stream.write("\r\033[K" + text + end)
                self.stream.flush()
                self._last_time = now
            return
        counts = text.split(" | ")[0]
        if counts != self._last_line:
            self.stream.write(text + "\n")
            self.stream.flush()
            self._last_line = counts
