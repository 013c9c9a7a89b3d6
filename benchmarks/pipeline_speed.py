"""Speed and memory of the full HCC1395 class I job (lengths 8–11, 3 HLA alleles).

Runs ``vaxmix run`` as a child process on pVACtools' HCC1395 example VCF (1,470 records) and
prints wall time and peak RSS (``wait4`` rusage of the child, so imports and the predictor are
included). The VCF comes from ``--vcf`` or is extracted from the pvactools 7.1.5 wheel (fetched
once with pip into ``${XDG_CACHE_HOME:-~/.cache}/vaxmix/pvactools`` and sha256-checked).

Baseline: pVACseq 7.1.5 with MHCnuggetsI took 789 s wall / 1.33 GB peak RSS for this exact job
on a 2-vCPU machine (docs/pipeline.md; measured earlier, *not* in this run, because pVACseq
needs a 3.1 GB TensorFlow environment).

With ``--fusions arriba|agfusion|PATH`` the same job also runs pVACfuse's example fusions (from
the same wheel) or a given AGFusion folder / Arriba TSV, to measure the time fusions add.

Usage: python benchmarks/pipeline_speed.py [--vcf PATH] [--repeat N] [--lengths 8,9,10,11]
       [--fusions arriba|agfusion|PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from vaxmix.common.provenance import sha256_file

WHEEL = "pvactools-7.1.5-py3-none-any.whl"
WHEEL_SHA256 = "c812359f4ca52979d6f3ad84052df4d356574e1499406db55b037e92c4937726"
MEMBER = "pvactools/tools/pvacseq/example_data/annotated.expression.vcf.gz"
PVACSEQ_SECONDS = {"8,9,10,11": 789.0, "8,9": 376.0}
PVACSEQ_PEAK_MB = 1330.0


def example_vcf(folder: Path) -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vaxmix" / "pvactools"
    cache.mkdir(parents=True, exist_ok=True)
    wheel = cache / WHEEL
    if not wheel.exists() or sha256_file(wheel) != WHEEL_SHA256:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                        "--only-binary=:all:", "--quiet", "pvactools==7.1.5", "-d", str(cache)],
                       check=True)  # fmt: skip
        if sha256_file(wheel) != WHEEL_SHA256:
            raise SystemExit(f"sha256 mismatch for {wheel}")
    target = folder / "annotated.expression.vcf.gz"
    with zipfile.ZipFile(wheel) as archive:
        target.write_bytes(archive.read(MEMBER))
    return target


def example_fusions(folder: Path, name: str) -> Path:
    """pVACfuse's example ``arriba_fusions.tsv`` or ``agfusion/`` folder from the cached wheel."""
    example_vcf(folder)  # fetches and checks the wheel
    wheel = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vaxmix"
    prefix = "pvactools/tools/pvacfuse/example_data/"
    member = prefix + ("arriba_fusions.tsv" if name == "arriba" else "agfusion/")
    with zipfile.ZipFile(wheel / "pvactools" / WHEEL) as archive:
        for item in archive.namelist():
            if item.startswith(member) and not item.endswith((".png", "/")):
                target = folder / "fusions" / item.removeprefix(prefix)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(item))
    return folder / "fusions" / member.removeprefix(prefix).rstrip("/")


def run_once(vcf: Path, out: Path, lengths: str,
             fusions: Path | None = None) -> tuple[float, float, float]:  # fmt: skip
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one ``vaxmix run``."""
    command = [sys.executable, "-m", "vaxmix", "run", str(vcf), "--sample", "HCC1395_TUMOR_DNA",
               "--normal-sample", "HCC1395_NORMAL_DNA", "--alleles",
               "HLA-A*29:02,HLA-B*45:01,HLA-B*82:02", "--lengths", lengths, "--out", str(out)]
    command += ["--fusions", str(fusions)] if fusions is not None else []
    env = {**os.environ, "VAXMIX_QUIET": "1"}
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"vaxmix run failed: {stderr}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vcf", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lengths", default="8,9,10,11")
    parser.add_argument("--fusions", help="arriba, agfusion (pVACfuse's examples) or a path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        vcf = args.vcf or example_vcf(folder)
        fusions = (example_fusions(folder, args.fusions) if args.fusions in ("arriba", "agfusion")
                   else Path(args.fusions) if args.fusions else None)  # fmt: skip
        walls, cpus, peaks = [], [], []
        for i in range(args.repeat):
            out = folder / f"run{i}"
            wall, cpu, peak = run_once(vcf, out, args.lengths, fusions)
            walls.append(wall)
            cpus.append(cpu)
            peaks.append(peak)
            print(f"run {i + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU, {peak:.0f} MB peak RSS")
        import json

        record = json.loads((folder / "run0" / "run.json").read_text())
        shutil.rmtree(folder / "run0", ignore_errors=True)
    median = statistics.median(walls)
    models = ", ".join(record["prediction"]["models"])
    print(f"job: HCC1395 class I, lengths {args.lengths}, 3 alleles, "
          f"{record['counts']['all_epitopes_rows']} all_epitopes rows, "
          f"{record['counts']['predictions']} predictions ({models})")  # fmt: skip
    if "fusions" in record:
        print(f"fusions: {record['fusions']['counts']['fusions']} fusions; "
              + ", ".join(f"{k} {v:.2f} s" for k, v in record["fusions"]["timings_s"].items()))
    print("stage timings of run 1 (s): "
          + ", ".join(f"{k} {v:.2f}" for k, v in record["timings_s"].items()))  # fmt: skip
    print(f"vaxmix: median {median:.2f} s wall (min {min(walls):.2f}), median "
          f"{statistics.median(cpus):.2f} s CPU, max {max(peaks):.0f} MB peak RSS over "
          f"{args.repeat} runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
          "CPUs")  # fmt: skip
    baseline = PVACSEQ_SECONDS.get(args.lengths)
    if baseline:
        print(f"pVACseq 7.1.5 + MHCnuggetsI (reference measurement, not this run): "
              f"{baseline:.0f} s, {PVACSEQ_PEAK_MB:.0f} MB → vaxmix is {baseline / median:.0f}× "
              "faster (wall)")  # fmt: skip
    print(f"targets: ≤ 15 s {'met' if median <= 15 else 'NOT met'}, "
          f"≤ 1 GB {'met' if max(peaks) <= 1024 else 'NOT met'}")


if __name__ == "__main__":
    main()
