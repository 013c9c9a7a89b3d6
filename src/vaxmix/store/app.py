"""The review web app (FastAPI, server-rendered Jinja2 pages, a small JSON API).

Pages: patients, a patient, a run's candidates with review forms, a candidate's decision history,
two runs compared, designs (edit, approve), the audit log, and the run's report and files.

Access: every page needs a signed-in user (viewer, reviewer or admin). Writes need the
reviewer role and the session's CSRF token; an unauthenticated write gets 401, a missing or
wrong CSRF token or too low a role gets 403. Every write goes through :mod:`vaxmix.store.service`,
which audits it in the same transaction.
"""

import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from vaxmix import __version__
from vaxmix.common.errors import InputError
from vaxmix.store import service
from vaxmix.store.api import api_router
from vaxmix.store.audit import append_audit, verify_chain
from vaxmix.store.db import Registry
from vaxmix.store.models import (
    DECISIONS,
    AuditEntry,
    Candidate,
    Design,
    Patient,
    ReviewDecision,
    Run,
)
from vaxmix.store.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    LoginThrottle,
    SessionUser,
    Signer,
    has_role,
    load_user,
    safe_child,
    session_secret,
    tokens_match,
)
from vaxmix.store.web_helpers import (
    LOGIN_COOKIE_AGE,
    design_variants,
    local_path,
    num,
    set_cookie,
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


class LoginRequired(Exception):
    """Raised by page dependencies when nobody is signed in (redirect to the login page)."""


def create_app(
    registry: Registry, secure_cookies: bool = False, throttle: LoginThrottle | None = None
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
    """
    throttle = throttle or LoginThrottle()
    app = FastAPI(title="vaxmix review", version=__version__, docs_url=None, redoc_url=None)
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
            user = optional_user(request)
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

    def render(request: Request, name: str, user: SessionUser | None, **context: Any) -> Response:
        return templates.TemplateResponse(
            request, name, {"user": user, "decisions": DECISIONS, **context}
        )

    # -- sign in / out -----------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> Response:
        cookie, token = signer.new_login_token()
        response = render(
            request, "login.html.j2", None, csrf=token, next=local_path(next), failed=False
        )
        set_cookie(response, LOGIN_COOKIE, cookie, LOGIN_COOKIE_AGE, secure_cookies)
        return response

    @app.post("/login")
    def login(
        request: Request,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        csrf_token: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        expected = signer.read_login_token(request.cookies.get(LOGIN_COOKIE))
        if not tokens_match(expected, csrf_token):
            raise HTTPException(status_code=403, detail="missing or invalid CSRF token")
        user_id = _sign_in(username, password, _client(request))
        if user_id is None:
            cookie, token = signer.new_login_token()
            response = render(
                request, "login.html.j2", None, csrf=token, next=local_path(next), failed=True
            )
            response.status_code = 401
            set_cookie(response, LOGIN_COOKIE, cookie, LOGIN_COOKIE_AGE, secure_cookies)
            return response
        cookie, _csrf = signer.new_session(user_id)
        response = RedirectResponse(local_path(next), status_code=303)
        set_cookie(response, SESSION_COOKIE, cookie, SESSION_MAX_AGE_S, secure_cookies)
        response.delete_cookie(LOGIN_COOKIE)
        return response

    def _client(request: Request) -> str:
        return request.client.host if request.client else ""

    def _sign_in(username: str, password: str, client: str) -> int | None:
        """The user's id, ``None`` for a wrong name or password; 429 while throttled."""
        wait = throttle.retry_after(username, client)
        if wait > 0:
            with registry.write() as session:
                append_audit(session, username[:64], "login.throttled", "user", "", {})
            raise HTTPException(
                status_code=429,
                detail="too many failed sign-ins; try again later",
                headers={"Retry-After": str(int(wait) + 1)},
            )
        with registry.read() as session:
            user = service.authenticate(session, username, password)
            user_id = user.id if user else None
        throttle.record(username, client, success=user_id is not None)
        with registry.write() as session:
            append_audit(
                session,
                username[:64],
                "login.success" if user_id else "login.failure",
                "user",
                user_id or "",
                {},
            )
        return user_id

    @app.post("/logout")
    def logout(user: Viewer) -> Response:
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
    def patient_page(request: Request, patient_id: int, user: PageUser) -> Response:
        with registry.read() as session:
            patient = session.get(Patient, patient_id)
            if patient is None:
                raise service.NotFound(f"no patient {patient_id}")
            return render(request, "patient.html.j2", user, patient=patient)

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, run_id: int, user: PageUser) -> Response:
        with registry.read() as session:
            run = session.get(Run, run_id)
            if run is None:
                raise service.NotFound(f"no run {run_id}")
            current = service.current_decisions(session, [c.id for c in run.candidates])
            has_report = (Path(run.path) / "report.html").is_file()
            others = session.scalars(select(Run).where(Run.id != run_id).order_by(Run.id)).all()
            return render(
                request,
                "run.html.j2",
                user,
                run=run,
                class1=[c for c in run.candidates if c.mhc_class == "I"],
                class2=[c for c in run.candidates if c.mhc_class == "II"],
                current=current,
                has_report=has_report,
                others=others,
            )

    @app.get("/candidates/{candidate_id}", response_class=HTMLResponse)
    def candidate_page(request: Request, candidate_id: int, user: PageUser) -> Response:
        with registry.read() as session:
            candidate = session.get(Candidate, candidate_id)
            if candidate is None:
                raise service.NotFound(f"no candidate {candidate_id}")
            history = session.scalars(
                select(ReviewDecision)
                .where(ReviewDecision.candidate_id == candidate_id)
                .order_by(ReviewDecision.id.desc())
            ).all()
            return render(
                request,
                "candidate.html.j2",
                user,
                candidate=candidate,
                run=candidate.run,
                history=history,
            )

    @app.post("/candidates/{candidate_id}/review")
    def review_form(
        candidate_id: int,
        user: Reviewer,
        decision: Annotated[str, Form()],
        comment: Annotated[str, Form()] = "",
    ) -> Response:
        service.record_decision(registry, candidate_id, decision, comment, user.username)
        with registry.read() as session:
            run_id = session.scalar(select(Candidate.run_id).where(Candidate.id == candidate_id))
        return RedirectResponse(f"/runs/{run_id}#candidate-{candidate_id}", status_code=303)

    @app.get("/compare", response_class=HTMLResponse)
    def compare_page(request: Request, a: int, b: int, user: PageUser) -> Response:
        with registry.read() as session:
            rows = service.compare_runs(session, a, b)
            run_a, run_b = session.get(Run, a), session.get(Run, b)
            return render(request, "compare.html.j2", user, rows=rows, run_a=run_a, run_b=run_b)

    @app.post("/runs/{run_id}/designs")
    def new_design(run_id: int, user: Reviewer, note: Annotated[str, Form()] = "") -> Response:
        with registry.read() as session:
            run = session.get(Run, run_id)
            if run is None:
                raise service.NotFound(f"no run {run_id}")
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
    def design_page(request: Request, design_id: int, user: PageUser) -> Response:
        with registry.read() as session:
            design = session.get(Design, design_id)
            if design is None:
                raise service.NotFound(f"no design {design_id}")
            run = session.get(Run, design.run_id)
            current = service.current_decisions(session, [c.id for c in run.candidates])
            versions = session.scalars(
                select(Design).where(Design.run_id == design.run_id).order_by(Design.version)
            ).all()
            return render(
                request,
                "design.html.j2",
                user,
                design=design,
                run=run,
                variants=design_variants(run.candidates, design.content.get("candidates", [])),
                current=current,
                versions=versions,
                selected=set(design.content.get("candidates", [])),
            )

    @app.post("/designs/{design_id}/edit")
    async def edit_design_form(request: Request, design_id: int, user: Reviewer) -> Response:
        form = await request.form()
        candidates = [str(v) for v in form.getlist("candidate")]
        note = str(form.get("note", ""))
        new_id = service.edit_design(registry, design_id, candidates, note, user.username)
        return RedirectResponse(f"/designs/{new_id}", status_code=303)

    @app.post("/designs/{design_id}/approve")
    def approve_form(design_id: int, user: Reviewer) -> Response:
        service.approve_design(registry, design_id, user.username)
        return RedirectResponse(f"/designs/{design_id}", status_code=303)

    @app.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request, user: PageUser, limit: int = 200) -> Response:
        with registry.read() as session:
            entries = session.scalars(
                select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 5000)))
            ).all()
            chain = verify_chain(session)
            return render(request, "audit.html.j2", user, entries=entries, chain=chain)

    @app.get("/runs/{run_id}/report")
    def run_report(run_id: int, user: PageUser) -> Response:
        return _serve_run_file(run_id, "report.html")

    @app.get("/runs/{run_id}/files/{relative:path}")
    def run_file(run_id: int, relative: str, user: PageUser) -> Response:
        return _serve_run_file(run_id, relative)

    def _serve_run_file(run_id: int, relative: str) -> Response:
        with registry.read() as session:
            run = session.get(Run, run_id)
            if run is None:
                raise service.NotFound(f"no run {run_id}")
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
        api_router(registry, signer, secure_cookies, _sign_in, ApiUser, Reviewer), prefix="/api"
    )
    return app
