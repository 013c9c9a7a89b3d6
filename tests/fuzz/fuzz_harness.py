"""Structure-aware fuzzing of vaxmix's input readers: seeds, mutators, oracles and a watchdog.

Shared by the bounded hypothesis tests in this folder and ``benchmarks/fuzz_campaign.py``.

* **Seeds** are the repository's own fixtures (package example data and ``tests/*/data``).
* **Mutators** work on the structure of each format (rows and fields of a table, records of a
  FASTA, header/INFO/FORMAT of a VCF, cells of a plate grid) plus byte-level damage (a Latin-1
  byte, a byte-order mark, truncation, a flipped byte, giant fields and rows). Every mutation
  carries tags that the oracles read.
* **The contract** (checked in a worker process): the reader returns a valid result or raises
  :class:`~vaxmix.common.errors.InputError` with a one-line message; anything else is
  *uncaught*. The parent gives each case a time limit and kills and restarts the worker when a
  case runs past it: a *hang*.
* **Silent-misread detectors** (oracles that need no reference implementation): a case whose
  mutation must be refused (a data row with one field too many or too few, an extra unlabeled
  column on every row, a header one field short without R row names, a NaN/infinite/negative
  TPM or reading) must raise; a case whose mutation must not change the meaning (a byte-order
  mark, CRLF line ends) must give the seed's own result; every accepted result is checked for
  its value domain (finite non-negative TPM, readings on the plate where the file has them).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import multiprocessing as mp
import os
import random
import re
import shutil
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
SRC = REPO / "src" / "vaxmix"

#: Mutation tags whose cases must end in InputError.
MUST_REJECT = {"ragged_row", "extra_unlabeled_column", "header_short", "bad_value"}
#: Mutation tags that keep the file's meaning: the result must equal the seed's.
PRESERVING_OPS = {"bytes:bom", "bytes:crlf"}

INTERESTING_VALUES = [
    "", " ", "NA", "nan", "NaN", "inf", "-inf", "Infinity", "-1", "-0.5", "0", "-0", "1e308",
    "1e309", "1e-320", "9" * 400, "1,5", "0x10", "+1", "1_000", "\uff11", "1.5.2", "\u00e9",
    "\u2028", '"', "'", "\t", "#", ">", "|", "||", "*", "-", ".", "A01", "Z99", "HLA-A*02:01",
    "\ufeff", "\x00", "\u202e", "x" * 300,
]
BAD_NUMBERS = ["nan", "NaN", "inf", "-inf", "Infinity", "-1", "-0.25", "-1e-3"]


@dataclass
class Case:
    """One fuzz input: files to write into a fresh folder, and what was done to the seed."""

    files: dict[str, bytes]
    seed: int
    tags: set[str] = field(default_factory=set)
    ops: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"seed {self.seed}, ops {self.ops}"


@dataclass
class Outcome:
    kind: str  # ok | input_error | uncaught | hang | silent
    detail: str = ""


# ---------------------------------------------------------------------------------------------
# text mutators (structure-aware for delimited tables; one file at a time)


def _split(text: str, sep: str) -> tuple[list[list[str]], str]:
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    trailing = lines and lines[-1] == ""
    rows = [line.split(sep) for line in (lines[:-1] if trailing else lines)]
    return rows, newline if trailing else ""


def _join(rows: list[list[str]], sep: str, end: str) -> str:
    newline = end or "\n"
    return newline.join(sep.join(row) for row in rows) + end


@dataclass
class TableShape:
    """Where the table is in a text file: delimiter, header row, data rows, value columns."""

    sep: str
    header: int | None  # index of the header row (None: no header, e.g. a VCF's records)
    data: Callable[[list[list[str]]], list[int]]  # indices of the data rows
    value_columns: tuple[str, ...] = ()  # numeric columns whose NaN/inf/negative must fail
    width_checked: bool = True  # a ragged data row must be refused


def mutate_table(text: str, shape: TableShape, rng: random.Random, case: Case) -> str:
    """One structure-aware mutation of a delimited table (tags recorded on ``case``)."""
    rows, end = _split(text, shape.sep)
    data = [i for i in shape.data(rows) if i < len(rows)]
    op = rng.choice(
        ["value", "value", "value", "drop_field", "add_field", "add_column", "header_short",
         "dup_row", "del_row", "swap_rows", "dup_column", "header_case", "bad_value",
         "quote", "space", "blank_row", "del_col"]
    )  # fmt: skip
    case.ops.append(f"table:{op}")
    if not data:
        return text
    r = rng.choice(data)
    row = rows[r]
    width = len(rows[shape.header]) if shape.header is not None else len(row)
    if op == "value":
        c = rng.randrange(len(row))
        row[c] = rng.choice(INTERESTING_VALUES)
    elif op == "bad_value" and shape.value_columns and shape.header is not None:
        names = [n.strip().lstrip("\ufeff") for n in rows[shape.header]]
        present = [names.index(n) for n in shape.value_columns if n in names]
        if present:
            c = rng.choice(present)
            if c < len(row):
                row[c] = rng.choice(BAD_NUMBERS)
                case.tags.add("bad_value")
    elif op == "drop_field" and len(row) > 1:
        del row[rng.randrange(len(row))]
        if shape.width_checked and len(row) != width:
            case.tags.add("ragged_row")
    elif op == "add_field":
        row.insert(rng.randrange(len(row) + 1), rng.choice(["0.5", "x", "7", "ABC"]))
        if shape.width_checked and len(row) != width:
            case.tags.add("ragged_row")
    elif op == "add_column":
        at = rng.randrange(width + 1)
        for i in data:
            rows[i].insert(min(at, len(rows[i])), str(rng.choice([1.5, 3, 42, "x"])))
        if shape.width_checked and shape.header is not None:
            case.tags.add("extra_unlabeled_column")
    elif op == "header_short" and shape.header is not None and len(rows[shape.header]) > 1:
        del rows[shape.header][rng.randrange(len(rows[shape.header]))]
        if shape.width_checked:
            case.tags.add("header_short")
    elif op == "dup_row":
        rows.insert(r, list(row))
    elif op == "del_row":
        del rows[r]
    elif op == "swap_rows" and len(data) > 1:
        a, b = rng.sample(data, 2)
        rows[a], rows[b] = rows[b], rows[a]
    elif op == "dup_column":
        c = rng.randrange(min(len(x) for x in rows))
        for x in rows:
            x.insert(c, x[c])
    elif op == "del_col":
        c = rng.randrange(min(len(x) for x in rows))
        for x in rows:
            del x[c]
    elif op == "header_case" and shape.header is not None:
        h = rows[shape.header]
        c = rng.randrange(len(h))
        h[c] = rng.choice([h[c].upper(), h[c].lower(), f" {h[c]} ", h[c] + "x", ""])
    elif op == "quote":
        c = rng.randrange(len(row))
        row[c] = rng.choice(['"', '"' + row[c], row[c] + '"', f'"{row[c]}"'])
    elif op == "space":
        c = rng.randrange(len(row))
        row[c] = f" {row[c]} "
    elif op == "blank_row":
        rows.insert(r, [""])
    text = _join(rows, shape.sep, end)
    if shape.width_checked and shape.header is not None and not case.tags & MUST_REJECT:
        # a value holding the delimiter (or any op) may have made a data row ragged
        # lines as the csv module sees them (a lone CR ends a line too)
        rows = [line.split(shape.sep) for line in re.split(r"\r\n|\r|\n", text)]
        header_width = len(rows[shape.header]) if shape.header < len(rows) else 0
        for i in shape.data(rows):
            if i < len(rows) and any(c.strip() for c in rows[i]) and len(rows[i]) != header_width:
                case.tags.add("ragged_row")
                break
    return text


def mutate_bytes(data: bytes, rng: random.Random, case: Case, giant: bool = True) -> bytes:
    """Byte-level damage: encodings, truncation, flips, giant fields and rows."""
    ops = ["latin1", "bom", "crlf", "truncate", "flip", "insert_nul", "delete_span", "cr_only"]
    if giant:
        ops += ["long_field", "wide_row"]
    op = rng.choice(ops)
    case.ops.append(f"bytes:{op}")
    pos = rng.randrange(len(data) + 1) if data else 0
    if op == "latin1":
        return data[:pos] + bytes([rng.choice([0xE9, 0xB5, 0xFC, 0xA0, 0xD6])]) + data[pos:]
    if op == "bom":
        case.tags.add("bom")
        return b"\xef\xbb\xbf" + data
    if op == "crlf":
        case.tags.add("crlf")
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if op == "cr_only":
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    if op == "truncate":
        return data[:pos]
    if op == "flip" and data:
        i = min(pos, len(data) - 1)
        return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]
    if op == "insert_nul":
        return data[:pos] + b"\x00" + data[pos:]
    if op == "delete_span":
        return data[:pos] + data[pos + rng.randrange(1, 200) :]
    if op == "long_field":
        line_end = data.find(b"\n", pos)
        at = len(data) if line_end < 0 else line_end
        return data[:at] + b"7" * rng.choice([131_073, 200_000]) + data[at:]
    if op == "wide_row":
        delim = b"\t" if data.count(b"\t") > data.count(b",") else b","
        return data + delim * rng.choice([1_000_000, 300_000]) + b"\n"
    return data


# ---------------------------------------------------------------------------------------------
# reader specifications


@dataclass
class Reader:
    """How to seed, mutate, run and judge one reader."""

    name: str
    seeds: Callable[[], list[dict[str, bytes]]]
    run: Callable[[Path], Any]  # folder holding the case's files -> result
    summary: Callable[[Any], Any]  # result -> comparable summary (for preserving mutations)
    mutate: Callable[[dict[str, bytes], random.Random, Case], dict[str, bytes]]
    check: Callable[[Any, Case], str | None] = lambda result, case: None
    timeout: float = 10.0
    owner_issue: str = ""  # readers whose fixes are another issue's (fuzzed, not fixed here)
    warm: Callable[[], None] = lambda: None  # lazy imports a seed does not reach


def retag_table(data: bytes, shape: TableShape, case: Case) -> None:
    """Recompute the must-reject tags from the final file (a later op may undo an earlier one).

    Independent of the readers: each line is split by the csv module on its own; the header
    is the first non-blank line; a non-blank data line of another width is a ragged row, and a
    NaN, infinite or negative number in a value column is a bad value.
    """
    case.tags -= MUST_REJECT
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return  # must fail on the encoding anyway
    rows = []
    for line in re.split(r"\r\n|\r|\n", text):
        try:
            cells = next(csv.reader([line], delimiter=shape.sep), [])
        except csv.Error:
            return
        if any(cell.strip() for cell in cells):
            rows.append(cells)
    if not rows:
        return
    header = [cell.strip() for cell in rows[0]]
    if any(len(row) != len(header) for row in rows[1:]):
        case.tags.add("ragged_row")
        return
    for column in shape.value_columns:
        if column in header:
            k = header.index(column)
            for row in rows[1:]:
                try:
                    value = float(row[k])
                except ValueError:
                    continue
                if not math.isfinite(value) or value < 0:
                    case.tags.add("bad_value")
                    return


def _table_mutator(name: str, shape: TableShape, p_bytes: float = 0.3, giant: bool = True):
    def mutate(files: dict[str, bytes], rng: random.Random, case: Case) -> dict[str, bytes]:
        files = dict(files)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            if rng.random() < p_bytes:
                files[name] = mutate_bytes(files[name], rng, case, giant)
            else:
                try:
                    text = files[name].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                files[name] = mutate_table(text, shape, rng, case).encode("utf-8")
        if shape.width_checked and shape.header == 0:
            retag_table(files[name], shape, case)
        return files

    return mutate


def _rows_after_header(rows: list[list[str]]) -> list[int]:
    return list(range(1, len(rows)))


# --- pipeline expression TSV (variants/expression.py) -----------------------------------------


def _expression_seeds() -> list[dict[str, bytes]]:
    virus = (SRC / "virus/data/example/expression.tsv").read_bytes()
    lines = virus.decode().splitlines()
    rsem = ["gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM"]
    kallisto = ["target_id\tlength\teff_length\test_counts\ttpm"]
    stringtie = ["Gene ID\tGene Name\tReference\tStrand\tStart\tEnd\tCoverage\tFPKM\tTPM"]
    for i, line in enumerate(lines[1:], start=1):
        gid, name, tpm = line.split("\t")
        rsem.append(f"{gid}\tENST{i:011d}.1\t{900 + i}\t{760 + i}\t{i * 3}\t{tpm}\t{tpm}")
        kallisto.append(f"ENST{i:011d}.1|{gid}|{name}-201|\t{900 + i}\t{760 + i}\t{i}\t{tpm}")
        stringtie.append(f"{gid}\t{name}\tchr1\t+\t{1000 * i}\t{1000 * i + 500}\t1.2\t{tpm}\t{tpm}")
    return [
        {"genes.results": ("\n".join(rsem) + "\n").encode()},
        {"abundance.tsv": ("\n".join(kallisto) + "\n").encode()},
        {"gene_abund.tab": ("\n".join(stringtie) + "\n").encode()},
    ]


def _expression_mutate(files, rng, case):
    (name,) = files
    shape = TableShape("\t", 0, _rows_after_header, ("TPM", "tpm"))
    return _table_mutator(name, shape)(files, rng, case)


def _expression_run(folder: Path):
    from vaxmix.variants.expression import read_expression_table

    (path,) = folder.iterdir()
    return read_expression_table(path, "gene")


def _expression_check(result, case: Case) -> str | None:
    values, _ = result
    bad = [v for v in values.values() if not (math.isfinite(v) and v >= 0)]
    if bad:
        return f"accepted a non-finite or negative TPM ({bad[0]})"
    return None


# --- virus expression (virus/expression.py) ---------------------------------------------------


def _virus_expression_seeds() -> list[dict[str, bytes]]:
    tsv = (SRC / "virus/data/example/expression.tsv").read_bytes()
    csv_text = tsv.decode().replace("\t", ",").encode()
    return [{"expression.tsv": tsv}, {"expression.csv": csv_text}]


def _virus_expression_mutate(files, rng, case):
    (name,) = files
    sep = "," if name.endswith(".csv") else "\t"
    return _table_mutator(name, TableShape(sep, 0, _rows_after_header, ("TPM",)))(files, rng, case)


def _virus_expression_run(folder: Path):
    from vaxmix.virus.expression import read_expression

    (path,) = folder.iterdir()
    return read_expression(path)


def _virus_expression_check(result, case: Case) -> str | None:
    bad = [v for v in result.tpm.values() if not (math.isfinite(v) and v >= 0)]
    return f"accepted a non-finite or negative TPM ({bad[0]})" if bad else None


# --- plates (virus/plate.py) ------------------------------------------------------------------


def _grid_seeds() -> list[dict[str, bytes]]:
    grid = (SRC / "virus/data/example/plate_grid.csv").read_bytes()
    layout = (SRC / "virus/data/example/plate_layout.csv").read_bytes()
    return [{"grid.csv": grid, "layout.csv": layout}]


def _block_rows(rows: list[list[str]]) -> list[int]:
    """Header row of column numbers and the lettered rows under it."""
    for i, row in enumerate(rows):
        numbers = [c.strip().strip('"') for c in row[1:] if c.strip().strip('"')]
        if len(numbers) > 2 and numbers == [str(k) for k in range(1, len(numbers) + 1)]:
            out = [i]
            for j in range(i + 1, len(rows)):
                label = rows[j][0].strip().strip('"') if rows[j] else ""
                if len(label) == 1 and label.isalpha():
                    out.append(j)
                else:
                    break
            return out
    return []


def retag_grid(data: bytes, case: Case) -> None:
    """Ragged-row tag from the final grid: a lettered row under the column-number header with
    fewer cells than the header, or a non-empty cell past it (each line split on its own)."""
    case.tags -= MUST_REJECT
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return
    try:
        rows = [next(csv.reader([line]), []) for line in re.split(r"\r\n|\r|\n", text)]
    except csv.Error:
        return
    block = _block_rows(rows)
    if not block:
        return
    width = len([c for c in rows[block[0]][1:] if c.strip().strip('"')]) + 1
    for i in block[1:]:
        if len(rows[i]) < width or any(c.strip() for c in rows[i][width:]):
            case.tags.add("ragged_row")
            return


def _plate_mutator(target: str):
    def mutate(files, rng, case):
        shape = TableShape(",", None, _block_rows, ())
        files = _table_mutator(target, shape)(files, rng, case)
        retag_grid(files[target], case)
        return files

    return mutate


def _grid_run(folder: Path):
    from vaxmix.virus.plate import read_grid_plate, validate_controls

    wells = read_grid_plate(folder / "grid.csv", folder / "layout.csv")
    validate_controls(wells)  # the CLI checks controls right after reading
    return wells


def _plate_summary(wells) -> Any:
    return [tuple(map(str, row)) for row in wells.drop(columns=["source"]).itertuples(False)]


def _grid_cells(text: str) -> dict[str, str]:
    """Cells of the lettered rows under the column-number header, read independently."""
    rows = [line.split(",") for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    cells: dict[str, str] = {}
    block = _block_rows(rows)
    for i in block[1:]:
        letter = rows[i][0].strip().strip('"').upper()
        for c, value in enumerate(rows[i][1:], start=1):
            cells[f"{letter}{c:02d}"] = value.strip().strip('"')
    return cells


def _plate_check_factory(grid_name: str | None):
    def check(wells, case: Case) -> str | None:
        for value in wells["readout"]:
            if not (math.isfinite(value) and value >= 0):
                return f"accepted a reading {value}"
        if grid_name is not None:
            text = case.files[grid_name].decode("utf-8", "replace").lstrip("\ufeff")
            cells = _grid_cells(text)
            for well, value in zip(wells["well"], wells["readout"], strict=True):
                try:
                    expected = float(cells.get(well, "nan"))
                except ValueError:
                    expected = math.nan
                if not expected == value:
                    return f"well {well} read as {value}, the file has {cells.get(well)!r}"
        return None

    return check


def _layout_run(folder: Path):
    return _grid_run(folder)


def _tidy_seeds() -> list[dict[str, bytes]]:
    from vaxmix.virus.plate import read_grid_plate

    wells = read_grid_plate(
        SRC / "virus/data/example/plate_grid.csv", SRC / "virus/data/example/plate_layout.csv"
    )
    out = io.StringIO()
    frame = wells.rename(columns={"dose": "dilution"})[
        ["plate_id", "well", "sample_id", "sample_type", "virus_id", "dilution", "replicate",
         "control", "readout"]
    ]  # fmt: skip
    frame.to_csv(out, index=False, float_format="%.10g")
    text = out.getvalue().replace(",nan,", ",,")
    return [{"plate.csv": text.encode()}]


def _tidy_mutate(files, rng, case):
    shape = TableShape(",", 0, _rows_after_header, ("readout",))
    return _table_mutator("plate.csv", shape)(files, rng, case)


def _tidy_run(folder: Path):
    from vaxmix.virus.plate import read_tidy_plate, validate_controls

    wells = read_tidy_plate(folder / "plate.csv")
    validate_controls(wells)
    return wells


# --- FASTA ------------------------------------------------------------------------------------


def mutate_fasta(text: str, rng: random.Random, case: Case) -> str:
    lines = text.split("\n")
    op = rng.choice(["residue", "header", "dup_record", "del_line", "dup_line", "empty_header",
                     "no_header", "lower", "stop", "space", "blank", "swap"])  # fmt: skip
    case.ops.append(f"fasta:{op}")
    i = rng.randrange(len(lines))
    if op == "residue" and lines[i] and not lines[i].startswith(">"):
        j = rng.randrange(len(lines[i]))
        bad = rng.choice(["X", "B", "J", "Z", "U", "O", "*", "-", "1", " ", "\u00e9", ">", "."])
        lines[i] = lines[i][:j] + bad + lines[i][j + 1 :]
    elif op == "header":
        lines.insert(i, ">" + rng.choice(["", " ", "x y", ">>", "a" * 1000, "\u00e9"]))
    elif op == "dup_record":
        heads = [k for k, line in enumerate(lines) if line.startswith(">")]
        if heads:
            k = rng.choice(heads)
            lines[k:k] = lines[k : k + 2]
    elif op == "del_line":
        del lines[i]
    elif op == "dup_line":
        lines.insert(i, lines[i])
    elif op == "empty_header":
        lines.insert(i, ">")
    elif op == "no_header":
        lines = [line for line in lines if not line.startswith(">")]
    elif op == "lower":
        lines[i] = lines[i].lower()
    elif op == "stop":
        lines[i] = lines[i] + "*"
    elif op == "space":
        lines[i] = " " + lines[i] + " "
    elif op == "blank":
        lines.insert(i, "")
    elif op == "swap" and len(lines) > 1:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _fasta_mutator(files, rng, case):
    files = dict(files)
    (name,) = files
    for _ in range(rng.choice([1, 1, 2, 3])):
        if rng.random() < 0.35:
            files[name] = mutate_bytes(files[name], rng, case)
        else:
            try:
                text = files[name].decode("utf-8")
            except UnicodeDecodeError:
                continue
            if name.endswith(".json"):
                files[name] = mutate_json(text, rng, case).encode("utf-8")
            else:
                files[name] = mutate_fasta(text, rng, case).encode("utf-8")
    return files


def mutate_json(text: str, rng: random.Random, case: Case) -> str:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return text
    if not isinstance(data, dict):
        return text
    op = rng.choice(["big_int", "start", "end", "type", "drop", "protein", "nest", "float"])
    case.ops.append(f"json:{op}")
    if op == "big_int":
        return text.replace('"start": 1', '"start": ' + "1" * rng.choice([4301, 5000, 20000]), 1)
    if op == "nest":
        return "[" * 100_000 + "]" * 100_000
    elements = data.get("elements")
    el = rng.choice(elements) if isinstance(elements, list) and elements else {}
    el = el if isinstance(el, dict) else {}
    if op in ("start", "end"):
        el[op] = rng.choice([0, -1, 10**6, "x", None, 1.5, [], 1e308])
    elif op == "float":
        return text.replace('"end": ', '"end": 1e999 + ', 1).replace("+ ", "")
    elif op == "type":
        data[rng.choice(["elements", "protein"])] = rng.choice([None, 3, "x", {}, []])
    elif op == "drop":
        data.pop(rng.choice(["protein", "elements", "name"]), None)
    elif op == "protein":
        data["protein"] = rng.choice(["", "MXX", "mabc", "M" * 10, "AAAA", "M*"])
    return json.dumps(data)


def _peptide_seeds() -> list[dict[str, bytes]]:
    return [
        {"peptides.fa": (TESTS / "vaccine/data/pvacvector_input.fa").read_bytes()},
        {"peptides.fa": (TESTS / "mrna/data/hcc1395_top20_mt_peptides.faa").read_bytes()},
    ]


def _peptide_run(folder: Path):
    from vaxmix.vaccine.sequences import read_protein_fasta

    return read_protein_fasta(folder / "peptides.fa")


def _peptide_check(records, case: Case) -> str | None:
    from vaxmix.common.aminoacids import AMINO_ACID_SET

    for record in records:
        if not record.sequence or set(record.sequence) - AMINO_ACID_SET:
            return f"record {record.identifier!r} accepted with sequence {record.sequence!r}"
    return None


def _mrna_seeds() -> list[dict[str, bytes]]:
    protein = (TESTS / "mrna/data/small_protein.faa").read_text().split("\n", 1)[1]
    protein = "".join(protein.split())
    construct = {
        "schema": "vaxmix.construct/1",
        "name": "toy",
        "protein": protein,
        "elements": [
            {"name": "sec", "kind": "signal_peptide", "start": 1, "end": 26},
            {"name": "SIINFEKL", "kind": "peptide", "start": 27, "end": 34},
        ],
    }
    return [
        {"protein.faa": (TESTS / "mrna/data/small_protein.faa").read_bytes()},
        {"protein.faa": (TESTS / "mrna/data/polyepitope_benchmark_551aa.faa").read_bytes()},
        {"construct.json": json.dumps(construct, indent=2).encode()},
    ]


def _mrna_run(folder: Path):
    from vaxmix.mrna.inputs import read_protein_input

    (path,) = folder.iterdir()
    return read_protein_input(path)


def _mrna_check(result, case: Case) -> str | None:
    if not result.protein.startswith("M") or set(result.protein) - set("ACDEFGHIKLMNPQRSTVWY"):
        return f"protein accepted as {result.protein[:30]!r}"
    for el in result.elements:
        if not 1 <= el["start"] <= el["end"] <= len(result.protein):
            return f"element {el} outside the protein"
    return None


# --- VCF (variants/vcf.py; issue 14) ----------------------------------------------------------

VCF_SAMPLE = "HCC1395_TUMOR_DNA"


def _vcf_text() -> str:
    with gzip.open(SRC / "pipeline/data/example_patient/hcc1395_subset.vcf.gz", "rt") as handle:
        lines = handle.read().split("\n")
    header = [line for line in lines if line.startswith("#")]
    records = [line for line in lines if line and not line.startswith("#")]
    return "\n".join(header + records[:40]) + "\n"


class _KeepOpen(io.BytesIO):
    def close(self) -> None:  # BgzfWriter.close() closes its handle; keep the bytes readable
        pass


def _bgzip(data: bytes) -> bytes:
    """BGZF-compress ``data`` (as bgzip does), with the EOF marker block."""
    from Bio import bgzf

    out = _KeepOpen()
    writer = bgzf.BgzfWriter(fileobj=out)
    writer.write(data)
    writer.close()
    return out.getvalue()


def mutate_vcf(text: str, rng: random.Random, case: Case) -> str:
    lines = text.split("\n")
    records = [i for i, line in enumerate(lines) if line and not line.startswith("#")]
    headers = [i for i, line in enumerate(lines) if line.startswith("##")]
    op = rng.choice(["field", "format_value", "csq", "info", "header_line", "del_line",
                     "dup_line", "ragged", "chrom_header", "ref_alt", "table"])  # fmt: skip
    case.ops.append(f"vcf:{op}")
    if not records:
        return text
    i = rng.choice(records)
    cols = lines[i].split("\t")
    if op == "field":
        c = rng.randrange(len(cols))
        cols[c] = rng.choice([*INTERESTING_VALUES, ".", "-1", "0", "A", "N", "<DEL>"])
    elif op == "format_value" and len(cols) > 9:
        c = rng.randrange(9, len(cols))
        parts = cols[c].split(":")
        k = rng.randrange(len(parts))
        parts[k] = rng.choice([".", "-1", "1.5", "nan", "inf", "x", "", "1,2,3", "99999999999"])
        cols[c] = ":".join(parts)
    elif op == "csq" and len(cols) > 7:
        info = cols[7]
        at = info.find("CSQ=")
        if at >= 0:
            csq = info[at + 4 :].split(";")[0]
            fields = csq.split("|")
            k = rng.randrange(len(fields))
            fields[k] = rng.choice(["", "x", "-1", "1-2", "?-5", "&", ",", "|", "p.X1Y"])
            cols[7] = info[: at + 4] + "|".join(fields) + info[at + 4 + len(csq) :]
    elif op == "info" and len(cols) > 7:
        cols[7] = rng.choice(["", ".", "CSQ", "CSQ=", cols[7] + ";CSQ=x", cols[7].replace("=", "")])
    elif op == "header_line" and headers:
        h = rng.choice(headers)
        lines[h] = rng.choice(["##INFO=<ID=CSQ", "##FORMAT=<ID=AF,Number=A,Type=Integer>",
                               lines[h][: len(lines[h]) // 2], "##", "#"])  # fmt: skip
    elif op == "del_line":
        del lines[rng.randrange(len(lines))]
        return "\n".join(lines)
    elif op == "dup_line":
        lines.insert(i, lines[i])
    elif op == "ragged":
        if rng.random() < 0.5 and len(cols) > 1:
            del cols[rng.randrange(len(cols))]
        else:
            cols.insert(rng.randrange(len(cols)), "x")
    elif op == "chrom_header":
        k = next((n for n, line in enumerate(lines) if line.startswith("#CHROM")), None)
        if k is not None:
            lines[k] = lines[k].replace(VCF_SAMPLE, rng.choice(["", "T", VCF_SAMPLE + "\t"]))
    elif op == "ref_alt" and len(cols) > 4:
        cols[rng.choice([3, 4])] = rng.choice(["", "N", "ACGTX", "*", "A,C", "<DEL>", "."])
    elif op == "table":
        cols = mutate_table("\t".join(cols), TableShape("\t", None, lambda r: [0]), rng,
                            case).rstrip("\n").split("\t")  # fmt: skip
    lines[i] = "\t".join(cols)
    return "\n".join(lines)


def _vcf_mutate_text(files, rng, case):
    files = dict(files)
    (name,) = files
    for _ in range(rng.choice([1, 1, 2])):
        if rng.random() < 0.25:
            files[name] = mutate_bytes(files[name], rng, case)
        else:
            text = files[name].decode("utf-8", "surrogateescape")
            files[name] = mutate_vcf(text, rng, case).encode("utf-8", "surrogateescape")
    return files


def _vcf_seeds() -> list[dict[str, bytes]]:
    return [{"input.vcf": _vcf_text().encode()}]


def _vcfgz_seeds() -> list[dict[str, bytes]]:
    return [{"input.vcf.gz": _bgzip(_vcf_text().encode())}]


def _vcfgz_mutate(files, rng, case):
    if rng.random() < 0.3:  # damage the compressed bytes themselves
        data = files["input.vcf.gz"]
        case.ops.append("gz:bytes")
        cut = rng.randrange(len(data))
        if rng.random() < 0.5:
            return {"input.vcf.gz": data[:cut]}
        return {"input.vcf.gz": data[:cut] + bytes([data[cut] ^ 0x10]) + data[cut + 1 :]}
    text = gzip.decompress(files["input.vcf.gz"])
    plain = _vcf_mutate_text({"input.vcf": text}, rng, case)["input.vcf"]
    return {"input.vcf.gz": _bgzip(plain)}


def _vcf_run(folder: Path):
    from vaxmix.variants.vcf import read_vep_vcf

    (path,) = folder.iterdir()
    return read_vep_vcf(path, sample=VCF_SAMPLE)


def _vcf_summary(result) -> Any:
    return result.table.to_csv(index=False)


def _vcf_check(result, case: Case) -> str | None:
    table = result.table
    checks = [(c, lambda x: 0 <= x <= 1, " (outside 0-1)")
              for c in ("tumor_dna_vaf", "normal_dna_vaf", "tumor_rna_vaf")]
    checks += [(c, lambda x: math.isfinite(x) and x >= 0, "")
               for c in ("tumor_dna_depth", "normal_dna_depth", "tumor_rna_depth")]
    for column, in_domain, why in checks:
        for value in table[column] if column in table else ():
            if value in ("NA", "", None):
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                return f"{column} read as {value!r}"
            if not in_domain(number):
                return f"{column} read as {value!r}{why}"
    return None


# --- HLA typing (variants/hla.py; issue 14) ---------------------------------------------------


def _hla_seeds() -> list[dict[str, bytes]]:
    return [
        {"hla_alleles.txt": (SRC / "pipeline/data/example_patient/hla_alleles.txt").read_bytes()},
        {"sample_result.tsv": b"\tA1\tA2\tB1\tB2\tC1\tC2\tReads\tObjective\n"
         b"0\tA*29:02\tA*02:01\tB*45:01\tB*82:02\tC*07:02\tC*07:02\t1234.0\t1190.5\n"},
        {"sample.genotype.json": json.dumps(
            {"A": ["A*29:02:01", "A*02:01:01"], "B": ["B*45:01:01"], "C": ["C*07:02:01"],
             "DQA1": ["DQA1*01:02:01"], "DRB1": ["DRB1*04:05:01"]}).encode()},
        {"sample_final.result.txt": b"A\tHLA-A*29:02:01\tHLA-A*02:01:01:01\n"
         b"B\tHLA-B*45:01:01\t-\nC\tNot typed\tNot typed\nDRB1\tHLA-DRB1*04:05:01\t-\n"},
        {"alleles.txt": b"# patient 7\nHLA-A*29:02, HLA-B*45:01\nHLA-DRB1*04:05\n"
         b"HLA-DQA1*01:02-DQB1*06:02 DPA1*01:03/DPB1*04:01\nDQA1*05:01\n"},
    ]  # fmt: skip


def mutate_hla_text(text: str, rng: random.Random, case: Case) -> str:
    op = rng.choice(["token", "long_token", "sep", "table", "junk"])
    case.ops.append(f"hla:{op}")
    if op == "token":
        for old in ("29:02", "A*", "HLA-", "DRB1", "*", ":"):
            if old in text:
                return text.replace(old, rng.choice(["", "X", "99:99", "*:*", "**", "A*",
                                                     ":::", "-", "29:02:01:01:01"]), 1)
    if op == "long_token":
        token = rng.choice(["A*02:01", "HLA-", ":", "*"]) * rng.choice([5000, 20000])
        return text + "\n" + token[:60_000] + "\n"
    if op == "sep":
        return text.replace(rng.choice(["\t", ",", "\n", " "]), rng.choice([",", "\t", ";", "/"]))
    if op == "table":
        return mutate_table(text, TableShape("\t", 0, _rows_after_header, (), False), rng, case)
    return text + rng.choice(["\nnonsense", "\n{", "\n\t\t\t", "\nA\tB", "\n#only"])


def _hla_mutate(files, rng, case):
    files = dict(files)
    (name,) = files
    if rng.random() < 0.3:
        files[name] = mutate_bytes(files[name], rng, case)
    elif name.endswith(".json"):
        files[name] = mutate_json_hla(files[name].decode(), rng, case).encode()
    else:
        files[name] = mutate_hla_text(files[name].decode("utf-8", "replace"), rng, case).encode()
    return files


def mutate_json_hla(text: str, rng: random.Random, case: Case) -> str:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return text
    if not isinstance(data, dict) or not data:
        return text
    op = rng.choice(["value", "type", "key", "big", "nest"])
    case.ops.append(f"hla_json:{op}")
    key = rng.choice(list(data))
    if op == "value":
        data[key] = [rng.choice(["", "A*", "X*01:01", "A*99:99", "A" * 100, None, 3])]
    elif op == "type":
        data[key] = rng.choice([None, 3, "A*01:01", {"x": 1}])
    elif op == "key":
        data[rng.choice(["", "Z", "a", "DRB9"])] = data.pop(key)
    elif op == "big":
        return text[:-1] + ', "n": ' + "9" * 5000 + "}"
    elif op == "nest":
        return "{" + '"a": [' * 50_000 + "]" * 50_000 + "}"
    return json.dumps(data)


def _hla_warm() -> None:
    import mhcgnomes  # imported lazily by hla.py, for unusual spellings only

    mhcgnomes.parse("HLA-A0201")


def _hla_run(folder: Path):
    from vaxmix.variants.hla import read_hla_file

    (path,) = folder.iterdir()
    return read_hla_file(path)


def _hla_check(alleles, case: Case) -> str | None:
    one = r"[A-Z0-9]+\*\d{2,4}:\d{2,4}[A-Z]?"  # IPD-IMGT has 4-digit fields (A*02:1000)
    pattern = re.compile(rf"HLA-{one}(-{one})?$")
    for allele in alleles:
        if not pattern.match(allele):
            return f"allele read as {allele!r}"
    return None


# --- SDTM / ADaM (trial/io.py, analyze.py; issue 17) ------------------------------------------

TRIAL = TESTS / "trial/data/pharmaverse"


def _sdtm_seeds() -> list[dict[str, bytes]]:
    files = {}
    for sub in ("sdtm", "adam"):
        for path in sorted((TRIAL / sub).glob("*.csv")):
            files[f"{sub}/{path.name}"] = path.read_bytes()
    return [files]


def mutate_sdtm(files, rng, case):
    files = dict(files)
    name = rng.choice(sorted(files))
    case.ops.append(f"file:{name}")
    op = rng.random()
    if op < 0.1:  # header only
        files[name] = files[name].split(b"\n", 1)[0] + b"\n"
        case.ops.append("header_only")
    elif op < 0.15:
        del files[name]
        case.ops.append("missing")
    elif op < 0.3:
        files[name] = mutate_bytes(files[name], rng, case)
    else:
        text = files[name].decode("utf-8")
        shape = TableShape(",", 0, _rows_after_header, (), False)
        files[name] = mutate_table(text, shape, rng, case).encode("utf-8")
    return files


def _sdtm_run(folder: Path):
    from vaxmix.trial.analyze import analyze_trial

    return analyze_trial(folder / "sdtm", folder / "adam")


def _sdtm_summary(result) -> Any:
    return sorted(result.tables) if hasattr(result, "tables") else repr(result)[:200]


def _plain(result) -> Any:
    return result


def _records(result) -> Any:
    return [(r.identifier, r.sequence) for r in result]


def _mrna_summary(result) -> Any:
    return (result.name, result.protein, result.elements)


READERS: dict[str, Reader] = {
    "vcf": Reader("vcf", _vcf_seeds, _vcf_run, _vcf_summary, _vcf_mutate_text, _vcf_check,
                  owner_issue="issue 14 (vcf14)"),
    "vcf_gz": Reader("vcf_gz", _vcfgz_seeds, _vcf_run, _vcf_summary, _vcfgz_mutate, _vcf_check,
                     owner_issue="issue 14 (vcf14)"),
    "hla": Reader("hla", _hla_seeds, _hla_run, _plain, _hla_mutate, _hla_check,
                  owner_issue="issue 14 (allele14)", warm=_hla_warm),
    "expression_tsv": Reader("expression_tsv", _expression_seeds, _expression_run, _plain,
                             _expression_mutate, _expression_check),
    "plate_grid": Reader("plate_grid", _grid_seeds, _grid_run, _plate_summary,
                         _plate_mutator("grid.csv"), _plate_check_factory("grid.csv")),
    "plate_layout": Reader("plate_layout", _grid_seeds, _layout_run, _plate_summary,
                           _plate_mutator("layout.csv"), _plate_check_factory("grid.csv")),
    "tidy_plate": Reader("tidy_plate", _tidy_seeds, _tidy_run, _plate_summary, _tidy_mutate,
                         _plate_check_factory(None)),
    "virus_expression": Reader("virus_expression", _virus_expression_seeds,
                               _virus_expression_run, lambda r: r.tpm, _virus_expression_mutate,
                               _virus_expression_check),
    "sdtm": Reader("sdtm", _sdtm_seeds, _sdtm_run, _sdtm_summary, mutate_sdtm, timeout=30.0,
                   owner_issue="issue 17 (trial17)"),
    "peptide_fasta": Reader("peptide_fasta", _peptide_seeds, _peptide_run, _records,
                            _fasta_mutator, _peptide_check),
    "mrna_fasta": Reader("mrna_fasta", _mrna_seeds, _mrna_run, _mrna_summary, _fasta_mutator,
                         _mrna_check),
}


def make_case(reader: Reader, seeds: list[dict[str, bytes]], rng: random.Random) -> Case:
    """A mutated copy of one of ``seeds`` (the reader's own mutators, 1-3 rounds)."""
    index = rng.randrange(len(seeds))
    case = Case(files={}, seed=index)
    case.files = reader.mutate(dict(seeds[index]), rng, case)
    return case


# ---------------------------------------------------------------------------------------------
# worker process with a watchdog


def _judge(reader: Reader, case: Case, folder: Path, baselines: dict) -> Outcome:
    from vaxmix.common.errors import InputError

    try:
        result = reader.run(folder)
    except InputError as exc:
        text = str(exc)
        if "\n" in text or "\r" in text:
            return Outcome("uncaught", f"InputError message spans lines: {text[:300]!r}")
        return Outcome("input_error", text[:300])
    except Exception as exc:  # the contract: nothing but InputError
        frames = traceback.extract_tb(exc.__traceback__)
        where = next((f for f in reversed(frames) if "/vaxmix/" in f.filename), frames[-1])
        place = f"{Path(where.filename).name}:{where.lineno} in {where.name}"
        return Outcome("uncaught", f"{type(exc).__name__}: {str(exc)[:200]} @ {place}")
    must_reject = case.tags & MUST_REJECT
    if must_reject:
        return Outcome("silent", f"accepted a case tagged {sorted(must_reject)}")
    reason = reader.check(result, case)
    if reason:
        return Outcome("silent", reason)
    if case.ops and all(op in PRESERVING_OPS for op in case.ops):
        key = (reader.name, case.seed)
        if key not in baselines:
            with tempfile.TemporaryDirectory() as tmp:
                _write(Path(tmp), reader.seeds()[case.seed])
                baselines[key] = reader.summary(reader.run(Path(tmp)))
        if reader.summary(result) != baselines[key]:
            return Outcome("silent", f"{sorted(case.tags)} changed the result")
    return Outcome("ok")


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _worker(conn, stack_file: str) -> None:
    import faulthandler
    import signal
    import warnings

    # on SIGUSR1 (sent by the watchdog before it kills a hung case) write every thread's stack
    faulthandler.register(signal.SIGUSR1, file=open(stack_file, "w"), all_threads=True)
    warnings.simplefilter("ignore")
    os.environ.setdefault("MPLBACKEND", "Agg")
    baselines: dict = {}
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        name, case = message
        folder = Path(tempfile.mkdtemp(prefix="vaxmix-fuzz-"))
        try:
            _write(folder, case.files)
            outcome = _judge(READERS[name], case, folder, baselines)
        except BaseException as exc:  # report, never die silently
            outcome = Outcome("uncaught", f"harness: {type(exc).__name__}: {exc}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        conn.send(outcome)


def warm_up(names: list[str]) -> None:
    """Import and run each reader once on its first seed, in this process, before forking.

    A restarted worker is a fork of this process: without this, it would pay the readers'
    imports (mhcgnomes, cyvcf2, pandas, lifelines: several seconds on a loaded machine) inside
    the first case's time limit, and one hang would cascade into many false ones.
    """
    import warnings

    for name in names:
        reader = READERS[name]
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _write(Path(tmp), reader.seeds()[0])
            try:
                reader.warm()
                reader.run(Path(tmp))
            except Exception:  # the seed's own outcome is judged in the worker
                pass


class Runner:
    """Runs cases in a forked worker; a case past ``timeout`` seconds is a hang (worker killed).

    ``names``: the readers that will be run (warmed up before the worker is forked).
    """

    def __init__(self, names: list[str] | None = None) -> None:
        self._context = mp.get_context("fork")
        warm_up(list(READERS) if names is None else names)
        self._start()

    def _start(self) -> None:
        self._conn, child = self._context.Pipe()
        handle, self._stack_file = tempfile.mkstemp(prefix="vaxmix-fuzz-stack-")
        os.close(handle)
        self._process = self._context.Process(
            target=_worker, args=(child, self._stack_file), daemon=True
        )
        self._process.start()
        child.close()

    def _hung_at(self) -> str:
        """Innermost vaxmix (else any) frame of the hung worker, from its faulthandler dump."""
        import signal
        import time

        try:
            os.kill(self._process.pid, signal.SIGUSR1)
            time.sleep(0.3)
            lines = Path(self._stack_file).read_text().splitlines()
        except OSError:
            return ""
        frames = [line.strip() for line in lines if line.strip().startswith("File ")]
        ours = [f for f in frames if "/vaxmix/" in f]
        return (ours or frames or [""])[0]

    def run(self, name: str, case: Case, timeout: float | None = None) -> Outcome:
        limit = READERS[name].timeout if timeout is None else timeout
        try:
            self._conn.send((name, case))
            if self._conn.poll(limit):
                return self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            self._restart()
            return Outcome("uncaught", "worker died (crash in native code?)")
        where = self._hung_at()
        self._restart()
        return Outcome("hang", f"no answer within {limit:g} s @ {where}")

    def _restart(self) -> None:
        self._process.kill()
        self._process.join()
        self._conn.close()
        Path(self._stack_file).unlink(missing_ok=True)
        self._start()

    def close(self) -> None:
        try:
            self._conn.send(None)
        except OSError:
            pass
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        Path(self._stack_file).unlink(missing_ok=True)
