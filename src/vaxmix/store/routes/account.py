"""The signed-in user's account page (live sessions) and password change."""

from typing import Annotated

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from vaxmix.common.errors import InputError
from vaxmix.store import service
from vaxmix.store.models import AppSession
from vaxmix.store.routes.auth import signed_out
from vaxmix.store.routes.common import Web
from vaxmix.store.routes.deps import Auth
from vaxmix.store.routes.signin import SignIn

__all__ = ["router"]


def router(web: Web, auth: Auth, signin: SignIn) -> APIRouter:
    routes = APIRouter()

    @routes.get("/account", response_class=HTMLResponse)
    def account_page(request: Request, user: auth.PageUser) -> Response:
        with web.registry.read() as session:
            live = session.scalar(
                select(func.count())
                .select_from(AppSession)
                .where(AppSession.user_id == user.id, AppSession.revoked_at.is_(None))
            )
        return web.render(request, "account.html.j2", user, live_sessions=live, changed=False)

    @routes.post("/account/password")
    async def change_password(
        request: Request,
        user: auth.Viewer,
        current: Annotated[str, Form()],
        new: Annotated[str, Form()],
        again: Annotated[str, Form()],
    ) -> Response:
        """Change one's own password; every session of the user (this one too) is revoked."""
        if new != again:
            raise InputError("the two new passwords differ", field="new")
        if await signin.check(user.username, current, request) is None:
            raise service.PermissionDenied("the current password is wrong")
        await anyio.to_thread.run_sync(
            service.set_password, web.registry, user.username, new, user.username
        )
        return signed_out()

    return routes
