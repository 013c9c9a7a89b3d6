"""Registry operations shared by the CLI and the web app; every write is audited.

Each write function opens one write transaction, makes its change, appends the audit record in
the same transaction and commits, so a change and its audit record are stored together or not at
all. All SQL goes through SQLAlchemy constructs with bound parameters.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from typing import Any, TypeVar

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vaxmix.common.errors import InputError, VaxmixError
from vaxmix.common.runfolder import CLASS2_FOLDER, RunFolder
from vaxmix.store.audit import append_audit, now_iso
from vaxmix.store.db import Registry
from vaxmix.store.models import (
    DECISIONS,
    FUSION,
    ROLES,
    SNV_INDEL,
    AuditEntry,
    Candidate,
    Design,
    HlaType,
    Patient,
    ReviewDecision,
    Run,
    Sample,
    User,
)

__all__ = [
    "NotFound",
    "PermissionDenied",
    "RegistryError",
    "accepted_variants",
    "add_user",
    "approve_design",
    "authenticate",
    "check_text",
    "compare_runs",
    "count_candidates",
    "create_design",
    "current_decisions",
    "design_problems",
    "edit_design",
    "export_run",
    "export_text",
    "import_run",
    "record_decision",
    "revoke_sessions",
    "set_password",
    "write_evaluated_aggregated",
]

# argon2id, RFC 9106 "second recommended option" (t=3, 64 MiB, p=4): argon2-cffi's default.
HASHER_PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_HASHER = PasswordHasher.from_parameters(HASHER_PARAMETERS)
_DUMMY_HASH = _HASHER.hash("vaxmix-timing-equaliser")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD_LENGTH = 8
MAX_COMMENT_LENGTH = 4000


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


# -- users ---------------------------------------------------------------------------------


def add_user(registry: Registry, username: str, password: str, role: str, actor: str) -> int:
    """Create a local account with an argon2id password hash; returns its id."""
    if not USERNAME_PATTERN.match(username):
        raise InputError("use 1-64 letters, digits or . _ @ -", field="username")
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}", field="role")
    _check_password_rules(password)
    with registry.write() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise InputError(f"user {username!r} already exists", field="username")
        user = User(
            username=username,
            password_hash=_HASHER.hash(password),
            role=role,
            active=True,
            created_at=now_iso(),
        )
        session.add(user)
        session.flush()
        append_audit(
            session, actor, "user.create", "user", user.id, {"username": username, "role": role}
        )
        return user.id


def _check_password_rules(password: str) -> None:
    check_text(password, "password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def set_password(registry: Registry, username: str, password: str, actor: str) -> int:
    """Give ``username`` a new password and revoke all of its sessions; returns how many.

    Whoever knew the old password (or holds a session made with it) is signed out at once.
    """
    from vaxmix.store.security import revoke_user_sessions

    _check_password_rules(password)
    with registry.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username!r}")
        user.password_hash = _HASHER.hash(password)
        append_audit(session, actor, "user.password", "user", user.id, {"username": username})
        return revoke_user_sessions(session, user.id, actor, "password change")


def revoke_sessions(registry: Registry, user: int | str, actor: str) -> int:
    """Sign ``user`` (id or name) out everywhere (an administrator's action); returns how many
    sessions were live."""
    from vaxmix.store.security import revoke_user_sessions

    with registry.write() as session:
        column = User.id if isinstance(user, int) else User.username
        row = session.scalar(select(User).where(column == user))
        if row is None:
            raise NotFound(f"no user {user!r}")
        return revoke_user_sessions(session, row.id, actor, "revoked by an administrator")


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user whose password matches, else ``None`` (same work either way)."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return user


# -- import --------------------------------------------------------------------------------


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


def _candidate(
    run_id: int, mhc_class: str, r: dict[str, Any], kind: str = SNV_INDEL
) -> Candidate:
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
        .where(
            Candidate.run_id == run_id, Candidate.mhc_class == "II", Candidate.kind == SNV_INDEL
        )
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
        ``created`` is False when the same ``run.json`` was imported before (nothing changes).
    """
    from vaxmix.report.loaders import (
        candidate_records,
        fusion_candidate_records,
        load_run,
        run_alleles,
        run_class2_alleles,
        run_identity,
        run_inputs,
        selected_indexes,
    )

    folder = load_run(run_dir)
    uid = hashlib.sha256(RunFolder(Path(run_dir)).run_json.read_bytes()).hexdigest()
    identity = run_identity(folder)
    record = folder.record
    with registry.write() as session:
        existing = session.scalar(select(Run.id).where(Run.uid == uid))
        if existing is not None:
            _backfill_class2(session, existing, candidate_records(folder, class2=True), actor)
            _backfill_fusions(session, existing, fusion_candidate_records(folder), actor)
            return existing, False
        patient = _get_or_create_patient(session, patient_id or identity["patient"])
        sample = _get_or_create_sample(session, patient, sample_name or identity["sample"], "tumor")
        if record.normal_sample:
            _get_or_create_sample(session, patient, record.normal_sample, "normal")
        known = {
            h.allele
            for h in session.scalars(select(HlaType).where(HlaType.patient_id == patient.id))
        }
        # class II molecules (run.json ``class2_alleles`` or the MHC_Class_II tables) too
        for allele in [*run_alleles(folder), *run_class2_alleles(folder)]:
            if allele not in known:
                session.add(
                    HlaType(
                        patient_id=patient.id,
                        allele=allele,
                        mhc_class=_mhc_class(allele),
                        source=f"run.json of {Path(run_dir).name}",
                    )
                )
                known.add(allele)
        run = Run(
            uid=uid,
            patient_id=patient.id,
            sample_id=sample.id,
            path=str(Path(run_dir).resolve()),
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
        records = {
            "I": candidate_records(folder),
            "II": candidate_records(folder, class2=True),  # [] without MHC_Class_II/
        }
        session.add_all(
            _candidate(run.id, mhc_class, r) for mhc_class, rows in records.items() for r in rows
        )
        # gene fusions (fusions/MHC_Class_I|II/aggregated.tsv): candidates of their own kind
        fusions = fusion_candidate_records(folder)
        session.add_all(
            _candidate(run.id, mhc_class, r, FUSION)
            for mhc_class, rows in fusions.items()
            for r in rows
        )
        append_audit(
            session,
            actor,
            "run.import",
            "run",
            run.id,
            {
                "path": run.path,
                "uid": uid,
                "patient": patient.external_id,
                "candidates": len(records["I"]),
                "class2_candidates": len(records["II"]),
                "fusion_candidates": {c: len(rows) for c, rows in fusions.items()},
            },
        )
        if folder.construct is not None:
            selected = selected_indexes(folder)
            _new_design(
                session,
                run.id,
                {
                    "construct": folder.construct,
                    "candidates": selected,
                    "source": "vaccine/construct.json",
                    # kept through edits: the variants `vaxmix design` chose (see _known_variants)
                    "imported_candidates": selected,
                },
                note="imported from the run folder",
                username=actor,
                parent_id=None,
            )
        return run.id, True


# -- review --------------------------------------------------------------------------------


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


# -- designs -------------------------------------------------------------------------------


def _new_design(
    session: Session,
    run_id: int,
    content: dict[str, Any],
    note: str,
    username: str,
    parent_id: int | None,
) -> Design:
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


def _known_variants(session: Session, run_id: int) -> set[str]:
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
    known = _known_variants(session, run_id)
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
        design = _new_design(session, run_id, content, note, username, parent_id=None)
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
            new = _new_design(session, design.run_id, content, note, username, parent_id=design.id)
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


# -- reading -------------------------------------------------------------------------------


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
        raise InputError("the run folder no longer holds the imported run (its run.json changed "
                         "since import, e.g. a later `vaxmix run --overwrite`)", path=run_json)
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
