"""One predictor and one binder rule over both MHC classes, for the junction check.

A junction of the construct can create a new class I epitope (8–11-mers, CD8+ T cells) or a
new class II epitope (12–18-mers, CD4+ T cells). The junction search and the final verification
(:mod:`vaxmix.vaccine.junctions`, :func:`vaxmix.vaccine.verification.verify_junctions`) work on a
``predict(peptides, alleles)`` function and a binder rule; this module builds both from the
class I and class II predictors: class I alleles are asked only about peptides of class I
lengths, class II molecules only about peptides of class II lengths, and each class keeps its
own thresholds (class I: the design's ``junction_max_*``; class II: the stricter NetMHCIIpan
strong-binder thresholds by default, see :class:`vaxmix.vaccine.config.DesignConfig`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vaxmix.mhc.protocol import PredictFn as Predictor

__all__ = ["MhcClass", "binder_mask", "combined_predictor"]


@dataclass(frozen=True)
class MhcClass:
    """One MHC class: its predictor, the patient's alleles, peptide lengths and binder rule."""

    name: str  # "class I" or "class II"
    predict: Predictor
    alleles: tuple[str, ...]
    lengths: tuple[int, ...]
    max_affinity_nm: float
    max_percentile: float


def combined_predictor(classes: Sequence[MhcClass]) -> Predictor:
    """``predict(peptides, alleles)`` that routes each (peptide, allele) to its class.

    Rows come back only for the pairs a class covers (allele of the class and peptide of one of
    its lengths); the columns are those of the class predictors.
    """

    def predict(peptides: Sequence[str], alleles: Sequence[str]) -> pd.DataFrame:
        wanted = set(alleles)
        frames = []
        for mhc in classes:
            own = [a for a in mhc.alleles if a in wanted]
            lengths = set(mhc.lengths)
            mine = [p for p in peptides if len(p) in lengths]
            if own and mine:
                frames.append(mhc.predict(mine, own))
        if not frames:
            return pd.DataFrame(columns=["peptide", "allele", "affinity_nm", "percentile", "model"])
        return pd.concat(frames, ignore_index=True, sort=False)

    return predict


def binder_mask(table: pd.DataFrame, classes: Sequence[MhcClass]) -> np.ndarray:
    """Per row: does it meet the binder rule of its allele's class (NaN never qualifies)?"""
    aff = pd.to_numeric(table["affinity_nm"], errors="coerce").to_numpy(dtype=float)
    pct = pd.to_numeric(
        table["percentile"] if "percentile" in table else pd.Series(np.nan, index=table.index),
        errors="coerce",
    ).to_numpy(dtype=float)
    max_aff = np.full(len(table), -np.inf)
    max_pct = np.full(len(table), -np.inf)
    allele = table["allele"].astype(str).to_numpy()
    for mhc in classes:
        rows = np.isin(allele, list(mhc.alleles))
        max_aff[rows] = mhc.max_affinity_nm
        max_pct[rows] = mhc.max_percentile
    with np.errstate(invalid="ignore"):
        return (aff <= max_aff) | (pct <= max_pct)
