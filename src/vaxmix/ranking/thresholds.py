"""Binding thresholds: one IC50 cutoff for every allele, or the allele-specific ones.

With ``allele_specific_binding_thresholds`` an allele listed in
``vaxmix/ranking/data/allele_cutoffs.csv`` (the IEDB's recommended cutoffs, Paul S et al.,
J Immunol 2013;191:5831, as shipped by pVACtools; see the data README) is judged at its own
IC50 cutoff — e.g. 255 nM for HLA-A*02:01, 641 nM for HLA-A*29:02 — and any other allele at
``binding_threshold``, as pVACseq's ``--allele-specific-binding-thresholds`` does in the binding
filter, the aggregated report's passing-peptide counts, the anchor test and the tiers.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from vaxmix.ranking.config import RankingConfig

__all__ = ["allele_cutoffs", "binding_threshold", "binding_thresholds"]


@lru_cache(maxsize=1)
def allele_cutoffs() -> dict[str, float]:
    """``{allele: IC50 cutoff in nM}`` from the shipped table."""
    text = resources.files("vaxmix.ranking").joinpath("data", "allele_cutoffs.csv").read_text()
    return {row["allele"]: float(row["allele_specific_cutoff"])
            for row in csv.DictReader(text.splitlines())}  # fmt: skip


def binding_threshold(allele: str, config: RankingConfig) -> float:
    """The IC50 cutoff (nM) for ``allele`` (``HLA-A*02:01``; ``A*02:01`` accepted)."""
    if not config.allele_specific_binding_thresholds:
        return config.binding_threshold
    name = allele if allele.startswith("HLA-") else f"HLA-{allele}"
    return allele_cutoffs().get(name, config.binding_threshold)


def binding_thresholds(alleles: pd.Series, config: RankingConfig) -> np.ndarray:
    """Per-row IC50 cutoffs for a column of allele names."""
    if not config.allele_specific_binding_thresholds:
        return np.full(len(alleles), config.binding_threshold)
    names = alleles.astype(str)
    lookup = {a: binding_threshold(a, config) for a in names.unique()}
    return names.map(lookup).to_numpy(dtype=float)
