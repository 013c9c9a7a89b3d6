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
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vaxmix.common.progress import stage_note
from vaxmix.mrna.codons import CodonLattice
from vaxmix.mrna.constraints import ConstraintConfig, Violation, check_sequence
from vaxmix.mrna.folding import fold_mfe

__all__ = ["RepairResult", "open_start_region", "repair_codons"]

_CANONICAL = {("A", "U"), ("U", "A"), ("G", "C"), ("C", "G"), ("G", "U"), ("U", "G")}


@dataclass
class RepairResult:
    """Repaired codon states, swaps made and violations left (with positions)."""

    states: list[int]
    swaps: int
    unfixable: list[Violation]


#: Seconds between progress lines during a long codon repair.
_NOTE_EVERY_S = 5.0

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

    started = time.perf_counter()
    noted = started
    current = violations(states)
    stage_note(f"  mRNA codon repair: {len(current)} CDS constraint violation(s) to fix "
               f"(at most {max_steps} synonymous swaps)")  # fmt: skip
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
        if time.perf_counter() - noted >= _NOTE_EVERY_S:  # a long repair still shows it moves
            noted = time.perf_counter()
            stage_note(f"  mRNA codon repair: {swaps} swap(s), {len(current)} violation(s) "
                       f"left ({noted - started:.1f} s)")  # fmt: skip
    remaining = current
    unfixable = [v for v in remaining]
    stage_note(f"  mRNA codon repair: done in {time.perf_counter() - started:.1f} s, {swaps} "
               f"swap(s), {len(unfixable)} violation(s) left")  # fmt: skip
    return RepairResult(states=states, swaps=swaps, unfixable=unfixable)


def _pair_table(structure: str) -> list[int]:
    table = [-1] * len(structure)
    stack: list[int] = []
    for i, c in enumerate(structure):
        if c == "(":
            stack.append(i)
        elif c == ")":
            j = stack.pop()
            table[i] = j
            table[j] = i
    return table


def open_start_region(
    states: list[int],
    lattice: CodonLattice,
    assemble: Callable[[list[int]], str],
    cds_start: int,
    cds_end: int,
    tail_start: int,
    config: ConstraintConfig,
    cai_weight: float,
    attempts: int = 4,
) -> tuple[list[int], int, dict]:
    """Open the start region when ViennaRNA's full-mRNA MFE (d2) pairs too much of it.

    The DP forbids pairs there, but the whole-mRNA fold can still pair it with a region beyond
    the DP span (a helix of many base pairs). Swapping one codon per fold only puts a bulge in
    such a helix, so each attempt breaks the whole helix at once: it folds the mRNA, takes the
    paired nucleotides of the start region and their partners, and visits every codon holding
    one of them (never the AUG); in each it applies the synonymous swap that breaks most of
    those pairs without adding a sequence violation (ties: smallest ``λ·Δ(−ln w)``). Then it
    folds again. The states with the least paired start region over all folds are returned
    (fewest swaps on ties), with the number of swaps they carry and the folds made
    (``{(mrna, 2, False): (structure, mfe)}``, reused by the QC).
    """
    flank = config.start_flank
    lo, hi = max(0, cds_start - flank), cds_start + flank
    folds: dict = {}

    def n_viol(st: list[int]) -> int:
        return sum(v.in_cds for v in check_sequence(assemble(st), cds_start, cds_end, config,
                                                    tail_start))

    current = list(states)
    swaps = 0
    best: tuple[int, int, list[int]] | None = None  # (paired count, swaps, states)
    base = n_viol(current)
    started = time.perf_counter()
    limit = config.start_max_paired * (hi - lo)
    for attempt in range(attempts + 1):
        mrna = assemble(current)
        stage_note(f"  mRNA start region: ViennaRNA fold {attempt + 1} of the {len(mrna)} nt "
                   f"mRNA (at most {attempts + 1}) ...")  # fmt: skip
        folded = fold_mfe(mrna, 2)
        folds[(mrna, 2, False)] = folded
        table = _pair_table(folded[0])
        window = [(p, table[p]) for p in range(lo, hi) if table[p] >= 0]
        stage_note(f"  mRNA start region: fold {attempt + 1}: {len(window)} of {hi - lo} nt "
                   f"around the AUG paired (limit {limit:g}; "
                   f"{time.perf_counter() - started:.1f} s)")  # fmt: skip
        if best is None or (len(window), swaps) < (best[0], best[1]):
            best = (len(window), swaps, list(current))
        if len(window) <= config.start_max_paired * (hi - lo) or attempt == attempts:
            break
        codons: set[int] = set()
        for p, q in window:
            for pos in (p, q):
                k = (pos - cds_start) // 3
                if pos >= cds_start + 3 and k < len(current):  # never the AUG itself
                    codons.add(k)
        changed = False

        def n_broken(seq: str) -> int:
            return sum((seq[p], seq[q]) not in _CANONICAL for p, q in window)  # noqa: B023

        for k in sorted(codons):
            choice: tuple[int, float, int] | None = None
            already = n_broken(assemble(current))
            for s in range(len(lattice.choices[k])):
                if s == current[k]:
                    continue
                trial = list(current)
                trial[k] = s
                broken = n_broken(assemble(trial)) - already
                if broken <= 0 or n_viol(trial) > base:
                    continue
                loss = cai_weight * (lattice.log_w[k][current[k]] - lattice.log_w[k][s])
                key = (-broken, loss, s)
                if choice is None or key < choice:
                    choice = key
            if choice is not None:
                current[k] = choice[2]
                swaps += 1
                changed = True
        if not changed:
            break
    assert best is not None
    stage_note(f"  mRNA start region: done in {time.perf_counter() - started:.1f} s, "
               f"{best[1]} swap(s) kept, {best[0]} nt paired")  # fmt: skip
    return best[2], best[1], folds
