"""The patients list (the home page) and one patient's page."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from vaxmix.store import service
from vaxmix.store.models import Patient, Run
from vaxmix.store.routes.common import DbId, Web
from vaxmix.store.routes.deps import Auth

__all__ = ["router"]


def router(web: Web, auth: Auth) -> APIRouter:
    routes = APIRouter()

    @routes.get("/", response_class=HTMLResponse)
    def patients_page(request: Request, user: auth.PageUser) -> Response:
        with web.registry.read() as session:
            rows = session.execute(
                select(Patient, func.count(Run.id))
                .outerjoin(Run, Run.patient_id == Patient.id)
                .group_by(Patient.id)
                .order_by(Patient.external_id)
            ).all()
            runs = session.scalars(select(Run).order_by(Run.id)).all()
            return web.render(request, "patients.html.j2", user, patients=rows, runs=runs)

    @routes.get("/patients/{patient_id}", response_class=HTMLResponse)
    def patient_page(request: Request, patient_id: DbId, user: auth.PageUser) -> Response:
        with web.registry.read() as session:
            patient = service.get_row(session, Patient, patient_id, "patient")
            return web.render(request, "patient.html.j2", user, patient=patient)

    return routes
