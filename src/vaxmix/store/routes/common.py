"""What every page route shares: the app's context (registry, signer, templates), page
rendering, and the id type of path parameters."""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Path as PathParam
from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from vaxmix.store.db import Registry
from vaxmix.store.models import DECISIONS
from vaxmix.store.security import SessionUser, Signer
from vaxmix.store.web_helpers import num

__all__ = ["MAX_ID", "DbId", "Web", "page_templates"]

#: Largest id accepted in a path or query: the registry's ``Integer`` columns are 32-bit on
#: PostgreSQL, and SQLite cannot bind integers of 2**63 or more.
MAX_ID = 2**31 - 1
DbId = Annotated[int, PathParam(ge=1, le=MAX_ID)]


def page_templates() -> Jinja2Templates:
    """The Jinja2 templates of the pages (``store/templates``), autoescaped."""
    templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
    templates.env.autoescape = True  # templates end in .j2, which select_autoescape misses
    templates.env.filters["num"] = num
    return templates


@dataclass(frozen=True)
class Web:
    """One app's context, handed to every router factory."""

    registry: Registry
    signer: Signer
    templates: Jinja2Templates
    secure_cookies: bool

    def render(
        self, request: Request, name: str, user: SessionUser | None, **context: Any
    ) -> Response:
        """A page from template ``name``; every page gets the user and the review decisions."""
        return self.templates.TemplateResponse(
            request, name, {"user": user, "decisions": DECISIONS, **context}
        )
