"""Build the class I allele → 34-residue pseudosequence table from IPD-IMGT/HLA protein FASTAs.

The pseudosequence is the set of 34 groove residues in contact with the peptide, as defined for
NetMHCpan (Nielsen M et al., PLoS ONE 2007;2:e796, doi:10.1371/journal.pone.0000796), read at fixed
positions of the *mature* protein numbering (residue 1 = first residue after the 24-residue leader).

IPD-IMGT/HLA protein FASTAs (Barker D et al., Nucleic Acids Res 2023;51:D948, doi:10.1093/nar/
gkac1011) hold full-length and partial (exons 2–3 only, often starting at mature residue 2)
sequences, and some carry short insertions or deletions. Each sequence is therefore aligned
(Biopython ``PairwiseAligner``, BLOSUM62, free end gaps) to the mature sequence of the gene's first
full-length allele, and the residue aligned to each reference position is read off. This is the
same numbering IMGT uses (alignment to the reference allele).

This module is a build-time tool (``vaxmix mhc build-alleles``); prediction reads the shipped
table ``data/class1_pseudosequences.tsv`` through :mod:`vaxmix.mhc.alleles`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vaxmix.common.fasta import read_fasta_entries

__all__ = ["PSEUDO_POSITIONS", "PseudoRecord", "build_table", "read_fasta", "write_table"]

#: Mature-numbering positions of the NetMHCpan class I pseudosequence (Nielsen et al. 2007).
PSEUDO_POSITIONS: tuple[int, ...] = (
    7, 9, 24, 45, 59, 62, 63, 66, 67, 69, 70, 73, 74, 76, 77, 80, 81, 84, 95, 97, 99,
    114, 116, 118, 143, 147, 150, 152, 156, 158, 159, 163, 167, 171,
)
LEADER_LENGTH = 24
CLASS1_GENES = ("A", "B", "C")
_HEADER = re.compile(r"^HLA:(\S+)\s+([A-Z0-9]+)\*([0-9:]+)([A-Z]?)\s")


@dataclass(frozen=True)
class PseudoRecord:
    """One two-field allele and its pseudosequence."""

    allele: str  # e.g. "HLA-A*02:01"
    pseudosequence: str  # 34 residues; "X" where the source sequence does not cover a position
    imgt_accession: str  # the HLA accession of the sequence used, e.g. "HLA00005"
    full_name: str  # the IPD-IMGT/HLA name of that sequence, e.g. "A*02:01:01:01"


def read_fasta(path: Path) -> Iterator[tuple[str, str]]:
    """``(header, sequence)`` of each record of an IPD-IMGT/HLA protein FASTA, the header
    without its ``>``.

    Read by :func:`vaxmix.common.fasta.read_fasta_entries`, so a missing or non-UTF-8 file, text
    before the first header or an empty header is an :class:`InputError` naming file and line.
    """
    for entry in read_fasta_entries(path, "IPD-IMGT/HLA protein FASTA"):
        yield entry.header, "".join(text for _, text in entry.sequence_lines)


def groove_aligner():
    """Global BLOSUM62 aligner (gap open −10, extend −1, free end gaps) used to number an
    allele's residues by its gene's reference sequence; shared by the class I and II tables."""
    from Bio import Align
    from Bio.Align import substitution_matrices

    aligner = Align.PairwiseAligner()
    aligner.substitution_matrix = substitution_matrices.load("BLOSUM62")
    aligner.open_gap_score = -10
    aligner.extend_gap_score = -1
    aligner.end_gap_score = 0.0
    aligner.mode = "global"
    return aligner


def residues_at(aligner, reference: str, query: str, positions: tuple[int, ...]) -> str:  # noqa: ANN001
    """Residues of ``query`` aligned to 1-based ``positions`` of ``reference`` ("X" if none)."""
    alignment = aligner.align(reference, query)[0]
    mapping: dict[int, int] = {}
    for (t0, t1), (q0, _q1) in zip(*alignment.aligned, strict=True):
        for offset in range(t1 - t0):
            mapping[t0 + offset] = q0 + offset
    return "".join(
        query[mapping[p - 1]] if (p - 1) in mapping else "X" for p in positions
    )


def two_field_representatives(
    entries: Iterable[tuple[str, str]], genes: frozenset[str] | None = None
) -> dict[str, tuple[str, str, str]]:
    """Two-field name → (accession, full name, sequence) of IPD-IMGT/HLA FASTA ``entries``.

    Null alleles (suffix ``N``) and genes outside ``genes`` (when given) are skipped; the first
    full-length sequence (starting with M) of a two-field name is preferred, else its first
    partial one. Shared by the class I and class II table builders.
    """
    chosen: dict[str, tuple[str, str, str]] = {}
    for header, sequence in entries:
        match = _HEADER.match(header + " ")
        if match is None:
            continue
        accession, gene, fields, suffix = match.groups()
        if suffix == "N" or (genes is not None and gene not in genes):
            continue
        two_field = f"{gene}*{':'.join(fields.split(':')[:2])}"
        previous = chosen.get(two_field)
        if previous is None or (sequence.startswith("M") and not previous[2].startswith("M")):
            chosen[two_field] = (accession, f"{gene}*{fields}{suffix}", sequence)
    return chosen


def build_table(imgt_dir: Path) -> list[PseudoRecord]:
    """Pseudosequences of every expressed two-field HLA-A/B/C allele in ``imgt_dir``.

    Null alleles (suffix ``N``) are skipped. For each two-field name the first full-length
    sequence is used when there is one (IPD-IMGT/HLA lists the ``:01`` representative first),
    else the first partial one; all sequences of a two-field allele share one protein sequence
    by definition of the nomenclature, so the choice does not change the result where covered.
    """
    aligner = groove_aligner()
    records: list[PseudoRecord] = []
    for gene in CLASS1_GENES:
        entries = list(read_fasta(Path(imgt_dir) / f"{gene}_prot.fasta"))
        reference_full = entries[0][1]
        reference = reference_full[LEADER_LENGTH:]
        chosen = two_field_representatives(entries)
        for two_field, (accession, full_name, sequence) in chosen.items():
            pseudo = residues_at(aligner, reference, sequence, PSEUDO_POSITIONS)
            records.append(PseudoRecord(f"HLA-{two_field}", pseudo, accession, full_name))
    return records


def write_table(records: list[PseudoRecord], path: Path, release: str) -> None:
    """Write the table as TSV with a commented header citing its source."""
    from vaxmix.common.atomic import atomic_write

    with atomic_write(path) as handle:
        handle.write(
            f"# HLA class I pseudosequences (NetMHCpan 34 positions, Nielsen et al. 2007) derived "
            f"from IPD-IMGT/HLA release {release} protein sequences.\n"
            "# Source: Barker D et al., The IPD-IMGT/HLA Database, Nucleic Acids Res "
            "2023;51(D1):D948-D955 (CC BY-ND). Built by vaxmix.mhc.pseudosequences.\n"
        )
        handle.write("allele\tpseudosequence\timgt_accession\timgt_name\n")
        for record in sorted(records, key=lambda r: r.allele):
            handle.write(
                f"{record.allele}\t{record.pseudosequence}\t{record.imgt_accession}\t"
                f"{record.full_name}\n"
            )
