"""A run's page (its candidates by class and kind), two runs compared, the run's exports (what
``vaxmix registry export`` writes), and its report and files, served sandboxed."""

import mimetypes
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select

from vaxmix.store import service
from vaxmix.store.db import Registry
from vaxmix.store.models import Run
from vaxmix.store.routes.common import MAX_ID, DbId, Web
from vaxmix.store.routes.deps import Auth
from vaxmix.store.security import safe_child

__all__ = ["FILE_CSP", "SERVED_SUFFIXES", "router"]

# Served run files (the report has inline script) run sandboxed, in an opaque origin.
FILE_CSP = (
    "sandbox allow-scripts; default-src 'none'; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'; img-src data:"
)
SERVED_SUFFIXES = {".html", ".tsv", ".json", ".fasta", ".faa", ".gb", ".txt", ".svg", ".png"}
PLAIN_TEXT_SUFFIXES = {".tsv", ".fasta", ".faa", ".gb", ".txt"}
#: The evaluated aggregated tables (``--evaluated-*-tsv``) by download name: (class, kind).
EVALUATED_EXPORTS = {
    "aggregated.tsv": ("I", "snv/indel"),
    "class2-aggregated.tsv": ("II", "snv/indel"),
    "fusion-aggregated.tsv": ("I", "fusion"),
    "fusion-class2-aggregated.tsv": ("II", "fusion"),
}
#: The run page's candidate tables: template name -> (MHC class, kind).
RUN_TABLES = {
    "class1": ("I", "snv/indel"),
    "class2": ("II", "snv/indel"),
    "fusion1": ("I", "fusion"),
    "fusion2": ("II", "fusion"),
}


def router(web: Web, auth: Auth) -> APIRouter:
    routes = APIRouter()
    registry = web.registry

    @routes.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, run_id: DbId, user: auth.PageUser) -> Response:
        with registry.read() as session:
            run = service.get_row(session, Run, run_id, "run")
            current = service.current_decisions(session, [c.id for c in run.candidates])
            has_report = (Path(run.path) / "report.html").is_file()
            others = session.scalars(select(Run).where(Run.id != run_id).order_by(Run.id)).all()
            tables = {
                name: [c for c in run.candidates if (c.mhc_class, c.kind) == key]
                for name, key in RUN_TABLES.items()
            }
            return web.render(
                request,
                "run.html.j2",
                user,
                run=run,
                **tables,
                current=current,
                has_report=has_report,
                others=others,
            )

    @routes.get("/compare", response_class=HTMLResponse)
    def compare_page(
        request: Request,
        a: Annotated[int, Query(ge=1, le=MAX_ID)],
        b: Annotated[int, Query(ge=1, le=MAX_ID)],
        user: auth.PageUser,
    ) -> Response:
        with registry.read() as session:
            rows = service.compare_runs(session, a, b)
            run_a, run_b = session.get(Run, a), session.get(Run, b)
            return web.render(request, "compare.html.j2", user, rows=rows, run_a=run_a, run_b=run_b)

    @routes.get("/runs/{run_id}/export.json")
    def export_json(run_id: DbId, user: auth.PageUser) -> Response:
        """What ``vaxmix registry export RUN_ID`` writes, as a download."""
        with registry.read() as session:
            text = service.export_text(session, run_id)
        return _download(text, "application/json", f"run-{run_id}-export.json")

    @routes.get("/runs/{run_id}/export/{name}")
    def export_evaluated(run_id: DbId, name: str, user: auth.PageUser) -> Response:
        """``--evaluated-tsv`` / ``--evaluated-class2-tsv``: aggregated.tsv with Evaluation."""
        if name not in EVALUATED_EXPORTS:
            raise HTTPException(status_code=404, detail="no such export")
        with tempfile.TemporaryDirectory() as tmp, registry.read() as session:
            out = Path(tmp) / name
            service.write_evaluated_aggregated(session, run_id, out, *EVALUATED_EXPORTS[name])
            text = out.read_text(encoding="utf-8")
        return _download(text, "text/tab-separated-values; charset=utf-8", f"run-{run_id}-{name}")

    @routes.get("/runs/{run_id}/report")
    def run_report(run_id: DbId, user: auth.PageUser) -> Response:
        return serve_run_file(registry, run_id, "report.html")

    @routes.get("/runs/{run_id}/files/{relative:path}")
    def run_file(run_id: DbId, relative: str, user: auth.PageUser) -> Response:
        return serve_run_file(registry, run_id, relative)

    return routes


def _download(text: str, media_type: str, filename: str) -> Response:
    return Response(
        text,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def serve_run_file(registry: Registry, run_id: int, relative: str) -> Response:
    """A file inside the run's folder (no way out of it), of a served type, sandboxed."""
    with registry.read() as session:
        run = service.get_row(session, Run, run_id, "run")
        root = run.path
    target = safe_child(root, relative)
    if target is None or target.suffix.lower() not in SERVED_SUFFIXES:
        raise HTTPException(status_code=404, detail="no such file in this run")
    media = mimetypes.guess_type(target.name)[0] or "text/plain"
    if target.suffix.lower() in PLAIN_TEXT_SUFFIXES:
        media = "text/plain; charset=utf-8"
    response = FileResponse(target, media_type=media)
    response.headers["Content-Security-Policy"] = FILE_CSP
    return response
