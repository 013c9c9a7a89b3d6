"""Safe reading of users' text files: encoding, byte-order mark, per-row width and size limits.

Tables from users come from spreadsheets, R and quantifiers, and the ways they go wrong are
few and well known: a Latin-1 byte (Excel's legacy "CSV"), a UTF-8 byte-order mark (Excel's
"CSV UTF-8"), an R ``write.table`` header one field short of its rows, a row with one cell too
many or too few, a runaway quote, a giant field or row. pandas copes with each by guessing
(shifting columns into an index, padding with NaN, or parsing for minutes), which turns a
broken file into a silently wrong table. Every reader of a user table therefore goes through
:func:`read_delimited`: the :mod:`csv` module splits the fields, and every row is checked here
against the header before any value is used, so that each problem is an
:class:`~vaxmix.common.errors.InputError` naming the file, the line and, where it applies, the
field.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from vaxmix.common.errors import InputError

__all__ = [
    "MAX_COLUMNS",
    "MAX_FIELD_CHARS",
    "Table",
    "read_delimited",
    "read_json",
    "read_text",
    "sniff_delimiter",
]

#: The csv module's own default field limit; a longer field is a runaway quote or not a table.
MAX_FIELD_CHARS = 131_072
#: No table vaxmix reads has anywhere near this many columns; a row with more is not a table
#: (and pandas would spend minutes building a frame of a million columns).
MAX_COLUMNS = 10_000
_BOM = b"\xef\xbb\xbf"


def read_text(path: str | Path, what: str = "file") -> str:
    """Return the file's text, decoded as UTF-8 (a leading byte-order mark is dropped).

    Raises
    ------
    InputError
        The file cannot be read, holds a NUL byte (a binary or compressed file), or has a byte
        that is not UTF-8 (named with its line and column, e.g. a Latin-1 ``é`` from Excel).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", path=path) from exc
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        column = nul - data.rfind(b"\n", 0, nul)
        raise InputError(
            f"{what} is not text: NUL byte at column {column} "
            "(a binary or compressed file?)",
            path=path,
            line=line,
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start
        line = data.count(b"\n", 0, start) + 1
        column = start - data.rfind(b"\n", 0, start)
        raise InputError(
            f"{what} is not UTF-8 text: byte 0x{data[start]:02X} at column {column} "
            "(Latin-1/Windows-1252? save the file as UTF-8)",
            path=path,
            line=line,
        ) from None


def sniff_delimiter(text: str, default: str = "\t") -> str:
    """Tab or comma, whichever the first non-empty line holds more of (``default`` on a tie)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    tabs, commas = first.count("\t"), first.count(",")
    if tabs == commas:
        return default
    return "\t" if tabs > commas else ","


@dataclass
class Table:
    """A delimited table whose every row has exactly one value per header field.

    Attributes
    ----------
    header
        Column names (stripped of surrounding spaces).
    rows
        Data rows, each ``len(header)`` strings (not stripped).
    lines
        1-based line number of each row in the file.
    path
        The file read.
    """

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    path: Path

    def frame(self) -> pd.DataFrame:
        """The rows as a string DataFrame (no NA conversion)."""
        return pd.DataFrame(self.rows, columns=self.header, dtype=str)

    def column(self, name: str) -> list[str]:
        index = self.header.index(name)
        return [row[index] for row in self.rows]


def _r_row_names(rows: list[list[str]]) -> bool:
    """True when every row starts with R's default row names ``1, 2, …, n``."""
    return all(row[0].strip() == str(i) for i, row in enumerate(rows, start=1))


def read_delimited(
    path: str | Path,
    what: str = "table",
    sep: str | None = None,
    *,
    text: str | None = None,
    row_names: bool = False,
) -> Table:
    """Read a delimited table with a header row, checking every row's width against the header.

    Parameters
    ----------
    path
        The file (named in errors).
    what
        What the file is, for messages (``"expression table"``).
    sep
        Delimiter; ``None`` sniffs tab or comma from the header line.
    text
        The file's text when the caller has already read it with :func:`read_text`.
    row_names
        The first column holds row names (a matrix: genes × samples), whose header cell may be
        missing, as R's ``write.table`` writes it; such a header gets an empty first name.

    Blank rows (no field, or only empty fields) are skipped. An R ``write.table`` file (header
    one field short, every row starting with R's default row names 1, 2, …) is read with the
    row names dropped, and a trailing delimiter on every data row is ignored; any other
    header/row width mismatch is an error, because reading it would shift values into the
    wrong columns.

    Raises
    ------
    InputError
        Not UTF-8, no header, an empty or duplicated column name, a row with more or fewer
        fields than the header, a field over :data:`MAX_FIELD_CHARS` characters or spanning
        lines (a runaway quote), or more than :data:`MAX_COLUMNS` fields.
    """
    path = Path(path)
    if text is None:
        text = read_text(path, what)
    if sep is None:
        sep = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    lines: list[int] = []
    last_line = 0  # line where the previous record ended (a bad record starts after it)
    try:
        for row in reader:
            number = reader.line_num
            if len(row) > MAX_COLUMNS:
                raise InputError(
                    f"{what}: a row of {len(row):,} fields (more than {MAX_COLUMNS:,}); "
                    "not a table of this kind, or the wrong delimiter",
                    path=path,
                    line=number,
                )
            if number != last_line + 1 or any("\n" in cell or "\r" in cell for cell in row):
                raise InputError(
                    f"{what}: a quoted field spans several lines (an unbalanced '\"'?)",
                    path=path,
                    line=last_line + 1,
                )
            last_line = number
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                # a second byte-order mark (a file concatenated or re-saved) is not a name
                header, header_line = [cell.strip().lstrip("\ufeff") for cell in row], number
                continue
            rows.append(row)
            lines.append(number)
    except csv.Error as exc:
        if "field larger" in str(exc):
            message = (f"{what}: a field longer than {MAX_FIELD_CHARS:,} characters (a runaway "
                       "quote, or not a table of this kind)")  # fmt: skip
        elif "unexpected end of data" in str(exc):
            message = f"{what}: a quote opened here is never closed (an unbalanced '\"')"
        else:
            message = f"{what}: malformed field ({exc})"
        raise InputError(message, path=path, line=last_line + 1) from None
    if header is None:
        raise InputError(f"{what} is empty (no header row)", path=path, line=1)
    width = len(header)
    if rows and width + 1 == len(rows[0]) and all(len(row) == width + 1 for row in rows):
        if all(not row[-1].strip() for row in rows):
            rows = [row[:-1] for row in rows]  # a trailing delimiter on every row: no shift
        elif row_names:
            header, width = ["", *header], width + 1
        elif _r_row_names(rows):
            rows = [row[1:] for row in rows]
        else:
            raise InputError(
                f"{what}: every row has {width + 1} fields but the header names {width}: an "
                "unlabeled column (an R write.table file with row names? write it with "
                "row.names=FALSE, or label the first column)",
                path=path,
                line=lines[0],
            )
    for index, name in enumerate(header):
        if not name:
            # a trailing empty header cell over an all-empty column is a spreadsheet artefact
            if index == width - 1 and width > 1 and all(not row[-1].strip() for row in rows
                                                         if len(row) == width):
                continue
            if index == 0 and row_names:
                continue
            raise InputError(
                f"{what}: column {index + 1} of the header has no name", path=path,
                line=header_line,
            )  # fmt: skip
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if name and name in seen:
            raise InputError(
                f"{what}: column {name!r} appears twice in the header (columns "
                f"{seen[name] + 1} and {index + 1})",
                path=path,
                line=header_line,
                field=name,
            )
        seen[name] = index
    for row, number in zip(rows, lines, strict=True):
        if len(row) != width:
            raise InputError(
                f"{what}: {len(row)} fields on this line but {width} in the header "
                f"({'a cell too many' if len(row) > width else 'a cell missing'}; values "
                "would land in the wrong columns)",
                path=path,
                line=number,
            )
    return Table(header=header, rows=rows, lines=lines, path=path)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_json(path: str | Path, what: str = "JSON file") -> Any:
    """Parse a JSON file, turning every parse failure into a located :class:`InputError`.

    Integers longer than Python's 4,300-digit conversion limit, ``NaN``/``Infinity`` (not
    JSON) and nesting too deep to parse are errors, not tracebacks.
    """
    path = Path(path)
    text = read_text(path, what)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        reason = str(exc).split(";")[0] if isinstance(exc, ValueError) else "nested too deeply"
        raise InputError(f"not usable JSON: {reason}", path=path) from None
