"""Cohort scaling: a loop of single ``vaxmix run`` commands vs one ``vaxmix cohort run``.

Usage::

    python benchmarks/cohort_scale.py --patients 8 [32 100] [--workers 2] [--batch-check]

For each N, a synthetic cohort of N patients (``vaxmix.cohort.synthetic``: subsets of the
shipped HCC1395 example VCF, each with its own HLA-A/B alleles, class I, ``--lengths 9``) is
run twice in the same session, each from a fresh process as a user would:

1. sequential: ``python -m vaxmix run ...`` once per patient, one after another;
2. cohort: ``python -m vaxmix cohort run MANIFEST --workers W`` (a LocalCluster of W worker
   processes, one thread each).

Printed per N: both wall times and their ratio; whether every patient's all_epitopes.tsv is
byte-identical between the two; peak memory (max RSS) of each worker process; the predictor
load time per worker; the mean time inside a warm patient task; and the per-patient overhead
of the cohort command, defined as ``(wall × W − Σ task seconds) / N``: worker-slot time per
patient spent outside patients' tasks (process and cluster start, imports, predictor load,
scheduling, the cohort view). The machine's load average is printed before and after: on a
shared machine the figures move with the other users' load.

``--batch-check`` also times predicting all patients' peptides in one call (union of
peptides × union of alleles, which is what one batched call must compute) against one call per
patient, with a warm predictor in this process.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vaxmix.cohort.manifest import run_argv
from vaxmix.cohort.synthetic import make_synthetic_cohort

LENGTHS = ["--lengths", "9"]


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _env() -> dict[str, str]:
    return {**os.environ, "VAXMIX_QUIET": "1"}


def _sequential(manifest: Path, out: Path) -> tuple[float, list[float]]:
    with manifest.open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    times = []
    start = time.perf_counter()
    for row in rows:
        for column in ("vcf", "hla_file"):
            if row[column]:
                row[column] = str((manifest.parent / row[column]).resolve())
        argv = run_argv(row, out / row["patient_id"], LENGTHS)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "vaxmix", "run", *argv], check=True, env=_env(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        times.append(time.perf_counter() - t0)
    return time.perf_counter() - start, times


def _cohort(manifest: Path, out: Path, workers: int) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "vaxmix", "cohort", "run", str(manifest), "--out",
                    str(out), "--options", " ".join(LENGTHS), "--workers", str(workers)],
                   check=True, env=_env(), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - start


def _batch_check(out: Path, patients: list[str]) -> None:
    import pandas as pd

    from vaxmix.mhc import predict

    work = []
    for patient in patients:
        folder = out / "patients" / patient
        table = pd.read_parquet(folder / "all_epitopes.parquet",
                                columns=["MT Epitope Seq", "WT Epitope Seq"])  # fmt: skip
        peptides = sorted(set(table["MT Epitope Seq"]) | set(table["WT Epitope Seq"]) - {"NA"})
        alleles = json.loads((folder / "run.json").read_text())["alleles"]
        work.append((peptides, alleles))
    predict(work[0][0][:10], work[0][1])  # warm the caches
    t0 = time.perf_counter()
    for peptides, alleles in work:
        predict(peptides, alleles)
    separate = time.perf_counter() - t0
    union_peptides = sorted({p for peptides, _ in work for p in peptides})
    union_alleles = sorted({a for _, alleles in work for a in alleles})
    t0 = time.perf_counter()
    predict(union_peptides, union_alleles)
    batched = time.perf_counter() - t0
    pairs = sum(len(p) * len(a) for p, a in work)
    print(f"  predictions, warm, this process: one call per patient {separate:.2f} s "
          f"({pairs} peptide-allele pairs) vs one batched call {batched:.2f} s "
          f"({len(union_peptides)} peptides x {len(union_alleles)} alleles = "
          f"{len(union_peptides) * len(union_alleles)} pairs)")


def run(n: int, workers: int, root: Path, batch_check: bool, cohort_only: bool = False) -> None:
    cohort = make_synthetic_cohort(root / f"n{n}", n, seed=n)
    print(f"N={n} patients, {workers} workers; load average before: {_load()}", flush=True)
    seq_wall, seq_times = float("nan"), [float("nan")]
    if not cohort_only:
        seq_wall, seq_times = _sequential(cohort.manifest, root / f"n{n}" / "sequential")
        print(f"  sequential vaxmix run loop: {seq_wall:.1f} s "
              f"({seq_wall / n:.1f} s per patient); load {_load()}", flush=True)
    out = root / f"n{n}" / "cohort"
    wall = _cohort(cohort.manifest, out, workers)
    with (out / "cohort" / "summary.tsv").open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    meta = json.loads((out / "cohort" / "cohort.json").read_text())
    failed = [r["patient_id"] for r in rows if r["status"] != "ok"]
    same = -1 if cohort_only else sum(
        (root / f"n{n}" / "sequential" / p / "all_epitopes.tsv").read_bytes()
        == (out / "patients" / p / "all_epitopes.tsv").read_bytes() for p in cohort.patients)
    task_s = [float(r["seconds"]) for r in rows]
    warm = [float(r["seconds"]) for r in rows if float(r["predictor_load_s"] or 0) == 0]
    peak: dict[str, float] = {}
    loads: dict[str, float] = {}
    for r in rows:
        peak[r["worker_pid"]] = max(peak.get(r["worker_pid"], 0.0), float(r["peak_rss_mb"]))
        if float(r["predictor_load_s"] or 0) > 0:
            loads[r["worker_pid"]] = float(r["predictor_load_s"])
    overhead = (wall * workers - sum(task_s)) / n
    print(f"  cohort command: {wall:.1f} s ({wall / n:.1f} s per patient); "
          + ("no sequential loop (--cohort-only); " if cohort_only else
             f"sequential/cohort = {seq_wall / wall:.2f}x; identical all_epitopes.tsv "
             f"{same}/{n}; ") + f"failed {failed or 'none'}; load {_load()}")
    print(f"  cluster start {meta['startup_s']:.1f} s; predictor load per worker "
          f"{', '.join(f'{v:.1f}' for v in loads.values())} s; warm task mean "
          f"{sum(warm) / max(len(warm), 1):.2f} s; per-patient overhead {overhead:.2f} s")
    print(f"  peak RSS per worker (MB): {', '.join(f'{v:.0f}' for v in peak.values())}; "
          f"sequential single runs: mean {sum(seq_times) / len(seq_times):.1f} s", flush=True)
    if batch_check:
        _batch_check(out, cohort.patients)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[8])
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--batch-check", action="store_true")
    parser.add_argument("--cohort-only", action="store_true",
                        help="skip the sequential loop (no ratio): for N too large to loop")
    parser.add_argument("--keep", type=Path, default=None, help="keep outputs in this folder")
    args = parser.parse_args()
    print(f"cpus {os.cpu_count()}, load average {_load()}; {time.strftime('%Y-%m-%d %H:%M')}")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        for n in args.patients:
            run(n, args.workers, args.keep, args.batch_check, args.cohort_only)
        return
    with tempfile.TemporaryDirectory(prefix="vaxmix-cohort-bench-") as tmp:
        for n in args.patients:
            run(n, args.workers, Path(tmp), args.batch_check, args.cohort_only)


if __name__ == "__main__":
    main()
