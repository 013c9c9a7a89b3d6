"""The favicon and the OpenAPI schema (for signed-in users only)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from vaxmix.store.routes.deps import Auth

__all__ = ["router"]

FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#1f3a5f"/>'
    '<path d="M7 8l9 17 9-17" fill="none" stroke="#fff" stroke-width="4" '
    'stroke-linecap="round" stroke-linejoin="round"/></svg>'
)


def router(auth: Auth) -> APIRouter:
    routes = APIRouter()

    @routes.get("/favicon.svg", include_in_schema=False)
    @routes.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(
            FAVICON_SVG,
            media_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @routes.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request, user: auth.ApiUser) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    return routes
