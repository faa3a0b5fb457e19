"""Live sessions: one `Playground` each, trained by a background thread while "playing".

Every change to a session bumps its ``version`` (and a new network or dataset its
``generation``), so each WebSocket's sender knows when to send a frame and when the loss
history starts over. One lock per session serialises training, frames and edits; the
event loop never trains (it hands the work to threads).
"""
from __future__ import annotations

import secrets
import threading
import time
from typing import Any, Callable

from .config import LIMITS, SetupError, normalize_setup
from .driver import Playground
from .points import Upload


class Session:
    """One playground, its lock, its training thread and what has changed."""

    def __init__(self, setup: dict[str, Any]) -> None:
        self.id = secrets.token_urlsafe(12)
        self.lock = threading.RLock()
        self.upload: Upload | None = None
        self.playground = Playground(setup)
        self.version = self.generation = 0
        self.epochs_per_second = 60.0
        self.errors: list[tuple[int, str]] = []  # (sequence number, message), the last 20
        self._error_count = 0
        self.sockets = 0
        self.last_used = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def setup(self) -> dict[str, Any]:
        return self.playground.setup

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def _changed(self, new_generation: bool = False) -> None:
        self.version += 1
        if new_generation:
            self.generation += 1

    def error(self, message: str) -> None:
        """Tell every open socket ``message`` (a training problem, not a refused command)."""
        with self.lock:
            self._error_count += 1
            self.errors.append((self._error_count, message))
            del self.errors[:-20]
            self._changed()

    def errors_after(self, seen: int) -> list[tuple[int, str]]:
        with self.lock:
            return [e for e in self.errors if e[0] > seen]

    # ------------------------------------------------------------- commands
    def play(self) -> None:
        with self.lock:
            if self.playing:
                return
            if self.playground.diverged:
                raise SetupError("the training diverged (the loss is not finite); reset the "
                                 "network or lower the learning rate")
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._stop,),
                                            name=f"playground-{self.id}", daemon=True)
            self._thread.start()
            self._changed()

    def pause(self) -> None:
        stop, thread = self._stop, self._thread
        stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        with self.lock:
            self._changed()

    def step(self) -> None:
        self.pause()
        with self.lock:
            self._train_one()

    def reset(self) -> None:
        self.pause()
        with self.lock:
            self.playground.reset()
            self._changed(new_generation=True)

    def request_frame(self) -> None:
        """Make every open socket send a frame now."""
        with self.lock:
            self._changed()

    def set_speed(self, value: Any) -> None:
        low, high = LIMITS["epochs_per_second"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not low <= value <= high:
            raise SetupError(f"epochs_per_second must be a number from {low} to {high}, got "
                             f"{value!r}")
        self.epochs_per_second = float(value)

    def apply_setup(self, patch: Any) -> None:
        """Merge ``patch`` into the set-up; a new dataset and network (paused, epoch 0).
        Nothing changes when the set-up is refused."""
        upload = self.upload
        with self.lock:
            setup = normalize_setup(patch, self.setup, _upload_problem(upload))
            if setup["dataset"] == "upload" and upload is not None and upload.n_classes \
                    and upload.n_classes > 2:
                setup["n_classes"] = upload.n_classes  # the data decides
            playground = Playground(setup, upload if setup["dataset"] == "upload" else None)
        self.pause()
        with self.lock:
            self.playground = playground
            self._changed(new_generation=True)

    def apply_upload(self, upload: Upload) -> None:
        """Train on uploaded points from now on (problem and classes taken from them)."""
        patch = {"dataset": "upload", "problem": upload.problem,
                 "loss": _default_loss(upload.problem, self.setup)}
        if upload.n_classes and upload.n_classes > 2:
            patch["n_classes"] = upload.n_classes
        with self.lock:
            setup = normalize_setup(patch, self.setup, upload.problem)
            playground = Playground(setup, upload)
        self.pause()
        with self.lock:
            self.upload, self.playground = upload, playground
            self._changed(new_generation=True)

    def edit_weight(self, layer: Any, to: Any, source: Any, value: Any) -> None:
        with self.lock:
            self.playground.set_weight(layer, to, source, value)
            self._changed()

    def call(self, fn: Callable[[Playground], Any]) -> Any:
        """``fn(playground)`` under the session's lock."""
        with self.lock:
            return fn(self.playground)

    # ------------------------------------------------------------- training thread
    def _train_one(self) -> None:
        pg = self.playground
        if pg.diverged:
            raise SetupError("the training diverged (the loss is not finite); reset the "
                             "network or lower the learning rate")
        pg.train_epoch()
        self._changed()
        if pg.diverged:
            self._stop.set()
            self.error("the training diverged (the loss is not finite) and was paused; "
                       "reset the network or lower the learning rate")

    def _run(self, stop: threading.Event) -> None:
        next_time = time.perf_counter()
        try:
            while not stop.is_set():
                with self.lock:
                    if stop.is_set():
                        break
                    self._train_one()
                next_time = max(next_time + 1.0 / self.epochs_per_second,
                                time.perf_counter() - 0.1)
                delay = next_time - time.perf_counter()
                if delay > 0:
                    stop.wait(delay)
                else:
                    time.sleep(0)  # let the frame senders in
        except Exception as exc:  # keep the server alive; tell the page
            stop.set()
            self.error(f"training stopped: {type(exc).__name__}: {exc}")

    # ------------------------------------------------------------- frames
    def frame(self, after_epoch: int, generation: int) -> tuple[dict[str, Any], int, int]:
        """A frame with the history after ``after_epoch`` (the whole history when the
        generation changed); returns (frame, its epoch, its generation)."""
        with self.lock:
            pg = self.playground
            reset = generation != self.generation
            frame = {"type": "frame", "playing": self.playing, **pg.frame(),
                     "history": pg.history_since(-1 if reset else after_epoch),
                     "history_reset": reset}
            return frame, pg.epoch, self.generation

    def close(self) -> None:
        self._stop.set()


def _upload_problem(upload: Upload | None) -> str | None:
    return None if upload is None else upload.problem


def _default_loss(problem: str, setup: dict[str, Any]) -> str:
    from .config import LOSSES

    return setup["loss"] if setup["loss"] in LOSSES[problem] else LOSSES[problem][0]


class SessionStore:
    """The live sessions, at most ``max_sessions``; idle ones are freed by `reap`."""

    def __init__(self, max_sessions: int = LIMITS["max_sessions"],
                 idle_seconds: float = LIMITS["idle_seconds"]) -> None:
        self.max_sessions, self.idle_seconds = max_sessions, idle_seconds
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self, patch: Any) -> Session:
        setup = normalize_setup(patch)
        self.reap()
        with self._lock:
            if len(self._sessions) >= self.max_sessions:
                raise SetupError(f"too many live sessions ({self.max_sessions}); close another "
                                 f"tab or wait until an idle one is freed", status=503)
            session = Session(setup)
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise SetupError(f"no session {session_id[:40]!r} (it may have been freed after "
                             f"being idle); create a new one with POST /api/sessions",
                             status=404)
        session.touch()
        return session

    def delete(self, session_id: str) -> None:
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is None:
            raise SetupError(f"no session {session_id[:40]!r}", status=404)
        session.close()

    def reap(self) -> int:
        """Free the sessions with no open socket that were idle too long; how many."""
        now = time.monotonic()
        with self._lock:
            idle = [s for s in self._sessions.values()
                    if s.sockets == 0 and now - s.last_used > self.idle_seconds]
            for s in idle:
                del self._sessions[s.id]
        for s in idle:
            s.close()
        return len(idle)

    def close_all(self) -> None:
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for s in sessions:
            s.close()
