"""The registry's refusals and the two checks every operation shares.

A refused operation raises :class:`RegistryError` (or a subclass) whose ``status`` is the HTTP
status the web app answers with; the CLI turns it into a clear message.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from vaxmix.common.errors import InputError, VaxmixError

_Row = TypeVar("_Row")


class RegistryError(VaxmixError):
    """A refused registry operation; ``status`` is the matching HTTP status."""

    status = 409


class NotFound(RegistryError):
    status = 404


class PermissionDenied(RegistryError):
    status = 403


def get_row(session: Session, model: type[_Row], row_id: int, what: str) -> _Row:
    """The ``model`` row with primary key ``row_id``; :class:`NotFound` ("no run 7") if none."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"no {what} {row_id}")
    return row


def check_text(value: str, field: str) -> str:
    """``value`` if it is valid Unicode; a lone surrogate (from JSON ``"\\ud800"`` or a form)
    cannot be stored as UTF-8 and is refused here instead of failing in the database."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError("text is not valid Unicode", field=field) from exc
    return value
