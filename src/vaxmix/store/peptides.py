"""A candidate's predicted peptides, read from its run folder for the candidate page.

The registry keeps one row per candidate (the aggregated table's best peptide); a reviewer also
wants the other peptides of the variant (each length and allele, with MT and WT predictions), as
in pVACview's per-variant peptide table. They are read on demand from the run folder's
``all_epitopes.tsv`` (``MHC_Class_II/all_epitopes.tsv`` for class II), streamed row by row so
that a large table is never held in memory, keeping the candidate's ``Index`` rows only.
"""

from __future__ import annotations

import csv
import heapq
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaxmix.common.schemas import DEFAULT_METRIC, fusion_binding_columns
from vaxmix.report.loaders import NUMERIC_EPITOPE_FIELDS, epitope_fields, to_number

__all__ = ["PeptideTable", "candidate_peptides"]

SHOWN = 25  # best peptides by MT IC50 (pVACseq's aggregate inclusion limit is 15)


@dataclass
class PeptideTable:
    """The best ``rows`` of a candidate (by MT IC50), how many there are, and from where."""

    source: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    note: str = ""
    ic50_column: str = ""  # the table's column read as MT IC50 (median or best method)
    percentile_column: str = ""


def candidate_peptides(
    run_path: str | Path, mhc_class: str, index_key: str, limit: int = SHOWN, kind: str = "",
    metric: str = DEFAULT_METRIC,
) -> PeptideTable:
    """Peptides of the candidate ``index_key`` (its ``Index``) in the run folder's table.

    A gene-fusion candidate (``kind`` "fusion") reads ``fusions/MHC_Class_I|II/all_epitopes.tsv``
    (pVACfuse's columns: ``Epitope Seq``, ``Median IC50 Score``...; no WT peptide). MT IC50 and
    percentile follow ``metric`` (:func:`vaxmix.common.schemas.binding_columns`; pVACseq's
    default median, the column the vaccine and the report read)."""
    if kind == "fusion":
        relative = f"fusions/MHC_Class_{mhc_class}/all_epitopes.tsv"
    else:
        relative = "all_epitopes.tsv" if mhc_class == "I" else "MHC_Class_II/all_epitopes.tsv"
    path = Path(run_path) / relative
    table = PeptideTable(source=relative)
    if not path.is_file():
        table.note = f"the run folder has no {relative}"
        return table
    best: list[tuple[float, int, dict[str, Any]]] = []
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle, delimiter="\t")
            header = next(reader, [])
            fields = (fusion_epitope_fields(metric) if kind == "fusion"
                      else epitope_fields(metric))  # fmt: skip
            columns = _columns(header, fields)
            table.ic50_column = header[columns["mt_ic50"]] if "mt_ic50" in columns else ""
            table.percentile_column = (
                header[columns["mt_percentile"]] if "mt_percentile" in columns else ""
            )
            if "variant_index" not in columns:
                table.note = f"{relative} has no Index column"
                return table
            at = columns["variant_index"]
            for n, row in enumerate(reader):
                if len(row) <= at or row[at] != index_key:
                    continue
                record = {
                    key: _value(key, row[i] if i < len(row) else "") for key, i in columns.items()
                }
                table.total += 1
                ic50 = record.get("mt_ic50")
                item = (-(ic50 if ic50 is not None else float("inf")), -n, record)
                if len(best) < limit:
                    heapq.heappush(best, item)
                else:
                    heapq.heappushpop(best, item)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        table.note = f"{relative} could not be read: {exc}"
        return table
    table.rows = [record for _, _, record in sorted(best, key=lambda t: (-t[0], -t[1]))]
    return table


def fusion_epitope_fields(metric: str = DEFAULT_METRIC) -> dict[str, str]:
    """Candidate-page field -> pVACfuse all_epitopes column (vaxmix.common.schemas.fusions)."""
    binding = fusion_binding_columns(metric)
    return {
        "variant_index": "Index",
        "allele": "HLA Allele",
        "peptide": "Epitope Seq",
        "mt_ic50": binding["mt_ic50"],
        "mt_percentile": binding["mt_percentile"],
        "mutation_position": "Junction Position",
    }


def _columns(header: list[str], fields: dict[str, str]) -> dict[str, int]:
    """Field -> column number, for the fields whose column the header has."""
    where = {name: i for i, name in enumerate(header)}
    return {key: where[name] for key, name in fields.items() if name in where}


def _value(key: str, raw: str) -> Any:
    return to_number(raw) if key in NUMERIC_EPITOPE_FIELDS else raw
