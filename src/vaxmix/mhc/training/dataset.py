"""Assemble the training set once into a compact ``.npz`` (portable to a GPU machine).

Contents: affinity rows (peptide, allele index, target, inequality, peptide cluster), ligand
positives (mono-allelic class I ligands: MAPTAC, optionally the immunotype table, with their
source), multi-allelic ligands (peptide, sample, the
sample's genotype as allele indices padded by repetition to 6), the natural decoy pool, the
allele names and pseudosequences, and provenance (sha256 of every input).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.provenance import sha256_file
from vaxmix.mhc.alleles import pseudosequence_table
from vaxmix.mhc.training.data import (
    MULTIALLELIC_SAMPLES,
    load_affinity_wheel,
    load_immunotype_ligands,
    load_maptac_class1,
    load_multiallelic,
    natural_windows,
    to_target,
)

__all__ = ["build_dataset", "peptide_clusters"]


def peptide_clusters(peptides: np.ndarray, k: int = 8) -> np.ndarray:
    """Cluster id per peptide: connected components of peptides sharing any ``k``-mer.

    Keeps nested and overlapping peptides (common in IEDB scans) on one side of a split.
    """
    parent = list(range(len(peptides)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_seen: dict[str, int] = {}
    for i, peptide in enumerate(peptides):
        for start in range(len(peptide) - k + 1):
            kmer = peptide[start : start + k]
            j = first_seen.setdefault(kmer, i)
            if j != i:
                root_i, root_j = find(i), find(j)
                if root_i != root_j:
                    parent[root_i] = root_j
    roots = np.fromiter((find(i) for i in range(len(peptides))), dtype=np.int64)
    _, cluster = np.unique(roots, return_inverse=True)
    return cluster


GENOTYPE_SLOTS = 6


def build_dataset(
    wheel: Path, maptac_dir: Path, out: Path, hitlist_wheel: Path | None = None,
    immunotype_wheel: Path | None = None,
) -> dict:
    """Write the training ``.npz`` to ``out`` and return a summary dict.

    Without ``hitlist_wheel`` the dataset has no multi-allelic ligands (they are not in the
    shipped weights); with ``immunotype_wheel`` (model 1.2.0's data) the mono-allelic ligands
    are MAPTAC's plus the immunotype table's (``el_source`` 0 / 1; a pair in both is kept once,
    as MAPTAC).
    """
    table = pseudosequence_table()
    affinity = load_affinity_wheel(wheel, table).frame
    class1 = maptac_dir / "abelin_2019_maptac_class1.csv.gz"
    class2 = maptac_dir / "abelin_2019_maptac_class2.csv.gz"
    ligands = load_maptac_class1(class1, table).assign(source=0)
    if immunotype_wheel is not None:
        extra = load_immunotype_ligands(immunotype_wheel, table).assign(source=1)
        ligands = pd.concat([ligands, extra], ignore_index=True).drop_duplicates(
            ["allele", "peptide"], keep="first").reset_index(drop=True)
    decoys = natural_windows(class2, "decoy", range(8, 15))
    samples = list(MULTIALLELIC_SAMPLES) if hitlist_wheel is not None else []
    multi = (load_multiallelic(hitlist_wheel, table) if hitlist_wheel is not None
             else pd.DataFrame({"sample": [], "peptide": []}))
    genotype_alleles = {a for s in samples for a in MULTIALLELIC_SAMPLES[s][1]}
    alleles = sorted(set(affinity["allele"]) | set(ligands["allele"]) | genotype_alleles)
    allele_index = {a: i for i, a in enumerate(alleles)}
    unique_peptides, inverse = np.unique(affinity["peptide"].to_numpy(), return_inverse=True)
    cluster = peptide_clusters(unique_peptides)[inverse]
    provenance = {
        "mhcnuggets_wheel": {"name": wheel.name, "sha256": sha256_file(wheel)},
        "maptac_class1": {"name": class1.name, "sha256": sha256_file(class1)},
        "maptac_class2": {"name": class2.name, "sha256": sha256_file(class2)},
    }
    if immunotype_wheel is not None:
        provenance["immunotype_wheel"] = {"name": immunotype_wheel.name,
                                          "sha256": sha256_file(immunotype_wheel)}
    if hitlist_wheel is not None:
        provenance["hitlist_wheel"] = {"name": hitlist_wheel.name,
                                       "sha256": sha256_file(hitlist_wheel)}
    genotypes = np.zeros((len(samples), GENOTYPE_SLOTS), dtype=np.int32)
    for i, sample in enumerate(samples):
        genotype = [allele_index[a] for a in MULTIALLELIC_SAMPLES[sample][1]]
        genotypes[i] = (genotype * GENOTYPE_SLOTS)[:GENOTYPE_SLOTS]
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        ba_peptide=affinity["peptide"].to_numpy().astype("U15"),
        ba_allele=affinity["allele"].map(allele_index).to_numpy(np.int32),
        ba_target=to_target(affinity["nm"].to_numpy()),
        ba_nm=affinity["nm"].to_numpy(np.float32),
        ba_inequality=affinity["inequality"].to_numpy(np.int8),
        ba_cluster=cluster.astype(np.int32),
        el_peptide=ligands["peptide"].to_numpy().astype("U15"),
        el_allele=ligands["allele"].map(allele_index).to_numpy(np.int32),
        el_source=ligands["source"].to_numpy(np.int8),
        ma_peptide=multi["peptide"].to_numpy().astype("U15"),
        ma_sample=multi["sample"].map({s: i for i, s in enumerate(samples)})
        .to_numpy(np.int32),
        ma_samples=np.array(samples, dtype="U16"),
        ma_genotypes=genotypes,
        decoy_peptide=decoys.astype("U15"),
        alleles=np.array(alleles),
        pseudos=np.array([table[a] for a in alleles]),
        provenance=np.array(json.dumps(provenance)),
    )
    return {
        "affinity_rows": len(affinity),
        "affinity_alleles": int(affinity["allele"].nunique()),
        "peptide_clusters": int(cluster.max() + 1),
        "ligands": len(ligands),
        "immunotype_ligands": int((ligands["source"] == 1).sum()),
        "ligand_alleles": int(ligands["allele"].nunique()),
        "multiallelic_ligands": len(multi),
        "decoy_pool": len(decoys),
        "alleles": len(alleles),
    }
