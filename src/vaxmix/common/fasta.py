"""One FASTA reader for users' protein files: records with the line numbers they came from.

The vaccine stage's peptide FASTA, the mRNA stage's protein FASTA, AGFusion's protein FASTA and
the reference proteome are all read here, so that all of them report a non-UTF-8 byte, a
byte-order mark, text before the first header or an empty header the same way (each stage then
validates the residues its own way). :func:`read_fasta_entries` reads a small file whole;
:func:`iter_fasta_entries` streams a large one (a whole proteome, plain or gzipped) one record
at a time.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vaxmix.common.errors import InputError
from vaxmix.common.textio import read_text

__all__ = ["FastaEntry", "iter_fasta_entries", "read_fasta_entries"]

_BOM = b"\xef\xbb\xbf"
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class FastaEntry:
    """One record as written: identifier (first word), full header, sequence lines."""

    identifier: str
    header: str
    line: int
    sequence_lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def sequence(self) -> str:
        """The sequence lines joined (as written: case and residues unchecked)."""
        return "".join(text for _, text in self.sequence_lines)


def _records(lines: Iterable[tuple[int, str]], path: Path, what: str) -> Iterator[FastaEntry]:
    """Group numbered lines into records, each yielded once its last line has been read."""
    entry: FastaEntry | None = None
    for number, raw in lines:
        line = raw.strip()
        if not line:
            continue
        if line.startswith(">"):
            header = line[1:].strip()
            if not header:
                raise InputError(f"{what}: header without identifier", path=path, line=number)
            if entry is not None:
                yield entry
            entry = FastaEntry(header.split()[0], header, number)
        elif entry is None:
            raise InputError(
                f"{what}: sequence text before the first '>' header", path=path, line=number
            )
        else:
            entry.sequence_lines.append((number, line))
    if entry is None:
        raise InputError(f"{what}: no FASTA record found", path=path)
    yield entry


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
    return list(_records(enumerate(text.split("\n"), start=1), path, what))


def _decoded_lines(handle: Iterable[bytes], path: Path, what: str) -> Iterator[tuple[int, str]]:
    """Numbered UTF-8 lines of a binary stream, with :func:`read_text`'s checks per line."""
    for number, data in enumerate(handle, start=1):
        if number == 1 and data.startswith(_BOM):
            data = data[len(_BOM) :]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{what} is not UTF-8 text: byte 0x{data[exc.start]:02X} at column "
                f"{exc.start + 1} (Latin-1/Windows-1252? save the file as UTF-8)",
                path=path,
                line=number,
            ) from None
        nul = text.find("\x00")
        if nul >= 0:
            raise InputError(
                f"{what} is not text: NUL byte at column {nul + 1} "
                "(a binary file?)",
                path=path,
                line=number,
            )
        yield number, text


def iter_fasta_entries(path: str | Path, what: str = "FASTA file") -> Iterator[FastaEntry]:
    """Stream the records of a plain or gzipped FASTA file (gzip recognised by its magic bytes).

    Same records and the same checks as :func:`read_fasta_entries`, but only one record is held
    in memory at a time, for files as large as a whole proteome (Ensembl ``pep.all.fa.gz``).

    Raises
    ------
    InputError
        As :func:`read_fasta_entries`, and a corrupt or truncated gzip stream.
    """
    path = Path(path)
    try:
        with path.open("rb") as probe:
            compressed = probe.read(2) == _GZIP_MAGIC
        # GzipFile.readline is pure Python; a BufferedReader over it splits lines in C
        opened = io.BufferedReader(gzip.open(path, "rb"), 1 << 20) if compressed else None
        with opened or path.open("rb") as handle:
            yield from _records(_decoded_lines(handle, path, what), path, what)
    except (OSError, EOFError) as exc:  # EOFError: a gzip stream cut short
        reason = getattr(exc, "strerror", None) or exc
        raise InputError(f"cannot read {what}: {reason}", path=path) from None
