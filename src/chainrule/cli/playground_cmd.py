"""``chainrule playground``: train a network live in the browser (needs the playground
extra)."""
from __future__ import annotations

import argparse
from typing import Any


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is from 0 to 65535 (0: a free one), got "
                                         f"{port}")
    return port


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "playground", help="train a network live in the browser",
        description="Start the playground: a local web page where a network trains live on "
                    "a 2-D dataset and every number of backpropagation can be inspected. It "
                    "listens on 127.0.0.1 (this machine only) on a free port and prints its "
                    "address. Needs: pip install \"chainrule[playground]\".")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=_port, default=0,
                   help="port to listen on (default: a free one)")
    p.add_argument("--open", action="store_true", dest="open_browser",
                   help="open the page in the default browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ValueError(f"the playground needs Starlette and uvicorn ({exc}); install them "
                         f"with: pip install \"chainrule[playground]\"") from None
    from ..playground.server import serve

    try:
        serve(args.host, args.port, args.open_browser)
    except KeyboardInterrupt:
        pass
    return 0
