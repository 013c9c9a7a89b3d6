"""Benchmark of ``vaxmix design`` on HCC1395 and on pVACvector's example (prints figures).

Inputs come from the ``pvactools==7.1.5`` wheel (BSD-3-Clause-Clear), cached in
``${XDG_CACHE_HOME:-~/.cache}/vaxmix/pvactools`` (downloaded once with pip if absent):

* HCC1395: pVACseq's class I result files (parsed-VCF table, all_epitopes, aggregated) with the
  sample's alleles HLA-A*29:02, HLA-B*45:01, HLA-B*82:02. ``--run-dir DIR`` uses a
  ``vaxmix run`` folder instead.
* pVACvector's example: ``pvactools/tools/pvacvector/example_data/input.fa`` (five 25-mers),
  alleles HLA-A*02:01, HLA-B*35:01, junction lengths 8-10, no signal peptide or MITD.

Junction binders are counted by re-predicting every junction-spanning peptide of the finished
protein (``verify_junctions``) with ``vaxmix.mhc.predict``. Predictions are the built-in vaxmix
model's (named in the output), not MHCnuggets' or NetMHCpan's; pVACvector's 146 s is from
``shared/docs/pvactools-reference.md`` §2b (same machine class, not re-run here).

Usage: ``python benchmarks/vaccine_design.py [--run-dir DIR] [--n 20]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from vaxmix.mhc import predict
from vaxmix.vaccine import DesignConfig, design_from_peptides, design_vaccine, verify_junctions
from vaxmix.vaccine.construct import assemble
from vaxmix.vaccine.sequences import read_protein_fasta

WHEEL = "pvactools-7.1.5-py3-none-any.whl"
HCC = "pvactools/tools/pvacseq/example_data/results/MHC_Class_I/"
HCC_FILES = {
    "HCC1395_TUMOR_DNA.tsv": "variants.tsv",
    "HCC1395_TUMOR_DNA.MHC_I.all_epitopes.tsv": "all_epitopes.tsv",
    "HCC1395_TUMOR_DNA.MHC_I.all_epitopes.aggregated.tsv": "aggregated.tsv",
}
PVV = "pvactools/tools/pvacvector/example_data/input.fa"
HCC_ALLELES = ("HLA-A*29:02", "HLA-B*45:01", "HLA-B*82:02")
PVV_ALLELES = ["HLA-A*02:01", "HLA-B*35:01"]


def wheel_path() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vaxmix" / "pvactools"
    wheel = cache / WHEEL
    if not wheel.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--quiet", "pvactools==7.1.5", "-d", str(cache)],
            check=True,
        )  # fmt: skip
    return wheel


def extract(folder: Path) -> tuple[Path, Path]:
    run = folder / "hcc1395"
    run.mkdir()
    with zipfile.ZipFile(wheel_path()) as wheel:
        for name, target in HCC_FILES.items():
            (run / target).write_bytes(wheel.read(HCC + name))
        fasta = folder / "pvacvector_input.fa"
        fasta.write_bytes(wheel.read(PVV))
    return run, fasta


def antigen_share(construct) -> float:
    peptide = sum(len(e.sequence) for e in construct.elements if e.kind == "peptide")
    return peptide / len(construct.protein)


def bench_hcc(run: Path, n: int) -> None:
    print(f"== HCC1395 ({', '.join(HCC_ALLELES)}), N={n}, preset tesla, lengths 25-29")
    config = DesignConfig(n_peptides=n, alleles=HCC_ALLELES)
    t = time.perf_counter()
    predict(["SIINFEKL"], list(HCC_ALLELES))  # model load + calibration, reported separately
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    result = design_vaccine(run, config, predict=predict)
    wall = time.perf_counter() - t
    sel = result.selection
    v = result.verification
    print(f"predictor load + first call: {load_s:.2f} s (model {', '.join(v['model'])})")
    print(f"design wall time (read, select, order, link, assemble, verify): {wall:.2f} s")
    print(f"stage timings: {result.summary['timings_s']}")
    print(f"candidates: {result.summary['candidates']}")
    print(f"selected {len(sel)} long peptides, lengths {sel['length'].min()}-{sel['length'].max()}")
    print(f"alleles covered: {len(result.covered_alleles)}/{len(result.alleles)} "
          f"{result.covered_alleles}")  # fmt: skip
    for allele in result.alleles:
        k = int((sel[f"value:{allele}"] > 0).sum())
        print(f"  {allele}: {k} of {len(sel)} peptides hold an eligible epitope")
    print(f"ordering: {result.order.method}; cost {result.order.cost}, bound "
          f"{result.order.lower_bound}, proven optimal {result.order.proven_optimal}")  # fmt: skip
    print(f"junction binders (re-predicted): {v['binders']} of {v['junction_peptides']} "
          f"junction peptides ({v['predictions']} predictions; rule: {v['rule']})")  # fmt: skip
    print(f"linkers used: {result.junctions['linker'].value_counts().to_dict()}")
    print(f"construct: {len(result.construct.protein)} aa, antigen share "
          f"{antigen_share(result.construct):.0%}")  # fmt: skip
    print(f"replaced windows: {len(result.summary['replaced_windows'])}")
    print(
        f"eligible epitope-allele pairs per peptide: mean {sel['n_epitopes'].mean():.1f}, "
        f"min {sel['n_epitopes'].min()}; best-epitope IC50 < 500 nM in "
        f"{int((sel['best_affinity_nm'] < 500).sum())} of {len(sel)}; tumor abundance > 33 TPM "
        f"in {int((sel['tumor_abundance_tpm'] > 33).sum())} of {len(sel)}"
    )
    print("warnings:", *result.warnings, sep="\n  ")
    cols = [
        "order",
        "name",
        "length",
        "best_epitope",
        "best_allele",
        "best_affinity_nm",
        "tumor_abundance_tpm",
        "agretopicity",
        "clonality",
        "value",
        "alleles_covered",
    ]
    print(sel[cols].to_string(index=False, float_format=lambda x: f"{x:.3g}"))


def bench_pvacvector(fasta: Path) -> None:
    print(f"\n== pVACvector example ({fasta.name}), {', '.join(PVV_ALLELES)}, lengths 8-10")
    records = read_protein_fasta(fasta)
    config = DesignConfig(signal_peptide="none", trafficking="none", junction_lengths=(8, 9, 10))
    t = time.perf_counter()
    result = design_from_peptides(records, PVV_ALLELES, config, predict=predict, source=fasta)
    wall = time.perf_counter() - t
    v = result.verification
    print(f"wall time (predictor already loaded): {wall:.2f} s (pVACvector 7.1.5: 146 s)")
    print(f"order: {' -> '.join(result.selection['name'].str.split('.').str[0])}")
    print(f"ordering: {result.order.method}; proven optimal {result.order.proven_optimal}")
    print(
        result.junctions[
            [
                "left",
                "right",
                "linker",
                "predicted_binders",
                "worst_peptide",
                "worst_allele",
                "worst_affinity_nm",
            ]
        ].to_string(index=False)
    )
    print(f"junction binders (re-predicted): {v['binders']} of {v['junction_peptides']}")
    # pVACvector's own answer, checked with the same predictor

    def pick(gene: str, pos: str = "") -> object:
        return next(r for r in records if r.identifier.startswith(gene) and pos in r.identifier)

    names = [pick("ENOX1"), pick("AFAP1"), pick("FAM129C", "_pos15_"), pick("FAM129C", "_pos7_"),
             pick("USP15")]  # fmt: skip
    linkers = [("none", ""), ("none", ""), ("HHHH", "HHHH"), ("none", "")]
    construct = assemble(
        "pvacvector", [(r.identifier, r.sequence, "") for r in names], linkers, None, None
    )
    check = verify_junctions(construct, PVV_ALLELES, [8, 9, 10], predict)
    print(f"pVACvector's chosen order and spacer (ENOX1-AFAP1-FAM129C15-HHHH-FAM129C7-USP15) "
          f"under the same predictor: {check['binders']} junction binders of "
          f"{check['junction_peptides']}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", type=Path, help="a vaxmix run folder instead of pVACseq's")
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run, fasta = extract(Path(tmp))
        bench_hcc(args.run_dir or run, args.n)
        bench_pvacvector(fasta)


if __name__ == "__main__":
    main()
