"""Constraint repair by local synonymous-codon search, verified by the full check each step.

After the lattice DP, any remaining violation that overlaps the CDS is fixed one at a time: every
single-codon swap (then every swap of two codons) inside the violating span is tried; a swap is
accepted only if the full :func:`vaxmix.mrna.constraints.check_sequence` finds strictly fewer
CDS violations, and among those the swap with the smallest loss is taken — loss = change of the
ViennaRNA energy (d0) of the DP structure (pairs that a swap breaks are opened) plus λ times the
change of ``−ln w``. A violation that no swap improves is reported as unfixable with its position.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vaxmix.mrna.codons import CodonLattice
from vaxmix.mrna.constraints import ConstraintConfig, Violation, check_sequence

__all__ = ["RepairResult", "repair_codons"]

_CANONICAL = {("A", "U"), ("U", "A"), ("G", "C"), ("C", "G"), ("G", "U"), ("U", "G")}


@dataclass
class RepairResult:
    """Repaired codon states, swaps made and violations left (with positions)."""

    states: list[int]
    swaps: int
    unfixable: list[Violation]


def _structure(seq: str, pairs: np.ndarray) -> str:
    """Dot-bracket of ``pairs`` on ``seq``, opening pairs that are no longer canonical."""
    chars = ["."] * len(seq)
    for i, j in enumerate(pairs[: len(seq)]):
        if i < j < len(seq) and (seq[i], seq[j]) in _CANONICAL:
            chars[i] = "("
            chars[j] = ")"
    return "".join(chars)


def _energy(seq: str, pairs: np.ndarray) -> float:
    import RNA

    md = RNA.md()
    md.dangles = 0
    fc = RNA.fold_compound(seq, md, RNA.OPTION_EVAL_ONLY)
    return float(fc.eval_structure(_structure(seq, pairs)))


def repair_codons(
    states: list[int],
    lattice: CodonLattice,
    assemble: Callable[[list[int]], str],
    cds_start: int,
    cds_end: int,
    tail_start: int,
    pairs: np.ndarray,
    cai_weight: float,
    config: ConstraintConfig,
    max_steps: int = 600,
) -> RepairResult:
    """Remove CDS violations by the smallest-loss synonymous swaps (see module docstring).

    Parameters
    ----------
    states
        Chosen codon index per residue (changed copies are returned).
    lattice
        Synonymous choices and their ``ln w``.
    assemble
        Builds the full RNA transcript from codon states.
    cds_start, cds_end, tail_start
        0-based CDS span (stop codons included) and poly(A) start in the transcript.
    pairs
        Pair table of the DP structure over the transcript (−1 unpaired).
    cai_weight
        λ, as used by the DP.
    config
        Constraints.
    max_steps
        Upper bound on accepted swaps.
    """
    states = list(states)
    n_codons = len(states)

    def violations(st: list[int]) -> list[Violation]:
        return [v for v in check_sequence(assemble(st), cds_start, cds_end, config, tail_start)
                if v.in_cds]

    def loss(st: list[int]) -> float:
        seq = assemble(st)[:tail_start]
        cai_term = -sum(lattice.log_w[k][s] for k, s in enumerate(st))
        return _energy(seq, pairs) + cai_weight * cai_term

    current = violations(states)
    unfixable: list[Violation] = []
    skipped: set[tuple[str, int]] = set()
    swaps = 0
    while current and swaps < max_steps:
        pending = [v for v in current if (v.constraint, v.start) not in skipped]
        if not pending:
            break
        target = pending[0]
        first = max(0, (target.start - 1 - cds_start) // 3 - 1)
        last = min(n_codons - 1, (target.end - 1 - cds_start) // 3 + 1)
        codons = [k for k in range(first, last + 1) if len(lattice.choices[k]) > 1]
        best: tuple[int, float, list[int]] | None = None
        base_count = len(current)
        for size in (1, 2):
            combos = itertools.combinations(codons, size)
            for combo in combos:
                alts = [[s for s in range(len(lattice.choices[k])) if s != states[k]]
                        for k in combo]
                for choice in itertools.product(*alts):
                    trial = list(states)
                    for k, s in zip(combo, choice, strict=True):
                        trial[k] = s
                    trial_viol = violations(trial)
                    count = len(trial_viol)
                    if count >= base_count:
                        continue
                    score = loss(trial)
                    key = (count, score)
                    if best is None or key < (best[0], best[1]):
                        best = (count, score, trial)
            if best is not None:
                break
        if best is None:
            skipped.add((target.constraint, target.start))
            unfixable.append(target)
            continue
        states = best[2]
        swaps += 1
        current = violations(states)
    remaining = current
    unfixable = [v for v in remaining]
    return RepairResult(states=states, swaps=swaps, unfixable=unfixable)
