"""The signed-in user as FastAPI dependencies (``Annotated[SessionUser, Depends(...)]``).

Pages without a user redirect to the login page (:class:`LoginRequired`, handled by the app);
the JSON API answers 401. Writes need the session's CSRF token (the ``X-CSRF-Token`` header, or
the form's ``csrf_token`` field) and a role: 401 without a user, 403 for a missing or wrong
token or too low a role.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import Depends, HTTPException, Request

from vaxmix.store.db import Registry
from vaxmix.store.security import (
    SESSION_COOKIE,
    SessionUser,
    Signer,
    has_role,
    load_user,
    tokens_match,
)

__all__ = ["Auth", "LoginRequired", "auth_dependencies"]

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class LoginRequired(Exception):
    """Raised by page dependencies when nobody is signed in (redirect to the login page)."""


@dataclass(frozen=True)
class Auth:
    """The user types routes annotate a ``user`` parameter with (one set per app)."""

    PageUser: Any  # signed in, else a redirect to /login
    ApiUser: Any  # signed in, else 401
    Viewer: Any  # any role, with the CSRF token (a write that every user may do)
    Reviewer: Any  # reviewer or admin, with the CSRF token
    Admin: Any  # admin, with the CSRF token


def auth_dependencies(registry: Registry, signer: Signer) -> Auth:
    """The dependencies that read the session cookie of ``signer`` against ``registry``."""

    def optional_user(request: Request) -> SessionUser | None:
        return load_user(registry, signer.read_session(request.cookies.get(SESSION_COOKIE)))

    def page_user(user: Annotated[SessionUser | None, Depends(optional_user)]) -> SessionUser:
        if user is None:
            raise LoginRequired()
        return user

    def api_user(user: Annotated[SessionUser | None, Depends(optional_user)]) -> SessionUser:
        if user is None:
            raise HTTPException(status_code=401, detail="sign in first")
        return user

    def writer(role: str) -> Callable[[Request], Awaitable[SessionUser]]:
        async def check(request: Request) -> SessionUser:
            user = await anyio.to_thread.run_sync(optional_user, request)
            if user is None:
                raise HTTPException(status_code=401, detail="sign in first")
            token = request.headers.get("X-CSRF-Token")
            if token is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
                token = str((await request.form()).get("csrf_token", ""))
            if not tokens_match(user.csrf, token):
                raise HTTPException(status_code=403, detail="missing or invalid CSRF token")
            if not has_role(user.role, role):
                raise HTTPException(status_code=403, detail=f"needs the {role} role")
            return user

        return check

    return Auth(
        PageUser=Annotated[SessionUser, Depends(page_user)],
        ApiUser=Annotated[SessionUser, Depends(api_user)],
        Viewer=Annotated[SessionUser, Depends(writer("viewer"))],
        Reviewer=Annotated[SessionUser, Depends(writer("reviewer"))],
        Admin=Annotated[SessionUser, Depends(writer("admin"))],
    )
