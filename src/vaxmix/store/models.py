"""SQLAlchemy 2 models of the run registry.

The schema itself is created and upgraded by the Alembic migrations in
``vaxmix/store/migrations`` (run on open); these classes map it for the ORM. Review decisions and
the audit log are append-only (database triggers refuse UPDATE and DELETE), and an approved design
is frozen (a trigger refuses any change to it): an edit creates a new design version.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "DECISIONS",
    "FUSION",
    "KINDS",
    "ROLES",
    "SNV_INDEL",
    "AppSession",
    "AuditEntry",
    "Base",
    "Candidate",
    "Design",
    "HlaType",
    "Patient",
    "ReviewDecision",
    "Run",
    "Sample",
    "Setting",
    "User",
]

ROLES: tuple[str, ...] = ("viewer", "reviewer", "admin")
DECISIONS: tuple[str, ...] = ("Accept", "Reject", "Pending")
# Candidate kinds (the vaccine stage's selection.tsv ``kind`` values): migration 0004.
SNV_INDEL, FUSION = "snv/indel", "fusion"
KINDS: tuple[str, ...] = (SNV_INDEL, FUSION)


class Base(DeclarativeBase):
    """Declarative base; ``type_annotation_map`` keeps dicts as portable JSON."""

    type_annotation_map: ClassVar[dict] = {dict[str, Any]: JSON, list[Any]: JSON}


class Setting(Base):
    """Key/value settings of one registry (the session-signing secret)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    """A local account; ``password_hash`` is an argon2id hash (argon2-cffi)."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[str] = mapped_column(String(40))


class AppSession(Base):
    """One sign-in; the cookie holds a random token whose sha256 is ``token_hash``.

    A session is valid while ``revoked_at`` is empty and its signed cookie is younger than
    ``SESSION_MAX_AGE_S`` (migration 0003).
    """

    __tablename__ = "app_session"
    __table_args__ = (Index("ix_app_session_user", "user_id", "revoked_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[str] = mapped_column(String(40))
    revoked_at: Mapped[str | None] = mapped_column(String(40))
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoked_reason: Mapped[str | None] = mapped_column(String(64))


class Patient(Base):
    __tablename__ = "patient"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[str] = mapped_column(String(40))
    samples: Mapped[list[Sample]] = relationship(back_populates="patient", order_by="Sample.id")
    hla_types: Mapped[list[HlaType]] = relationship(order_by="HlaType.allele")
    runs: Mapped[list[Run]] = relationship(back_populates="patient", order_by="Run.id")


class Sample(Base):
    __tablename__ = "sample"
    __table_args__ = (UniqueConstraint("patient_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    patient: Mapped[Patient] = relationship(back_populates="samples")


class HlaType(Base):
    __tablename__ = "hla_type"
    __table_args__ = (UniqueConstraint("patient_id", "allele"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    allele: Mapped[str] = mapped_column(String(64))
    mhc_class: Mapped[str] = mapped_column(String(4))
    source: Mapped[str] = mapped_column(String(255))


class Run(Base):
    """One imported run folder with its provenance (from ``run.json``)."""

    __tablename__ = "run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("sample.id"))
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    parameters: Mapped[dict[str, Any]]
    versions: Mapped[dict[str, Any]]
    inputs: Mapped[list[Any]]
    models: Mapped[dict[str, Any]]
    timings: Mapped[dict[str, Any]]
    counts: Mapped[dict[str, Any]]
    started_at: Mapped[str | None] = mapped_column(String(40))
    finished_at: Mapped[str | None] = mapped_column(String(40))
    imported_at: Mapped[str] = mapped_column(String(40))
    imported_by: Mapped[str] = mapped_column(String(64))
    patient: Mapped[Patient] = relationship(back_populates="runs")
    sample: Mapped[Sample | None] = relationship()
    candidates: Mapped[list[Candidate]] = relationship(
        order_by="[Candidate.mhc_class, Candidate.rank]"
    )
    designs: Mapped[list[Design]] = relationship(order_by="Design.version")


class Candidate(Base):
    """One aggregated row (a variant with its best peptide) of a run's class I or II table.

    ``mhc_class`` is "I" (``aggregated.tsv``) or "II" (``MHC_Class_II/aggregated.tsv``); a
    variant with epitopes of both classes is two candidates with the same ``index_key``, each
    reviewed on its own (migration 0002). ``kind`` is "snv/indel" (the tables above) or
    "fusion" (``fusions/MHC_Class_I|II/aggregated.tsv``, pVACfuse's Index; migration 0004).
    """

    __tablename__ = "candidate"
    __table_args__ = (
        UniqueConstraint(
            "run_id", "mhc_class", "kind", "index_key", name="uq_candidate_run_class_kind_index"
        ),
        CheckConstraint("kind IN ('snv/indel', 'fusion')", name="ck_candidate_kind"),
        Index("ix_candidate_variant", "variant_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"))
    mhc_class: Mapped[str] = mapped_column(String(4), default="I", server_default="I")
    kind: Mapped[str] = mapped_column(String(16), default=SNV_INDEL, server_default=SNV_INDEL)
    rank: Mapped[int] = mapped_column(Integer)
    variant_id: Mapped[str] = mapped_column(String(255))
    index_key: Mapped[str] = mapped_column(String(255))
    gene: Mapped[str] = mapped_column(String(64))
    aa_change: Mapped[str] = mapped_column(String(64))
    transcript: Mapped[str] = mapped_column(String(64))
    best_peptide: Mapped[str] = mapped_column(String(64))
    allele: Mapped[str] = mapped_column(String(64))
    ic50_mt: Mapped[float | None] = mapped_column(Float)
    ic50_wt: Mapped[float | None] = mapped_column(Float)
    percentile_mt: Mapped[float | None] = mapped_column(Float)
    rna_expr: Mapped[float | None] = mapped_column(Float)
    rna_vaf: Mapped[float | None] = mapped_column(Float)
    dna_vaf: Mapped[float | None] = mapped_column(Float)
    allele_expr: Mapped[float | None] = mapped_column(Float)
    tier: Mapped[str] = mapped_column(String(32))
    run: Mapped[Run] = relationship(back_populates="candidates")


class ReviewDecision(Base):
    """One decision on a candidate; the newest row per candidate is the current decision."""

    __tablename__ = "review_decision"
    __table_args__ = (Index("ix_decision_candidate", "candidate_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"))
    decision: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text)
    username: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(40))


class Design(Base):
    """A versioned vaccine design of a run; ``status`` is ``draft`` or ``approved`` (frozen)."""

    __tablename__ = "design"
    __table_args__ = (UniqueConstraint("run_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"))
    version: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("design.id"))
    status: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any]]
    note: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(40))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[str | None] = mapped_column(String(40))


class AuditEntry(Base):
    """One append-only audit record, chained by sha256 to the previous one."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
