"""Every table a vaxmix run folder holds, declared once: columns (header name as written,
snake_case key, dtype, required-for-readers, meaning) and the table's path in the folder.

* :mod:`.epitopes`: ``vaxmix run``'s SNV/indel tables (class I in the folder, ``MHC_Class_II/``,
  ``combined/``), pVACseq's names; :func:`binding_columns` is the one binding-metric rule.
* :mod:`.fusions`: ``fusions/`` (pVACfuse's names).
* :mod:`.design`: ``vaxmix design``'s ``vaccine/``, ``mrna/``, ``virus/`` tables.

tests/common/test_schema_parity.py runs every writer and checks its header against
:meth:`Table.header`, and builds each reader's input from the declaration alone.
"""

from __future__ import annotations

from vaxmix.common.schemas.core import (
    BOOL,
    FLOAT,
    INT,
    STR,
    Column,
    ColumnGroup,
    Table,
    read_header,
    require_columns,
    snake_case,
)
from vaxmix.common.schemas.design import design_tables
from vaxmix.common.schemas.epitopes import (
    BINDING_METRICS,
    CLASS2_FOLDER,
    COMBINED_FOLDER,
    DEFAULT_METRIC,
    binding_columns,
    combined_header,
    epitope_tables,
)
from vaxmix.common.schemas.fusions import FUSION_FOLDER, fusion_binding_columns, fusion_tables

__all__ = [
    "AGGREGATED",
    "ALL_EPITOPES",
    "BINDING_METRICS",
    "BOOL",
    "CLASS2_FOLDER",
    "COMBINED_FOLDER",
    "DEFAULT_METRIC",
    "FLOAT",
    "FUSIONS",
    "FUSION_AGGREGATED",
    "FUSION_EPITOPES",
    "FUSION_FOLDER",
    "INT",
    "REFERENCE_MATCHES",
    "STR",
    "TABLES",
    "VARIANTS",
    "Column",
    "ColumnGroup",
    "Table",
    "binding_columns",
    "combined_header",
    "fusion_binding_columns",
    "read_header",
    "require_columns",
    "run_metric",
    "snake_case",
]

#: Every table of a run folder, by name (its path without ``.tsv``).
TABLES: dict[str, Table] = {**epitope_tables(), **fusion_tables(), **design_tables()}

VARIANTS = TABLES["variants"]
ALL_EPITOPES = TABLES["all_epitopes"]  # also filtered, MHC_Class_II/ and combined/ (same columns)
AGGREGATED = TABLES["aggregated"]
REFERENCE_MATCHES = TABLES["reference_matches"]
FUSIONS = TABLES["fusions/fusions"]
FUSION_EPITOPES = TABLES["fusions/MHC_Class_I/all_epitopes"]
FUSION_AGGREGATED = TABLES["fusions/MHC_Class_I/aggregated"]


def run_metric(parameters: dict | None) -> str:
    """The binding metric of a run from its ``run.json`` parameters
    (``parameters.ranking.top_score_metric``, ``vaxmix run --top-score-metric``), else
    pVACseq's default ``median`` (a pVACseq result folder has no run.json)."""
    ranking = parameters.get("ranking") if isinstance(parameters, dict) else None
    metric = ranking.get("top_score_metric") if isinstance(ranking, dict) else None
    return metric if metric in BINDING_METRICS else DEFAULT_METRIC
