"""Design a full mRNA for a protein: codons and structure optimised together, then repaired.

Steps (each documented in ``docs/mrna.md``):

1. The protein's synonymous-codon lattice is placed between the fixed 5′ leader (UTR + Kozak)
   and the stop codons + 3′UTR, and :func:`vaxmix.mrna.lattice_fold.fold_lattice` minimises
   ``model MFE + λ·Σ(−ln w) + Σ node penalties`` over codons and structures together. The start
   region (``start_flank`` nt either side of the AUG) is kept unpaired in the DP.
2. GC windows are handled by Lagrangian relaxation: every 50-nt window has a multiplier, raised
   by a subgradient step while the window is above (below) the limit and lowered while it has
   slack; each G/C pays the sum of its windows' multipliers, and the DP is solved again
   (``gc_rounds`` times at most).
3. Remaining violations are repaired by local codon swaps, then the start region is opened
   where the full-mRNA fold pairs it (:mod:`vaxmix.mrna.repair`).
4. ViennaRNA re-scores the result (CDS and full mRNA, dangles 0 and 2) for the QC sheet; every
   hard constraint still broken, the start-region rule included, is one entry of
   ``MrnaDesign.violations`` (so ``all_constraints_met`` is exactly ``not violations``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from vaxmix.common.aminoacids import nonstandard_residues
from vaxmix.common.errors import ConfigError, InputError
from vaxmix.common.progress import progress, stage_note
from vaxmix.mrna.codons import (
    CodonLattice,
    CodonTable,
    cai,
    codon_lattice,
    load_codon_table,
    translate,
)
from vaxmix.mrna.constraints import ConstraintConfig, Violation, check_sequence, gc_windows
from vaxmix.mrna.energy_params import load_energy
from vaxmix.mrna.lattice_build import build_lattice
from vaxmix.mrna.lattice_fold import fold_lattice
from vaxmix.mrna.qc import compute_qc
from vaxmix.mrna.records import DesignConfig, Elements, MrnaDesign, default_elements
from vaxmix.mrna.repair import open_start_region, repair_codons

__all__ = ["DesignConfig", "Elements", "MrnaDesign", "default_elements", "design_mrna"]

_RNA = set("ACGU")


def _check_protein(protein: str) -> str:
    seq = protein.strip().upper().rstrip("*")
    bad = nonstandard_residues(seq)
    if bad:
        raise InputError(f"protein has non-standard residues {''.join(bad)!r}", field="protein")
    if not seq:
        raise InputError("protein is empty", field="protein")
    if seq[0] != "M":
        raise InputError("protein must start with M (the start codon AUG encodes it)",
                         field="protein")
    return seq


def _check_elements(el: Elements) -> None:
    for name in ("five_utr", "kozak", "stop", "three_utr", "poly_a"):
        seq = getattr(el, name)
        if set(seq) - _RNA:
            raise ConfigError(f"element {name} must be RNA letters ACGU", field=name)
    if el.stop and translate(el.stop[:3]) != "*":
        raise ConfigError("element stop must start with a stop codon", field="stop")


def _gc_multiplier_step(cds_dna: str, config: DesignConfig, mult_hi: np.ndarray,
                       mult_lo: np.ndarray) -> bool:
    """One projected subgradient step on the per-window GC multipliers; True if any window
    is outside the limits (so another DP round is worthwhile).

    The Lagrangian relaxation of ``gc_min ≤ GC(window) ≤ gc_max`` charges each G/C nucleotide
    the sum of the multipliers of the windows covering it; windows with slack lower their
    multiplier again, so the penalty does not over-correct (Fisher, Manage Sci 1981;27:1).
    """
    cons = config.constraints
    fracs = np.array(gc_windows(cds_dna, cons.gc_window))
    violated = bool(((fracs > cons.gc_max + 1e-9) | (fracs < cons.gc_min - 1e-9)).any())
    margin = 0.01
    mult_hi[:] = np.maximum(0.0, mult_hi + config.gc_step * (fracs - (cons.gc_max - margin)))
    mult_lo[:] = np.maximum(0.0, mult_lo + config.gc_step * ((cons.gc_min + margin) - fracs))
    return violated


def _gc_node_penalty(n_cds: int, window: int, mult_hi: np.ndarray,
                     mult_lo: np.ndarray) -> np.ndarray:
    """Per-position G/C penalty: sum of the multipliers of the windows covering each position."""
    w = min(window, n_cds)
    return np.convolve(mult_hi - mult_lo, np.ones(w))[:n_cds]


def _start_region_violation(
    qc: dict, cds_start: int, mrna_length: int, cons: ConstraintConfig
) -> Violation | None:
    """The start-region rule as a :class:`Violation` (1-based span AUG−flank…AUG+flank−1),
    or None when the full-mRNA MFE structure leaves enough of it unpaired.

    It is a hard constraint like the sequence rules, so it belongs in the same violations list:
    ``all_constraints_met`` is then simply ``not violations`` and the two can never disagree.
    """
    if qc["start_region_ok"]:
        return None
    lo = max(0, cds_start - cons.start_flank)
    hi = min(mrna_length, cds_start + cons.start_flank)
    return Violation(
        "start_region", lo + 1, hi,
        f"{qc['start_region_paired_fraction']:.2f} of nt paired in the full-mRNA MFE structure "
        f"(ViennaRNA, dangles=2) > max {cons.start_max_paired}", True)


@dataclass(frozen=True)
class _Layout:
    """Where the designed CDS sits: the fixed flanks, the codon choices and the coordinates of
    the transcript (0-based, half-open; the DP folds ``five + CDS + three``, which is the whole
    leader…trailer for ``fold_context="full"`` and the CDS alone for ``"cds"``)."""

    lattice: CodonLattice
    elements: Elements
    five: str
    three: str

    @property
    def leader(self) -> str:
        return self.elements.five_utr + self.elements.kozak

    @property
    def cds_start(self) -> int:
        return len(self.leader)

    @property
    def cds_end(self) -> int:
        """End of the CDS, stop codons included."""
        return self.cds_start + 3 * len(self.lattice.choices) + len(self.elements.stop)

    @property
    def tail_start(self) -> int:
        return self.cds_end + len(self.elements.three_utr)

    @property
    def length(self) -> int:
        return self.tail_start + len(self.elements.poly_a)

    @property
    def dp_length(self) -> int:
        return len(self.five) + 3 * len(self.lattice.choices) + len(self.three)

    def codons(self, states: list[int]) -> str:
        return "".join(self.lattice.choices[k][s] for k, s in enumerate(states))

    def assemble(self, states: list[int]) -> str:
        """The full transcript (RNA) for the chosen codon states."""
        el = self.elements
        return self.leader + self.codons(states) + el.stop + el.three_utr + el.poly_a


def _layout(protein: str, config: DesignConfig, table: CodonTable) -> _Layout:
    el = config.elements
    full = config.fold_context == "full"
    return _Layout(lattice=codon_lattice(protein, table), elements=el,
                   five=el.five_utr + el.kozak if full else "",
                   three=el.stop + el.three_utr if full else "")


def _design_dp(layout: _Layout, config: DesignConfig) -> tuple[list[int], np.ndarray, int]:
    """Steps 1–2: the codon-lattice DP, re-solved with GC-window multipliers until no window
    is outside its limits (or ``gc_rounds`` rounds). Returns the codon states, the DP pair table
    (DP coordinates) and the number of rounds."""
    n = layout.dp_length
    n_aa = len(layout.lattice.choices)
    cds_off = len(layout.five)
    energy = load_energy()
    unpaired = np.zeros(n, dtype=bool)
    flank = config.constraints.start_flank
    unpaired[max(0, cds_off - flank) : cds_off + flank] = True
    penalty = np.zeros(n)
    n_cds_dna = 3 * n_aa + len(layout.elements.stop)
    n_windows = max(1, n_cds_dna - config.constraints.gc_window + 1)
    mult_hi = np.zeros(n_windows)
    mult_lo = np.zeros(n_windows)
    states: list[int] = []
    pairs = np.full(n, -1)
    rounds = 0
    for rounds in progress(range(1, max(1, config.gc_rounds) + 1), desc="mRNA design DP rounds"):
        lat = build_lattice(layout.five, layout.lattice, layout.three, config.cai_weight, penalty,
                            config.u_penalty, unpaired)
        result = fold_lattice(lat, energy, config.max_span, config.max_loop)
        st = result.states[cds_off : cds_off + 3 * n_aa].reshape(-1, 3)
        if not (st == st[:, :1]).all():
            raise RuntimeError("lattice traceback gave inconsistent codon states")
        states = [int(s) for s in st[:, 0]]
        pairs = result.pairs
        cds_dna = (layout.codons(states) + layout.elements.stop).replace("U", "T")
        if rounds >= config.gc_rounds or not _gc_multiplier_step(
            cds_dna, config, mult_hi, mult_lo
        ):
            break
        node = _gc_node_penalty(n_cds_dna, config.constraints.gc_window, mult_hi, mult_lo)
        span = min(n_cds_dna, n - cds_off)
        penalty[:] = 0.0
        penalty[cds_off : cds_off + span] = node[:span]
    return states, pairs, rounds


def _transcript_pairs(layout: _Layout, pairs: np.ndarray) -> np.ndarray:
    """The DP pair table in transcript coordinates (the DP may have folded the CDS alone)."""
    offset = layout.cds_start - len(layout.five)
    full_pairs = np.full(layout.length, -1)
    for i, j in enumerate(pairs):
        if j >= 0:
            full_pairs[i + offset] = j + offset
    return full_pairs


def _repair(
    layout: _Layout, states: list[int], full_pairs: np.ndarray, config: DesignConfig
) -> tuple[list[int], int, int, dict]:
    """Step 3: codon repair, then the start region opened. Returns the states, the repair and
    start-region swap counts and the ViennaRNA folds made on the way (reused by the QC)."""
    repaired = repair_codons(states, layout.lattice, layout.assemble, layout.cds_start,
                             layout.cds_end, layout.tail_start, full_pairs, config.cai_weight,
                             config.constraints, config.max_repair_steps)
    states = repaired.states
    start_swaps, known_folds = 0, {}
    if config.constraints.start_max_paired < 1:
        states, start_swaps, known_folds = open_start_region(
            states, layout.lattice, layout.assemble, layout.cds_start, layout.cds_end,
            layout.tail_start, config.constraints, config.cai_weight)
    return states, repaired.swaps, start_swaps, known_folds


def _segments(layout: _Layout) -> list[tuple[str, int, int, str]]:
    """The transcript's parts with their sources, for the GenBank features and the report."""
    el = layout.elements
    cite = el.citations
    return [
        ("5'UTR", 0, len(el.five_utr), cite.get("five_utr", "")),
        ("Kozak", len(el.five_utr), layout.cds_start, cite.get("kozak", "")),
        ("CDS", layout.cds_start, layout.cds_end, "designed by vaxmix (codon-lattice DP + repair)"),
        ("3'UTR", layout.cds_end, layout.tail_start, cite.get("three_utr", "")),
        ("poly(A)", layout.tail_start, layout.length, cite.get("poly_a", "")),
    ]


def _dot_bracket(pairs: np.ndarray) -> str:
    return "".join("." if j < 0 else ("(" if j > i else ")") for i, j in enumerate(pairs))


def design_mrna(
    protein: str, config: DesignConfig | None = None, protein_elements: list[dict] | None = None
) -> MrnaDesign:
    """Design codons (and report structure) of the full mRNA for ``protein``.

    Parameters
    ----------
    protein
        Amino-acid sequence starting with M (a trailing ``*`` is ignored).
    config
        Settings (defaults: BNT162b2 elements, λ = 0.8, constraints of ``ConstraintConfig``).
    protein_elements
        Optional residue-level elements (``name``, ``kind``, 1-based ``start``/``end``) that the
        GenBank writer annotates on the CDS.

    Returns
    -------
    MrnaDesign
        The design, its QC metrics and every violation left (with positions).
    """
    config = config or DesignConfig()
    protein = _check_protein(protein)
    _check_elements(config.elements)
    if config.fold_context not in ("full", "cds"):
        raise ConfigError("fold_context must be 'full' or 'cds'", field="fold_context")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    table = load_codon_table(config.codon_table, config.min_codon_weight)
    layout = _layout(protein, config, table)
    states, pairs, rounds = _design_dp(layout, config)
    timings["dp_s"] = time.perf_counter() - t0
    stage_note(f"  mRNA design DP: {rounds} round(s) in {timings['dp_s']:.1f} s; codon repair, "
               "start region and QC folds next")  # fmt: skip
    full_pairs = _transcript_pairs(layout, pairs)
    t1 = time.perf_counter()
    states, repair_swaps, start_swaps, known_folds = _repair(layout, states, full_pairs, config)
    timings["repair_s"] = time.perf_counter() - t1
    mrna = layout.assemble(states)
    cds = mrna[layout.cds_start : layout.cds_end]
    all_viol = check_sequence(mrna, layout.cds_start, layout.cds_end, config.constraints,
                              layout.tail_start)
    t2 = time.perf_counter()
    design = MrnaDesign(
        protein=protein,
        cds=cds,
        mrna=mrna,
        segments=_segments(layout),
        violations=[v for v in all_viol if v.in_cds],
        fixed_element_findings=[v for v in all_viol if not v.in_cds],
        qc={},
        config=config,
        timings=timings,
        dp_structure=_dot_bracket(full_pairs),
        protein_elements=list(protein_elements or []),
    )
    design.qc = compute_qc(design, table, known_folds)
    start_violation = _start_region_violation(design.qc, layout.cds_start, len(mrna),
                                              config.constraints)
    if start_violation is not None:
        design.violations.append(start_violation)
    design.qc["dp_rounds"] = rounds
    design.qc["repair_swaps"] = repair_swaps
    design.qc["start_region_swaps"] = start_swaps
    design.qc["cai_check"] = cai(cds, table)
    timings["qc_s"] = time.perf_counter() - t2
    timings["total_s"] = time.perf_counter() - t0
    return design
