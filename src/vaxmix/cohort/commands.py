"""``vaxmix cohort run`` and ``vaxmix cohort synthetic`` (argparse only; Dask loads lazily)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["MAX_EXIT", "register"]

#: Exit status = number of failed patients, capped here (shells keep 8 bits; 126+ are taken).
MAX_EXIT = 100


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``cohort`` with its ``run`` and ``synthetic`` actions."""
    cohort = subparsers.add_parser(
        "cohort",
        help="many patients in one command on Dask (local or an existing cluster)",
        description="Run `vaxmix run` (and optionally the design stages) for every patient of "
        "a manifest on a Dask cluster, and write the cohort view (docs/cohort.md).",
    )
    actions = cohort.add_subparsers(dest="cohort_command", metavar="ACTION", required=True)
    run = actions.add_parser(
        "run",
        help="run every patient of a manifest",
        description="Exit status: 0 when every patient succeeded, else the number of failed "
        f"patients (at most {MAX_EXIT}); 2 with no summary written means the manifest itself "
        "is unusable. cohort/summary.tsv lists every patient.",
    )
    run.add_argument("manifest", type=Path, metavar="MANIFEST",
                     help="TSV/CSV: patient_id, vcf, tumor_sample, alleles or hla_file, ...")
    run.add_argument("--out", type=Path, required=True, help="cohort output folder")
    run.add_argument("--options", default="",
                     help="`vaxmix run` options for every patient, e.g. '--lengths 9 "
                     "--pass-only' (a manifest row's options cell wins)")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="existing Dask scheduler: tcp://host:8786 or a scheduler file (*.json); "
                     "default: a LocalCluster")
    run.add_argument("--workers", type=int, default=None,
                     help="LocalCluster worker processes (default: one per core)")
    run.add_argument("--threads-per-worker", type=int, default=1,
                     help="LocalCluster threads per worker (1)")
    run.add_argument("--design", action="store_true",
                     help="also design the vaccine, its mRNA and report.html per patient")
    run.add_argument("--no-mrna", action="store_true",
                     help="with --design: skip the mRNA stage (minutes per patient)")
    run.add_argument("--registry", default=None, metavar="URL",
                     help="import each finished patient into this registry (SQLite path or "
                     "SQLAlchemy URL)")
    run.add_argument("--force", action="store_true",
                     help="recompute patients whose outputs are complete and unchanged")
    run.add_argument("--min-patients", type=int, default=2,
                     help="patients needed for a neoantigen to count as shared (2)")
    run.set_defaults(handler=_run)

    synthetic = actions.add_parser(
        "synthetic", help="write a synthetic cohort (from the example patient) for trials"
    )
    synthetic.add_argument("--patients", type=int, required=True)
    synthetic.add_argument("--bad", type=int, default=0, help="patients with bad inputs (0)")
    synthetic.add_argument("--seed", type=int, default=0)
    synthetic.add_argument("--out", type=Path, required=True)
    synthetic.set_defaults(handler=_synthetic)


def _location(outcome: object) -> str:
    parts = [getattr(outcome, "error_file", ""),
             f"line {outcome.error_line}" if getattr(outcome, "error_line", "") else "",  # type: ignore[attr-defined]
             f"field {outcome.error_field}" if getattr(outcome, "error_field", "") else ""]  # type: ignore[attr-defined]
    where = ", ".join(p for p in parts if p)
    return f"{where}: " if where else ""


def _run(args: argparse.Namespace) -> int:
    import sys

    from vaxmix.cohort.engine import run_cohort
    from vaxmix.common.errors import InputError

    for flag in ("workers", "threads_per_worker", "min_patients"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise InputError("must be at least 1", field=f"--{flag.replace('_', '-')}")
    if args.scheduler and args.workers is not None:
        raise InputError("--workers sizes the LocalCluster; an existing cluster (--scheduler) "
                         "is sized where it is started", field="--workers")  # fmt: skip
    result = run_cohort(
        args.manifest, args.out, options=args.options, scheduler=args.scheduler,
        n_workers=args.workers, threads_per_worker=args.threads_per_worker,
        design=args.design, mrna=not args.no_mrna, registry=args.registry, force=args.force,
        min_patients=args.min_patients,
    )  # fmt: skip
    for outcome in result.outcomes:
        if outcome.status == "failed":
            print(f"vaxmix: error: patient {outcome.patient_id}: {_location(outcome)}"
                  f"{outcome.error}", file=sys.stderr)  # fmt: skip
    for patient, cell in result.extra["registry"].items():
        if cell.startswith("error"):
            print(f"vaxmix: error: patient {patient}: registry {cell}", file=sys.stderr)
    n = len(result.outcomes)
    ran = sum(o.status == "ok" for o in result.outcomes)
    kept = sum(o.status == "skipped" for o in result.outcomes)
    print(f"vaxmix cohort: {n} patients: {ran} run, {kept} unchanged (kept), "
          f"{result.failed} failed, in {result.wall_s:.1f} s on {result.n_workers} workers "
          f"→ {result.files['summary']}", file=sys.stderr)  # fmt: skip
    return min(result.failed, MAX_EXIT)


def _synthetic(args: argparse.Namespace) -> int:
    from vaxmix.cohort.synthetic import make_synthetic_cohort
    from vaxmix.common.errors import InputError

    if args.patients < 1 or not 0 <= args.bad <= args.patients:
        raise InputError("need --patients ≥ 1 and 0 ≤ --bad ≤ --patients", field="--bad")
    cohort = make_synthetic_cohort(args.out, args.patients, args.bad, args.seed)
    print(cohort.manifest)
    return 0
