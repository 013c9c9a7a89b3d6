"""Build the HLA class II chain → groove-residue table from IPD-IMGT/HLA protein FASTAs.

Position set
    The NetMHCIIpan pseudosequence: 34 polymorphic residues within 4.0 Å of the peptide in
    HLA-DR crystal structures, 15 on the alpha chain (mature positions 9, 11, 22, 24, 31, 52, 53,
    58, 59, 61, 65, 66, 68, 72, 73) and 19 on the beta chain (9, 11, 13, 26, 28, 30, 47, 57, 67,
    70, 71, 74, 77, 78, 81, 85, 86, 89, 90) — Nielsen M et al., PLoS Comput Biol 2007;3:e120
    (doi:10.1371/journal.pcbi.0030120); extended to DQ and DP by aligning their chains to DR,
    Karosiene E et al., Immunogenetics 2013;65:711 (doi:10.1007/s00251-013-0720-y).

Numbering
    Positions are DR mature numbering: alpha chains (DRA, DQA1, DPA1) are read through a
    pairwise alignment (Biopython, BLOSUM62, free end gaps) to the mature HLA-DRA*01:01 chain
    (starting ``IKEEHVIIQ``), beta chains (DRB1/3/4/5, DQB1, DPB1) to the mature
    HLA-DRB1*01:01 chain (starting ``GDTRPRFLW``). For DR itself this is IMGT numbering; for
    DP/DQ it follows the DR-aligned numbering of Karosiene et al. (e.g. DPB1's own β69 is
    DR-aligned β71 because DPB1 lacks two residues near β23). Leader peptides and partial
    sequences fall into free end gaps; a position the source does not cover reads "X".

Source
    IPD-IMGT/HLA release 3.58.0 ``*_prot.fasta`` files (Barker DJ et al., Nucleic Acids Res
    2023;51:D948, doi:10.1093/nar/gkac1011; CC BY-ND: the derived table is shipped with its
    citation). Null alleles (suffix ``N``) are skipped; for each two-field name the first full
    sequence is used (else the first partial one).

This is a build-time tool (``python -m vaxmix.mhc.classii.pseudosequences IMGT_DIR``);
prediction reads the shipped ``data/class2_chains.tsv`` through
:mod:`vaxmix.mhc.classii.alleles`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from vaxmix.mhc.pseudosequences import (
    groove_aligner,
    read_fasta,
    residues_at,
    two_field_representatives,
)

__all__ = [
    "ALPHA_POSITIONS",
    "BETA_POSITIONS",
    "ChainRecord",
    "build_table",
    "write_table",
]

ALPHA_POSITIONS: tuple[int, ...] = (9, 11, 22, 24, 31, 52, 53, 58, 59, 61, 65, 66, 68, 72, 73)
BETA_POSITIONS: tuple[int, ...] = (
    9, 11, 13, 26, 28, 30, 47, 57, 67, 70, 71, 74, 77, 78, 81, 85, 86, 89, 90,
)
#: FASTA file → chain type. DRB345 holds DRB3, DRB4 and DRB5.
FASTA_CHAINS: dict[str, str] = {
    "DRA": "alpha", "DQA1": "alpha", "DPA1": "alpha",
    "DRB1": "beta", "DRB345": "beta", "DQB1": "beta", "DPB1": "beta",
}
#: Mature N-termini that locate the DR references in their full-length FASTA entries.
DR_MATURE_START = {"alpha": ("DRA", "IKEEHVIIQ"), "beta": ("DRB1", "GDTRPRFLW")}
EXPRESSED_GENES = frozenset({"DRA", "DRB1", "DRB3", "DRB4", "DRB5", "DQA1", "DQB1", "DPA1", "DPB1"})


@dataclass(frozen=True)
class ChainRecord:
    """One two-field class II chain allele and its groove residues."""

    allele: str  # e.g. "HLA-DQB1*06:02"
    chain: str  # "alpha" (15 residues) or "beta" (19 residues)
    residues: str  # at ALPHA_POSITIONS or BETA_POSITIONS; "X" where not covered
    imgt_accession: str
    full_name: str


def dr_references(imgt_dir: Path) -> dict[str, str]:
    """Mature HLA-DRA*01:01 and HLA-DRB1*01:01 sequences (the numbering references)."""
    refs = {}
    for chain, (stem, start) in DR_MATURE_START.items():
        wanted = "DRA*01:01" if chain == "alpha" else "DRB1*01:01"
        entries = read_fasta(Path(imgt_dir) / f"{stem}_prot.fasta")
        sequence = two_field_representatives(entries, EXPRESSED_GENES)[wanted][2]
        refs[chain] = sequence[sequence.index(start):]
    return refs


def build_table(imgt_dir: Path) -> list[ChainRecord]:
    """Groove residues of every expressed two-field class II chain allele in ``imgt_dir``."""
    aligner = groove_aligner()
    refs = dr_references(imgt_dir)
    records = []
    for stem, chain in FASTA_CHAINS.items():
        positions = ALPHA_POSITIONS if chain == "alpha" else BETA_POSITIONS
        entries = read_fasta(Path(imgt_dir) / f"{stem}_prot.fasta")
        for two_field, (accession, full, sequence) in two_field_representatives(
            entries, EXPRESSED_GENES
        ).items():
            residues = residues_at(aligner, refs[chain], sequence, positions)
            records.append(ChainRecord(f"HLA-{two_field}", chain, residues, accession, full))
    return records


def write_table(records: list[ChainRecord], path: Path, release: str) -> None:
    """Write the chain table as TSV with a commented header citing its source."""
    from vaxmix.common.atomic import atomic_write

    with atomic_write(path) as handle:
        handle.write(
            "# HLA class II groove residues (NetMHCIIpan pseudosequence positions, Nielsen et al. "
            "2007; DR-aligned numbering, Karosiene et al. 2013)\n"
            f"# derived from IPD-IMGT/HLA release {release} protein sequences. Source: Barker DJ "
            "et al., Nucleic Acids Res 2023;51(D1):D948 (CC BY-ND).\n"
            "# Built by vaxmix.mhc.classii.pseudosequences. alpha: 15 residues, beta: 19.\n"
        )
        handle.write("allele\tchain\tresidues\timgt_accession\timgt_name\n")
        for r in sorted(records, key=lambda r: r.allele):
            handle.write(f"{r.allele}\t{r.chain}\t{r.residues}\t{r.imgt_accession}\t{r.full_name}\n")


def main(argv: list[str] | None = None) -> int:
    """Command line: build ``data/class2_chains.tsv`` from an IPD-IMGT/HLA folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("imgt_dir", type=Path)
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).parent / "data" / "class2_chains.tsv")
    args = parser.parse_args(argv)
    release = "unknown"
    version_file = args.imgt_dir / "release_version.txt"
    if version_file.is_file():
        for line in version_file.read_text().splitlines():
            if line.startswith("# version:"):
                release = line.split("HLA", 1)[-1].strip()
    records = build_table(args.imgt_dir)
    write_table(records, args.out, release)
    print(f"{len(records)} chain alleles → {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
