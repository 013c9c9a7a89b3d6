"""Amino-acid sequences: the alphabet, validation with located errors, and FASTA reading.

Vaccine inputs come from users (peptide FASTA files, linker sets, element files), so every
sequence is checked against the 20 standard residues before it reaches an optimiser or a
predictor; a bad residue is reported with the file, line and record it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vaxmix.common.errors import InputError

__all__ = ["STANDARD_AMINO_ACIDS", "FastaRecord", "check_protein", "read_protein_fasta"]

STANDARD_AMINO_ACIDS = frozenset("ACDEFGHIKLMNPQRSTVWY")


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
    bad = sorted(set(seq) - STANDARD_AMINO_ACIDS)
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
        Missing file, no records, text before the first header, an empty or duplicated
        identifier, or a non-standard residue (named with its line).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("peptide FASTA file not found", path=path)
    records: list[FastaRecord] = []
    header: str | None = None
    header_line = 0
    chunks: list[str] = []

    def flush() -> None:
        if header is None:
            return
        identifier = header.split()[0] if header.split() else ""
        if not identifier:
            raise InputError("FASTA header has no identifier", path=path, line=header_line)
        seq = check_protein(
            "".join(chunks), f"sequence of {identifier!r}", path=path, line=header_line
        )
        records.append(FastaRecord(identifier, header, seq, header_line))

    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.strip()
            if not text:
                continue
            if text.startswith(">"):
                flush()
                header, header_line, chunks = text[1:].strip(), number, []
            elif header is None:
                raise InputError(
                    "sequence text before the first '>' header", path=path, line=number
                )
            else:
                chunks.append(text.rstrip("*"))
    flush()
    if not records:
        raise InputError("no FASTA records found", path=path)
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
