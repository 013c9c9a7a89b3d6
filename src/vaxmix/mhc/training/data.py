"""Training data: IEDB affinities from the mhcnuggets 2.4.1 wheel, MAPTAC ligands, decoys.

Affinity data
    ``mhcnuggets/data/production/mhcI/curated_training_data.csv`` inside the mhcnuggets 2.4.1
    wheel on PyPI (Apache-2.0; Shao XM et al., Cancer Immunol Res 2020;8:396,
    doi:10.1158/2326-6066.CIR-19-0464). The file is read straight from the wheel, never vendored.
    It encodes censored measurements as plain numbers, so they are turned into inequalities:
    quantitative values below 20,000 nM are ``=``; any value ≥ 20,000 nM means "binds no better
    than that" (``>``); qualitative values ≥ 5,000 nM are ``>``, qualitative values ≤ 1,000 nM
    are ``<`` (the nominal nM of IEDB's positive categories); other qualitative values are
    dropped. nM is clipped to [1, 50,000] and mapped to ``1 - log(nM)/log(50000)`` (the target
    used by MHCflurry, O'Donnell et al., Cell Syst 2018;7:129).

Eluted ligands
    MAPTAC mono-allelic class I ligands (Abelin JG et al., Immunity 2019;51:766,
    doi:10.1016/j.immuni.2019.08.012; via pirl-unc/hitlist, Apache-2.0).

Mono-allelic ligand table (immunotype)
    ``immunotype/data/lookup_db.csv`` inside the immunotype 1.0.5 wheel on PyPI (MIT licence,
    AG-Walz, University of Tübingen; Pilz M, Scheid J et al., "Deep learning enables direct HLA
    typing from immunopeptidomics data", bioRxiv 2026): 279,862 class I ligands, each assigned to
    exactly one of 158 HLA-A/B/C alleles (the authors' curated mono-allelic lookup table for HLA
    typing). Read from the wheel that ``vaxmix mhc train --immunotype`` downloads, never
    vendored. Peptides of 8–14 standard residues of alleles with a pseudosequence are kept.

Multi-allelic eluted ligands
    HLA class I immunopeptidomes of five cell lines of known HLA type, read from the hitlist
    2.0.40 wheel on PyPI (pirl-unc/hitlist, Apache-2.0; ``hitlist/data/supplementary/``), never
    vendored: JY, HeLa, Raji and SK-MEL-37 (Gomez-Zepeda D et al., Nat Commun 2024;15:2288,
    doi:10.1038/s41467-024-46380-y) and wild-type HAP1 (Shapiro IE et al., Mol Cell Proteomics
    2025, PMID 40113210). The ligands carry no allele of their own that we use: the tables'
    ``mhc_restriction`` / ``is_potential_contaminant`` columns come from NetMHCpan-4.1 and are
    ignored, so that no NetMHCpan output trains the weights. Only 8–11-mers are kept (most
    12–15-mers in these tables are not HLA ligands: the authors flag 70–100 % of them).

Natural decoys and background
    No human proteome ships offline, so natural human peptide windows are cut from the MAPTAC
    *class II* ligands (43,503 human peptides of 9–46 residues, same source and licence): every
    8–15-mer window of each distinct ligand. Windows are split by a hash of their source ligand
    into a *decoy* half (training negatives for the ligand head) and a *background* half
    (percentile calibration), so the two never share a peptide.
"""

from __future__ import annotations

import gzip
import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.aminoacids import AMINO_ACID_SET
from vaxmix.common.provenance import sha256_file
from vaxmix.mhc.encoding import MAX_LENGTH, MIN_LENGTH

__all__ = [
    "MHCNUGGETS_MEMBER",
    "MULTIALLELIC_SAMPLES",
    "AffinityData",
    "encode_inequalities",
    "load_affinity_wheel",
    "load_immunotype_ligands",
    "load_maptac_class1",
    "load_multiallelic",
    "natural_windows",
    "to_target",
]

MHCNUGGETS_MEMBER = "mhcnuggets/data/production/mhcI/curated_training_data.csv"
MAX_NM = 50_000.0
_VALID = AMINO_ACID_SET


def to_target(nm: np.ndarray) -> np.ndarray:
    """Map nM to the regression target ``1 - log(nM)/log(50000)`` in [0, 1]."""
    clipped = np.clip(np.asarray(nm, dtype=np.float64), 1.0, MAX_NM)
    return (1.0 - np.log(clipped) / np.log(MAX_NM)).astype(np.float32)


def encode_inequalities(nm: np.ndarray, qualitative: np.ndarray) -> np.ndarray:
    """Inequality code per row: 0 ``=``, 1 ``>`` (nM at least), 2 ``<`` (nM at most), -1 drop.

    See the module docstring for the rules; targets use the *reverse* sense (``>`` nM means the
    target is at most ``to_target(nM)``).
    """
    nm = np.asarray(nm, dtype=np.float64)
    qualitative = np.asarray(qualitative, dtype=bool)
    code = np.full(len(nm), -1, dtype=np.int8)
    code[~qualitative & (nm < 20_000)] = 0
    code[nm >= 20_000] = 1
    code[qualitative & (nm >= 5_000)] = 1
    code[qualitative & (nm <= 1_000)] = 2
    return code


@dataclass
class AffinityData:
    """Usable HLA-A/B/C affinity rows."""

    frame: pd.DataFrame  # columns allele, peptide, nm, inequality (0 '=', 1 '>', 2 '<'), source
    wheel_sha256: str


def _valid_peptide(peptides: pd.Series) -> np.ndarray:
    lengths = peptides.str.len()
    ok = (lengths >= MIN_LENGTH) & (lengths <= MAX_LENGTH)
    return (ok & peptides.map(lambda p: set(p) <= _VALID)).to_numpy()


def load_affinity_wheel(wheel: Path, known: dict[str, str]) -> AffinityData:
    """Read the class I table from the mhcnuggets wheel and keep rows usable for training.

    Keeps HLA-A/B/C alleles (``HLA-Cw`` spelling normalised) that have a pseudosequence in
    ``known``, peptides of 8–15 standard residues, and rows with a defined inequality.
    """
    with zipfile.ZipFile(wheel) as archive, archive.open(MHCNUGGETS_MEMBER) as handle:
        raw = pd.read_csv(handle)
    allele = raw["mhc"].str.replace("HLA-CW*", "HLA-C*", regex=False)
    peptide = raw["peptide"].astype(str).str.upper()
    nm = raw["IC50(nM)"].to_numpy(dtype=np.float64)
    code = encode_inequalities(nm, (raw["measurement_type"] == "qualitative").to_numpy())
    keep = allele.isin(known.keys()).to_numpy() & _valid_peptide(peptide) & (code >= 0)
    frame = pd.DataFrame(
        {
            "allele": allele[keep].to_numpy(),
            "peptide": peptide[keep].to_numpy(),
            "nm": np.clip(nm[keep], 1.0, MAX_NM),
            "inequality": code[keep],
            "source": raw["measurement_source"][keep].to_numpy(),
        }
    )
    return AffinityData(frame.reset_index(drop=True), sha256_file(wheel))


def _ligand_pairs(
    allele: pd.Series, peptide: pd.Series, known: dict[str, str], max_length: int = MAX_LENGTH
) -> pd.DataFrame:
    """Distinct (allele, peptide) pairs of a known allele and 8–``max_length`` standard residues."""
    frame = pd.DataFrame({"allele": allele.astype(str).to_numpy(),
                          "peptide": peptide.astype(str).str.upper().to_numpy()})
    keep = (frame["allele"].isin(known.keys()).to_numpy() & _valid_peptide(frame["peptide"])
            & (frame["peptide"].str.len() <= max_length).to_numpy())
    return frame[keep].drop_duplicates().reset_index(drop=True)


def load_maptac_class1(path: Path, known: dict[str, str]) -> pd.DataFrame:
    """MAPTAC class I ligands (allele, peptide) with 8–15 standard residues and a known allele."""
    frame = pd.read_csv(path)
    frame = frame[frame["mhc_class"] == "I"]
    return _ligand_pairs(frame["mhc_restriction"], frame["peptide"], known)


IMMUNOTYPE_MEMBER = "immunotype/data/lookup_db.csv"


def load_immunotype_ligands(wheel: Path, known: dict[str, str]) -> pd.DataFrame:
    """(allele, peptide) mono-allelic ligands of the immunotype wheel, 8–14 standard residues.

    Rows of alleles without a pseudosequence in ``known`` are dropped (their count is small: the
    table's alleles are all two-field HLA-A/B/C names).
    """
    with zipfile.ZipFile(wheel) as archive, archive.open(IMMUNOTYPE_MEMBER) as handle:
        raw = pd.read_csv(handle, usecols=["peptide", "allele"])
    return _ligand_pairs(raw["allele"], raw["peptide"], known, max_length=14)


#: sample → (file inside the hitlist wheel, HLA-A/B/C genotype); genotypes as reported by the
#: studies (Gomez-Zepeda 2024 Methods; Shapiro 2025) and recorded in hitlist's supplementary.yaml
MULTIALLELIC_SAMPLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "JY": ("gomez_zepeda_2024_jy.csv", ("HLA-A*02:01", "HLA-B*07:02", "HLA-C*07:02")),
    "HeLa": ("gomez_zepeda_2024_hela.csv", ("HLA-A*68:02", "HLA-B*15:03", "HLA-C*12:03")),
    "Raji": ("gomez_zepeda_2024_raji.csv",
             ("HLA-A*03:01", "HLA-B*15:10", "HLA-C*03:04", "HLA-C*04:01")),
    "SK-MEL-37": ("gomez_zepeda_2024_skmel37.csv",
                  ("HLA-A*02:01", "HLA-A*11:01", "HLA-B*15:01", "HLA-B*56:01", "HLA-C*01:02")),
    "HAP1": ("shapiro_2025_hap1_wildtype.csv", ("HLA-A*02:01", "HLA-B*40:01", "HLA-C*03:04")),
}
HITLIST_SUPPLEMENTARY = "hitlist/data/supplementary/"


def load_multiallelic(wheel: Path, known: dict[str, str]) -> pd.DataFrame:
    """Distinct (sample, peptide) class I ligands, 8–11 standard residues, from the hitlist wheel.

    Every genotype allele must have a pseudosequence in ``known`` (an error otherwise names it).
    """
    frames = []
    with zipfile.ZipFile(wheel) as archive:
        for sample, (member, genotype) in MULTIALLELIC_SAMPLES.items():
            missing = [a for a in genotype if a not in known]
            if missing:
                raise ValueError(f"{sample}: no pseudosequence for {', '.join(missing)}")
            with archive.open(HITLIST_SUPPLEMENTARY + member) as handle:
                raw = pd.read_csv(handle)
            peptides = raw.loc[raw["mhc_class"] == "I", "peptide"].astype(str).str.upper()
            peptides = peptides[_valid_peptide(peptides) & (peptides.str.len() <= 11).to_numpy()]
            frames.append(pd.DataFrame({"sample": sample, "peptide": peptides.unique()}))
    return pd.concat(frames, ignore_index=True)


def natural_windows(class2_path: Path, half: str, lengths: range = range(8, 16)) -> np.ndarray:
    """Distinct 8–15-mer windows of the MAPTAC class II ligands in one hash ``half``.

    ``half`` is ``"decoy"`` or ``"background"``: a ligand goes to one half by the parity of the
    first byte of the SHA-1 of its sequence, so the halves share no source ligand.
    """
    if half not in ("decoy", "background"):
        raise ValueError(half)
    with gzip.open(class2_path, "rt") if str(class2_path).endswith(".gz") else open(
        class2_path
    ) as handle:
        ligands = pd.read_csv(handle)["peptide"].astype(str).str.upper().unique()
    want = 0 if half == "decoy" else 1
    windows: set[str] = set()
    for ligand in sorted(ligands):
        if not set(ligand) <= _VALID:
            continue
        if hashlib.sha1(ligand.encode()).digest()[0] % 2 != want:
            continue
        for length in lengths:
            for start in range(len(ligand) - length + 1):
                windows.add(ligand[start : start + length])
    return np.array(sorted(windows))
