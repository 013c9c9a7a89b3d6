"""Designs: a new one from a run's accepted candidates, a design's page (edit), and approval
after a confirmation page that shows what it signs off and freezes."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from vaxmix.store import service
from vaxmix.store.models import Design, Run
from vaxmix.store.routes.common import DbId, Web
from vaxmix.store.routes.deps import Auth
from vaxmix.store.web_helpers import construct_mismatch, design_variants, vaccine_reasons

__all__ = ["router"]


def router(web: Web, auth: Auth) -> APIRouter:
    routes = APIRouter()
    registry = web.registry

    @routes.post("/runs/{run_id}/designs")
    def new_design(
        run_id: DbId, user: auth.Reviewer, note: Annotated[str, Form()] = ""
    ) -> Response:
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

    @routes.get("/designs/{design_id}", response_class=HTMLResponse)
    def design_page(request: Request, design_id: DbId, user: auth.PageUser) -> Response:
        with registry.read() as session:
            view = design_view(session, design_id)
            design, run = view["design"], view["run"]
            current = service.current_decisions(session, [c.id for c in run.candidates])
            versions = session.scalars(
                select(Design).where(Design.run_id == design.run_id).order_by(Design.version)
            ).all()
            reasons, reasons_note = vaccine_reasons(run)
            return web.render(
                request,
                "design.html.j2",
                user,
                **view,
                current=current,
                versions=versions,
                reasons=reasons,
                reasons_note=reasons_note,
            )

    @routes.post("/designs/{design_id}/edit")
    async def edit_design_form(request: Request, design_id: DbId, user: auth.Reviewer) -> Response:
        form = await request.form()
        candidates = [str(v) for v in form.getlist("candidate")]
        note = str(form.get("note", ""))  # empty: the design keeps its note
        new_id = service.edit_design(registry, design_id, candidates, note, user.username)
        return RedirectResponse(f"/designs/{new_id}", status_code=303)

    @routes.get("/designs/{design_id}/approve", response_class=HTMLResponse)
    def approve_confirm_page(request: Request, design_id: DbId, user: auth.PageUser) -> Response:
        """What approval signs off and freezes, with the problems that would refuse it."""
        with registry.read() as session:
            view = design_view(session, design_id)
            problems = service.design_problems(session, view["design"])
            return web.render(request, "approve.html.j2", user, **view, problems=problems)

    @routes.post("/designs/{design_id}/approve")
    def approve_form(
        design_id: DbId, user: auth.Reviewer, confirm: Annotated[str, Form()] = ""
    ) -> Response:
        if confirm != "yes":  # only the confirmation page sends it
            return RedirectResponse(f"/designs/{design_id}/approve", status_code=303)
        service.approve_design(registry, design_id, user.username)
        return RedirectResponse(f"/designs/{design_id}", status_code=303)

    return routes


def design_view(session: Session, design_id: int) -> dict[str, Any]:
    """What the design page and the approval page both show: the design, its run, the run's
    variants with the selected ones, and where the construct and the selection disagree."""
    design = service.get_row(session, Design, design_id, "design")
    run = session.get(Run, design.run_id)
    variants = design_variants(run.candidates, design.content.get("candidates", []))
    return {
        "design": design,
        "run": run,
        "variants": variants,
        "selected": set(design.content.get("candidates", [])),
        "mismatch": construct_mismatch(design.content, variants),
    }
