"""What leaves the registry: a run's full JSON export and pVACview-compatible
``aggregated.tsv`` files with the reviews in their ``Evaluation`` column."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vaxmix.common.errors import InputError
from vaxmix.common.runfolder import CLASS2_FOLDER, RunFolder
from vaxmix.store.errors import get_row
from vaxmix.store.models import FUSION, SNV_INDEL, AuditEntry, ReviewDecision, Run
from vaxmix.store.review import current_decisions


def _row(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def export_run(session: Session, run_id: int) -> dict[str, Any]:
    """A run with its patient, candidates, full decision history, designs and audit trail."""
    run = get_row(session, Run, run_id, "run")
    candidate_ids = [c.id for c in run.candidates]
    decisions = session.scalars(
        select(ReviewDecision)
        .where(ReviewDecision.candidate_id.in_(candidate_ids))
        .order_by(ReviewDecision.id)
    ).all()
    design_ids = [str(d.id) for d in run.designs]
    audit = session.scalars(
        select(AuditEntry)
        .where(
            ((AuditEntry.entity == "run") & (AuditEntry.entity_id == str(run_id)))
            | (
                (AuditEntry.entity == "candidate")
                & AuditEntry.entity_id.in_([str(i) for i in candidate_ids])
            )
            | ((AuditEntry.entity == "design") & AuditEntry.entity_id.in_(design_ids))
        )
        .order_by(AuditEntry.id)
    ).all()
    return {
        "schema": "vaxmix.registry_export/1",
        "patient": _row(run.patient),
        "hla_types": [_row(h) for h in run.patient.hla_types],
        "samples": [_row(s) for s in run.patient.samples],
        "run": _row(run),
        "candidates": [_row(c) for c in run.candidates],
        "decisions": [_row(d) for d in decisions],
        "designs": [_row(d) for d in run.designs],
        "audit": [_row(a) for a in audit],
    }


def export_text(session: Session, run_id: int) -> str:
    """``export_run`` as the JSON text ``vaxmix registry export`` writes (and the app serves)."""
    import json

    return json.dumps(export_run(session, run_id), indent=1, sort_keys=True, default=str) + "\n"


def write_evaluated_aggregated(
    session: Session, run_id: int, out: str | Path, mhc_class: str = "I", kind: str = SNV_INDEL
) -> int:
    """Write the run's ``aggregated.tsv`` with its ``Evaluation`` column set from the reviews.

    ``mhc_class`` "II" writes ``MHC_Class_II/aggregated.tsv`` from the class II reviews (a
    variant's class I decision never leaks into the class II table, or back). pVACview reads
    and writes the same column (Accept/Reject/Pending), so the file can be opened there.
    ``kind`` "fusion" writes the gene-fusion table (``fusions/MHC_Class_I|II/aggregated.tsv``,
    pVACfuse's layout, whose ``ID`` column is the fusion Index) from the fusion reviews; the
    SNV/indel tables never take a fusion decision, nor the other way round.
    Returns the number of rows with a decision other than Pending.
    """
    import csv

    from vaxmix.common.atomic import atomic_write

    run = get_row(session, Run, run_id, "run")
    if mhc_class not in ("I", "II"):
        raise InputError("MHC class must be I or II", field="mhc_class")
    if kind not in (SNV_INDEL, FUSION):
        raise InputError(f"kind must be {SNV_INDEL} or {FUSION}", field="kind")
    layout = RunFolder(Path(run.path))
    if kind == FUSION:
        source = layout.fusion_table("aggregated", f"MHC_Class_{mhc_class}")
        key = "ID"  # pVACfuse's aggregated table names the fusion Index "ID"
    else:
        source = layout.table("aggregated", "" if mhc_class == "I" else CLASS2_FOLDER)
        key = "Index"
    relative = layout.relative(source)
    if not source.is_file():
        raise InputError(f"the run folder has no {relative}", path=source)
    run_json = layout.run_json  # the folder may hold another run by now (--overwrite)
    if not run_json.is_file() or hashlib.sha256(run_json.read_bytes()).hexdigest() != run.uid:
        raise InputError(
            "the run folder no longer holds the imported run (its run.json changed "
            "since import, e.g. a later `vaxmix run --overwrite`)",
            path=run_json,
        )
    rows_of_class = [c for c in run.candidates if (c.mhc_class, c.kind) == (mhc_class, kind)]
    current = current_decisions(session, [c.id for c in rows_of_class])
    by_index = {c.index_key: current[c.id].decision for c in rows_of_class if c.id in current}
    decided = 0
    with open(source, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    if "Evaluation" not in fields:
        fields.append("Evaluation")
    for row in rows:
        row["Evaluation"] = by_index.get(row.get(key, ""), "Pending")
        decided += row["Evaluation"] != "Pending"
    with atomic_write(out, newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return decided
