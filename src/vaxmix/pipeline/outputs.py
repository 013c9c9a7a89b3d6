"""Write result tables as TSV (pVACseq-style text: ``NA`` for missing) plus Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

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
    out.replace([np.inf], "inf").to_csv(tsv, sep="\t", index=False, na_rep="NA")
    parquet = folder / f"{stem}.parquet"
    arrow_ready = out.copy()
    for column in arrow_ready.columns:
        if arrow_ready[column].dtype == object:
            arrow_ready[column] = arrow_ready[column].map(
                lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
            )
    arrow_ready.to_parquet(parquet, index=False)
    return [tsv, parquet]


def write_json(data: dict, path: Path) -> Path:
    """Pretty JSON with a trailing newline."""
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
    return path
