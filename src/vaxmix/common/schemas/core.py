"""The building blocks of the declared run-folder tables: a column, a column group, a table.

Modelled on mhctools' ``COLUMNS`` (one declared column list per output) plus a parity test
(tests/common/test_schema_parity.py) that runs every writer and compares its header with the
declaration. Header names are exactly what the writers emit today: pVACseq's / pVACfuse's names
where vaxmix keeps a pVACseq table (so pVACview and pVACseq users read vaxmix output unchanged),
vaxmix's own snake_case names elsewhere. Every column also has one snake_case ``key``: the name
the Python side uses for it (``Index`` is ``variant_index`` everywhere).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vaxmix.common.errors import InputError

__all__ = [
    "BOOL",
    "FLOAT",
    "INT",
    "STR",
    "Column",
    "ColumnGroup",
    "Table",
    "read_header",
    "require_columns",
    "snake_case",
]

STR, INT, FLOAT, BOOL = "str", "int", "float", "bool"
_DTYPES = frozenset({STR, INT, FLOAT, BOOL})


def snake_case(name: str) -> str:
    """``"Best MT IC50 Score"`` -> ``"best_mt_ic50_score"``; ``"%ile MT"`` -> ``"pct_mt"``."""
    text = name.replace("%ile", "pct").replace("%", "pct")
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


@dataclass(frozen=True)
class Column:
    """One column: its header (``name``), snake_case ``key``, dtype and meaning.

    ``required``: readers refuse a table without it (:class:`InputError` naming file and column).
    ``when``: empty when the writer always emits it; otherwise the option that adds it
    (``"core"``, ``"reference_proteome"``, ...), see :meth:`Table.header`.
    ``origin``: ``"pvacseq"`` when pVACseq/pVACfuse write the same column with the same meaning,
    ``"vaxmix"`` for vaxmix's own additions.
    """

    name: str
    dtype: str
    meaning: str
    key: str = ""
    required: bool = False
    when: str = ""
    origin: str = "pvacseq"

    def __post_init__(self) -> None:
        if self.dtype not in _DTYPES:
            raise ValueError(f"unknown dtype {self.dtype!r} of column {self.name!r}")
        if not self.key:
            object.__setattr__(self, "key", snake_case(self.name))


@dataclass(frozen=True)
class ColumnGroup:
    """Columns repeated once per model or allele, e.g. ``"{model} MT IC50 Score"``.

    ``over`` names the :meth:`Table.header` argument that lists the values (``"models"`` or
    ``"alleles"``); ``{value}`` in each template column's name is replaced by each value.
    """

    over: str
    columns: tuple[Column, ...]
    when: str = ""

    def expand(self, values: Sequence[str]) -> list[Column]:
        out = []
        for value in values:
            for column in self.columns:
                name = column.name.replace("{value}", value)
                out.append(Column(name, column.dtype, column.meaning,
                                  key=column.key.replace("value", snake_case(value)),
                                  origin=column.origin))  # fmt: skip
        return out


@dataclass(frozen=True)
class Table:
    """One table of the run folder: its path inside the folder and its ordered columns.

    Every table is written as ``<path>`` (TSV, ``NA`` for missing) and, for the tables of
    ``vaxmix run``, also as its Parquet twin (same columns, same order).
    """

    name: str
    path: str
    columns: tuple[Column | ColumnGroup, ...]
    writer: str
    parquet: bool = False
    meaning: str = ""
    readers: tuple[str, ...] = field(default_factory=tuple)

    def fixed(self) -> tuple[Column, ...]:
        """The declared columns that are not per model / per allele."""
        return tuple(c for c in self.columns if isinstance(c, Column))

    def column(self, name: str) -> Column:
        for column in self.fixed():
            if column.name == name:
                return column
        raise KeyError(f"{self.name}: no declared column {name!r}")

    def key(self, name: str) -> str:
        """The snake_case name of header ``name``."""
        return self.column(name).key

    def name_of(self, key: str) -> str:
        """The header of snake_case ``key``."""
        for column in self.fixed():
            if column.key == key:
                return column.name
        raise KeyError(f"{self.name}: no declared column with key {key!r}")

    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.fixed() if c.required)

    def columns_for(self, models: Sequence[str] = (), alleles: Sequence[str] = (),
                    options: Iterable[str] = ()) -> list[Column]:  # fmt: skip
        """The columns a writer emits, in order, for these models, alleles and options."""
        present = set(options)
        values = {"models": list(models), "alleles": list(alleles)}
        out: list[Column] = []
        for item in self.columns:
            if item.when and item.when not in present:
                continue
            if isinstance(item, ColumnGroup):
                out.extend(item.expand(values[item.over]))
            else:
                out.append(item)
        return out

    def header(self, models: Sequence[str] = (), alleles: Sequence[str] = (),
               options: Iterable[str] = ()) -> list[str]:  # fmt: skip
        """The header a writer emits, in order (see :meth:`columns_for`)."""
        return [c.name for c in self.columns_for(models, alleles, options)]

    def example_row(self, models: Sequence[str] = (), alleles: Sequence[str] = (),
                    options: Iterable[str] = ()) -> dict[str, object]:  # fmt: skip
        """One row of typed placeholder values (for reader tests built from the schema)."""
        values = {STR: "x", INT: 1, FLOAT: 1.5, BOOL: "False"}
        return {c.name: values[c.dtype] for c in self.columns_for(models, alleles, options)}


def read_header(path: Path) -> list[str]:
    """The first line of a TSV, split on tabs (an empty file has no columns)."""
    try:
        with open(path, encoding="utf-8") as handle:
            line = handle.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the table: {exc}", path=path) from exc
    line = line.rstrip("\n\r")
    return line.split("\t") if line else []


def require_columns(header: Iterable[str], names: Iterable[str], path: Path | str) -> None:
    """:class:`InputError` (file, line 1, the column) for the first of ``names`` not in
    ``header``."""
    present = set(header)
    for name in names:
        if name not in present:
            raise InputError(f"required column {name!r} is missing", path=path, line=1,
                             field=name)  # fmt: skip
