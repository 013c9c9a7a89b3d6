"""Vaccine designs in the registry: versioned drafts, edits, and approval (sign-off).

A design lists the variants (``Index`` keys) of one run that become the vaccine's long
peptides. An approved design is frozen: editing it makes a new draft version whose parent it is.
Only variants of the design's run may be listed (see :func:`known_variants`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vaxmix.common.errors import InputError
from vaxmix.store.audit import append_audit, now_iso
from vaxmix.store.db import Registry
from vaxmix.store.errors import NotFound, RegistryError, check_text, get_row
from vaxmix.store.models import Candidate, Design, Run


def new_design(
    session: Session,
    run_id: int,
    content: dict[str, Any],
    note: str,
    username: str,
    parent_id: int | None,
) -> Design:
    """Add the next version of ``run_id``'s designs (a draft) with its audit record."""
    # Lock the run row so that two editors cannot take the same next version (PostgreSQL);
    # SQLite's write transaction is already exclusive.
    session.execute(select(Run.id).where(Run.id == run_id).with_for_update())
    latest = session.scalar(select(func.max(Design.version)).where(Design.run_id == run_id)) or 0
    design = Design(
        run_id=run_id,
        version=latest + 1,
        parent_id=parent_id,
        status="draft",
        content=content,
        note=note,
        created_by=username,
        created_at=now_iso(),
    )
    session.add(design)
    session.flush()
    append_audit(
        session,
        username,
        "design.create",
        "design",
        design.id,
        {"run_id": run_id, "version": design.version, "parent_id": parent_id, "note": note},
    )
    return design


def known_variants(session: Session, run_id: int) -> set[str]:
    """``Index`` keys a design of ``run_id`` may hold: the run's class I and II candidates and
    the variants ``vaxmix design`` selected (``vaccine/selection.tsv``, whose windows may lie on
    another transcript than the aggregated row's), as recorded at import in the imported
    design's ``imported_candidates`` (which edits never change). A design imported before that
    record existed lists only its aggregated rows as known: anything else is refused."""
    known = set(session.scalars(select(Candidate.index_key).where(Candidate.run_id == run_id)))
    for design in session.scalars(
        select(Design).where(Design.run_id == run_id, Design.parent_id.is_(None))
    ):
        if design.content.get("source") == "vaccine/construct.json":
            known.update(str(i) for i in design.content.get("imported_candidates", []))
    return known


def _unknown_variants(session: Session, run_id: int, candidates: list[str]) -> list[str]:
    known = known_variants(session, run_id)
    return [c for c in candidates if c not in known]


def design_problems(session: Session, design: Design) -> list[str]:
    """Why ``design`` cannot be approved (empty when it can)."""
    candidates = [str(c) for c in design.content.get("candidates", [])]
    problems = []
    if design.status == "approved":
        problems.append(f"design {design.id} is already approved")
    if not candidates:
        problems.append("the design holds no variant")
    unknown = _unknown_variants(session, design.run_id, candidates)
    if unknown:
        problems.append(
            f"{len(unknown)} variant(s) are not variants of run {design.run_id}: "
            + ", ".join(unknown[:5])
            + (" ..." if len(unknown) > 5 else "")
        )
    return problems


def _check_candidates(session: Session, run_id: int, candidates: list[str]) -> None:
    for value in candidates:
        check_text(value, "candidate")
    unknown = _unknown_variants(session, run_id, candidates)
    if unknown:
        raise InputError(
            f"not a variant of run {run_id}: {', '.join(unknown[:5])}", field="candidate"
        )


def create_design(
    registry: Registry,
    run_id: int,
    candidates: list[str],
    note: str,
    username: str,
    accepted_classes: dict[str, list[str]] | None = None,
) -> int:
    """A new draft design of ``run_id`` holding the given variant ``Index`` keys.

    ``accepted_classes`` (index -> ["I", "II"]) records why each variant is in the design when
    the design was made from review decisions (``accepted_variants``).
    """
    content: dict[str, Any] = {"candidates": list(dict.fromkeys(candidates))}
    if accepted_classes is not None:
        content["accepted_classes"] = accepted_classes
    check_text(note, "note")
    with registry.write() as session:
        get_row(session, Run, run_id, "run")
        _check_candidates(session, run_id, content["candidates"])
        design = new_design(session, run_id, content, note, username, parent_id=None)
        return design.id


def edit_design(
    registry: Registry, design_id: int, candidates: list[str], note: str, username: str
) -> int:
    """Change a design's candidates and note; an approved design yields a new draft version.

    An empty ``note`` keeps the design's note (a new version inherits its parent's): a note is
    never lost to a blank "what changed" field. Variants that the run does not have are refused.
    Returns the id of the edited design (the same id for a draft, a new id otherwise).
    """
    check_text(note, "note")
    with registry.write() as session:
        design = session.scalar(select(Design).where(Design.id == design_id).with_for_update())
        if design is None:
            raise NotFound(f"no design {design_id}")
        _check_candidates(session, design.run_id, candidates)
        if not note.strip():
            note = design.note
        content = dict(design.content)
        content["candidates"] = list(dict.fromkeys(candidates))
        content.pop("accepted_classes", None)  # hand-edited: no longer "the accepted ones"
        if design.status == "approved":
            new = new_design(session, design.run_id, content, note, username, parent_id=design.id)
            return new.id
        before = list(design.content.get("candidates", []))
        design.content = content
        design.note = note
        append_audit(
            session,
            username,
            "design.edit",
            "design",
            design.id,
            {"before": before, "after": content["candidates"], "note": note},
        )
        return design.id


def approve_design(registry: Registry, design_id: int, username: str) -> None:
    """Approve (sign off and freeze) a draft design."""
    with registry.write() as session:
        design = session.scalar(select(Design).where(Design.id == design_id).with_for_update())
        if design is None:
            raise NotFound(f"no design {design_id}")
        problems = design_problems(session, design)
        if problems:
            raise RegistryError(f"design {design_id} cannot be approved: " + "; ".join(problems))
        design.status = "approved"
        design.approved_by = username
        design.approved_at = now_iso()
        append_audit(
            session,
            username,
            "design.approve",
            "design",
            design.id,
            {"run_id": design.run_id, "version": design.version},
        )
