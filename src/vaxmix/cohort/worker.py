"""What runs on a Dask worker: the predictor loaded once per process, and one patient's job.

The MHC predictors keep their weights and percentile tables in process-level caches
(``functools.cache`` in :mod:`vaxmix.mhc.predict` and :mod:`vaxmix.mhc.classii.predictor`).
:func:`load_predictors` fills those caches once per worker process, from the first task that
computes (a patient skipped on resume loads nothing), so the seconds spent loading weights,
calibrations and allele tables are paid once per worker, not per patient; each outcome says
whether its task paid them (``predictor_load_s``). Each patient then runs
:func:`vaxmix.pipeline.run.run_pipeline`, the very function behind ``vaxmix run``, with the same
:class:`~vaxmix.pipeline.config.PipelineConfig`.
"""

from __future__ import annotations

import os
import resource
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from vaxmix.common.errors import InputError, VaxmixError
from vaxmix.common.runfolder import RunFolder
from vaxmix.common.runrecord import RunRecord

__all__ = ["PatientOutcome", "PatientTask", "load_predictors", "predictor_loads", "run_patient"]

#: (model, class2_model) → load record, per process.
_LOADED: dict[tuple[str | None, str | None], dict[str, object]] = {}


def load_predictors(model: str | None = None, class2_model: str | None = None) -> dict:
    """Load both MHC predictors into this process's caches (once per process and model).

    A one-peptide prediction with each model fills the weight, pseudosequence and percentile
    caches; the allele table and mhcgnomes' parser are warmed too. Returns the load record
    (process id, seconds, whether this call loaded it).
    """
    key = (model, class2_model)
    if key in _LOADED:
        return {**_LOADED[key], "loaded_now": False}
    start = time.perf_counter()
    from vaxmix.mhc import predict
    from vaxmix.mhc.alleles import known_alleles
    from vaxmix.mhc.classii import predict as predict_class2
    from vaxmix.pipeline import run  # noqa: F401  (imports the pipeline's modules once)
    from vaxmix.variants.hla import parse_allele_list

    known = known_alleles()
    parse_allele_list("HLA-A*02:01", known)
    predict(["SIINFEKLL"], ["HLA-A*02:01"], model=model)
    predict_class2(["PKYVKQNTLKLAT"], ["HLA-DRB1*01:01"], model=class2_model)
    _LOADED[key] = {"pid": os.getpid(), "load_s": round(time.perf_counter() - start, 3)}
    return {**_LOADED[key], "loaded_now": True}


def predictor_loads() -> dict[str, dict[str, object]]:
    """This process's load records (for tests and the benchmark)."""
    return {f"{m}|{c}": dict(v) for (m, c), v in _LOADED.items()}


@dataclass(frozen=True)
class PatientTask:
    """Everything a worker needs for one patient (picklable)."""

    patient_id: str
    config: object  # PipelineConfig
    out_dir: Path
    design: bool = False
    force: bool = False
    mrna: bool = True


@dataclass
class PatientOutcome:
    """A task's result: plain data, sent back to the client."""

    patient_id: str
    status: str  # ok | skipped | failed
    out_dir: str
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)
    design: dict = field(default_factory=dict)
    error: str = ""
    error_file: str = ""
    error_line: str = ""
    error_field: str = ""
    note: str = ""
    worker_pid: int = 0
    predictor_load_s: float = 0.0
    peak_rss_mb: float = 0.0
    timings: dict = field(default_factory=dict)


def _peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _design(run_dir: Path, mrna: bool) -> dict:
    """The ``vaxmix design RUN_DIR`` stages with their defaults (vaccine, mRNA, report)."""
    from vaxmix.pipeline.workflow import design_patient

    design = design_patient(run_dir, with_mrna=mrna, with_report=True)
    return {"summary": design.summary, "warnings": design.warnings, "timings": design.timings}


def run_patient(task: PatientTask) -> PatientOutcome:
    """Run one patient; never raises for the patient's own errors (they go in the outcome)."""
    from vaxmix.cohort.resume import reuse_reason

    start = time.perf_counter()
    os.environ.setdefault("VAXMIX_QUIET", "1")
    config = task.config
    outcome = PatientOutcome(task.patient_id, "ok", str(task.out_dir), worker_pid=os.getpid())
    kept_run = False
    try:
        keep_run, keep_design, why = (False, False, "--force") if task.force else \
            reuse_reason(task.out_dir, config, task.design, task.mrna)  # fmt: skip
        kept_run = keep_run
        if keep_run and (keep_design or not task.design):
            outcome.status = "skipped"
            outcome.note = "outputs complete; inputs and parameters unchanged"
        else:
            loads = load_predictors(_text(config.model), _text(config.class2_model))  # type: ignore[attr-defined]
            outcome.predictor_load_s = float(loads["load_s"]) if loads["loaded_now"] else 0.0
            outcome.note = f"recomputed: {why}" if why and RunFolder(task.out_dir).run_json \
                .exists() else ""  # fmt: skip
            if not keep_run:
                from vaxmix.pipeline.run import run_pipeline

                # the cohort owns patients/<id>/: a previous run there is replaced as a whole
                result = run_pipeline(config, task.out_dir, overwrite=True)  # type: ignore[arg-type]
                outcome.timings = {k: round(v, 3) for k, v in result.timings.items()}
            if task.design:
                outcome.design = _design(task.out_dir, task.mrna)
        outcome.counts = _counts(task.out_dir)
    except VaxmixError as exc:
        _fail(outcome, exc, task.out_dir, kept_run)
    except Exception as exc:  # an internal error of one patient must not stop the cohort
        _fail(outcome, exc, task.out_dir, kept_run)
        outcome.note += " | " + "".join(traceback.format_exception(exc)[-3:]).strip()
    outcome.seconds = round(time.perf_counter() - start, 3)
    outcome.peak_rss_mb = _peak_rss_mb()
    return outcome


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _counts(run_dir: Path) -> dict:
    return RunRecord.from_json(RunFolder(run_dir).run_json).counts


def _fail(outcome: PatientOutcome, exc: BaseException, out_dir: Path, kept_run: bool) -> None:
    outcome.status = "failed"
    if isinstance(exc, InputError):
        outcome.error = exc.message
        outcome.error_file = "" if exc.path is None else str(exc.path)
        outcome.error_line = "" if exc.line is None else str(exc.line)
        outcome.error_field = exc.field or ""
    elif isinstance(exc, VaxmixError):
        outcome.error = str(exc)
    else:
        outcome.error = f"internal error: {type(exc).__name__}: {exc}"
    if kept_run:
        outcome.note = "the run outputs are current; the design stages failed"
    elif RunFolder(out_dir).run_json.exists():
        outcome.note = "the output folder still holds an EARLIER run: do not use it"
