"""``run_cohort``: every patient of a manifest through ``vaxmix run`` on a Dask cluster.

The client validates the manifest, submits one task per patient (a LocalCluster of worker
*processes* by default, one per core; or an existing scheduler), shows one bar over patients,
imports each finished patient into the registry (from this process, one at a time, as results
arrive: the registry sees a single writer whatever the number of workers), and writes the
cohort folder: ``summary.tsv``, ``shared_neoantigens.tsv``, ``hla_coverage.tsv``,
``recurrent_variants.tsv``, ``report.html`` and ``cohort.json`` (provenance).

Layout of ``OUT``: ``OUT/patients/<patient_id>/`` (each a ``vaxmix run`` folder) and
``OUT/cohort/``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vaxmix import __version__
from vaxmix.cohort.manifest import PatientSpec, read_manifest
from vaxmix.cohort.view import SUMMARY_COLUMNS, write_cohort_view
from vaxmix.cohort.worker import PatientOutcome, PatientTask, run_patient
from vaxmix.common.errors import InputError

__all__ = ["SUMMARY_COLUMNS", "CohortResult", "run_cohort"]


@dataclass
class CohortResult:
    """What a cohort run did."""

    out_dir: Path
    outcomes: list[PatientOutcome]
    files: dict[str, Path]
    wall_s: float
    startup_s: float
    n_workers: int
    dashboard: str | None
    failed: int = 0
    extra: dict = field(default_factory=dict)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _dashboard_available() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def _dashboard_link(client: object) -> str | None:
    """The scheduler's dashboard URL, when the scheduler serves one (bokeh installed there)."""
    services = client.scheduler_info().get("services", {})  # type: ignore[attr-defined]
    return client.dashboard_link if "dashboard" in services else None  # type: ignore[attr-defined]


def _client(scheduler: str | None, n_workers: int | None, threads_per_worker: int) -> tuple:
    """(client, cluster or None, worker count)."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = (Client(scheduler_file=scheduler, timeout="30s")
                      if scheduler.endswith(".json") else Client(scheduler, timeout="30s"))
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler: {exc}", field="--scheduler") \
                from None  # fmt: skip
        return client, None, len(client.scheduler_info().get("workers", {}))
    workers = n_workers or _cores()
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=threads_per_worker,
        processes=True,
        dashboard_address=":0" if _dashboard_available() else None,
        scheduler_port=0,
    )
    return Client(cluster), cluster, workers


def _until_interrupted(futures: Iterable) -> Iterator:
    """Yield finished futures; stop quietly on Ctrl-C so the summary can still be written."""
    try:
        yield from futures
    except KeyboardInterrupt:
        return


def _invalid(spec: PatientSpec, out_dir: Path) -> PatientOutcome:
    exc = spec.error
    assert exc is not None
    return PatientOutcome(
        spec.patient_id, "failed", str(out_dir / "patients" / spec.patient_id),
        error=exc.message, error_file="" if exc.path is None else str(exc.path),
        error_line="" if exc.line is None else str(exc.line), error_field=exc.field or "",
        note="not started: bad input in the manifest",
    )  # fmt: skip


def _import(registry: object, outcome: PatientOutcome, sample: str | None) -> str:
    """Import one finished patient; returns the summary's registry cell."""
    from vaxmix.common.errors import VaxmixError
    from vaxmix.store.service import import_run

    try:
        run_id, created = import_run(registry, outcome.out_dir, "cli:vaxmix-cohort",  # type: ignore[arg-type]
                                     outcome.patient_id, sample)  # fmt: skip
    except VaxmixError as exc:
        return f"error: {exc}"
    return f"run {run_id}" + ("" if created else " (already imported)")



@dataclass
class _DaskSettings:
    """Where the patients run: an existing scheduler, or a LocalCluster of this shape."""

    scheduler: str | None
    n_workers: int | None
    threads_per_worker: int


@dataclass
class _ClusterInfo:
    """What the cohort summary records about the cluster that ran it."""

    workers: int = 0
    startup_s: float = 0.0
    dashboard: str | None = None


def _register(store: object | None, outcome: PatientOutcome, samples: dict[str, str | None],
              registry_cells: dict[str, str]) -> None:
    """Import a finished patient into the registry (when one is given) as soon as it is done,
    so an interrupted cohort still registers the patients that finished."""
    if store is not None and outcome.status in ("ok", "skipped"):
        registry_cells[outcome.patient_id] = _import(store, outcome,
                                                     samples[outcome.patient_id])  # fmt: skip


def _run_on_dask(
    tasks: list[PatientTask],
    settings: _DaskSettings,
    started: float,
    outcomes: dict[str, PatientOutcome],
    info: _ClusterInfo,
    on_done: Callable[[PatientOutcome], None],
) -> None:
    """Submit one Dask task per patient and collect outcomes as they finish.

    A worker that dies (memory, signal) fails its patient only; Ctrl-C stops collecting, and
    the caller lists the unfinished patients as interrupted. The cluster is closed either way.
    """
    from distributed import as_completed

    from vaxmix.common.progress import progress

    client, cluster, info.workers = _client(settings.scheduler, settings.n_workers,
                                            settings.threads_per_worker)  # fmt: skip
    try:
        info.startup_s = time.perf_counter() - started
        info.dashboard = _dashboard_link(client)
        print(f"vaxmix cohort: {len(tasks)} patients on {info.workers} Dask workers; dashboard "
              f"{info.dashboard or 'off (pip install bokeh>=3.1 to get one)'}",
              file=sys.stderr)  # fmt: skip
        futures = {client.submit(run_patient, task, key=f"vaxmix-patient-{task.patient_id}-"
                                 f"{time.time_ns()}", pure=False): task for task in tasks}
        bar = progress(as_completed(futures), desc="vaxmix cohort", total=len(futures))
        for future in _until_interrupted(bar):
            task = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # the worker died (memory, signal): that patient only
                outcome = PatientOutcome(task.patient_id, "failed", str(task.out_dir),
                                         error=f"worker lost: {type(exc).__name__}: {exc}")
            outcomes[task.patient_id] = outcome
            on_done(outcome)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()



def _cohort_meta(manifest: Path, options: str, design: bool, mrna: bool, force: bool,
                 registry: str | None, settings: _DaskSettings, info: _ClusterInfo,
                 wall_s: float, failed: int, min_patients: int) -> dict[str, object]:
    """The cohort's provenance record (``cohort/cohort.json``): how it was run, on what."""
    return {
        "schema": "vaxmix.cohort/1",
        "vaxmix_version": __version__,
        "manifest": str(manifest),
        "options": options,
        "design": design,
        "mrna": design and mrna,
        "force": force,
        "registry": registry,
        "scheduler": settings.scheduler or "LocalCluster",
        "n_workers": info.workers,
        "threads_per_worker": settings.threads_per_worker if settings.scheduler is None else None,
        "wall_s": round(wall_s, 3),
        "startup_s": round(info.startup_s, 3),
        "failed": failed,
        "min_patients": min_patients,
    }


def run_cohort(
    manifest: str | Path,
    out_dir: str | Path,
    *,
    options: str = "",
    scheduler: str | None = None,
    n_workers: int | None = None,
    threads_per_worker: int = 1,
    design: bool = False,
    mrna: bool = True,
    registry: str | None = None,
    force: bool = False,
    min_patients: int = 2,
) -> CohortResult:
    """Run every patient of ``manifest`` into ``out_dir`` (see the module docstring).

    Parameters
    ----------
    manifest
        TSV/CSV manifest (:mod:`vaxmix.cohort.manifest`).
    out_dir
        Cohort output folder.
    options
        ``vaxmix run`` options for every patient (a row's ``options`` cell wins).
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``) or its scheduler file
        (``*.json``, written by ``dask scheduler --scheduler-file``); ``None`` starts a
        LocalCluster of ``n_workers`` processes (default: one per core).
    threads_per_worker
        Threads of each local worker (1: the predictor is numpy-vectorised already).
    design
        Also run the vaccine, mRNA and report stages per patient (``vaxmix design``).
    mrna
        With ``design``: include the mRNA stage (``False`` = ``vaxmix design --no-mrna``).
    registry
        Registry URL or SQLite path: import each finished patient.
    force
        Recompute every patient even when its outputs are complete and unchanged.
    min_patients
        A peptide/allele pair is "shared" when found in at least this many patients.

    Raises
    ------
    InputError
        When the manifest as a whole is unusable (nothing is run then).
    """

    started = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    manifest = Path(manifest).resolve()
    specs = read_manifest(manifest, out_dir, options)
    outcomes: dict[str, PatientOutcome] = {
        s.patient_id: _invalid(s, out_dir) for s in specs if s.error is not None
    }
    store = None
    if registry is not None:
        from vaxmix.store.db import open_registry

        store = open_registry(registry)
    tasks = [PatientTask(s.patient_id, s.config, out_dir / "patients" / s.patient_id, design,
                         force, mrna) for s in specs if s.config is not None]  # fmt: skip
    samples = {s.patient_id: getattr(s.config, "sample", None) for s in specs}
    registry_cells: dict[str, str] = {}
    cluster_info = _ClusterInfo()
    if tasks:
        _run_on_dask(tasks, _DaskSettings(scheduler, n_workers, threads_per_worker), started,
                     outcomes, cluster_info, lambda outcome: _register(
                         store, outcome, samples, registry_cells))  # fmt: skip
    interrupted = bool(tasks) and len(outcomes) < len(specs)
    for task in tasks:  # only after Ctrl-C: the summary still lists every patient
        outcomes.setdefault(task.patient_id, PatientOutcome(
            task.patient_id, "failed", str(task.out_dir), error="interrupted before it finished"))
    if store is not None:
        store.close()  # type: ignore[attr-defined]
    ordered = [outcomes[s.patient_id] for s in specs]
    failed = sum(o.status == "failed" for o in ordered) + sum(
        c.startswith("error") for c in registry_cells.values())
    wall = time.perf_counter() - started
    meta = _cohort_meta(manifest, options, design, mrna, force, registry,
                        _DaskSettings(scheduler, n_workers, threads_per_worker), cluster_info,
                        wall, failed, min_patients)  # fmt: skip
    files = write_cohort_view(out_dir / "cohort", manifest, ordered, registry_cells, meta,
                              min_patients)  # fmt: skip
    if interrupted:
        raise KeyboardInterrupt
    return CohortResult(out_dir, ordered, files, wall, cluster_info.startup_s,
                        cluster_info.workers, cluster_info.dashboard, failed,
                        {"registry": registry_cells, "outcomes": [asdict(o) for o in ordered]})
