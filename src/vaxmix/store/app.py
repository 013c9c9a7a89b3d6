"""The review web app (FastAPI, server-rendered Jinja2 pages, a small JSON API).

Pages: patients, a patient, a run's candidates with review forms, a candidate (review form,
decision history, predicted peptides), two runs compared, designs (edit, approve after a
confirmation page), the audit log, the run's report and files, its export (what
``vaxmix registry export`` writes), the signed-in user's account (password change) and, for
administrators, the users with their live sessions.

Access: every page needs a signed-in user (viewer, reviewer or admin). Writes need the
reviewer role and the session's CSRF token; an unauthenticated write gets 401, a missing or
wrong CSRF token or too low a role gets 403. Every write goes through :mod:`vaxmix.store.service`,
which audits it in the same transaction.

Abuse limits: request bodies are capped (``limits.BodyLimit``), password checks run in a few
worker threads (``limits.HashGate``), failed sign-ins are throttled per user and client, ids
outside the database's integer range and text that is not valid Unicode are refused with 4xx,
and ``/openapi.json`` is for signed-in users only (the Swagger page is off: it loads its script
from a CDN, which the offline, script-free pages refuse).

The routes live in :mod:`vaxmix.store.routes` (one module per concern) and
:mod:`vaxmix.store.api`; this module builds the app, its middleware and error pages, and
includes them.
"""

from collections.abc import Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from vaxmix import __version__
from vaxmix.common.errors import InputError
from vaxmix.store import service
from vaxmix.store.api import api_router
from vaxmix.store.db import Registry
from vaxmix.store.limits import BodyLimit, HashGate
from vaxmix.store.routes import account, admin, auth, candidates, designs, patients, runs, site
from vaxmix.store.routes.common import Web, page_templates
from vaxmix.store.routes.deps import LoginRequired, auth_dependencies
from vaxmix.store.routes.signin import SignIn
from vaxmix.store.security import LoginThrottle, Signer, TrustedProxies, session_secret

__all__ = ["create_app"]

PAGE_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
MAX_BODY_BYTES = 1 << 20  # forms and JSON of this app are a few kB; a design edit well < 1 MiB
MAX_LOGIN_BODY_BYTES = 16 << 10


def create_app(
    registry: Registry,
    secure_cookies: bool = False,
    throttle: LoginThrottle | None = None,
    trusted_proxies: TrustedProxies | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    login_body_bytes: int = MAX_LOGIN_BODY_BYTES,
    hash_gate: HashGate | None = None,
) -> FastAPI:
    """Build the app for an open registry.

    Parameters
    ----------
    registry
        The open registry (migrated).
    secure_cookies
        Mark cookies ``Secure`` (set when the app is served over HTTPS behind a proxy).
    throttle
        Failed sign-in limiter; default 5 failures per user and client in 15 minutes.
    trusted_proxies
        Reverse proxies whose ``X-Forwarded-For`` names the client (default: none, the header
        is ignored and the TCP peer is the client).
    max_body_bytes, login_body_bytes
        Largest request body accepted (413 beyond), in general and on the sign-in routes.
    hash_gate
        Password checks at once (default 2 worker threads, 64 in flight at most).
    """
    app = FastAPI(
        title="vaxmix review",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by routes.site to signed-in users only
    )
    app.add_middleware(BodyLimit, limit=max_body_bytes, login_limit=login_body_bytes)
    app.middleware("http")(security_headers)
    signer = Signer(session_secret(registry))
    web = Web(registry, signer, page_templates(), secure_cookies)
    app.state.registry = registry
    add_error_pages(app, web.templates)

    users = auth_dependencies(registry, signer)
    signin = SignIn(
        registry,
        signer,
        throttle or LoginThrottle(),
        trusted_proxies or TrustedProxies(),
        hash_gate or HashGate(),
    )
    app.include_router(site.router(users))
    app.include_router(auth.router(web, users, signin))
    app.include_router(account.router(web, users, signin))
    for pages in (patients, runs, candidates, designs, admin):
        app.include_router(pages.router(web, users))
    app.include_router(api_router(web, users, signin), prefix="/api")
    return app


async def security_headers(request: Request, call_next: Callable) -> Response:
    """Every response: the page CSP (unless the route set its own), no sniffing or framing, no
    referrer, not cached (unless the route said otherwise)."""
    response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def add_error_pages(app: FastAPI, templates: Jinja2Templates) -> None:
    """Errors as a page (JSON under ``/api/``): a 4xx with the message, never a traceback."""

    def error(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=status)
        return templates.TemplateResponse(
            request,
            "error.html.j2",
            {"user": None, "status": status, "message": message},
            status_code=status,
        )

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        target = quote(request.url.path)
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(service.RegistryError)
    async def _registry_error(request: Request, exc: service.RegistryError) -> Response:
        return error(request, exc.status, str(exc))

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> Response:
        return error(request, 400, str(exc))

    @app.exception_handler(UnicodeError)
    async def _unicode_error(request: Request, _exc: UnicodeError) -> Response:
        # e.g. a lone surrogate ("\ud800") that the database cannot store as UTF-8
        return error(request, 400, "text is not valid Unicode (UTF-8)")

    @app.exception_handler(OverflowError)
    async def _overflow_error(request: Request, _exc: OverflowError) -> Response:
        return error(request, 400, "a number is out of range")
