"""Class II training and evaluation data: IEDB affinities (mhcnuggets), MAPTAC ligands, decoys.

Affinity data
    ``mhcnuggets/data/production/mhcII/curated_training_data.csv`` in the mhcnuggets 2.4.1 wheel
    on PyPI (Apache-2.0; Shao XM et al., Cancer Immunol Res 2020;8:396), read straight from the
    wheel, never vendored. Censored values become inequalities with the class I rules
    (:func:`vaxmix.mhc.training.data.encode_inequalities`). Rows are kept when the allele
    name resolves to a class II molecule with a pseudosequence (beta-only DQB1/DPB1 names, whose
    alpha chain is unknown, are dropped) and the peptide has 9–30 standard residues.

Eluted ligands
    MAPTAC mono-allelic class II ligands (Abelin JG et al., Immunity 2019;51:766,
    doi:10.1016/j.immuni.2019.08.012; via pirl-unc/hitlist, Apache-2.0). The file names only the
    beta chain; DR pairs with DRA, and the DP/DQ constructs are taken as
    HLA-DPA1*01:03-DPB1*06:01 and HLA-DQA1*01:02-DQB1*06:04 (the alpha chains of the common
    haplotypes carrying those beta chains — an assumption, recorded in the model metadata).

Decoys
    No human proteome ships offline, so each ligand gets residue-*shuffled* copies (seeded):
    the same length and amino-acid composition, with the order — the binding motif — destroyed.
    Length-matched, composition-matched decoys test the motif, not composition.
"""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.aminoacids import AMINO_ACID_SET
from vaxmix.common.errors import InputError
from vaxmix.mhc.classii.alleles import normalize_allele
from vaxmix.mhc.training.data import encode_inequalities

__all__ = [
    "MAPTAC_PAIRS",
    "MHCNUGGETS_CLASS2_MEMBER",
    "load_affinity",
    "load_maptac",
    "shuffled_decoys",
]

MHCNUGGETS_CLASS2_MEMBER = "mhcnuggets/data/production/mhcII/curated_training_data.csv"
TRAIN_MIN_LENGTH, TRAIN_MAX_LENGTH = 9, 30
MAPTAC_PAIRS = {
    "HLA-DPB1*06:01": "HLA-DPA1*01:03-DPB1*06:01",
    "HLA-DQB1*06:04": "HLA-DQA1*01:02-DQB1*06:04",
}
_VALID = AMINO_ACID_SET


def _valid_peptides(peptides: pd.Series) -> np.ndarray:
    lengths = peptides.str.len()
    ok = (lengths >= TRAIN_MIN_LENGTH) & (lengths <= TRAIN_MAX_LENGTH)
    return (ok & peptides.map(lambda p: set(p) <= _VALID)).to_numpy()


def _normalizer(names: pd.Series) -> pd.Series:
    mapping = {}
    for name in names.unique():
        try:
            mapping[name] = normalize_allele(MAPTAC_PAIRS.get(name, name))
        except InputError:
            mapping[name] = None
    return names.map(mapping)


def load_affinity(wheel: Path) -> pd.DataFrame:
    """Usable human class II affinity rows: allele, peptide, nm, inequality (0 =, 1 >, 2 <)."""
    with zipfile.ZipFile(wheel) as archive, archive.open(MHCNUGGETS_CLASS2_MEMBER) as handle:
        raw = pd.read_csv(handle)
    raw = raw[raw["mhc"].str.startswith("HLA-")]
    allele = _normalizer(raw["mhc"])
    peptide = raw["peptide"].astype(str).str.upper()
    nm = raw["IC50(nM)"].to_numpy(dtype=np.float64)
    code = encode_inequalities(nm, (raw["measurement_type"] == "qualitative").to_numpy())
    keep = allele.notna().to_numpy() & _valid_peptides(peptide) & (code >= 0)
    return pd.DataFrame(
        {
            "allele": allele[keep].to_numpy(),
            "peptide": peptide[keep].to_numpy(),
            "nm": np.clip(nm[keep], 1.0, 50_000.0),
            "inequality": code[keep],
        }
    ).reset_index(drop=True)


def load_maptac(path: Path) -> pd.DataFrame:
    """MAPTAC class II ligands: allele (canonical class II name), peptide (9–30 residues)."""
    with gzip.open(path, "rt") if str(path).endswith(".gz") else open(path) as handle:
        frame = pd.read_csv(handle)
    frame = frame[frame["mhc_class"] == "II"]
    frame = frame.assign(peptide=frame["peptide"].astype(str).str.upper())
    frame = frame.assign(allele=_normalizer(frame["mhc_restriction"]))
    frame = frame[frame["allele"].notna().to_numpy() & _valid_peptides(frame["peptide"])]
    return frame[["allele", "peptide"]].drop_duplicates().reset_index(drop=True)


def shuffled_decoys(peptides: np.ndarray, per_peptide: int, seed: int) -> np.ndarray:
    """``per_peptide`` residue-shuffled copies of each peptide (same length and composition)."""
    rng = np.random.default_rng(seed)
    out = []
    for peptide in peptides:
        residues = np.frombuffer(peptide.encode("ascii"), dtype=np.uint8).copy()
        for _ in range(per_peptide):
            rng.shuffle(residues)
            out.append(residues.tobytes().decode("ascii"))
    return np.array(out, dtype=object)
