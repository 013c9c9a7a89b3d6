"""Fixtures of the pipeline tests: a deterministic fake predictor and pVACtools' real example."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

from vaxmix.common.provenance import sha256_file

PVACTOOLS_VERSION = "7.1.5"
PVACTOOLS_WHEEL = f"pvactools-{PVACTOOLS_VERSION}-py3-none-any.whl"
PVACTOOLS_SHA256 = "c812359f4ca52979d6f3ad84052df4d356574e1499406db55b037e92c4937726"
EXAMPLE_PREFIX = "pvactools/tools/pvacseq/example_data/"


def fake_predict(peptides: Sequence[str], alleles: Sequence[str]) -> pd.DataFrame:
    """Deterministic stand-in for vaxmix.mhc.predict: scores from a hash of peptide+allele."""
    rows = []
    for peptide in peptides:
        for allele in alleles:
            digest = hashlib.sha256(f"{peptide}|{allele}".encode()).digest()
            fraction = int.from_bytes(digest[:4], "big") / 2**32
            rows.append((peptide, allele, 10 ** (1 + 4 * fraction), 100 * fraction,
                         1 - fraction, "fake-predictor 0"))  # fmt: skip
    return pd.DataFrame(rows, columns=["peptide", "allele", "affinity_nm", "percentile",
                                       "presentation_score", "model"])  # fmt: skip


@pytest.fixture
def predictor():
    return fake_predict


@pytest.fixture(scope="session")
def pvactools_example(tmp_path_factory) -> Path:
    """pVACtools 7.1.5's HCC1395 example, extracted from the PyPI wheel (cached, sha256-checked).

    The wheel is fetched once with ``pip download`` into
    ``${XDG_CACHE_HOME:-~/.cache}/vaxmix/pvactools``; only the members the tests need are
    extracted, with zipfile.
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vaxmix" / "pvactools"
    cache.mkdir(parents=True, exist_ok=True)
    wheel = cache / PVACTOOLS_WHEEL
    if not wheel.exists() or sha256_file(wheel) != PVACTOOLS_SHA256:
        wheel.unlink(missing_ok=True)
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--disable-pip-version-check", "--quiet", f"pvactools=={PVACTOOLS_VERSION}",
             "-d", str(cache)],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if result.returncode != 0 or not wheel.exists():
            pytest.skip(f"could not download {PVACTOOLS_WHEEL}: {result.stderr[-500:]}")
        if sha256_file(wheel) != PVACTOOLS_SHA256:
            wheel.unlink()
            pytest.fail(f"sha256 mismatch for {PVACTOOLS_WHEEL}")
    out = tmp_path_factory.mktemp("pvactools_example")
    members = [
        "annotated.expression.vcf.gz",
        "results/MHC_Class_I/HCC1395_TUMOR_DNA.tsv",
        "results/MHC_Class_I/HCC1395_TUMOR_DNA.MHC_I.all_epitopes.tsv",
        "results/MHC_Class_I/HCC1395_TUMOR_DNA.MHC_I.all_epitopes.aggregated.tsv",
        "results/MHC_Class_I/HCC1395_TUMOR_DNA.MHC_I.filtered.tsv",
        "results/MHC_Class_II/HCC1395_TUMOR_DNA.MHC_II.all_epitopes.tsv",
        "results/MHC_Class_II/HCC1395_TUMOR_DNA.MHC_II.all_epitopes.aggregated.tsv",
        "results/combined/HCC1395_TUMOR_DNA.Combined.all_epitopes.tsv",
        "results/combined/HCC1395_TUMOR_DNA.Combined.all_epitopes.aggregated.tsv",
        "results/combined/HCC1395_TUMOR_DNA.Combined.filtered.tsv",
    ]
    with zipfile.ZipFile(wheel) as archive:
        for member in members:
            target = out / member
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(EXAMPLE_PREFIX + member))
    return out


