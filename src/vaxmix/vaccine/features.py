"""Candidate features: hydrophobicity, manufacturability, processing proxy, clonality, agretopicity.

Each feature is a plain function of sequences or numbers so that it can be checked by hand.
Sources:

* GRAVY (grand average of hydropathy): Kyte & Doolittle, J Mol Biol 1982;157:105-132
  (doi:10.1016/0022-2836(82)90515-0).
* Hydrophobic TCR-contact residues (positions 4 to L-1) are enriched in immunogenic class I
  epitopes: Calis et al., PLoS Comput Biol 2013;9:e1003266 (doi:10.1371/journal.pcbi.1003266);
  Chowell et al., PNAS 2015;112:E1754 (doi:10.1073/pnas.1500973112).
* Manufacturability flags follow vaxrank's list (Rubinsteyn et al., Front Immunol 2018;8:1807,
  doi:10.3389/fimmu.2017.01807) and peptide-synthesis chemistry: cysteines oxidise and form
  disulfides; an N-terminal Q or E cyclises to pyroglutamate and an N-terminal C oxidises;
  Asp-Pro bonds are acid-labile; Asp-Gly isomerises and Asn-Gly deamidates (Geiger & Clarke,
  J Biol Chem 1987;262:785-794).
* Processing proxy: the proteasome and TAP favour hydrophobic and basic C-termini and a proline
  right after the cleavage site (P1') blocks cleavage (Kesmir et al., Protein Eng 2002;15:287;
  Uebel & Tampé, Curr Opin Immunol 1999;11:203). This is a hand-set heuristic, **not** a trained
  cleavage model; when the input carries MHCflurry's processing score that is used instead.
* Clonality: cancer-cell fraction estimated as DNA VAF divided by the clonal VAF (clonal
  neoantigens: McGranahan et al., Science 2016;351:1463, doi:10.1126/science.aaf1490). The
  clonal VAF is the one the pipeline's tiers use, pVACseq's estimate
  (:func:`vaxmix.ranking.estimate_vaf_clonal`: purity/2, else the largest DNA VAF below 0.6
  capped at 0.5), so one patient has one clonal VAF in the ranking and in the vaccine.
* Agretopicity: mutant over wild-type predicted affinity (IC50 ratio), as defined by TESLA
  (Wells et al., Cell 2020;183:818-834, doi:10.1016/j.cell.2020.09.015).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vaxmix.peptides.properties import KYTE_DOOLITTLE, gravy, max_window_gravy

__all__ = [
    "KYTE_DOOLITTLE",
    "agretopicity",
    "clonality",
    "gravy",
    "manufacturability",
    "max_window_gravy",
    "processing_proxy",
    "tcr_contact_hydrophobic_fraction",
]

_HYDROPHOBIC = frozenset("AILMFWYV")
_PROCESSING_CTERM = {**dict.fromkeys("LIVFMYW", 1.0), "K": 0.75, "R": 0.75, "A": 0.5}


def tcr_contact_hydrophobic_fraction(epitope: str) -> float:
    """Fraction of hydrophobic residues (AILMFWYV) at TCR-facing positions 4..L-1 (1-based)."""
    core = epitope[3:-1]
    return sum(aa in _HYDROPHOBIC for aa in core) / len(core) if core else 0.0


def manufacturability(sequence: str) -> dict[str, float | int | bool]:
    """Synthesis and stability flags of one peptide (see the module docstring for sources)."""
    return {
        "length": len(sequence),
        "cysteine_count": sequence.count("C"),
        "n_terminal_qec": bool(sequence) and sequence[0] in "QEC",
        "dp_count": sequence.count("DP"),
        "dg_count": sequence.count("DG"),
        "ng_count": sequence.count("NG"),
        "gravy": round(gravy(sequence), 4),
        "max_7mer_gravy": round(max_window_gravy(sequence), 4),
    }


def processing_proxy(epitope: str, next_residue: str = "") -> float:
    """Heuristic C-terminal processing score in [0, 1] for an epitope in its source context.

    1.0 for a hydrophobic/aromatic C-terminus (LIVFMYW), 0.75 basic (K, R), 0.5 alanine,
    0.25 otherwise; halved when the residue after the epitope (P1') is proline.
    """
    score = _PROCESSING_CTERM.get(epitope[-1], 0.25) if epitope else 0.0
    if next_residue[:1] == "P":
        score *= 0.5
    return score


def agretopicity(mt_affinity_nm: pd.Series, wt_affinity_nm: pd.Series) -> pd.Series:
    """MT/WT IC50 ratio (lower = mutant binds better than self); NaN where WT is unknown."""
    mt = pd.to_numeric(mt_affinity_nm, errors="coerce")
    wt = pd.to_numeric(wt_affinity_nm, errors="coerce")
    return (mt / wt.where(wt > 0)).astype(float)


def clonality(dna_vaf: pd.Series, clonal_vaf: float) -> pd.Series:
    """Cancer-cell-fraction proxy ``min(1, VAF / clonal VAF)``; NaN where VAF is unknown."""
    vaf = pd.to_numeric(dna_vaf, errors="coerce")
    if not np.isfinite(clonal_vaf) or clonal_vaf <= 0:
        return pd.Series(np.nan, index=vaf.index)
    return (vaf / clonal_vaf).clip(upper=1.0)
