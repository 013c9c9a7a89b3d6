"""Signing in (the page and its form) and out."""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vaxmix.store.routes.common import Web
from vaxmix.store.routes.deps import Auth
from vaxmix.store.routes.signin import SignIn
from vaxmix.store.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    revoke_session,
    tokens_match,
)
from vaxmix.store.web_helpers import LOGIN_COOKIE_AGE, local_path, set_cookie

__all__ = ["router", "signed_out"]


def router(web: Web, auth: Auth, signin: SignIn) -> APIRouter:
    routes = APIRouter()

    def login_form(request: Request, next: str, failed: bool) -> Response:
        """The sign-in page with a fresh pre-login CSRF token (its cookie set)."""
        cookie, token = web.signer.new_login_token()
        response = web.render(
            request, "login.html.j2", None, csrf=token, next=local_path(next), failed=failed
        )
        set_cookie(response, LOGIN_COOKIE, cookie, LOGIN_COOKIE_AGE, web.secure_cookies)
        return response

    @routes.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> Response:
        return login_form(request, next, failed=False)

    @routes.post("/login")
    async def login(
        request: Request,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        csrf_token: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        expected = web.signer.read_login_token(request.cookies.get(LOGIN_COOKIE))
        if not tokens_match(expected, csrf_token):
            raise HTTPException(status_code=403, detail="missing or invalid CSRF token")
        user_id = await signin.check(username, password, request)
        if user_id is None:
            response = login_form(request, next, failed=True)
            response.status_code = 401
            return response
        cookie, _csrf = await signin.new_session_cookie(user_id)
        response = RedirectResponse(local_path(next), status_code=303)
        set_cookie(response, SESSION_COOKIE, cookie, SESSION_MAX_AGE_S, web.secure_cookies)
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @routes.post("/logout")
    def logout(user: auth.Viewer) -> Response:
        revoke_session(web.registry, user.token, user.username, "sign-out")
        return signed_out()

    return routes


def signed_out() -> Response:
    """To the sign-in page, the session cookie dropped (its session is revoked already)."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
