"""A synthetic cohort for tests and benchmarks, built from the shipped example patient.

Each patient gets a seeded random subset of the records of the HCC1395 example VCF
(``vaxmix/pipeline/data/example_patient``, real pVACtools example data, 48 records) plus one
"hotspot" record that every patient carries (DDX3X R294T, a Pass candidate for HLA-A*29:02 in
the example run), and its own class I alleles (one HLA-A and one HLA-B, some given as an HLA
typing file instead of the ``alleles`` column), so the cohort has both private and shared
neoantigens. The last ``n_bad`` patients have deliberately bad inputs, one kind each in turn:

* ``pos``: a VCF record whose POS is not an integer (a run-time error naming file, line, POS);
* ``allele``: an allele that does not exist (caught while the manifest is validated);
* ``sample``: a tumor sample name that is not in the VCF (a run-time error naming the header).

Patients are synthetic recombinations of one real tumor's variants: good for timing and for
checking the machinery, meaningless biologically.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

__all__ = ["BAD_KINDS", "SyntheticCohort", "make_synthetic_cohort"]

BAD_KINDS = ("pos", "allele", "sample")
HOTSPOT_POS = "41344255"  # chrX DDX3X R294T in the example VCF (VCF POS, 1-based)
TUMOR = "HCC1395_TUMOR_DNA"
NORMAL = "HCC1395_NORMAL_DNA"
#: Alleles the shipped predictor supports (checked by the tests); A*29:02 is the example's.
A_ALLELES = ("HLA-A*29:02", "HLA-A*02:01", "HLA-A*01:01", "HLA-A*03:01", "HLA-A*11:01",
             "HLA-A*24:02")  # fmt: skip
B_ALLELES = ("HLA-B*45:01", "HLA-B*07:02", "HLA-B*08:01", "HLA-B*44:02", "HLA-B*35:01")


@dataclass
class SyntheticCohort:
    """The manifest written and what each patient was given."""

    manifest: Path
    patients: list[str]
    bad: dict[str, str] = field(default_factory=dict)  # patient → kind
    alleles: dict[str, list[str]] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)  # patient → VCF records


def _example_vcf_lines() -> tuple[list[str], list[str]]:
    folder = resources.files("vaxmix.pipeline").joinpath("data", "example_patient")
    with resources.as_file(folder.joinpath("hcc1395_subset.vcf.gz")) as path:
        text = gzip.decompress(Path(path).read_bytes()).decode()
    lines = text.splitlines()
    header = [line for line in lines if line.startswith("#")]
    records = [line for line in lines if line and not line.startswith("#")]
    return header, records


def make_synthetic_cohort(
    out_dir: str | Path,
    n_patients: int,
    n_bad: int = 0,
    seed: int = 0,
    records: tuple[int, int] = (6, 12),
    options: str = "",
) -> SyntheticCohort:
    """Write ``n_patients`` patients (VCF, some HLA files) and ``manifest.tsv`` into ``out_dir``.

    ``records`` bounds the random number of example records per patient (the hotspot record
    comes on top); ``options`` fills the manifest's ``options`` cell of every second patient
    (per-patient options).
    """
    if n_bad > n_patients:
        raise ValueError("n_bad exceeds n_patients")
    out = Path(out_dir)
    (out / "inputs").mkdir(parents=True, exist_ok=True)
    header, all_records = _example_vcf_lines()
    hotspot = next(r for r in all_records if r.split("\t", 2)[1] == HOTSPOT_POS)
    others = [r for r in all_records if r is not hotspot]
    cohort = SyntheticCohort(out / "manifest.tsv", [])
    rows = ["patient_id\tvcf\ttumor_sample\tnormal_sample\talleles\thla_file\toptions"]
    for i in range(n_patients):
        rng = random.Random(seed * 100_003 + i)
        patient = f"SYN{i + 1:04d}"
        k = rng.randint(*records)
        chosen = set(rng.sample(range(len(others)), min(k, len(others))))
        picked = [r for j, r in enumerate(others) if j in chosen]
        body = sorted([hotspot, *picked], key=all_records.index)
        alleles = [A_ALLELES[0] if i % 2 == 0 else rng.choice(A_ALLELES[1:]),
                   rng.choice(B_ALLELES)]  # fmt: skip
        kind = BAD_KINDS[(i - (n_patients - n_bad)) % len(BAD_KINDS)] \
            if i >= n_patients - n_bad else None  # fmt: skip
        sample = TUMOR
        if kind == "pos":
            fields = body[0].split("\t")
            fields[1] = f"{fields[1]}x"
            body[0] = "\t".join(fields)
        elif kind == "allele":
            alleles[0] = "HLA-A*99:99"
        elif kind == "sample":
            sample = "NO_SUCH_TUMOR"
        vcf = out / "inputs" / f"{patient}.vcf"
        vcf.write_text("\n".join([*header, *body]) + "\n")
        allele_cell, hla_cell = ",".join(alleles), ""
        if i % 3 == 1:  # some patients give an HLA typing file instead
            hla = out / "inputs" / f"{patient}.hla.txt"
            hla.write_text("\n".join(alleles) + "\n")
            allele_cell, hla_cell = "", f"inputs/{hla.name}"
        row_options = options if i % 2 == 1 else ""
        rows.append("\t".join([patient, f"inputs/{vcf.name}", sample, NORMAL, allele_cell,
                               hla_cell, row_options]))  # fmt: skip
        cohort.patients.append(patient)
        cohort.alleles[patient] = alleles
        cohort.records[patient] = len(body)
        if kind is not None:
            cohort.bad[patient] = kind
    cohort.manifest.write_text("\n".join(rows) + "\n")
    return cohort
