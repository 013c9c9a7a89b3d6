"""The JSON API of the review app (mounted under ``/api``).

Clients sign in with ``POST /api/login`` (JSON), keep the session cookie, and send the returned
CSRF token in the ``X-CSRF-Token`` header of every write; ``POST /api/logout`` revokes the
session. Bodies must be JSON objects of valid UTF-8 text: anything else is a 4xx, never a 500.
"""

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from vaxmix.common.errors import InputError
from vaxmix.store import service
from vaxmix.store.audit import verify_chain
from vaxmix.store.models import AuditEntry, Candidate, ReviewDecision, Run
from vaxmix.store.routes.common import DbId, Web
from vaxmix.store.routes.deps import Auth
from vaxmix.store.routes.signin import SignIn
from vaxmix.store.security import SESSION_COOKIE, SESSION_MAX_AGE_S, revoke_session
from vaxmix.store.web_helpers import decided, set_cookie

__all__ = ["api_router", "json_object", "text_field"]


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; 415 for another type, 400 when it is not one."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise HTTPException(status_code=415, detail="send JSON (Content-Type: application/json)")
    raw = await request.body()
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise HTTPException(status_code=400, detail="the body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise HTTPException(status_code=400, detail="send a JSON object")
    return body


def text_field(body: dict[str, Any], key: str, required: bool = False) -> str:
    """``body[key]`` as text: a JSON string of valid Unicode (no lone surrogates), else 400."""
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise HTTPException(status_code=400, detail=f"{key} must be a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise HTTPException(status_code=400, detail=f"{key} is not valid Unicode") from exc
    return value


def api_router(web: Web, auth: Auth, signin: SignIn) -> APIRouter:
    """Routes of the JSON API, with the app's context, user dependencies and sign-in checks, so
    that pages and API apply the same rules (``auth.ApiUser``: signed in, else 401;
    ``auth.Reviewer`` and ``auth.Viewer``: with the session's CSRF token)."""
    router = APIRouter()
    _session_routes(router, web, auth, signin)
    _run_routes(router, web, auth)
    _review_routes(router, web, auth)
    _audit_routes(router, web, auth)
    return router


def _session_routes(router: APIRouter, web: Web, auth: Auth, signin: SignIn) -> None:
    """``POST /login`` (JSON), ``POST /logout``, ``GET /session``."""

    @router.post("/login")
    async def api_login(request: Request) -> Response:
        body = await json_object(request)
        user_id = await signin.check(
            text_field(body, "username", required=True),
            text_field(body, "password", required=True),
            request,
        )
        if user_id is None:
            raise HTTPException(status_code=401, detail="wrong user name or password")
        cookie, csrf = await signin.new_session_cookie(user_id)
        response = JSONResponse({"csrf_token": csrf})
        set_cookie(response, SESSION_COOKIE, cookie, SESSION_MAX_AGE_S, web.secure_cookies)
        return response

    @router.post("/logout")
    def api_logout(user: auth.Viewer) -> Response:
        revoke_session(web.registry, user.token, user.username, "sign-out")
        response = JSONResponse({"signed_out": True})
        response.delete_cookie(SESSION_COOKIE)
        return response

    @router.get("/session")
    def api_session(user: auth.ApiUser) -> dict[str, Any]:
        return {"username": user.username, "role": user.role, "csrf_token": user.csrf}


def _run_routes(router: APIRouter, web: Web, auth: Auth) -> None:
    """``GET /runs`` and ``GET /runs/{run_id}/candidates``."""

    @router.get("/runs")
    def api_runs(user: auth.ApiUser) -> list[dict[str, Any]]:
        with web.registry.read() as session:
            return [run_json(r) for r in session.scalars(select(Run).order_by(Run.id))]

    @router.get("/runs/{run_id}/candidates")
    def api_candidates(
        run_id: DbId, user: auth.ApiUser, mhc_class: str | None = None
    ) -> list[dict[str, Any]]:
        """The run's candidates (class I, then class II); ``?mhc_class=I`` or ``II`` filters."""
        if mhc_class not in (None, "I", "II"):
            raise InputError("mhc_class must be I or II", field="mhc_class")
        with web.registry.read() as session:
            run = service.get_row(session, Run, run_id, "run")
            rows = [c for c in run.candidates if mhc_class in (None, c.mhc_class)]
            current = service.current_decisions(session, [c.id for c in rows])
            return [candidate_json(c, decided(current, c.id)) for c in rows]


def _review_routes(router: APIRouter, web: Web, auth: Auth) -> None:
    """A candidate's review (write) and decisions; a design's approval."""

    @router.post("/candidates/{candidate_id}/review")
    async def api_review(
        request: Request, candidate_id: DbId, user: auth.Reviewer
    ) -> dict[str, Any]:
        body = await json_object(request)
        decision_id = service.record_decision(
            web.registry,
            candidate_id,
            text_field(body, "decision", required=True),
            text_field(body, "comment"),
            user.username,
        )
        return {"decision_id": decision_id}

    @router.get("/candidates/{candidate_id}/decisions")
    def api_decisions(candidate_id: DbId, user: auth.ApiUser) -> list[dict[str, Any]]:
        with web.registry.read() as session:
            rows = session.scalars(
                select(ReviewDecision)
                .where(ReviewDecision.candidate_id == candidate_id)
                .order_by(ReviewDecision.id)
            ).all()
            return [decision_json(d) for d in rows]

    @router.post("/designs/{design_id}/approve")
    def api_approve(design_id: DbId, user: auth.Reviewer) -> dict[str, Any]:
        service.approve_design(web.registry, design_id, user.username)
        return {"design_id": design_id, "status": "approved"}


def _audit_routes(router: APIRouter, web: Web, auth: Auth) -> None:
    """``GET /audit``: the chain check and every entry, oldest first."""

    @router.get("/audit")
    def api_audit(user: auth.ApiUser) -> dict[str, Any]:
        with web.registry.read() as session:
            chain = verify_chain(session)
            entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
            return {
                "ok": chain.ok,
                "records": chain.records,
                "entries": [audit_json(e) for e in entries],
            }


def run_json(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "patient": run.patient.external_id,
        "status": run.status,
        "path": run.path,
    }


def candidate_json(candidate: Candidate, decision: str) -> dict[str, Any]:
    """A candidate as the API lists it; ``decision``: its current one (``Pending`` if none)."""
    return {
        "id": candidate.id,
        "mhc_class": candidate.mhc_class,
        "kind": candidate.kind,
        "index": candidate.index_key,
        "variant_id": candidate.variant_id,
        "gene": candidate.gene,
        "aa_change": candidate.aa_change,
        "best_peptide": candidate.best_peptide,
        "tier": candidate.tier,
        "decision": decision,
    }


def decision_json(decision: ReviewDecision) -> dict[str, Any]:
    return {
        "id": decision.id,
        "decision": decision.decision,
        "comment": decision.comment,
        "username": decision.username,
        "at": decision.created_at,
    }


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at,
        "username": entry.username,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "details": json.loads(entry.details),
    }
