"""Codon usage, the codon adaptation index and the synonymous-codon lattice of a protein.

CAI is the geometric mean of the relative adaptiveness ``w = f / f_max`` of every codon (Sharp &
Li, NAR 1987;15:1281), computed over all codons of the CDS without its stop codon (LinearDesign's
convention, so figures compare). The default table is the Kazusa human table shipped by
``python-codon-tables`` as ``h_sapiens_9606`` (CC0; Nakamura et al., NAR 2000;28:292).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["CodonLattice", "CodonTable", "cai", "codon_lattice", "load_codon_table", "translate"]


@dataclass(frozen=True)
class CodonTable:
    """Synonymous codons (RNA alphabet) and their relative adaptiveness, per amino acid."""

    name: str
    codons: dict[str, tuple[str, ...]]
    weight: dict[str, float]


def load_codon_table(name: str = "h_sapiens_9606", min_weight: float = 0.0) -> CodonTable:
    """Load a ``python-codon-tables`` table (offline) as a :class:`CodonTable`.

    Parameters
    ----------
    name
        Table name known to ``python_codon_tables`` (e.g. ``h_sapiens_9606``).
    min_weight
        Drop codons with relative adaptiveness below this value from the design lattice
        (never the most frequent codon); 0 keeps every codon. CAI still uses every codon.
    """
    import python_codon_tables

    try:
        raw = python_codon_tables.get_codons_table(name)
    except Exception as exc:  # the library raises plain errors for unknown names
        from vaxmix.common.errors import ConfigError

        raise ConfigError(f"unknown codon table {name!r}: {exc}", field="codon_table") from exc
    codons: dict[str, tuple[str, ...]] = {}
    weight: dict[str, float] = {}
    for aa, freqs in raw.items():
        best = max(freqs.values())
        kept = []
        for codon, freq in sorted(freqs.items()):
            rna = codon.upper().replace("T", "U")
            w = freq / best if best > 0 else 0.0
            weight[rna] = w
            if w >= min_weight or freq == best:
                kept.append(rna)
        codons[aa] = tuple(kept)
    return CodonTable(name=name, codons=codons, weight=weight)


def cai(cds: str, table: CodonTable) -> float:
    """Codon adaptation index of a CDS (RNA or DNA), stop codons excluded.

    Codons with zero weight would make CAI zero; they are floored at 1e-6 as is customary.
    """
    rna = cds.upper().replace("T", "U")
    stops = set(table.codons.get("*", ()))
    logs = []
    for k in range(0, len(rna) - len(rna) % 3, 3):
        codon = rna[k : k + 3]
        if codon in stops:
            continue
        logs.append(math.log(max(table.weight.get(codon, 0.0), 1e-6)))
    return math.exp(sum(logs) / len(logs)) if logs else float("nan")


def translate(cds: str) -> str:
    """Translate an RNA/DNA CDS with the standard code (Biopython), stops as ``*``."""
    from Bio.Seq import Seq

    dna = cds.upper().replace("U", "T")
    return str(Seq(dna[: len(dna) - len(dna) % 3]).translate())


@dataclass
class CodonLattice:
    """Per-codon synonymous choices of a protein, as arrays for the design search."""

    protein: str
    choices: list[tuple[str, ...]]
    log_w: list[np.ndarray]


def codon_lattice(protein: str, table: CodonTable) -> CodonLattice:
    """Synonymous codon choices of every residue, most adapted first (ties by name)."""
    choices = []
    log_w = []
    for aa in protein:
        opts = sorted(table.codons[aa], key=lambda c: (-table.weight[c], c))
        choices.append(tuple(opts))
        log_w.append(np.array([math.log(max(table.weight[c], 1e-6)) for c in opts]))
    return CodonLattice(protein=protein, choices=choices, log_w=log_w)
