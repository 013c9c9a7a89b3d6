"""For administrators: the users with their live sessions (revoke them). For everyone signed
in: the audit log with its hash-chain check."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from vaxmix.store import service
from vaxmix.store.audit import verify_chain
from vaxmix.store.models import AppSession, AuditEntry, User
from vaxmix.store.routes.common import DbId, Web
from vaxmix.store.routes.deps import Auth
from vaxmix.store.security import has_role

__all__ = ["router"]


def router(web: Web, auth: Auth) -> APIRouter:
    routes = APIRouter()
    registry = web.registry

    @routes.get("/users", response_class=HTMLResponse)
    def users_page(request: Request, user: auth.PageUser) -> Response:
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
            return web.render(request, "users.html.j2", user, users=users, live=live)

    @routes.post("/users/{user_id}/revoke-sessions")
    def revoke_user_sessions_form(user_id: DbId, user: auth.Admin) -> Response:
        service.revoke_sessions(registry, user_id, user.username)
        return RedirectResponse("/users", status_code=303)

    @routes.get("/audit", response_class=HTMLResponse)
    def audit_page(
        request: Request, user: auth.PageUser, limit: Annotated[int, Query(ge=1, le=5000)] = 200
    ) -> Response:
        with registry.read() as session:
            entries = session.scalars(
                select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 5000)))
            ).all()
            chain = verify_chain(session)
            return web.render(request, "audit.html.j2", user, entries=entries, chain=chain)

    return routes
