"""A candidate's page (decision history, predicted peptides) and its review form."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from vaxmix.store import service
from vaxmix.store.models import Candidate, ReviewDecision
from vaxmix.store.peptides import candidate_peptides
from vaxmix.store.routes.common import DbId, Web
from vaxmix.store.routes.deps import Auth

__all__ = ["router"]


def router(web: Web, auth: Auth) -> APIRouter:
    routes = APIRouter()
    registry = web.registry

    @routes.get("/candidates/{candidate_id}", response_class=HTMLResponse)
    def candidate_page(request: Request, candidate_id: DbId, user: auth.PageUser) -> Response:
        with registry.read() as session:
            candidate = service.get_row(session, Candidate, candidate_id, "candidate")
            history = session.scalars(
                select(ReviewDecision)
                .where(ReviewDecision.candidate_id == candidate_id)
                .order_by(ReviewDecision.id.desc())
            ).all()
            twin = session.scalar(  # the same variant's candidate of the other MHC class
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
            return web.render(
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

    @routes.post("/candidates/{candidate_id}/review")
    def review_form(
        candidate_id: DbId,
        user: auth.Reviewer,
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

    return routes
