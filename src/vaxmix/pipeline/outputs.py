"""Write result tables as TSV (pVACseq-style text: ``NA`` for missing) plus Parquet.

Numbers are written in their shortest round-trip form (``0`` rather than pVACseq's ``0.0``);
text cells are written as they are.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

__all__ = ["INTEGER_COLUMNS", "write_json", "write_table"]

#: Columns that hold whole numbers (nullable, so they print ``10`` rather than ``10.0``).
INTEGER_COLUMNS: tuple[str, ...] = (
    "Peptide Length", "Sub-peptide Position", "Tumor DNA Depth", "Tumor RNA Depth",
    "Normal Depth",
)  # fmt: skip


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in INTEGER_COLUMNS:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").round().astype("Int64")
    return out


def write_table(frame: pd.DataFrame, folder: Path, stem: str) -> list[Path]:
    """Write ``stem.tsv`` and ``stem.parquet`` into ``folder``; return their paths."""
    out = _prepare(frame)
    tsv = folder / f"{stem}.tsv"
    arrow_ready = out.copy()
    for column in arrow_ready.columns:
        if arrow_ready[column].dtype == object:  # text, or mixed text/NaN/int: store as text
            arrow_ready[column] = arrow_ready[column].astype("string")
    table = pa.Table.from_pandas(arrow_ready, preserve_index=False)
    text_table = table
    for i, arrow_field in enumerate(table.schema):
        if pa.types.is_boolean(arrow_field.type):  # pVACseq's True/False (Arrow: true/false)
            text = pc.if_else(table.column(i), "True", "False")
            text_table = text_table.set_column(i, arrow_field.name, text)
    options = pa_csv.WriteOptions(delimiter="\t", null_string="NA", quoting_style="none",
                                  quoting_header="none")  # fmt: skip
    try:  # Arrow's writer is ~10× faster than pandas; it refuses cells with tabs/newlines
        pa_csv.write_csv(text_table, tsv, options)
    except pa.ArrowInvalid:
        out.to_csv(tsv, sep="\t", index=False, na_rep="NA")
    parquet = folder / f"{stem}.parquet"
    pq.write_table(table, parquet)
    return [tsv, parquet]


def write_json(data: dict, path: Path) -> Path:
    """Pretty JSON with a trailing newline."""
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
    return path
