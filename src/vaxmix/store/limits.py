"""Resource limits of the review app: request body size and password-hashing concurrency.

* ``BodyLimit`` (ASGI middleware) refuses a request body larger than its limit with 413 before
  any of it is parsed: by ``Content-Length`` up front, and by counting the bytes of a body sent
  without one (chunked). Sign-in routes, open to anyone, get a much smaller limit.
* ``HashGate`` runs password checks (argon2id: ~64 MiB and a fraction of a CPU second each, by
  design) in worker threads, at most ``concurrency`` at a time, so that a flood of sign-ins
  neither blocks the event loop that serves everyone else nor takes every CPU and gigabytes of
  memory; past ``max_waiting`` queued checks it refuses at once (503 with Retry-After).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from fastapi import HTTPException

__all__ = ["LOGIN_PATHS", "BodyLimit", "HashGate"]

T = TypeVar("T")
LOGIN_PATHS = frozenset({"/login", "/api/login"})


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: at most ``limit`` bytes of request body (``login_limit`` on sign-in)."""

    def __init__(self, app: Any, limit: int, login_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.login_limit = login_limit

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.login_limit if scope.get("path") in LOGIN_PATHS else self.limit
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _refuse(send, 400, "bad Content-Length")
                    return
                if declared > limit:
                    await _refuse(send, 413, f"request body over {limit} bytes")
                    return
        received = 0
        started = False

        async def counted_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        async def watched_send(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _TooLarge:
            if not started:
                await _refuse(send, 413, f"request body over {limit} bytes")


async def _refuse(send: Callable, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HashGate:
    """Runs blocking password checks in at most ``concurrency`` worker threads at once.

    It holds state (the limiter and the queue length), hence a class; one per app. The limiter
    is made on first use, inside the server's event loop.
    """

    def __init__(self, concurrency: int = 2, max_waiting: int = 64) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.max_waiting = max_waiting
        self.waiting = 0
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.concurrency)
        if self.waiting >= self.max_waiting:
            raise HTTPException(
                status_code=503,
                detail="too many sign-ins at once; try again shortly",
                headers={"Retry-After": "5"},
            )
        self.waiting += 1
        try:
            return await anyio.to_thread.run_sync(function, *args, limiter=self._limiter)
        finally:
            self.waiting -= 1
