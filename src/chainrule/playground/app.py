"""The Starlette application: the static page, the JSON API and the live WebSocket.

Every route is described in PROTOCOL.md. Refused requests get a 4xx JSON answer
``{"error": message}``; training, frames and exports run in worker threads so the event
loop stays responsive.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import math
from pathlib import Path
from typing import Any, AsyncIterator, Sequence
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from .config import LIMITS, SetupError, options
from .export import model_zip
from .points import previews
from .sessions import Session, SessionStore
from .upload import parse_csv

STATIC_DIR = Path(__file__).with_name("static")
FRAME_INTERVAL = 1.0 / 30.0  # at most ~30 frames per second per socket
REAP_INTERVAL = 30.0


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) past ``limit`` bytes without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise SetupError(f"bad Content-Length header {declared[:20]!r}")
        if int(declared) > limit:
            raise SetupError(f"the request body has {int(declared):,} bytes; at most "
                             f"{limit:,} are accepted", status=413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise SetupError(f"the request body is larger than {limit:,} bytes", status=413)
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> Any:
    raise SetupError(f"the JSON has {name}, which is not a number JSON allows; send a finite "
                     f"number")


def parse_json(raw: bytes, what: str = "the request body") -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except SetupError:
        raise
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise SetupError(f"{what} is not valid JSON: {exc}") from None


async def _json(request: Request) -> Any:
    raw = await _body(request, LIMITS["json_bytes"])
    return parse_json(raw) if raw.strip() else {}


def _session_view(session: Session) -> dict[str, Any]:
    frame, _, _ = session.frame(-1, -1)
    return {"id": session.id, "setup": session.setup,
            "domain": list(session.playground.points.domain), "frame": frame}


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


class PlaygroundAPI:
    """The routes, around one `SessionStore`."""

    def __init__(self, store: SessionStore) -> None:
        self.store = store

    async def health(self, request: Request) -> Response:
        return JSONResponse({"ok": True, "sessions": len(self.store),
                             "max_sessions": self.store.max_sessions})

    async def options(self, request: Request) -> Response:
        return JSONResponse({**options(), "previews": previews()})

    async def create(self, request: Request) -> Response:
        patch = await _json(request)
        session = await run_in_threadpool(self.store.create, patch)
        return JSONResponse(await run_in_threadpool(_session_view, session))

    def _session(self, request: Request) -> Session:
        return self.store.get(request.path_params["id"])

    async def show(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(_session_view, self._session(request)))

    async def delete(self, request: Request) -> Response:
        await run_in_threadpool(self.store.delete, request.path_params["id"])
        return JSONResponse({"ok": True})

    async def setup(self, request: Request) -> Response:
        session = self._session(request)
        patch = await _json(request)
        await run_in_threadpool(session.apply_setup, patch)
        return JSONResponse(await run_in_threadpool(_session_view, session))

    async def data(self, request: Request) -> Response:
        session = self._session(request)
        return JSONResponse(await run_in_threadpool(session.call, lambda pg: pg.data()))

    async def backprop(self, request: Request) -> Response:
        session = self._session(request)
        text = request.query_params.get("index")
        if text is None or not text.strip().lstrip("-").isdigit():
            got = "no index" if text is None else f"{text!r}"
            raise SetupError(f"backprop needs ?index=N, the number of a training point; got "
                             f"{got}")
        index = int(text)
        return JSONResponse(await run_in_threadpool(session.call,
                                                    lambda pg: pg.backprop(index)))

    async def weight(self, request: Request) -> Response:
        session = self._session(request)
        body = await _json(request)
        if not isinstance(body, dict) or not {"layer", "to", "from", "value"} <= set(body):
            raise SetupError('the body must be {"layer": k, "to": j, "from": i or "bias", '
                             '"value": v}')
        await run_in_threadpool(session.edit_weight, body["layer"], body["to"], body["from"],
                                body["value"])
        frame, _, _ = await run_in_threadpool(session.frame, -1, -1)
        return JSONResponse({"frame": frame})

    async def upload(self, request: Request) -> Response:
        session = self._session(request)
        raw = await _body(request, LIMITS["upload_bytes"])
        upload = await run_in_threadpool(parse_csv, raw)
        await run_in_threadpool(session.apply_upload, upload)
        return JSONResponse(await run_in_threadpool(_session_view, session))

    async def export_model(self, request: Request) -> Response:
        session = self._session(request)
        name, data = await run_in_threadpool(session.call, model_zip)
        return Response(data, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def export_setup(self, request: Request) -> Response:
        session = self._session(request)
        return JSONResponse(session.setup, headers={
            "Content-Disposition": 'attachment; filename="playground-setup.json"'})

    # ------------------------------------------------------------- the live socket
    async def live(self, ws: WebSocket) -> None:
        await ws.accept()
        try:
            session = self.store.get(ws.path_params["id"])
        except SetupError as exc:
            await ws.close(code=4404, reason=str(exc)[:120])
            return
        session.sockets += 1
        outbox: asyncio.Queue[str] = asyncio.Queue()
        wake = asyncio.Event()
        sender = asyncio.create_task(self._pump(ws, session, outbox, wake))
        try:
            while True:
                text = await ws.receive_text()
                session.touch()
                try:
                    await self._command(session, text, wake)
                except ValueError as exc:  # a refused command (SetupError included)
                    await outbox.put(_dumps({"type": "error", "message": str(exc)}))
                wake.set()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(BaseException):
                await sender
            session.sockets -= 1
            session.touch()
            if session.sockets == 0:  # the page is gone: stop using a core for nobody
                session.stop_training()

    async def _command(self, session: Session, text: str, wake: asyncio.Event) -> None:
        if len(text) > LIMITS["json_bytes"]:
            raise SetupError(f"a command is at most {LIMITS['json_bytes']:,} characters")
        msg = parse_json(text.encode("utf-8"), "the command")
        cmd = msg.get("cmd") if isinstance(msg, dict) else None
        actions = {"play": session.play, "pause": session.pause, "step": session.step,
                   "reset": session.reset}
        if cmd in actions:
            await run_in_threadpool(actions[cmd])
        elif cmd == "speed":
            session.set_speed(msg.get("epochs_per_second"))
        elif cmd == "frame":
            session.request_frame()
        else:
            raise SetupError(f"unknown command {cmd!r}; expected one of play, pause, step, "
                             f"reset, speed, frame (as {{\"cmd\": ...}})")

    async def _pump(self, ws: WebSocket, session: Session, outbox: asyncio.Queue[str],
                    wake: asyncio.Event) -> None:
        """Send queued messages, the session's errors and (when it changed) a frame, at
        most every FRAME_INTERVAL seconds."""
        loop = asyncio.get_running_loop()
        sent_version, epoch, generation = -1, -1, -1
        errors_seen = session.errors[-1][0] if session.errors else 0
        last = -math.inf
        while True:
            if session.closed:
                await ws.close(code=4404, reason="the session was closed")
                return
            due = last + FRAME_INTERVAL - loop.time()
            timeout = max(due, 0.002) if session.version != sent_version else FRAME_INTERVAL
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout)
            wake.clear()
            while not outbox.empty():
                await ws.send_text(outbox.get_nowait())
            for seq, message in session.errors_after(errors_seen):
                errors_seen = seq
                await ws.send_text(_dumps({"type": "error", "message": message}))
            if session.version == sent_version or loop.time() < last + FRAME_INTERVAL:
                continue
            version, last = session.version, loop.time()
            try:
                text, epoch, generation = await run_in_threadpool(_frame_text, session, epoch,
                                                                  generation)
            except Exception as exc:  # never leave the page waiting in silence
                text = _dumps({"type": "error", "message": f"internal error while drawing a "
                               f"frame ({type(exc).__name__}: {exc})"})
            await ws.send_text(text)
            sent_version = version


def _frame_text(session: Session, epoch: int, generation: int) -> tuple[str, int, int]:
    frame, epoch, generation = session.frame(epoch, generation)
    return _dumps(frame), epoch, generation


async def _refused(request: Request, exc: Exception) -> Response:
    if isinstance(exc, SetupError):
        return _error(exc.status, str(exc))
    return _error(400, f"{type(exc).__name__}: {exc}")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(exc.status_code, exc.detail or "error")


async def _crash(request: Request, exc: Exception) -> Response:
    return _error(500, f"internal error ({type(exc).__name__}: {exc}); the server is still "
                       f"running")


async def _index(request: Request) -> Response:
    index = STATIC_DIR / "index.html"
    if not index.is_file():
        return _error(404, "the page (static/index.html) is not installed")
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


class SameOriginMiddleware:
    """Refuse (403) requests and WebSocket handshakes that a page of another origin makes:
    a browser sends ``Origin`` with them, and it must name this server's own host."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope.get("headers") or [])
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            if origin and urlsplit(origin).netloc != host:  # "null" included
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 4403})
                    return
                response = _error(403, f"requests from another site ({origin[:80]}) are "
                                       f"refused")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(store: SessionStore | None = None,
               allowed_hosts: Sequence[str] | None = None) -> Starlette:
    """The playground application. ``allowed_hosts``: the Host headers to serve (None: any;
    the command passes the loopback names when it binds to loopback)."""
    store = SessionStore() if store is None else store
    api = PlaygroundAPI(store)
    sid = "/api/sessions/{id}"
    routes = [
        Route("/", _index),
        Mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
        Route("/api/health", api.health),
        Route("/api/options", api.options),
        Route("/api/sessions", api.create, methods=["POST"]),
        Route(sid, api.show, methods=["GET"]),
        Route(sid, api.delete, methods=["DELETE"]),
        Route(sid + "/setup", api.setup, methods=["POST"]),
        Route(sid + "/data", api.data),
        Route(sid + "/backprop", api.backprop),
        Route(sid + "/weight", api.weight, methods=["POST"]),
        Route(sid + "/upload", api.upload, methods=["POST"]),
        Route(sid + "/export/model", api.export_model),
        Route(sid + "/export/setup", api.export_setup),
        WebSocketRoute(sid + "/live", api.live),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async def reap() -> None:
            while True:
                await asyncio.sleep(REAP_INTERVAL)
                await run_in_threadpool(store.reap)
        task = asyncio.create_task(reap())
        try:
            yield
        finally:
            task.cancel()
            store.close_all()

    middleware = [Middleware(SameOriginMiddleware)]
    if allowed_hosts is not None:
        middleware.insert(0, Middleware(TrustedHostMiddleware,
                                        allowed_hosts=list(allowed_hosts)))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={SetupError: _refused, ValueError: _refused,
                                        HTTPException: _http_error,
                                        Exception: _crash})
    app.state.store = store
    return app
