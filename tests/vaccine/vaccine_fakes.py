"""Test helpers: a deterministic fake MHC predictor and the fixture folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / "data"


def junction_kmers(construct, lengths) -> set[str]:
    """Independent enumeration: k-mers of the construct not inside a single non-linker element."""
    spans = [(e.start - 1, e.end) for e in construct.elements if e.kind != "linker"]
    out = set()
    for k in lengths:
        for i in range(len(construct.protein) - k + 1):
            if not any(s <= i and i + k <= e for s, e in spans):
                out.add(construct.protein[i : i + k])
    return out


def anchor_rule_binds(peptide: str) -> bool:
    """Fake binder rule (HLA-A2-like anchors): residue 2 in L/M/I and C-terminus in V/L/I."""
    return peptide[1] in "LMI" and peptide[-1] in "VLI"


def fake_predict(peptides: Sequence[str], alleles: Sequence[str]) -> pd.DataFrame:
    """Deterministic stand-in for ``vaxmix.mhc.predict``: 50 nM / 0.5 % for anchor matches."""
    rows = []
    for peptide in peptides:
        binds = anchor_rule_binds(peptide)
        for allele in alleles:
            rows.append({
                "peptide": peptide, "allele": allele,
                "affinity_nm": 50.0 if binds else 20000.0,
                "percentile": 0.5 if binds else 50.0,
                "presentation_score": 0.9 if binds else 0.01,
                "model": "fake-anchor-rule",
            })  # fmt: skip
    return pd.DataFrame(rows)


HCC_DIR = DATA / "hcc1395_subset"
