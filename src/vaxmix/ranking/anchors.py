"""Anchor positions of a class I peptide: pVACseq's defaults or allele-specific ones.

A mutation that sits only at anchor positions changes how the peptide binds rather than what a
T cell sees, so when the wild-type peptide binds too the candidate is demoted (pVACseq's
"Anchor" tier and best-peptide step). The default anchors are positions 1, 2, n−1 and n.
With ``allele_specific_anchors`` an allele's anchors are its positions taken by decreasing
predicted contribution to binding until their sum exceeds ``anchor_contribution_threshold``
(0.8), the rule of pVACseq 7.1.5 (``AnchorResiduePass.get_anchor_positions``) on the anchor
predictions of Xia H et al., Sci Immunol 2023;8:eabg2200, shipped in
``vaxmix/ranking/data/anchor_contributions.tsv`` (see its README). Alleles or lengths without
a prediction keep the default anchors.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

__all__ = ["anchor_positions", "anchor_table"]

_TABLE = "anchor_contributions.tsv"


@lru_cache(maxsize=1)
def anchor_table() -> dict[tuple[str, int], tuple[float, ...]]:
    """``{(allele, length): contribution of positions 1..length}`` from the shipped table."""
    text = resources.files("vaxmix.ranking").joinpath("data", _TABLE).read_text()
    table: dict[tuple[str, int], tuple[float, ...]] = {}
    for row in csv.DictReader(text.splitlines(), delimiter="\t"):
        length = int(row["length"])
        table[(row["allele"], length)] = tuple(
            float(row[str(position)]) for position in range(1, length + 1)
        )
    return table


@lru_cache(maxsize=4096)
def anchor_positions(
    allele: str, length: int, allele_specific: bool = False, threshold: float = 0.8
) -> frozenset[int]:
    """1-based anchor positions of a ``length``-residue peptide on ``allele``.

    ``allele`` is a normalized name (``HLA-A*02:01``); the short ``A*02:01`` of pVACseq's
    aggregated report is accepted too.
    """
    default = frozenset({1, 2, length - 1, length})
    if not allele_specific:
        return default
    name = allele if allele.startswith("HLA-") else f"HLA-{allele}"
    contributions = anchor_table().get((name, length))
    if contributions is None:
        return default
    chosen: list[int] = []
    total = 0.0
    order = sorted(range(length), key=lambda i: contributions[i], reverse=True)
    for index in order:
        total += contributions[index]
        chosen.append(index + 1)
        if total > threshold:
            return frozenset(chosen)
    return default  # the contributions never exceed the threshold (pVACseq falls back too)
