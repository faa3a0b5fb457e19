"""`serve`: run the playground on uvicorn, on loopback and a free port unless told otherwise."""
from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import webbrowser
from typing import Callable, TextIO

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one chosen by the system)."""
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be from 0 to 65535 (0: a free one), got {port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 0, open_browser: bool = False,
          out: TextIO = sys.stdout, log_level: str = "warning",
          on_ready: Callable[[str], None] | None = None) -> None:
    """Serve the playground until interrupted; print its address first."""
    import uvicorn

    from .app import create_app

    sock = bind(host, port)
    url = url_of(sock)
    hosts = None
    if is_loopback(host):
        hosts = ["127.0.0.1", "localhost", "[::1]", "::1"]
    app = create_app(allowed_hosts=hosts)
    config = uvicorn.Config(app, log_level=log_level, ws_max_size=1 << 20,
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    print(f"chainrule playground: {url}  (Ctrl+C stops it)", file=out, flush=True)
    if not is_loopback(host):
        print("warning: listening beyond this machine; anyone who can reach it can use it",
              file=out, flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    if on_ready is not None:
        on_ready(url)
    server.run(sockets=[sock])
