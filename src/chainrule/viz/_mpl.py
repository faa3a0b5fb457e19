"""Lazy matplotlib (Agg backend: files, no window; Jupyter keeps its inline backend) and
saving figures."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable


def pyplot() -> Any:
    """``matplotlib.pyplot`` with the Agg backend; ImportError naming the extra if missing."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError('chainrule.viz needs matplotlib: pip install "chainrule[viz]"') from None
    if not matplotlib.get_backend().startswith("module://"):  # keep Jupyter's inline backend
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


def figure_png(draw: Callable[[], Any]) -> bytes | None:
    """The PNG bytes of the figure ``draw()`` returns, for Jupyter's ``_repr_png_``;
    None when matplotlib is not installed (Jupyter then shows the text repr)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    buf = io.BytesIO()
    draw().savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return buf.getvalue()
