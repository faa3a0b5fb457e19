"""Global switches of the engine: gradient recording and forward-mode tracing.

They are per thread (``threading.local``): a ``no_grad`` block in one thread, such as a
server's evaluation, never turns recording off for a training step in another. Reading
one costs a few tens of nanoseconds more than a plain attribute.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    def __init__(self) -> None:  # runs once in each thread that touches the state
        self.grad_enabled: bool = True  # record reverse-mode nodes
        self.fwd_level: int = 0  # > 0 while jvp() pushes tangents
        self.tracer: Any = None  # the recorder of a call being traced by ``compile``


state = _State()


class _GradMode:
    """Context manager and decorator that sets gradient recording on or off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._prev: list[bool] = []

    def __enter__(self) -> "_GradMode":
        self._prev.append(state.grad_enabled)
        state.grad_enabled = self.enabled
        return self

    def __exit__(self, *exc: object) -> None:
        state.grad_enabled = self._prev.pop()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(self.enabled):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def no_grad() -> _GradMode:
    """Do not record operations for reverse mode (``with no_grad(): ...`` or ``@no_grad()``)."""
    return _GradMode(False)


def enable_grad() -> _GradMode:
    """Record operations even inside a ``no_grad`` block."""
    return _GradMode(True)


def is_grad_enabled() -> bool:
    return state.grad_enabled
