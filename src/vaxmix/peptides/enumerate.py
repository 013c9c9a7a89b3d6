"""Enumerate candidate neoepitopes: every mutant k-mer that carries the change, with its WT pair."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from vaxmix.peptides.pairing import pair_kmers
from vaxmix.peptides.windows import WindowSkip, build_window

__all__ = ["EPITOPE_COLUMNS", "EnumerationResult", "enumerate_epitopes"]

#: Columns of the candidate table; ``Index`` joins it to the parsed-VCF table's ``index``.
EPITOPE_COLUMNS: tuple[str, ...] = (
    "Index",
    "Peptide Length",
    "Sub-peptide Position",
    "Mutation Position",
    "MT Epitope Seq",
    "WT Epitope Seq",
)


@dataclass
class EnumerationResult:
    """Candidates (one row per index × length × mutant k-mer) and why rows gave none."""

    table: pd.DataFrame
    skipped: Counter = field(default_factory=Counter)


def enumerate_epitopes(
    variants: pd.DataFrame, lengths: tuple[int, ...], downstream_length: int | None = 1000
) -> EnumerationResult:
    """All candidate k-mers of the parsed-VCF table ``variants`` for each of ``lengths``.

    Rows are in variant-table order, then length, then sub-peptide position. ``Mutation
    Position`` is the 1-based positions that differ from the WT peptide (``"2, 3"``) or ``NA``;
    ``WT Epitope Seq`` is ``NA`` when no wild-type k-mer pairs with the mutant one.
    """
    records: list[tuple] = []
    skipped: Counter = Counter()
    columns = ["index", "variant_type", "protein_position", "amino_acid_change",
               "wildtype_amino_acid_sequence", "frameshift_amino_acid_sequence"]  # fmt: skip
    for index, vtype, position, change, wildtype, frameshift in variants[columns].itertuples(
        index=False, name=None
    ):
        produced = False
        for length in lengths:
            window = build_window(
                vtype, position, change, wildtype, frameshift or "", length, downstream_length
            )
            if isinstance(window, WindowSkip):
                skipped[f"length {length}: {window.reason}"] += 1
                continue
            for pair in pair_kmers(window, length):
                produced = True
                mutation = (
                    "NA"
                    if pair.mutation_positions is None
                    else ", ".join(str(p) for p in pair.mutation_positions)
                )
                records.append(
                    (index, length, pair.position, mutation, pair.mutant, pair.wildtype or "NA")
                )
        if not produced:
            skipped["variant × transcript without any peptide"] += 1
    table = pd.DataFrame.from_records(records, columns=list(EPITOPE_COLUMNS))
    return EnumerationResult(table=table, skipped=skipped)
