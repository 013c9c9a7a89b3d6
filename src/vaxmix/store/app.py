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
"""

import mimetypes
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from vaxmix import __version__
from vaxmix.common.errors import InputError
from vaxmix.store import service
from vaxmix.store.api import api_router
from vaxmix.store.audit import append_audit, verify_chain
from vaxmix.store.db import Registry
from vaxmix.store.limits import BodyLimit, HashGate
from vaxmix.store.models import (
    DECISIONS,
    AppSession,
    AuditEntry,
    Candidate,
    Design,
    Patient,
    ReviewDecision,
    Run,
    User,
)
from vaxmix.store.peptides import candidate_peptides
from vaxmix.store.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    LoginThrottle,
    SessionUser,
    Signer,
    TrustedProxies,
    client_address,
    has_role,
    load_user,
    open_session,
    revoke_session,
    safe_child,
    session_secret,
    tokens_match,
)
from vaxmix.store.web_helpers import (
    LOGIN_COOKIE_AGE,
    construct_mismatch,
    design_variants,
    local_path,
    num,
    set_cookie,
    vaccine_reasons,
)

__all__ = ["create_app"]

PAGE_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Served run files (the report has inline script) run sandboxed, in an opaque origin.
FILE_CSP = (
    "sandbox allow-scripts; default-src 'none'; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'; img-src data:"
)
SERVED_SUFFIXES = {".html", ".tsv", ".json", ".fasta", ".faa", ".gb", ".txt", ".svg", ".png"}
#: Largest id accepted in a path or query: the registry's ``Integer`` columns are 32-bit on
#: PostgreSQL, and SQLite cannot bind integers of 2**63 or more.
MAX_ID = 2**31 - 1
DbId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
MAX_BODY_BYTES = 1 << 20  # forms and JSON of this app are a few kB; a design edit well < 1 MiB
MAX_LOGIN_BODY_BYTES = 16 << 10
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#1f3a5f"/>'
    '<path d="M7 8l9 17 9-17" fill="none" stroke="#fff" stroke-width="4" '
    'stroke-linecap="round" stroke-linejoin="round"/></svg>'
)


class LoginRequired(Exception):
    """Raised by page dependencies when nobody is signed in (redirect to the login page)."""


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
    throttle = throttle or LoginThrottle()
    trusted = trusted_proxies or TrustedProxies()
    gate = hash_gate or HashGate()
    app = FastAPI(
        title="vaxmix review",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served below to signed-in users only
    )
    app.add_middleware(BodyLimit, limit=max_body_bytes, login_limit=login_body_bytes)
    signer = Signer(session_secret(registry))
    templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
    templates.env.autoescape = True  # templates end in .j2, which select_autoescape misses
    templates.env.filters["num"] = num
    app.state.registry = registry

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        target = quote(request.url.path)
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(service.RegistryError)
    async def _registry_error(request: Request, exc: service.RegistryError) -> Response:
        return _error(request, exc.status, str(exc))

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(UnicodeError)
    async def _unicode_error(request: Request, _exc: UnicodeError) -> Response:
        # e.g. a lone surrogate ("\ud800") that the database cannot store as UTF-8
        return _error(request, 400, "text is not valid Unicode (UTF-8)")

    @app.exception_handler(OverflowError)
    async def _overflow_error(request: Request, _exc: OverflowError) -> Response:
        return _error(request, 400, "a number is out of range")

    def _error(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=status)
        return templates.TemplateResponse(
            request,
            "error.html.j2",
            {"user": None, "status": status, "message": message},
            status_code=status,
        )

    # -- dependencies ------------------------------------------------------------------------

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

    def writer(role: str) -> Callable:
        async def check(request: Request) -> SessionUser:
            user = await anyio.to_thread.run_sync(optional_user, request)
            if user is None:
                raise HTTPException(status_code=401, detail="sign in first")
            token = request.headers.get("X-CSRF-Token")
            if token is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                token = str((await request.form()).get("csrf_token", ""))
            if not tokens_match(user.csrf, token):
                raise HTTPException(status_code=403, detail="missing or invalid CSRF token")
            if not has_role(user.role, role):
                raise HTTPException(status_code=403, detail=f"needs the {role} role")
            return user

        return check

    reviewer = writer("reviewer")
    PageUser = Annotated[SessionUser, Depends(page_user)]
    ApiUser = Annotated[SessionUser, Depends(api_user)]
    Reviewer = Annotated[SessionUser, Depends(reviewer)]
    Viewer = Annotated[SessionUser, Depends(writer("viewer"))]
    Admin = Annotated[SessionUser, Depends(writer("admin"))]

    def render(request: Request, name: str, user: SessionUser | None, **context: Any) -> Response:
        return templates.TemplateResponse(
            request, name, {"user": user, "decisions": DECISIONS, **context}
        )

    # -- sign in / out -----------------------------------------------------------------------

    @app.get("/favicon.svg", include_in_schema=False)
    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(
            FAVICON_SVG,
            media_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(user: ApiUser) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> Response:
        cookie, token = signer.new_login_token()
        response = render(
            request, "login.html.j2", None, csrf=token, next=local_path(next), failed=False
        )
        set_cookie(response, LOGIN_COOKIE, cookie, LOGIN_COOKIE_AGE, secure_cookies)
        return response

    @app.post("/login")
    async def login(
        request: Request,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        csrf_token: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        expected = signer.read_login_token(request.cookies.get(LOGIN_COOKIE))
        if not tokens_match(expected, csrf_token):
            raise HTTPException(status_code=403, detail="missing or invalid CSRF token")
        user_id = await _sign_in(username, password, request)
        if user_id is None:
            cookie, token = signer.new_login_token()
            response = render(
                request, "login.html.j2", None, csrf=token, next=local_path(next), failed=True
            )
            response.status_code = 401
            set_cookie(response, LOGIN_COOKIE, cookie, LOGIN_COOKIE_AGE, secure_cookies)
            return response
        cookie, _csrf = await _new_session_cookie(user_id)
        response = RedirectResponse(local_path(next), status_code=303)
        set_cookie(response, SESSION_COOKIE, cookie, SESSION_MAX_AGE_S, secure_cookies)
        response.delete_cookie(LOGIN_COOKIE)
        return response

    def _client(request: Request) -> str:
        peer = request.client.host if request.client else ""
        return client_address(peer, request.headers.getlist("x-forwarded-for"), trusted)

    def _audit_login(username: str, action: str, user_id: int | None) -> None:
        with registry.write() as session:
            append_audit(session, username[:64], action, "user", user_id or "", {})

    def _check_password(username: str, password: str) -> int | None:
        with registry.read() as session:
            user = service.authenticate(session, username, password)
            return user.id if user else None

    async def _sign_in(username: str, password: str, request: Request) -> int | None:
        """The user's id, ``None`` for a wrong name or password; 429 while throttled.

        Every blocking step (argon2id, database writes) runs in a worker thread: the event loop
        keeps serving other users while sign-ins are checked.
        """
        service.check_text(username, "username")
        service.check_text(password, "password")
        client = _client(request)
        wait = throttle.start(username, client)
        if wait > 0:
            await anyio.to_thread.run_sync(_audit_login, username, "login.throttled", None)
            raise HTTPException(
                status_code=429,
                detail="too many failed sign-ins; try again later",
                headers={"Retry-After": str(int(wait) + 1)},
            )
        user_id: int | None = None
        finished = False
        try:
            user_id = await gate.run(_check_password, username, password)
            finished = True
        finally:
            throttle.finish(username, client, (user_id is not None) if finished else None)
        action = "login.success" if user_id else "login.failure"
        await anyio.to_thread.run_sync(_audit_login, username, action, user_id)
        return user_id

    async def _new_session_cookie(user_id: int) -> tuple[str, str]:
        """A new server-side session: the cookie value and its CSRF token."""
        token = await anyio.to_thread.run_sync(open_session, registry, user_id)
        return signer.new_session(token)

    @app.post("/logout")
    def logout(user: Viewer) -> Response:
        revoke_session(registry, user.token, user.username, "sign-out")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # -- pages -------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def patients_page(request: Request, user: PageUser) -> Response:
        with registry.read() as session:
            rows = session.execute(
                select(Patient, func.count(Run.id))
                .outerjoin(Run, Run.patient_id == Patient.id)
                .group_by(Patient.id)
                .order_by(Patient.external_id)
            ).all()
            runs = session.scalars(select(Run).order_by(Run.id)).all()
            return render(request, "patients.html.j2", user, patients=rows, runs=runs)

    @app.get("/patients/{patient_id}", response_class=HTMLResponse)
    def patient_page(request: Request, patient_id: DbId, user: PageUser) -> Response:
        with registry.read() as session:
            patient = service.get_row(session, Patient, patient_id, "patient")
            return render(request, "patient.html.j2", user, patient=patient)

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, run_id: DbId, user: PageUser) -> Response:
        with registry.read() as session:
            run = service.get_row(session, Run, run_id, "run")
            current = service.current_decisions(session, [c.id for c in run.candidates])
            has_report = (Path(run.path) / "report.html").is_file()
            others = session.scalars(select(Run).where(Run.id != run_id).order_by(Run.id)).all()
            return render(
                request,
                "run.html.j2",
                user,
                run=run,
                class1=[c for c in run.candidates if (c.mhc_class, c.kind) == ("I", "snv/indel")],
                class2=[c for c in run.candidates if (c.mhc_class, c.kind) == ("II", "snv/indel")],
                fusion1=[c for c in run.candidates if (c.mhc_class, c.kind) == ("I", "fusion")],
                fusion2=[c for c in run.candidates if (c.mhc_class, c.kind) == ("II", "fusion")],
                current=current,
                has_report=has_report,
                others=others,
            )

    @app.get("/candidates/{candidate_id}", response_class=HTMLResponse)
    def candidate_page(request: Request, candidate_id: DbId, user: PageUser) -> Response:
        with registry.read() as session:
            candidate = service.get_row(session, Candidate, candidate_id, "candidate")
            history = session.scalars(
                select(ReviewDecision)
                .where(ReviewDecision.candidate_id == candidate_id)
                .order_by(ReviewDecision.id.desc())
            ).all()
            twin = session.scalar(
                select(Candidate).where(
                    Candidate.run_id == candidate.run_id,
                    Candidate.index_key == candidate.index_key,
                    Candidate.kind == candidate.kind,
                    Candidate.id != candidate.id,
                )
            )
            peptides = candidate_peptides(
                candidate.run.path, candidate.mhc_class, candidate.index_key, kind=candidate.kind
            )
            return render(
                request,
                "candidate.html.j2",
                user,
                candidate=candidate,
                run=candidate.run,
                history=history,
                current=history[0] if history else None,
                twin=twin,
                peptides=peptides,
            )

    @app.post("/candidates/{candidate_id}/review")
    def review_form(
        candidate_id: DbId,
        user: Reviewer,
        decision: Annotated[str, Form()] = "",
        comment: Annotated[str, Form()] = "",
        back: Annotated[str, Form()] = "run",
    ) -> Response:
        """Record a decision; an empty ``decision`` ("no change", the form's default) keeps the
        current one: nothing is stored without a comment, a comment is stored with it."""
        with registry.read() as session:
            run_id = session.scalar(select(Candidate.run_id).where(Candidate.id == candidate_id))
            if run_id is None:
                raise service.NotFound(f"no candidate {candidate_id}")
            now = service.current_decisions(session, [candidate_id]).get(candidate_id)
        if decision or comment.strip():
            chosen = decision or (now.decision if now else "Pending")
            service.record_decision(registry, candidate_id, chosen, comment, user.username)
        if back == "candidate":
            return RedirectResponse(f"/candidates/{candidate_id}", status_code=303)
        return RedirectResponse(f"/runs/{run_id}#candidate-{candidate_id}", status_code=303)

    @app.get("/compare", response_class=HTMLResponse)
    def compare_page(
        request: Request,
        a: Annotated[int, Query(ge=1, le=MAX_ID)],
        b: Annotated[int, Query(ge=1, le=MAX_ID)],
        user: PageUser,
    ) -> Response:
        with registry.read() as session:
            rows = service.compare_runs(session, a, b)
            run_a, run_b = session.get(Run, a), session.get(Run, b)
            return render(request, "compare.html.j2", user, rows=rows, run_a=run_a, run_b=run_b)

    @app.post("/runs/{run_id}/designs")
    def new_design(run_id: DbId, user: Reviewer, note: Annotated[str, Form()] = "") -> Response:
        with registry.read() as session:
            run = service.get_row(session, Run, run_id, "run")
            current = service.current_decisions(session, [c.id for c in run.candidates])
            accepted, classes = service.accepted_variants(run.candidates, current)
        design_id = service.create_design(
            registry,
            run_id,
            accepted,
            note or "from accepted candidates",
            user.username,
            accepted_classes=classes,
        )
        return RedirectResponse(f"/designs/{design_id}", status_code=303)

    @app.get("/designs/{design_id}", response_class=HTMLResponse)
    def design_page(request: Request, design_id: DbId, user: PageUser) -> Response:
        with registry.read() as session:
            design = service.get_row(session, Design, design_id, "design")
            run = session.get(Run, design.run_id)
            current = service.current_decisions(session, [c.id for c in run.candidates])
            versions = session.scalars(
                select(Design).where(Design.run_id == design.run_id).order_by(Design.version)
            ).all()
            variants = design_variants(run.candidates, design.content.get("candidates", []))
            reasons, reasons_note = vaccine_reasons(run)
            return render(
                request,
                "design.html.j2",
                user,
                design=design,
                run=run,
                variants=variants,
                mismatch=construct_mismatch(design.content, variants),
                current=current,
                versions=versions,
                selected=set(design.content.get("candidates", [])),
                reasons=reasons,
                reasons_note=reasons_note,
            )

    @app.post("/designs/{design_id}/edit")
    async def edit_design_form(request: Request, design_id: DbId, user: Reviewer) -> Response:
        form = await request.form()
        candidates = [str(v) for v in form.getlist("candidate")]
        note = str(form.get("note", ""))  # empty: the design keeps its note
        new_id = service.edit_design(registry, design_id, candidates, note, user.username)
        return RedirectResponse(f"/designs/{new_id}", status_code=303)

    @app.get("/designs/{design_id}/approve", response_class=HTMLResponse)
    def approve_confirm_page(request: Request, design_id: DbId, user: PageUser) -> Response:
        """What approval signs off and freezes, with the problems that would refuse it."""
        with registry.read() as session:
            design = service.get_row(session, Design, design_id, "design")
            run = session.get(Run, design.run_id)
            problems = service.design_problems(session, design)
            variants = design_variants(run.candidates, design.content.get("candidates", []))
            return render(
                request,
                "approve.html.j2",
                user,
                design=design,
                run=run,
                variants=variants,
                selected=set(design.content.get("candidates", [])),
                problems=problems,
                mismatch=construct_mismatch(design.content, variants),
            )

    @app.post("/designs/{design_id}/approve")
    def approve_form(
        design_id: DbId, user: Reviewer, confirm: Annotated[str, Form()] = ""
    ) -> Response:
        if confirm != "yes":  # only the confirmation page sends it
            return RedirectResponse(f"/designs/{design_id}/approve", status_code=303)
        service.approve_design(registry, design_id, user.username)
        return RedirectResponse(f"/designs/{design_id}", status_code=303)

    # -- export ------------------------------------------------------------------------------

    @app.get("/runs/{run_id}/export.json")
    def export_json(run_id: DbId, user: PageUser) -> Response:
        """What ``vaxmix registry export RUN_ID`` writes, as a download."""
        with registry.read() as session:
            text = service.export_text(session, run_id)
        return Response(
            text,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="run-{run_id}-export.json"'},
        )

    @app.get("/runs/{run_id}/export/{name}")
    def export_evaluated(run_id: DbId, name: str, user: PageUser) -> Response:
        """``--evaluated-tsv`` / ``--evaluated-class2-tsv``: aggregated.tsv with Evaluation."""
        classes = {
            "aggregated.tsv": ("I", "snv/indel"),
            "class2-aggregated.tsv": ("II", "snv/indel"),
            "fusion-aggregated.tsv": ("I", "fusion"),
            "fusion-class2-aggregated.tsv": ("II", "fusion"),
        }
        if name not in classes:
            raise HTTPException(status_code=404, detail="no such export")
        with tempfile.TemporaryDirectory() as tmp, registry.read() as session:
            out = Path(tmp) / name
            service.write_evaluated_aggregated(session, run_id, out, *classes[name])
            text = out.read_text(encoding="utf-8")
        return Response(
            text,
            media_type="text/tab-separated-values; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="run-{run_id}-{name}"'},
        )

    # -- account and users -------------------------------------------------------------------

    @app.get("/account", response_class=HTMLResponse)
    def account_page(request: Request, user: PageUser) -> Response:
        with registry.read() as session:
            live = session.scalar(
                select(func.count())
                .select_from(AppSession)
                .where(AppSession.user_id == user.id, AppSession.revoked_at.is_(None))
            )
        return render(request, "account.html.j2", user, live_sessions=live, changed=False)

    @app.post("/account/password")
    async def change_password(
        request: Request,
        user: Viewer,
        current: Annotated[str, Form()],
        new: Annotated[str, Form()],
        again: Annotated[str, Form()],
    ) -> Response:
        """Change one's own password; every session of the user (this one too) is revoked."""
        if new != again:
            raise InputError("the two new passwords differ", field="new")
        if await _sign_in(user.username, current, request) is None:
            raise service.PermissionDenied("the current password is wrong")
        await anyio.to_thread.run_sync(
            service.set_password, registry, user.username, new, user.username
        )
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/users", response_class=HTMLResponse)
    def users_page(request: Request, user: PageUser) -> Response:
        if not has_role(user.role, "admin"):
            raise service.PermissionDenied("needs the admin role")
        with registry.read() as session:
            live = dict(
                session.execute(
                    select(AppSession.user_id, func.count())
                    .where(AppSession.revoked_at.is_(None))
                    .group_by(AppSession.user_id)
                ).all()
            )
            users = session.scalars(select(User).order_by(User.username)).all()
            return render(request, "users.html.j2", user, users=users, live=live)

    @app.post("/users/{user_id}/revoke-sessions")
    def revoke_user_sessions_form(user_id: DbId, user: Admin) -> Response:
        service.revoke_sessions(registry, user_id, user.username)
        return RedirectResponse("/users", status_code=303)

    @app.get("/audit", response_class=HTMLResponse)
    def audit_page(
        request: Request, user: PageUser, limit: Annotated[int, Query(ge=1, le=5000)] = 200
    ) -> Response:
        with registry.read() as session:
            entries = session.scalars(
                select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 5000)))
            ).all()
            chain = verify_chain(session)
            return render(request, "audit.html.j2", user, entries=entries, chain=chain)

    @app.get("/runs/{run_id}/report")
    def run_report(run_id: DbId, user: PageUser) -> Response:
        return _serve_run_file(run_id, "report.html")

    @app.get("/runs/{run_id}/files/{relative:path}")
    def run_file(run_id: DbId, relative: str, user: PageUser) -> Response:
        return _serve_run_file(run_id, relative)

    def _serve_run_file(run_id: DbId, relative: str) -> Response:
        with registry.read() as session:
            run = service.get_row(session, Run, run_id, "run")
            root = run.path
        target = safe_child(root, relative)
        if target is None or target.suffix.lower() not in SERVED_SUFFIXES:
            raise HTTPException(status_code=404, detail="no such file in this run")
        media = mimetypes.guess_type(target.name)[0] or "text/plain"
        if target.suffix.lower() in {".tsv", ".fasta", ".faa", ".gb", ".txt"}:
            media = "text/plain; charset=utf-8"
        response = FileResponse(target, media_type=media)
        response.headers["Content-Security-Policy"] = FILE_CSP
        return response

    app.include_router(
        api_router(
            registry, secure_cookies, _sign_in, _new_session_cookie, ApiUser, Reviewer, Viewer
        ),
        prefix="/api",
    )
    return app
