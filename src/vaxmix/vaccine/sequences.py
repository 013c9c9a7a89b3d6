"""Amino-acid sequences: validation with located errors, and protein FASTA reading.

Vaccine inputs come from users (peptide FASTA files, linker sets, element files), so every
sequence is checked against the 20 standard residues (:mod:`vaxmix.common.aminoacids`) before
it reaches an optimiser or a predictor; a bad residue is reported with the file, line and record
it came from. The FASTA layout is read by the one reader, :func:`vaxmix.common.fasta.
read_fasta_entries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vaxmix.common.aminoacids import nonstandard_residues
from vaxmix.common.errors import InputError
from vaxmix.common.fasta import read_fasta_entries

__all__ = ["FastaRecord", "check_protein", "read_protein_fasta"]


@dataclass(frozen=True)
class FastaRecord:
    """One FASTA record: identifier (first word of the header), full header, sequence."""

    identifier: str
    header: str
    sequence: str
    line: int


def check_protein(
    sequence: str,
    what: str,
    *,
    path: str | Path | None = None,
    line: int | None = None,
    field: str | None = None,
    allow_empty: bool = False,
) -> str:
    """Return ``sequence`` upper-cased, or raise :class:`InputError` on a non-standard residue.

    Parameters
    ----------
    sequence
        One-letter amino-acid string.
    what
        Human-readable name of the sequence used in the message (e.g. ``"linker 'AXY'"``).
    path, line, field
        Where the sequence came from, for the error message.
    allow_empty
        Accept ``""`` (a "none" linker or an absent trafficking domain).
    """
    seq = sequence.strip().upper()
    if not seq and not allow_empty:
        raise InputError(f"{what} is empty", path=path, line=line, field=field)
    bad = nonstandard_residues(seq)
    if bad:
        raise InputError(
            f"{what} contains non-standard residue(s) {''.join(bad)!r}; only the 20 standard "
            "one-letter amino-acid codes are allowed",
            path=path,
            line=line,
            field=field,
        )
    return seq


def read_protein_fasta(path: str | Path) -> list[FastaRecord]:
    """Read a protein FASTA file, validating every sequence and identifier.

    Raises
    ------
    InputError
        Missing file; from :func:`~vaxmix.common.fasta.read_fasta_entries`: unreadable or
        non-UTF-8 text, no records, text before the first header, an empty identifier; here:
        a duplicated identifier or a non-standard residue (named with its line).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("peptide FASTA file not found", path=path)
    records: list[FastaRecord] = []
    for entry in read_fasta_entries(path, "peptide FASTA"):
        what = f"sequence of {entry.identifier!r}"
        for number, text in entry.sequence_lines:  # name the line of a bad residue
            check_protein(text.rstrip("*"), what, path=path, line=number, allow_empty=True)
        seq = check_protein(
            "".join(text.rstrip("*") for _, text in entry.sequence_lines), what, path=path,
            line=entry.line,
        )  # fmt: skip
        records.append(FastaRecord(entry.identifier, entry.header, seq, entry.line))
    seen: dict[str, int] = {}
    for record in records:
        if record.identifier in seen:
            raise InputError(
                f"duplicate identifier {record.identifier!r} (first seen on line "
                f"{seen[record.identifier]})",
                path=path,
                line=record.line,
            )
        seen[record.identifier] = record.line
    return records
