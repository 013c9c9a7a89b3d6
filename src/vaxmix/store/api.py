"""The JSON API of the review app (mounted under ``/api``).

Clients sign in with ``POST /api/login`` (JSON), keep the session cookie, and send the returned
CSRF token in the ``X-CSRF-Token`` header of every write; ``POST /api/logout`` revokes the
session. Bodies must be JSON objects of valid UTF-8 text: anything else is a 4xx, never a 500.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from vaxmix.common.errors import InputError
from vaxmix.store import service
from vaxmix.store.audit import verify_chain
from vaxmix.store.db import Registry
from vaxmix.store.models import AuditEntry, ReviewDecision, Run
from vaxmix.store.security import SESSION_COOKIE, SESSION_MAX_AGE_S, revoke_session
from vaxmix.store.web_helpers import decided, set_cookie

__all__ = ["api_router", "json_object", "text_field"]

MAX_ID = 2**31 - 1  # the registry's Integer columns (32-bit on PostgreSQL)
DbId = Annotated[int, Path(ge=1, le=MAX_ID)]


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


def api_router(
    registry: Registry,
    secure_cookies: bool,
    sign_in: Callable[[str, str, Request], Awaitable[int | None]],
    new_session_cookie: Callable[[int], Awaitable[tuple[str, str]]],
    ApiUser: Any,
    Reviewer: Any,
    Writer: Any,
) -> APIRouter:
    """Routes of the JSON API, sharing the app's registry, signer and dependencies.

    ``ApiUser``, ``Reviewer`` and ``Writer`` are the app's ``Annotated[SessionUser,
    Depends(...)]`` types (signed-in user; reviewer with a valid CSRF token; any role with a
    valid CSRF token), so both parts apply the same rules.
    """
    router = APIRouter()

    @router.post("/login")
    async def api_login(request: Request) -> Response:
        body = await json_object(request)
        user_id = await sign_in(
            text_field(body, "username", required=True),
            text_field(body, "password", required=True),
            request,
        )
        if user_id is None:
            raise HTTPException(status_code=401, detail="wrong user name or password")
        cookie, csrf = await new_session_cookie(user_id)
        response = JSONResponse({"csrf_token": csrf})
        set_cookie(response, SESSION_COOKIE, cookie, SESSION_MAX_AGE_S, secure_cookies)
        return response

    @router.post("/logout")
    def api_logout(user: Writer) -> Response:
        revoke_session(registry, user.token, user.username, "sign-out")
        response = JSONResponse({"signed_out": True})
        response.delete_cookie(SESSION_COOKIE)
        return response

    @router.get("/session")
    def api_session(user: ApiUser) -> dict[str, Any]:
        return {"username": user.username, "role": user.role, "csrf_token": user.csrf}

    @router.get("/runs")
    def api_runs(user: ApiUser) -> list[dict[str, Any]]:
        with registry.read() as session:
            return [
                {"id": r.id, "patient": r.patient.external_id, "status": r.status, "path": r.path}
                for r in session.scalars(select(Run).order_by(Run.id))
            ]

    @router.get("/runs/{run_id}/candidates")
    def api_candidates(
        run_id: DbId, user: ApiUser, mhc_class: str | None = None
    ) -> list[dict[str, Any]]:
        """The run's candidates (class I, then class II); ``?mhc_class=I`` or ``II`` filters."""
        if mhc_class not in (None, "I", "II"):
            raise InputError("mhc_class must be I or II", field="mhc_class")
        with registry.read() as session:
            run = service.get_row(session, Run, run_id, "run")
            rows = [c for c in run.candidates if mhc_class in (None, c.mhc_class)]
            current = service.current_decisions(session, [c.id for c in rows])
            return [
                {
                    "id": c.id,
                    "mhc_class": c.mhc_class,
                    "kind": c.kind,
                    "index": c.index_key,
                    "variant_id": c.variant_id,
                    "gene": c.gene,
                    "aa_change": c.aa_change,
                    "best_peptide": c.best_peptide,
                    "tier": c.tier,
                    "decision": decided(current, c.id),
                }
                for c in rows
            ]

    @router.post("/candidates/{candidate_id}/review")
    async def api_review(request: Request, candidate_id: DbId, user: Reviewer) -> dict[str, Any]:
        body = await json_object(request)
        decision_id = service.record_decision(
            registry,
            candidate_id,
            text_field(body, "decision", required=True),
            text_field(body, "comment"),
            user.username,
        )
        return {"decision_id": decision_id}

    @router.get("/candidates/{candidate_id}/decisions")
    def api_decisions(candidate_id: DbId, user: ApiUser) -> list[dict[str, Any]]:
        with registry.read() as session:
            rows = session.scalars(
                select(ReviewDecision)
                .where(ReviewDecision.candidate_id == candidate_id)
                .order_by(ReviewDecision.id)
            ).all()
            return [
                {
                    "id": d.id,
                    "decision": d.decision,
                    "comment": d.comment,
                    "username": d.username,
                    "at": d.created_at,
                }
                for d in rows
            ]

    @router.post("/designs/{design_id}/approve")
    def api_approve(design_id: DbId, user: Reviewer) -> dict[str, Any]:
        service.approve_design(registry, design_id, user.username)
        return {"design_id": design_id, "status": "approved"}

    @router.get("/audit")
    def api_audit(user: ApiUser) -> dict[str, Any]:
        with registry.read() as session:
            chain = verify_chain(session)
            entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
            return {
                "ok": chain.ok,
                "records": chain.records,
                "entries": [
                    {
                        "id": e.id,
                        "at": e.at,
                        "username": e.username,
                        "action": e.action,
                        "entity": e.entity,
                        "entity_id": e.entity_id,
                        "details": json.loads(e.details),
                    }
                    for e in entries
                ],
            }

    return router
