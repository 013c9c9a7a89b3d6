"""Candidate review: appending Accept/Reject/Pending decisions and reading the current ones.

Decisions are never overwritten: each one is a new row (with its audit record), and a
candidate's current decision is its newest.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vaxmix.common.errors import InputError
from vaxmix.store.audit import append_audit, now_iso
from vaxmix.store.db import Registry
from vaxmix.store.errors import check_text, get_row
from vaxmix.store.models import DECISIONS, Candidate, ReviewDecision

MAX_COMMENT_LENGTH = 4000


def record_decision(
    registry: Registry, candidate_id: int, decision: str, comment: str, username: str
) -> int:
    """Append a review decision (Accept/Reject/Pending with a comment); returns its id."""
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}", field="decision")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise InputError(f"comment is longer than {MAX_COMMENT_LENGTH} characters", field="comment")
    check_text(comment, "comment")
    with registry.write() as session:
        candidate = get_row(session, Candidate, candidate_id, "candidate")
        row = ReviewDecision(
            candidate_id=candidate_id,
            decision=decision,
            comment=comment,
            username=username,
            created_at=now_iso(),
        )
        session.add(row)
        session.flush()
        append_audit(
            session,
            username,
            "candidate.review",
            "candidate",
            candidate_id,
            {
                "decision_id": row.id,
                "decision": decision,
                "comment": comment,
                "run_id": candidate.run_id,
            },
        )
        return row.id


def current_decisions(session: Session, candidate_ids: list[int]) -> dict[int, ReviewDecision]:
    """The newest decision of each candidate (candidates without one are absent)."""
    if not candidate_ids:
        return {}
    newest = (
        select(func.max(ReviewDecision.id))
        .where(ReviewDecision.candidate_id.in_(candidate_ids))
        .group_by(ReviewDecision.candidate_id)
    )
    rows = session.scalars(select(ReviewDecision).where(ReviewDecision.id.in_(newest)))
    return {row.candidate_id: row for row in rows}


def accepted_variants(
    candidates: list[Candidate], current: dict[int, ReviewDecision]
) -> tuple[list[str], dict[str, list[str]]]:
    """The ``Index`` keys of variants with an accepted class I or class II candidate.

    A design holds variants (each becomes one long peptide carrying both its class I and its
    class II epitopes), so a variant accepted in both tables is listed once. Order: class I
    rank, then class II rank for variants accepted in class II only.

    Returns
    -------
    (indexes, classes)
        ``classes`` maps each index to the MHC classes in which it was accepted.
    """
    classes: dict[str, list[str]] = {}
    for candidate in sorted(candidates, key=lambda c: (c.mhc_class, c.rank)):
        decision = current.get(candidate.id)
        if decision is not None and decision.decision == "Accept":
            classes.setdefault(candidate.index_key, []).append(candidate.mhc_class)
    return list(classes), classes
