"""chainrule.playground: train a network live in the browser and watch backpropagation.

``chainrule playground`` serves one page (static files in ``static/``, no CDN) and a JSON +
WebSocket API (``PROTOCOL.md``) on a Starlette app. All training and maths run here, in
Python, on chainrule's public API; the page only draws. Needs the ``playground`` extra
(``pip install "chainrule[playground]"``).
"""
from __future__ import annotations

from typing import Any

__all__ = ["create_app", "serve"]


def __getattr__(name: str) -> Any:
    # Starlette and uvicorn are imported only when the app is asked for
    if name == "create_app":
        from .app import create_app
        return create_app
    if name == "serve":
        from .server import serve
        return serve
    raise AttributeError(f"module 'chainrule.playground' has no attribute {name!r}")
