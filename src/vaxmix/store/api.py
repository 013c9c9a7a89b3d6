"""The JSON API of the review app (mounted under ``/api``).

Clients sign in with ``POST /api/login`` (JSON), keep the session cookie, and send the returned
CSRF token in the ``X-CSRF-Token`` header of every write.
"""

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from vaxmix.common.errors import InputError
from vaxmix.store import service
from vaxmix.store.audit import verify_chain
from vaxmix.store.db import Registry
from vaxmix.store.models import AuditEntry, ReviewDecision, Run
from vaxmix.store.security import SESSION_COOKIE, SESSION_MAX_AGE_S, Signer
from vaxmix.store.web_helpers import decided, set_cookie

__all__ = ["api_router"]


def api_router(
    registry: Registry,
    signer: Signer,
    secure_cookies: bool,
    sign_in: Callable[[str, str, str], int | None],
    ApiUser: Any,
    Reviewer: Any,
) -> APIRouter:
    """Routes of the JSON API, sharing the app's registry, signer and dependencies.

    ``ApiUser`` and ``Reviewer`` are the app's ``Annotated[SessionUser, Depends(...)]`` types
    (signed-in user; reviewer with a valid CSRF token), so both parts apply the same rules.
    """
    router = APIRouter()

    @router.post("/login")
    async def api_login(request: Request) -> Response:
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise HTTPException(status_code=415, detail="send JSON")
        body = await request.json()
        if not isinstance(body, dict):
            raise HTTPException(status_code=400, detail="send a JSON object")
        user_id = sign_in(
            str(body.get("username", "")),
            str(body.get("password", "")),
            request.client.host if request.client else "",
        )
        if user_id is None:
            raise HTTPException(status_code=401, detail="wrong user name or password")
        cookie, csrf = signer.new_session(user_id)
        response = JSONResponse({"csrf_token": csrf})
        set_cookie(response, SESSION_COOKIE, cookie, SESSION_MAX_AGE_S, secure_cookies)
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
        run_id: int, user: ApiUser, mhc_class: str | None = None
    ) -> list[dict[str, Any]]:
        """The run's candidates (class I, then class II); ``?mhc_class=I`` or ``II`` filters."""
        if mhc_class not in (None, "I", "II"):
            raise InputError("mhc_class must be I or II", field="mhc_class")
        with registry.read() as session:
            run = session.get(Run, run_id)
            if run is None:
                raise service.NotFound(f"no run {run_id}")
            rows = [c for c in run.candidates if mhc_class in (None, c.mhc_class)]
            current = service.current_decisions(session, [c.id for c in rows])
            return [
                {
                    "id": c.id,
                    "mhc_class": c.mhc_class,
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
    async def api_review(request: Request, candidate_id: int, user: Reviewer) -> dict[str, Any]:
        body = await request.json()
        if not isinstance(body, dict):
            raise HTTPException(status_code=400, detail="send a JSON object")
        decision_id = service.record_decision(
            registry,
            candidate_id,
            str(body.get("decision", "")),
            str(body.get("comment", "")),
            user.username,
        )
        return {"decision_id": decision_id}

    @router.get("/candidates/{candidate_id}/decisions")
    def api_decisions(candidate_id: int, user: ApiUser) -> list[dict[str, Any]]:
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
    def api_approve(design_id: int, user: Reviewer) -> dict[str, Any]:
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
