"""One FASTA reader for users' protein files: records with the line numbers they came from.

The vaccine stage's peptide FASTA and the mRNA stage's protein FASTA are both read here, so that
both report a non-UTF-8 byte, a byte-order mark, text before the first header or an empty
header the same way (each stage then validates the residues its own way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vaxmix.common.errors import InputError
from vaxmix.common.textio import read_text

__all__ = ["FastaEntry", "read_fasta_entries"]


@dataclass
class FastaEntry:
    """One record as written: identifier (first word), full header, sequence lines."""

    identifier: str
    header: str
    line: int
    sequence_lines: list[tuple[int, str]] = field(default_factory=list)


def read_fasta_entries(path: str | Path, what: str = "FASTA file") -> list[FastaEntry]:
    """Records of a FASTA file, in order (sequence lines stripped, blank lines skipped).

    Raises
    ------
    InputError
        Unreadable or non-UTF-8 file (line and byte named), sequence text before the first
        ``>`` header, a header without an identifier, or no record at all.
    """
    path = Path(path)
    text = read_text(path, what)
    entries: list[FastaEntry] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(">"):
            header = line[1:].strip()
            if not header:
                raise InputError(f"{what}: header without identifier", path=path, line=number)
            entries.append(FastaEntry(header.split()[0], header, number))
        elif not entries:
            raise InputError(
                f"{what}: sequence text before the first '>' header", path=path, line=number
            )
        else:
            entries[-1].sequence_lines.append((number, line))
    if not entries:
        raise InputError(f"{what}: no FASTA record found", path=path)
    return entries
