"""The append-only audit log, hash-chained so that a changed or missing record is detectable.

Each record stores the sha256 of the previous record (``prev_hash``) and its own ``hash`` over
``prev_hash`` and its canonical JSON content. Appends are serialized: on PostgreSQL by a
transaction-scoped advisory lock, on SQLite by the ``BEGIN IMMEDIATE`` write transaction. The
tables also refuse UPDATE and DELETE through database triggers (migration 0001).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from vaxmix.store.models import AuditEntry

__all__ = ["ChainReport", "append_audit", "now_iso", "verify_chain"]

GENESIS = "0" * 64
# Arbitrary constant key of the PostgreSQL advisory lock that orders audit appends.
AUDIT_LOCK_KEY = 0x7661786D6978  # "vaxmix"


def now_iso() -> str:
    """Current UTC time, ISO 8601 with microseconds (sortable text)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _digest(prev_hash: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at,
        "username": entry.username,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "details": entry.details,
    }


def append_audit(
    session: Session,
    username: str,
    action: str,
    entity: str,
    entity_id: object,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one record in the caller's transaction (so it commits with the write it audits)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    last = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    entry = AuditEntry(
        at=now_iso(),
        username=username,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        details=json.dumps(details or {}, sort_keys=True, default=str),
        prev_hash=last or GENESIS,
        hash="",
    )
    entry.hash = _digest(entry.prev_hash, _content(entry))
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify_chain`: ``ok`` and the id of the first bad record, if any."""

    ok: bool
    records: int
    first_bad_id: int | None = None
    reason: str = ""


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash in id order and check each link to the previous record."""
    prev = GENESIS
    count = 0
    total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        count += 1
        if entry.prev_hash != prev:
            return ChainReport(False, total, entry.id, "link to the previous record is broken")
        if _digest(entry.prev_hash, _content(entry)) != entry.hash:
            return ChainReport(False, total, entry.id, "record content does not match its hash")
        prev = entry.hash
    return ChainReport(True, count)
