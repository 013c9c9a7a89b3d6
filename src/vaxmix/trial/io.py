"""Readers for trial data: SDTM / ADaM domains as CSV or SAS XPORT, one file per domain.

A trial team usually hands over a folder with one file per domain (``dm.csv``, ``tu.xpt`` ...),
SDTMIG variable names (any case) and ISO 8601 dates. Every table read here keeps the file it
came from (``df.attrs["path"]``) and each row's 1-based line number (column ``_line``; for XPT
the record number) so that later validation errors can point at the exact row.

SAS XPORT v5 files, which sponsors submit to the FDA, are read with ``pandas.read_sas``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.errors import InputError

__all__ = [
    "ADAM_DOMAINS",
    "SDTM_DOMAINS",
    "TrialData",
    "find_domain_file",
    "read_domain",
    "read_table",
    "read_trial_folders",
    "require_columns",
]

SDTM_DOMAINS = ("dm", "ex", "ae", "tu", "tr", "rs")
ADAM_DOMAINS = ("adsl", "adrs", "adtte", "adae", "adtr")
_SUFFIXES = (".csv.gz", ".csv", ".xpt", ".tsv")
_MISSING = ["", "NA", "NaN", "nan", "."]


@dataclass
class TrialData:
    """The domains found in an SDTM folder and an optional ADaM folder (absent ones are None)."""

    sdtm: dict[str, pd.DataFrame] = field(default_factory=dict)
    adam: dict[str, pd.DataFrame] = field(default_factory=dict)

    def get(self, name: str) -> pd.DataFrame | None:
        """Return a domain by lower-case name from ADaM or SDTM, or ``None``."""
        return self.adam.get(name, self.sdtm.get(name))

    @property
    def paths(self) -> list[Path]:
        """All files read, for provenance."""
        frames = [*self.sdtm.values(), *self.adam.values()]
        return [Path(f.attrs["path"]) for f in frames]


MAX_FIELD_CHARS = 100_000
"""Longest cell accepted in a CSV/TSV table; longer ones are an input error, not a slow parse."""


def read_table(path: str | Path) -> pd.DataFrame:
    """Read one CSV/TSV/XPT table with upper-case column names, strings kept as strings.

    Values ``""``, ``NA`` and ``.`` are missing (R writes ``NA``; SAS writes ``.``). A column
    ``_line`` holds the 1-based line number of each row (header is line 1).

    CSV/TSV files are parsed with the standard :mod:`csv` module so that every row can be
    checked: a row with more or fewer fields than the header (a truncated AE row, a stray
    delimiter) is an :class:`InputError` naming its line, as is a cell over
    :data:`MAX_FIELD_CHARS` characters or a byte that is not UTF-8. A UTF-8 byte-order mark is
    read, and an R ``write.table`` header (one field short: the row names have no header) is
    recognised and its row-name column dropped.
    """
    path = Path(path)
    name = path.name.lower()
    if name.endswith(".xpt"):
        try:
            frame = _xport_as_text(pd.read_sas(path, format="xport", encoding="latin-1"))
        except (OSError, ValueError, UnicodeDecodeError, KeyError, IndexError) as exc:
            raise InputError(f"cannot read SAS XPORT table: {_one_line(exc)}",
                             path=path) from exc
        frame.insert(0, "_line", range(1, len(frame) + 1))
    else:
        frame = _read_delimited(path, "\t" if name.endswith(".tsv") else ",")
    frame.columns = ["_line", *[str(c).strip().upper() for c in frame.columns[1:]]]
    frame.attrs["path"] = str(path)
    return frame


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8 (save the file as "
            "UTF-8)", path=path, line=line) from exc


def _read_delimited(path: Path, sep: str) -> pd.DataFrame:
    import csv
    import gzip
    import io

    try:
        raw = gzip.decompress(path.read_bytes()) if path.name.lower().endswith(".gz") \
            else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read table: {_one_line(exc)}", path=path) from exc
    text = _decode(path, raw)
    csv.field_size_limit(MAX_FIELD_CHARS + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise InputError("empty table: no header line", path=path, line=1)
        width = len(header)
        _check_header(path, header)
        rows: list[list[str]] = []
        lines: list[int] = []
        drop_row_names = False
        start = reader.line_num
        for row in reader:
            line = start + 1
            start = reader.line_num
            if not row or (len(row) == 1 and row[0] == ""):
                continue
            if len(row) != width:
                if not rows and len(row) == width + 1 and not drop_row_names:
                    drop_row_names = True  # R write.table: header lacks the row-name column
                if not (drop_row_names and len(row) == width + 1):
                    raise InputError(
                        f"row has {len(row)} fields but the header has {width} (truncated "
                        "row or stray delimiter)", path=path, line=line,
                        field=header[min(len(row), width) - 1] if row else None)
                row = row[1:]
            rows.append(row)
            lines.append(line)
    except csv.Error as exc:
        message = _one_line(exc)
        if "field larger" in message:
            message = f"a field is longer than {MAX_FIELD_CHARS} characters"
        raise InputError(f"cannot parse table: {message}", path=path,
                         line=reader.line_num) from exc
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame = frame.where(~frame.isin(_MISSING), None)
    frame.insert(0, "_line", lines)
    return frame


def _check_header(path: Path, header: list[str]) -> None:
    names = [h.strip().upper() for h in header]
    seen: set[str] = set()
    for name in names:
        if name in seen and name:
            raise InputError(f"column {name} appears twice in the header", path=path, line=1,
                             field=name)
        seen.add(name)


def _xport_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Make an XPT table look like its CSV twin: text everywhere, ISO dates for ADaM dates.

    SAS stores ADaM dates (``*DT``) as days since 1960-01-01; they become ``YYYY-MM-DD``.
    Other numbers become their shortest exact decimal text (``21.0`` -> ``21``).
    """
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values):
            if str(column).upper().endswith("DT"):
                dates = pd.Timestamp("1960-01-01") + pd.to_timedelta(values, unit="D")
                out[column] = dates.dt.strftime("%Y-%m-%d").where(values.notna(), None)
            else:
                out[column] = values.map(
                    lambda v: None if pd.isna(v) else np.format_float_positional(v, trim="-")
                )
        else:
            out[column] = values.astype(object).where(values.notna() & (values != ""), None)
    return out


def find_domain_file(folder: str | Path, domain: str) -> Path | None:
    """Find the file of ``domain`` in ``folder``: ``dm.csv``, ``DM.xpt``, ``tu_onco.csv`` ...

    Raises
    ------
    InputError
        If two different files could hold the same domain.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a folder", path=folder)
    candidates = []
    for path in sorted(folder.iterdir()):
        lower = path.name.lower()
        suffix = next((s for s in _SUFFIXES if lower.endswith(s)), None)
        if suffix is None or not path.is_file():
            continue
        stem = lower[: -len(suffix)]
        if stem == domain or stem.startswith(domain + "_"):
            candidates.append(path)
    if len(candidates) > 1:
        names = ", ".join(p.name for p in candidates)
        raise InputError(
            f"several files could hold domain {domain.upper()} ({names}); keep one", path=folder
        )
    return candidates[0] if candidates else None


def read_domain(folder: str | Path, domain: str) -> pd.DataFrame | None:
    """Read ``domain`` from ``folder`` (``None`` if the folder has no file for it)."""
    path = find_domain_file(folder, domain)
    return None if path is None else read_table(path)


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise an :class:`InputError` naming the first required column that is missing."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{what} lacks required column(s) {', '.join(missing)}",
            path=frame.attrs.get("path"),
            field=missing[0],
        )


def read_trial_folders(sdtm_dir: str | Path | None, adam_dir: str | Path | None) -> TrialData:
    """Read every known SDTM and ADaM domain present in the given folders."""
    data = TrialData()
    if sdtm_dir is not None:
        for domain in SDTM_DOMAINS:
            frame = read_domain(sdtm_dir, domain)
            if frame is not None:
                data.sdtm[domain] = frame
    if adam_dir is not None:
        for domain in ADAM_DOMAINS:
            frame = read_domain(adam_dir, domain)
            if frame is not None:
                data.adam[domain] = frame
    return data
