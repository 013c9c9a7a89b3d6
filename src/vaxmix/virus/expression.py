"""Read a tumor gene-expression table (TPM) and map its genes onto current HGNC symbols.

Accepted shapes (tab- or comma-separated, detected from the file name and header):

* a plain table with a gene column (``gene``, ``gene_name``, ``symbol``, ``gene_id``, …) and a
  ``TPM`` column;
* StringTie ``-A`` gene abundance (``Gene ID``, ``Gene Name``, …, ``TPM``);
* RSEM ``*.genes.results`` (``gene_id``, …, ``TPM``);
* kallisto/salmon transcript tables (``target_id``/``Name`` + ``tpm``/``TPM``) whose transcript
  names are GENCODE FASTA headers (``ENST…|ENSG…|…|…|TX-NAME|GENE-NAME|…``): transcripts are
  summed per gene, as tximport does for abundance.

Rows whose gene cannot be resolved are not errors (a whole-transcriptome table holds ~60,000
genes; the stage scores ~50): they are counted, and the scoring genes that the table lacks are
reported. A table in which *none* of the scoring genes can be found is an error, because it
almost always means the wrong column or another species.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.common.textio import read_delimited, read_text
from vaxmix.virus.genes import GeneTable, load_gene_table

__all__ = ["ExpressionProfile", "read_expression"]

_GENE_COLUMNS = (
    "gene_name",
    "Gene Name",
    "gene_symbol",
    "symbol",
    "Symbol",
    "gene",
    "Gene",
    "gene_id",
    "Gene ID",
    "target_id",
    "Name",
)
_VALUE_COLUMNS = ("TPM", "tpm", "Tpm")


@dataclass(frozen=True)
class ExpressionProfile:
    """TPM per current HGNC symbol for the genes the virus stage knows.

    Attributes
    ----------
    tpm
        HGNC symbol → TPM (summed over rows that map to the same gene).
    path
        The file read.
    gene_columns
        Columns used to identify genes (first that resolves wins, row by row).
    value_column
        The TPM column.
    n_rows
        Data rows in the file.
    n_unresolved
        Rows whose gene is not in the shipped gene table (ignored).
    """

    tpm: dict[str, float]
    path: str
    gene_columns: tuple[str, ...]
    value_column: str
    n_rows: int
    n_unresolved: int
    renamed: dict[str, str] = field(default_factory=dict)

    def get(self, symbol: str) -> float | None:
        """TPM of ``symbol``, or ``None`` when the table does not have the gene."""
        return self.tpm.get(symbol)


def _separator(path: Path, first_line: str) -> str:
    if path.suffix.lower() == ".csv" or (first_line.count(",") > first_line.count("\t")):
        return ","
    return "\t"


def _gencode_gene_name(identifier: str) -> str:
    parts = identifier.split("|")
    return parts[5] if len(parts) >= 6 else identifier


def read_expression(
    path: str | Path,
    gene_column: str | None = None,
    value_column: str | None = None,
    genes: GeneTable | None = None,
) -> ExpressionProfile:
    """Read a gene (or GENCODE-named transcript) TPM table.

    Parameters
    ----------
    path
        TSV or CSV file.
    gene_column, value_column
        Override the detected gene-identifier and TPM columns.
    genes
        Gene table used for resolution (the shipped one by default).

    Raises
    ------
    InputError
        Unreadable file, missing columns, non-numeric, negative or non-finite TPM (naming the
        line), or no scoring gene found at all.
    """
    genes = genes or load_gene_table()
    path = Path(path)
    text = read_text(path, "expression table")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not first_line:
        raise InputError("expression table is empty", path=path, line=1)
    sep = _separator(path, first_line)
    parsed = read_delimited(path, "expression table", sep=sep, text=text)
    table = parsed.frame()
    if gene_column is not None:
        if gene_column not in table.columns:
            raise InputError("gene column not found in header", path, 1, gene_column)
        id_columns: tuple[str, ...] = (gene_column,)
    else:
        id_columns = tuple(c for c in _GENE_COLUMNS if c in table.columns)
        if not id_columns:
            raise InputError(
                f"no gene column (looked for {', '.join(_GENE_COLUMNS)}); use --gene-column",
                path,
                1,
            )
    if value_column is None:
        value_column = next((c for c in _VALUE_COLUMNS if c in table.columns), None)
        if value_column is None:
            raise InputError("no TPM column (TPM/tpm); use --tpm-column", path, 1)
    elif value_column not in table.columns:
        raise InputError("TPM column not found in header", path, 1, value_column)

    values = pd.to_numeric(table[value_column].str.strip(), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raw = table[value_column].iloc[row]
        what = "negative" if np.isfinite(values[row]) else "not a finite number"
        raise InputError(f"TPM {raw!r} is {what}", path, parsed.lines[row], value_column)

    resolved = pd.Series([None] * len(table), dtype=object)
    for column in id_columns:
        ids = table[column].astype(str)
        if column in ("target_id", "Name"):
            ids = ids.map(_gencode_gene_name)
        todo = resolved.isna()
        resolved[todo] = ids[todo].map(genes.resolve)
    known = resolved.notna().to_numpy()
    if not known.any():
        raise InputError(
            "none of the genes the virus stage scores (e.g. ICAM1, PVR, CXADR, STAT1) was found: "
            f"check the gene column ({', '.join(id_columns)}) holds human HGNC symbols or "
            "Ensembl gene IDs",
            path,
            field=id_columns[0],
        )
    summed = pd.Series(values[known]).groupby(resolved[known].to_numpy()).sum()
    renamed = {}
    first_id = table[id_columns[0]].astype(str)
    for raw_id, symbol in zip(first_id[known], resolved[known], strict=True):
        if raw_id.upper() != symbol and not raw_id.upper().startswith("ENSG") and "|" not in raw_id:
            renamed[raw_id] = symbol
    return ExpressionProfile(
        tpm={str(k): float(v) for k, v in summed.items() if math.isfinite(v)},
        path=str(path),
        gene_columns=id_columns,
        value_column=value_column,
        n_rows=len(table),
        n_unresolved=int((~known).sum()),
        renamed=renamed,
    )
