"""Read-only registry questions: candidate counts of a run and two runs compared."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vaxmix.store.db import Registry
from vaxmix.store.errors import get_row
from vaxmix.store.models import SNV_INDEL, Candidate, Run
from vaxmix.store.review import current_decisions


def count_candidates(registry: Registry, run_id: int) -> dict[str, int]:
    """Number of class I and class II SNV/indel candidates of a run, and of its gene-fusion
    candidates per class (``{"I": n, "II": m}``, plus ``"fusion I"``/``"fusion II"`` when the
    run has gene-fusion candidates)."""
    with registry.read() as session:
        rows = session.execute(
            select(Candidate.mhc_class, Candidate.kind, func.count())
            .where(Candidate.run_id == run_id)
            .group_by(Candidate.mhc_class, Candidate.kind)
        ).all()
    counts = {"I": 0, "II": 0}
    for mhc_class, kind, n in rows:
        counts[mhc_class if kind == SNV_INDEL else f"fusion {mhc_class}"] = n
    return counts


def compare_runs(session: Session, run_a: int, run_b: int) -> list[dict[str, Any]]:
    """Candidates of two runs matched by MHC class and variant ID, with what changed."""
    by_run = {}
    for run_id in (run_a, run_b):
        get_row(session, Run, run_id, "run")
        by_run[run_id] = {
            (c.mhc_class, c.variant_id): c
            for c in session.scalars(select(Candidate).where(Candidate.run_id == run_id))
        }
    a, b = by_run[run_a], by_run[run_b]
    decisions = current_decisions(session, [c.id for c in (*a.values(), *b.values())])
    rows = []
    for key in sorted(set(a) | set(b)):
        ca, cb = a.get(key), b.get(key)
        mhc_class, variant = key
        if ca and cb:
            status = (
                "changed" if (ca.tier, ca.best_peptide) != (cb.tier, cb.best_peptide) else "same"
            )
        else:
            status = "only in A" if ca else "only in B"
        rows.append(
            {
                "variant_id": variant,
                "mhc_class": mhc_class,
                "gene": (ca or cb).gene,
                "aa_change": (ca or cb).aa_change,
                "status": status,
                "a": ca,
                "b": cb,
                "decision_a": decisions.get(ca.id) if ca else None,
                "decision_b": decisions.get(cb.id) if cb else None,
            }
        )
    order = {"changed": 0, "only in A": 1, "only in B": 2, "same": 3}
    rows.sort(key=lambda r: (order[r["status"]], r["gene"], r["variant_id"], r["mhc_class"]))
    return rows
