"""Importing a run folder into the registry: patient, samples, HLA types, run, candidates and
the design ``vaxmix design`` made.

:func:`import_run` is a short sequence of steps, one function each, all inside one write
transaction (so a run is stored whole or not at all) with one audit record. The run folder is
read through :mod:`vaxmix.report.loaders`, imported inside the steps that need it so that the web
app does not load pandas until a run is imported.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vaxmix.common.runfolder import RunFolder
from vaxmix.store.audit import append_audit, now_iso
from vaxmix.store.db import Registry
from vaxmix.store.designs import new_design
from vaxmix.store.models import FUSION, SNV_INDEL, Candidate, HlaType, Patient, Run, Sample

if TYPE_CHECKING:
    from vaxmix.report.loaders import LoadedRun


def _mhc_class(allele: str) -> str:
    name = allele.upper().removeprefix("HLA-")
    return "II" if name.startswith(("D", "H2-I")) else "I"


def _get_or_create_patient(session: Session, external_id: str) -> Patient:
    patient = session.scalar(select(Patient).where(Patient.external_id == external_id))
    if patient is None:
        patient = Patient(external_id=external_id, created_at=now_iso())
        session.add(patient)
        session.flush()
    return patient


def _get_or_create_sample(session: Session, patient: Patient, name: str, kind: str) -> Sample:
    sample = session.scalar(
        select(Sample).where(Sample.patient_id == patient.id, Sample.name == name)
    )
    if sample is None:
        sample = Sample(patient_id=patient.id, name=name, kind=kind)
        session.add(sample)
        session.flush()
    return sample


def _candidate(run_id: int, mhc_class: str, r: dict[str, Any], kind: str = SNV_INDEL) -> Candidate:
    """A candidate row from one ``candidate_records`` (or ``fusion_candidate_records``) record
    of the class I or II table."""
    return Candidate(
        run_id=run_id,
        mhc_class=mhc_class,
        kind=kind,
        rank=r["rank"],
        variant_id=r["variant_id"],
        index_key=r["variant_index"],
        gene=r["gene"],
        aa_change=r["aa_change"],
        transcript=r["transcript"],
        best_peptide=r["best_peptide"],
        allele=r["allele"],
        ic50_mt=r["ic50_mt"],
        ic50_wt=r["ic50_wt"],
        percentile_mt=r["percentile_mt"],
        rna_expr=r["rna_expr"],
        rna_vaf=r["rna_vaf"],
        dna_vaf=r["dna_vaf"],
        allele_expr=r["allele_expr"],
        tier=r["tier"],
    )


def _backfill_class2(
    session: Session, run_id: int, records: list[dict[str, Any]], actor: str
) -> int:
    """Add the class II candidates of a run imported before the registry held class II.

    Registries upgraded from migration 0001 hold such runs with class I candidates only; importing
    the same folder again adds its ``MHC_Class_II/aggregated.tsv`` rows (audited). Returns the
    number added (0 when the run has class II candidates already or the folder has none).
    """
    have = session.scalar(
        select(func.count())
        .select_from(Candidate)
        .where(Candidate.run_id == run_id, Candidate.mhc_class == "II", Candidate.kind == SNV_INDEL)
    )
    if have or not records:
        return 0
    session.add_all(_candidate(run_id, "II", r) for r in records)
    session.flush()
    append_audit(
        session, actor, "run.import_class2", "run", run_id, {"class2_candidates": len(records)}
    )
    return len(records)


def _backfill_fusions(
    session: Session, run_id: int, records: dict[str, list[dict[str, Any]]], actor: str
) -> int:
    """Add the gene-fusion candidates of a run imported before the registry held fusions
    (migration 0004); nothing when the run has fusion candidates already. Audited."""
    have = session.scalar(
        select(func.count())
        .select_from(Candidate)
        .where(Candidate.run_id == run_id, Candidate.kind == FUSION)
    )
    n = sum(len(rows) for rows in records.values())
    if have or not n:
        return 0
    session.add_all(
        _candidate(run_id, mhc_class, r, FUSION)
        for mhc_class, rows in records.items()
        for r in rows
    )
    session.flush()
    counts = {c: len(rows) for c, rows in records.items()}
    append_audit(session, actor, "run.import_fusions", "run", run_id, {"fusion_candidates": counts})
    return n


def import_run(
    registry: Registry,
    run_dir: str | Path,
    actor: str,
    patient_id: str | None = None,
    sample_name: str | None = None,
) -> tuple[int, bool]:
    """Import a run folder: patient, samples, HLA types, run, candidates and its design.

    Returns
    -------
    (run id, created)
        ``created`` is False when the same ``run.json`` was imported before (nothing changes
        except class II or fusion candidates that an older registry could not hold).
    """
    from vaxmix.report.loaders import load_run

    folder = load_run(run_dir)
    uid = hashlib.sha256(RunFolder(Path(run_dir)).run_json.read_bytes()).hexdigest()
    with registry.write() as session:
        existing = session.scalar(select(Run.id).where(Run.uid == uid))
        if existing is not None:
            _backfill(session, existing, folder, actor)
            return existing, False
        patient, sample = _add_patient_and_samples(session, folder, patient_id, sample_name)
        _add_hla_types(session, patient, folder, Path(run_dir))
        run = _add_run(session, folder, uid, patient, sample, Path(run_dir), actor)
        counts = _add_candidates(session, run.id, folder)
        append_audit(
            session,
            actor,
            "run.import",
            "run",
            run.id,
            {"path": run.path, "uid": uid, "patient": patient.external_id, **counts},
        )
        _add_imported_design(session, run.id, folder, actor)
        return run.id, True


def _backfill(session: Session, run_id: int, folder: LoadedRun, actor: str) -> None:
    """A run imported before: add what an older registry could not hold (class II, fusions)."""
    from vaxmix.report.loaders import candidate_records, fusion_candidate_records

    _backfill_class2(session, run_id, candidate_records(folder, class2=True), actor)
    _backfill_fusions(session, run_id, fusion_candidate_records(folder), actor)


def _add_patient_and_samples(
    session: Session, folder: LoadedRun, patient_id: str | None, sample_name: str | None
) -> tuple[Patient, Sample]:
    """The run's patient and tumor sample (created when new), and its normal sample if any;
    ``patient_id``/``sample_name`` override the names the run folder gives."""
    from vaxmix.report.loaders import run_identity

    identity = run_identity(folder)
    patient = _get_or_create_patient(session, patient_id or identity["patient"])
    sample = _get_or_create_sample(session, patient, sample_name or identity["sample"], "tumor")
    if folder.record.normal_sample:
        _get_or_create_sample(session, patient, folder.record.normal_sample, "normal")
    return patient, sample


def _add_hla_types(session: Session, patient: Patient, folder: LoadedRun, run_dir: Path) -> None:
    """Record the run's class I and class II molecules (run.json ``class2_alleles`` or the
    MHC_Class_II tables) that the patient does not have yet."""
    from vaxmix.report.loaders import run_alleles, run_class2_alleles

    known = {
        h.allele for h in session.scalars(select(HlaType).where(HlaType.patient_id == patient.id))
    }
    for allele in [*run_alleles(folder), *run_class2_alleles(folder)]:
        if allele not in known:
            session.add(
                HlaType(
                    patient_id=patient.id,
                    allele=allele,
                    mhc_class=_mhc_class(allele),
                    source=f"run.json of {run_dir.name}",
                )
            )
            known.add(allele)


def _add_run(
    session: Session,
    folder: LoadedRun,
    uid: str,
    patient: Patient,
    sample: Sample,
    run_dir: Path,
    actor: str,
) -> Run:
    """The run row, with the parameters, versions, inputs, models and counts of its run.json."""
    from vaxmix.report.loaders import run_inputs

    record = folder.record
    run = Run(
        uid=uid,
        patient_id=patient.id,
        sample_id=sample.id,
        path=str(run_dir.resolve()),
        status="completed",  # run.json is written only when a run succeeds
        parameters=record.parameters,
        versions=record.versions,
        inputs=run_inputs(record),
        models=dataclasses.asdict(record.prediction),
        timings=record.timings_s,
        counts=record.counts,
        started_at=None,  # run.json records no start or end time
        finished_at=None,
        imported_at=now_iso(),
        imported_by=actor,
    )
    session.add(run)
    session.flush()
    return run


def _add_candidates(session: Session, run_id: int, folder: LoadedRun) -> dict[str, Any]:
    """The run's class I, class II and gene-fusion candidates; returns their counts as the
    import's audit record states them."""
    from vaxmix.report.loaders import candidate_records, fusion_candidate_records

    records = {
        "I": candidate_records(folder),
        "II": candidate_records(folder, class2=True),  # [] without MHC_Class_II/
    }
    session.add_all(
        _candidate(run_id, mhc_class, r) for mhc_class, rows in records.items() for r in rows
    )
    # gene fusions (fusions/MHC_Class_I|II/aggregated.tsv): candidates of their own kind
    fusions = fusion_candidate_records(folder)
    session.add_all(
        _candidate(run_id, mhc_class, r, FUSION)
        for mhc_class, rows in fusions.items()
        for r in rows
    )
    return {
        "candidates": len(records["I"]),
        "class2_candidates": len(records["II"]),
        "fusion_candidates": {c: len(rows) for c, rows in fusions.items()},
    }


def _add_imported_design(session: Session, run_id: int, folder: LoadedRun, actor: str) -> None:
    """The design ``vaxmix design`` wrote (``vaccine/construct.json``) as draft version 1."""
    from vaxmix.report.loaders import selected_indexes

    if folder.construct is None:
        return
    selected = selected_indexes(folder)
    new_design(
        session,
        run_id,
        {
            "construct": folder.construct,
            "candidates": selected,
            "source": "vaccine/construct.json",
            # kept through edits: the variants `vaxmix design` chose (see designs.known_variants)
            "imported_candidates": selected,
        },
        note="imported from the run folder",
        username=actor,
        parent_id=None,
    )
