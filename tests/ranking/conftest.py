"""Shared test inputs of the ranking stage."""

from __future__ import annotations

from collections.abc import Callable

import pytest

#: An aggregated row that passes every tier test (pVACseq column names, text cells).
PASSING_ROW = {
    "IC50 MT": "100", "IC50 WT": "5000", "IC50 %ile MT": "NA", "IM %ile MT": "NA",
    "Pres %ile MT": "0.5", "Allele Expr": "10", "RNA Expr": "20", "RNA VAF": "0.5",
    "RNA Depth": "50", "DNA VAF": "0.4", "MANE Select": "True", "Canonical": "True", "TSL": "1",
    "Pos": "5", "Best Peptide": "AAAAAAAAA", "Prob Pos": "None",
}  # fmt: skip


@pytest.fixture
def aggregated_row() -> Callable[..., dict[str, str]]:
    """``aggregated_row(**changes)``: the passing row with some cells changed."""

    def make(**changes: str) -> dict[str, str]:
        return {**PASSING_ROW, **changes}

    return make
