"""Small helpers shared by the page routes and the JSON API."""

from typing import Any

from fastapi.responses import Response

from vaxmix.store.models import ReviewDecision

__all__ = ["LOGIN_COOKIE_AGE", "decided", "local_path", "num", "set_cookie"]

LOGIN_COOKIE_AGE = 3600


def set_cookie(response: Response, name: str, value: str, max_age: int, secure: bool) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="strict", secure=secure, path="/"
    )


def local_path(target: str) -> str:
    """Only same-site paths as redirect targets (no open redirect)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def decided(current: dict[int, ReviewDecision], candidate_id: int) -> str:
    row = current.get(candidate_id)
    return row.decision if row else "Pending"


def num(value: Any, digits: int = 3) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return (
            f"{value:.0f}" if abs(value) >= 1000 else f"{value:.{digits}f}".rstrip("0").rstrip(".")
        )
    return str(value)
