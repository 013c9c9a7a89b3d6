"""Checking a user name and password (throttled, audited) and opening a session: shared by the
sign-in page, the password change and ``POST /api/login``."""

from dataclasses import dataclass

import anyio
from fastapi import HTTPException, Request

from vaxmix.store import service
from vaxmix.store.audit import append_audit
from vaxmix.store.db import Registry
from vaxmix.store.limits import HashGate
from vaxmix.store.security import (
    LoginThrottle,
    Signer,
    TrustedProxies,
    client_address,
    open_session,
)

__all__ = ["SignIn"]


@dataclass(frozen=True)
class SignIn:
    """One app's sign-in checks: its registry, cookie signer, throttle, proxies and hash gate."""

    registry: Registry
    signer: Signer
    throttle: LoginThrottle
    trusted: TrustedProxies
    gate: HashGate

    async def check(self, username: str, password: str, request: Request) -> int | None:
        """The user's id, ``None`` for a wrong name or password; 429 while throttled.

        Every blocking step (argon2id, database writes) runs in a worker thread: the event loop
        keeps serving other users while sign-ins are checked.
        """
        service.check_text(username, "username")
        service.check_text(password, "password")
        client = self._client(request)
        wait = self.throttle.start(username, client)
        if wait > 0:
            await anyio.to_thread.run_sync(self._audit, username, "login.throttled", None)
            raise HTTPException(
                status_code=429,
                detail="too many failed sign-ins; try again later",
                headers={"Retry-After": str(int(wait) + 1)},
            )
        user_id: int | None = None
        finished = False
        try:
            user_id = await self.gate.run(self._check_password, username, password)
            finished = True
        finally:
            self.throttle.finish(username, client, (user_id is not None) if finished else None)
        action = "login.success" if user_id else "login.failure"
        await anyio.to_thread.run_sync(self._audit, username, action, user_id)
        return user_id

    async def new_session_cookie(self, user_id: int) -> tuple[str, str]:
        """A new server-side session: the cookie value and its CSRF token."""
        token = await anyio.to_thread.run_sync(open_session, self.registry, user_id)
        return self.signer.new_session(token)

    def _client(self, request: Request) -> str:
        peer = request.client.host if request.client else ""
        return client_address(peer, request.headers.getlist("x-forwarded-for"), self.trusted)

    def _audit(self, username: str, action: str, user_id: int | None) -> None:
        with self.registry.write() as session:
            append_audit(session, username[:64], action, "user", user_id or "", {})

    def _check_password(self, username: str, password: str) -> int | None:
        with self.registry.read() as session:
            user = service.authenticate(session, username, password)
            return user.id if user else None
