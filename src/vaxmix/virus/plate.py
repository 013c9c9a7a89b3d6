"""Read ex vivo virus-sensitivity plates into one tidy table (one row per well).

Two upload shapes (domain brief §C.2):

1. **Tidy CSV**, one row per well: ``well, readout, control`` and, for treated wells,
   ``sample_id, virus_id`` and ``dilution`` (fraction of the titred stock) or ``moi``; optional
   ``plate_id, sample_type {tumor, normal, reference}, replicate, assay, plate_format``.
   ``control`` is ``mock`` (infected with nothing: 100 % viability), ``blank`` (medium, no
   cells: background), ``kill`` (full-kill control: 0 %) or ``none``.
2. **Reader grid + plate map**: the reader's 8×12 (96) or 16×24 (384) numeric block, with a
   header row of column numbers and row letters in the first column, plus a layout CSV of the
   same shape whose cells read ``blank``, ``mock|SAMPLE``, ``kill|SAMPLE`` or
   ``SAMPLE|VIRUS|DOSE[|REPLICATE]`` (empty = unused well).

Every reading is checked here, so later steps can trust it: a non-numeric, negative or saturated
reading, a well outside the plate, a duplicated well, or a grid of the wrong size is an
:class:`~vaxmix.common.errors.InputError` naming the file and the well.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.common.textio import MAX_COLUMNS, read_delimited, read_text

__all__ = [
    "PLATE_FORMATS",
    "PlateOptions",
    "read_grid_plate",
    "read_plate",
    "read_tidy_plate",
    "validate_controls",
]

#: wells → (rows, columns)
PLATE_FORMATS: dict[int, tuple[int, int]] = {96: (8, 12), 384: (16, 24)}
_ROW_LETTERS = "ABCDEFGHIJKLMNOP"
_WELL = re.compile(r"^([A-Pa-p])0*(\d{1,2})$")
_SATURATED_WORDS = {"OVRFLW", "OVERFLOW", "OVER", "SAT", "SATURATED", "HIGH", "*", "#SAT"}
#: Upper limit of the linear range per assay readout; absorbance readers saturate near 4 OD.
DEFAULT_SATURATION: dict[str, float | None] = {
    "MTT": 4.0,
    "MTS": 4.0,
    "CV": 4.0,
    "LDH": 4.0,
    "CTG": None,
}
CONTROLS = ("mock", "blank", "kill", "none")
SAMPLE_TYPES = ("tumor", "normal", "reference")
COLUMNS = [
    "plate_id",
    "well",
    "row",
    "col",
    "plate_format",
    "sample_id",
    "sample_type",
    "virus_id",
    "dose",
    "dose_unit",
    "replicate",
    "control",
    "readout",
    "assay",
    "source",
]


@dataclass(frozen=True)
class PlateOptions:
    """How to read a plate.

    Attributes
    ----------
    assay
        Readout kind (MTT, MTS, CV, LDH, CTG); sets the default saturation limit.
    saturation
        Readings at or above this are saturated (``None``: the assay default; ``math.inf`` to
        disable).
    dose_unit
        Unit of the layout's DOSE field: ``dilution`` (fraction of stock) or ``MOI``.
    normal_samples, reference_samples
        Sample IDs that are the patient's normal cells or a reference line (e.g. Vero); any
        other sample is tumor. Used for the grid format (the tidy CSV says it per row).
    plate_format
        96 or 384 to enforce; ``None`` to infer (grid shape, or the highest well in a tidy CSV).
    """

    assay: str = "MTT"
    saturation: float | None = None
    dose_unit: str = "dilution"
    normal_samples: frozenset[str] = field(default_factory=frozenset)
    reference_samples: frozenset[str] = frozenset({"Vero"})
    plate_format: int | None = None

    def saturation_limit(self) -> float:
        if self.saturation is not None:
            return self.saturation
        limit = DEFAULT_SATURATION.get(self.assay.upper())
        return math.inf if limit is None else limit

    def sample_type(self, sample: str) -> str:
        if sample in self.normal_samples:
            return "normal"
        if sample in self.reference_samples:
            return "reference"
        return "tumor"


def parse_well(
    text: str, plate_format: int, path: str | Path, line: int | None = None
) -> tuple[int, int]:
    """Return 0-based (row, column) of a well name like ``B07``; error if off the plate."""
    match = _WELL.match(text.strip())
    n_rows, n_cols = PLATE_FORMATS[plate_format]
    if not match:
        raise InputError(f"bad well name {text!r} (expected e.g. A01)", path, line, "well")
    row = _ROW_LETTERS.index(match.group(1).upper())
    col = int(match.group(2)) - 1
    if row >= n_rows or col < 0 or col >= n_cols:
        raise InputError(
            f"well {text.strip()} is outside a {plate_format}-well plate "
            f"({_ROW_LETTERS[n_rows - 1]}{n_cols:02d} is the last well)",
            path,
            line,
            "well",
        )
    return row, col


def well_name(row: int, col: int) -> str:
    """``(1, 6)`` → ``B07``."""
    return f"{_ROW_LETTERS[row]}{col + 1:02d}"


def _reading(raw: str, where: str, path: str | Path, line: int | None, limit: float) -> float:
    text = raw.strip()
    if text.upper() in _SATURATED_WORDS:
        raise InputError(
            f"well {where}: reading {text!r} is saturated (over the reader's range)",
            path,
            line,
            "readout",
        )
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"well {where}: reading {text!r} is not a number", path, line, "readout"
        ) from None
    if not math.isfinite(value):
        raise InputError(f"well {where}: reading {text!r} is not finite", path, line, "readout")
    if value < 0:
        raise InputError(f"well {where}: negative reading {value:g}", path, line, "readout")
    if value >= limit:
        raise InputError(
            f"well {where}: reading {value:g} is saturated (>= {limit:g}, the linear limit "
            "of the assay; "
            "re-read with a shorter integration or dilute, or set --saturation)",
            path,
            line,
            "readout",
        )
    return value


def _dose(raw: str, where: str, path: str | Path, line: int | None, field_name: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise InputError(
            f"well {where}: dose {raw!r} is not a number", path, line, field_name
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"well {where}: dose {raw!r} must be > 0", path, line, field_name)
    return value


def _infer_format(wells: Iterable[str]) -> int:
    for text in wells:
        match = _WELL.match(text.strip())
        if match and (_ROW_LETTERS.index(match.group(1).upper()) >= 8 or int(match.group(2)) > 12):
            return 384
    return 96


def read_tidy_plate(path: str | Path, options: PlateOptions | None = None) -> pd.DataFrame:
    """Read a one-row-per-well CSV (see module docstring) into the tidy table."""
    options = options or PlateOptions()
    path = Path(path)
    table = read_delimited(path, "plate", sep=",")
    if not table.rows:
        raise InputError("plate file has no wells", path=path, line=1)
    header = table.header
    missing = {"well", "readout", "control"} - set(header)
    if missing:
        raise InputError(f"missing column(s) {', '.join(sorted(missing))}", path, 1)
    rows = [dict(zip(header, row, strict=True)) for row in table.rows]
    limit = options.saturation_limit()
    records = []
    seen: dict[tuple[str, tuple[int, int]], int] = {}
    default_plate = path.stem
    formats: dict[str, int] = {}
    for number, row in zip(table.lines, rows, strict=True):
        plate_id = (row.get("plate_id") or default_plate).strip()
        if plate_id not in formats:
            given = (row.get("plate_format") or "").strip() or options.plate_format
            if given:
                try:
                    formats[plate_id] = int(given)
                except ValueError:
                    raise InputError(
                        f"plate format {given!r} is not 96 or 384", path, number, "plate_format"
                    ) from None
                if formats[plate_id] not in PLATE_FORMATS:
                    raise InputError(
                        f"plate format {given} is not 96 or 384", path, number, "plate_format"
                    )
            else:
                formats[plate_id] = _infer_format(
                    r["well"]
                    for r in rows
                    if (r.get("plate_id") or default_plate).strip() == plate_id
                )
        plate_format = formats[plate_id]
        r, c = parse_well(row["well"], plate_format, path, number)
        well = well_name(r, c)
        if (plate_id, (r, c)) in seen:
            raise InputError(
                f"well {well} of plate {plate_id} appears twice "
                f"(first on line {seen[plate_id, (r, c)]})",
                path,
                number,
                "well",
            )
        seen[plate_id, (r, c)] = number
        control = (row.get("control") or "none").strip().lower() or "none"
        if control not in CONTROLS:
            raise InputError(
                f"well {well}: control {control!r} is not one of {', '.join(CONTROLS)}",
                path,
                number,
                "control",
            )
        value = _reading(row["readout"], well, path, number, limit)
        sample = (row.get("sample_id") or "").strip()
        sample_type = (row.get("sample_type") or "").strip().lower() or (
            options.sample_type(sample) if sample else ""
        )
        if sample_type and sample_type not in SAMPLE_TYPES:
            raise InputError(
                f"well {well}: sample_type {sample_type!r} is not one of {', '.join(SAMPLE_TYPES)}",
                path,
                number,
                "sample_type",
            )
        virus = (row.get("virus_id") or "").strip()
        dose, unit = math.nan, ""
        if control == "none":
            if not sample or not virus:
                raise InputError(
                    f"well {well}: a treated well needs sample_id and virus_id",
                    path,
                    number,
                    "sample_id" if not sample else "virus_id",
                )
            if (row.get("dilution") or "").strip():
                dose, unit = _dose(row["dilution"], well, path, number, "dilution"), "dilution"
            elif (row.get("moi") or "").strip():
                dose, unit = _dose(row["moi"], well, path, number, "moi"), "MOI"
            else:
                raise InputError(
                    f"well {well}: a treated well needs a dilution or moi", path, number, "dilution"
                )
        elif control in ("mock", "kill") and not sample:
            raise InputError(
                f"well {well}: a {control} control needs the sample_id it controls",
                path,
                number,
                "sample_id",
            )
        records.append(
            {
                "plate_id": plate_id,
                "well": well,
                "row": r,
                "col": c,
                "plate_format": plate_format,
                "sample_id": sample,
                "sample_type": sample_type,
                "virus_id": virus,
                "dose": dose,
                "dose_unit": unit,
                "replicate": (row.get("replicate") or "").strip(),
                "control": control,
                "readout": value,
                "assay": (row.get("assay") or options.assay).strip().upper(),
                "source": str(path),
            }
        )
    return pd.DataFrame.from_records(records, columns=COLUMNS)


def _read_grid(path: Path, what: str) -> tuple[list[list[str]], int]:
    """Find the block under a header row ``[label], 1, 2, …, N`` and return its cells."""
    text = read_text(path, what)
    dialect_delim = "\t" if text.count("\t") > text.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect_delim, strict=True)
    lines: list[list[str]] = []
    numbers_of: list[int] = []  # 1-based line of each row
    try:
        for cells in reader:
            if len(cells) > MAX_COLUMNS:
                raise InputError(f"{what}: a row of {len(cells):,} cells", path, reader.line_num)
            lines.append(cells)
            numbers_of.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(f"{what}: not a CSV/TSV grid ({exc})", path, reader.line_num) from None
    for index, cells in enumerate(lines):
        numbers = [c.strip() for c in cells[1:] if c.strip()]
        if numbers and numbers == [str(i) for i in range(1, len(numbers) + 1)]:
            header_index, n_cols = index, len(numbers)
            break
    else:
        raise InputError(f"{what}: no header row of column numbers (1, 2, …) found", path=path)
    header_cells = lines[header_index]
    if any(c.strip() for c in header_cells[n_cols + 1 :]) or (
        [c.strip() for c in header_cells[1 : n_cols + 1]] != [str(i) for i in range(1, n_cols + 1)]
    ):
        raise InputError(
            f"{what}: the header row must be a label cell then 1 … {n_cols}, one per cell",
            path,
            numbers_of[header_index],
        )
    block = []
    first_line = numbers_of[header_index] + 1
    for index in range(header_index + 1, len(lines)):
        cells = lines[index]
        label = cells[0].strip() if cells else ""
        if len(label) != 1 or label.upper() not in _ROW_LETTERS:
            break
        number = numbers_of[index]
        if not block:
            first_line = number
        elif number != first_line + len(block):
            raise InputError(f"{what}: a quoted cell spans lines in row {label}", path, number)
        # one cell too many or too few would shift every later well of the row: refuse
        if len(cells) != n_cols + 1 and not (
            len(cells) > n_cols + 1 and not any(c.strip() for c in cells[n_cols + 1 :])
        ):
            raise InputError(
                f"{what}: row {label} has {len(cells) - 1} cells but the header numbers "
                f"{n_cols} columns (a missing or extra cell would shift the wells)",
                path,
                number,
            )
        block.append(list(cells[1 : n_cols + 1]))
        if label.upper() != _ROW_LETTERS[len(block) - 1]:
            raise InputError(
                f"{what}: row {label} out of order (expected {_ROW_LETTERS[len(block) - 1]})",
                path,
                number,
            )
    shape = (len(block), n_cols)
    if shape not in PLATE_FORMATS.values():
        raise InputError(
            f"wrong plate size: {what} has {shape[0]} rows × {shape[1]} columns; "
            "expected 8 × 12 (96 wells) or 16 × 24 (384 wells)",
            path=path,
            line=numbers_of[header_index],
        )
    return block, first_line


def read_grid_plate(
    grid_path: str | Path, layout_path: str | Path, options: PlateOptions | None = None
) -> pd.DataFrame:
    """Read a reader grid export and its plate map into the tidy table."""
    options = options or PlateOptions()
    grid_path, layout_path = Path(grid_path), Path(layout_path)
    grid, grid_first = _read_grid(grid_path, "plate grid")
    layout, layout_first = _read_grid(layout_path, "plate layout")
    if (len(grid), len(grid[0])) != (len(layout), len(layout[0])):
        raise InputError(
            f"wrong plate size: layout is {len(layout)} × {len(layout[0])} but the grid "
            f"{grid_path.name} is {len(grid)} × {len(grid[0])}",
            path=layout_path,
        )
    plate_format = next(k for k, v in PLATE_FORMATS.items() if v == (len(grid), len(grid[0])))
    if options.plate_format is not None and options.plate_format != plate_format:
        raise InputError(
            f"wrong plate size: expected a {options.plate_format}-well plate, got {plate_format}",
            path=grid_path,
        )
    limit = options.saturation_limit()
    records = []
    for r, (grid_row, layout_row) in enumerate(zip(grid, layout, strict=True)):
        for c, (raw, cell) in enumerate(zip(grid_row, layout_row, strict=True)):
            well = well_name(r, c)
            cell = cell.strip()
            if not cell or cell == "-":
                continue
            parts = [p.strip() for p in cell.split("|")]
            kind = parts[0].lower()
            sample, virus, dose, replicate = "", "", math.nan, ""
            if kind == "blank" and len(parts) == 1:
                control = "blank"
            elif kind in ("mock", "kill") and len(parts) == 2 and parts[1]:
                control, sample = kind, parts[1]
            elif len(parts) in (3, 4) and all(parts[:3]):
                control, sample, virus = "none", parts[0], parts[1]
                dose = _dose(parts[2], well, layout_path, layout_first + r, "dose")
                replicate = parts[3] if len(parts) == 4 else ""
            else:
                raise InputError(
                    f"well {well}: layout cell {cell!r} is not blank, mock|SAMPLE, kill|SAMPLE "
                    "or SAMPLE|VIRUS|DOSE[|REPLICATE]",
                    layout_path,
                    layout_first + r,
                    well,
                )
            if not raw.strip():
                raise InputError(
                    f"well {well}: used in the layout but has no reading",
                    grid_path,
                    grid_first + r,
                    well,
                )
            value = _reading(raw, well, grid_path, grid_first + r, limit)
            records.append(
                {
                    "plate_id": grid_path.stem,
                    "well": well,
                    "row": r,
                    "col": c,
                    "plate_format": plate_format,
                    "sample_id": sample,
                    "sample_type": options.sample_type(sample) if sample else "",
                    "virus_id": virus,
                    "dose": dose,
                    "dose_unit": options.dose_unit if control == "none" else "",
                    "replicate": replicate,
                    "control": control,
                    "readout": value,
                    "assay": options.assay.upper(),
                    "source": str(grid_path),
                }
            )
    if not records:
        raise InputError("layout marks no well as used", path=layout_path)
    return pd.DataFrame.from_records(records, columns=COLUMNS)


def read_plate(
    path: str | Path, layout: str | Path | None = None, options: PlateOptions | None = None
) -> pd.DataFrame:
    """Read a plate: a grid export with ``layout``, or a tidy per-well CSV without."""
    if layout is not None:
        return read_grid_plate(path, layout, options)
    return read_tidy_plate(path, options)


def validate_controls(wells: pd.DataFrame, known_viruses: Iterable[str] | None = None) -> None:
    """Check that every plate has blank wells and every treated sample its mock wells.

    Also checks virus IDs against the catalog, and that each sample/virus has at least
    three doses (a 4-parameter fit needs more points than parameters).
    """
    known = set(known_viruses) if known_viruses is not None else None
    for plate_id, plate in wells.groupby("plate_id", sort=False):
        source = plate["source"].iloc[0]
        treated = plate[plate["control"] == "none"]
        if not (plate["control"] == "blank").any():
            first = treated["well"].iloc[0] if len(treated) else plate["well"].iloc[0]
            raise InputError(
                f"plate {plate_id} has no blank (medium-only) control wells; needed to subtract "
                f"background (first treated well: {first})",
                path=source,
                field="control",
            )
        mocks = set(plate.loc[plate["control"] == "mock", "sample_id"])
        for sample, rows in treated.groupby("sample_id", sort=False):
            if sample not in mocks:
                raise InputError(
                    f"sample {sample} has treated wells (first: {rows['well'].iloc[0]}) "
                    "but no mock "
                    "(uninfected) control wells on plate " + str(plate_id),
                    path=source,
                    field="control",
                )
        if known is not None:
            for virus, rows in treated.groupby("virus_id", sort=False):
                if virus not in known:
                    raise InputError(
                        f"well {rows['well'].iloc[0]}: virus {virus!r} is not in the catalog "
                        "(see `vaxmix virus catalog`)",
                        path=source,
                        field="virus_id",
                    )
        for (sample, virus), rows in treated.groupby(["sample_id", "virus_id"], sort=False):
            if rows["dose"].nunique() < 3:
                raise InputError(
                    f"sample {sample} × virus {virus}: only {rows['dose'].nunique()} dose(s) "
                    f"(wells {', '.join(rows['well'])}); a dose-response fit needs at least 3",
                    path=source,
                    field="dose",
                )
