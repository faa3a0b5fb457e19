"""The progress bar `fit` shows inside a Jupyter notebook: HTML, updated in place.

An HTML ``<progress>`` element for the current epoch with the running loss and an ETA, and
below it a table of the epochs' metrics (the last ``max_rows``). It is one display output
updated with ``display_id`` (no ipywidgets needed), so a saved or rendered notebook keeps
its final state. :func:`in_notebook` tells whether the code runs in a Jupyter kernel.
"""
from __future__ import annotations

import html
import sys
from typing import Any

from .progress import format_seconds


def in_notebook() -> bool:
    """True when running inside a Jupyter (IPython) kernel, not a terminal IPython."""
    ipython = sys.modules.get("IPython")
    zmqshell = sys.modules.get("ipykernel.zmqshell")
    if ipython is None or zmqshell is None:
        return False
    shell = ipython.get_ipython()
    return isinstance(shell, zmqshell.ZMQInteractiveShell)


def _cell(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) and abs(value) < 1e-3 else (
        f"{value:.4f}" if isinstance(value, float) else html.escape(str(value)))


class NotebookBar:
    """One HTML display: the current epoch's bar and the table of finished epochs."""

    def __init__(self, epochs: int, max_rows: int = 8) -> None:
        from IPython.display import HTML, display

        self._html_type = HTML
        self.epochs = epochs
        self.max_rows = max_rows
        self.rows: list[tuple[int, float, dict[str, float]]] = []
        self._line = "starting…"
        self._done, self._steps = 0, 1
        self._handle = display(HTML(self.render()), display_id=True)

    def render(self) -> str:
        bar = (f"<progress value='{self._done}' max='{max(self._steps, 1)}' "
               f"style='width:18em;vertical-align:middle'></progress> ")
        parts = [f"<div class='chainrule-progress'><div style='font-family:monospace'>{bar}"
                 f"{html.escape(self._line)}</div>"]
        if self.rows:
            keys = list(dict.fromkeys(k for _, _, logs in self.rows for k in logs
                                      if k not in ("size", "batch")))
            head = "".join(f"<th>{html.escape(k)}</th>" for k in ["epoch", "time", *keys])
            shown = self.rows[-self.max_rows:]
            body = "".join(
                "<tr>" + f"<td>{e + 1}</td><td>{format_seconds(t)}</td>"
                + "".join(f"<td>{_cell(logs[k]) if k in logs else ''}</td>" for k in keys)
                + "</tr>" for e, t, logs in shown)
            more = len(self.rows) - len(shown)
            note = (f"<p style='margin:0'><small>{more} earlier epochs: see the History "
                    f"fit returns</small></p>") if more else ""
            parts.append(f"<table class='chainrule-table'><thead><tr>{head}</tr></thead>"
                         f"<tbody>{body}</tbody></table>"
                         f"{note}")
        return "".join(parts) + "</div>"

    def _show(self) -> None:
        self._handle.update(self._html_type(self.render()))

    def batch(self, epoch: int, done: int, steps: int, eta: float, loss: float) -> None:
        self._done, self._steps = done, steps
        self._line = (f"Epoch {epoch + 1}/{self.epochs} · {done}/{steps} · "
                      f"ETA {format_seconds(eta)} · loss {loss:.4f}")
        self._show()

    def epoch_end(self, epoch: int, seconds: float, logs: dict[str, float]) -> None:
        self.rows.append((epoch, seconds, dict(logs)))
        self._done = self._steps
        self._line = f"Epoch {epoch + 1}/{self.epochs} · {format_seconds(seconds)}"
        self._show()

    def finish(self, stopped_after: int | None) -> None:
        total = sum(t for _, t, _ in self.rows)
        what = (f"Stopped early after epoch {stopped_after}" if stopped_after is not None
                else f"{len(self.rows)} epochs")
        self._line = f"{what} · {format_seconds(total)}"
        self._show()
