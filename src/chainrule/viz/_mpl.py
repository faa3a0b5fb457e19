"""Lazy matplotlib (Agg backend: files, no window) and saving figures."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def pyplot() -> Any:
    """``matplotlib.pyplot`` with the Agg backend; ImportError naming the extra if missing."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError('chainrule.viz needs matplotlib: pip install "chainrule[viz]"') from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def finish(fig: Any, path: str | Path | None) -> Any:
    """Save ``fig`` as a PNG (or the format of ``path``'s suffix) when ``path`` is given,
    close it from pyplot's registry (so loops do not leak), and return it."""
    if path is not None:
        fig.savefig(Path(path), dpi=100, bbox_inches="tight")
    pyplot().close(fig)
    return fig
