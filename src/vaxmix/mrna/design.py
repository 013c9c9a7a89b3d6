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

import numpy as np

from vaxmix.common.aminoacids import nonstandard_residues
from vaxmix.common.errors import ConfigError, InputError
from vaxmix.common.progress import progress, stage_note
from vaxmix.mrna.codons import cai, codon_lattice, load_codon_table, translate
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
    el = config.elements
    _check_elements(el)
    if config.fold_context not in ("full", "cds"):
        raise ConfigError("fold_context must be 'full' or 'cds'", field="fold_context")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    table = load_codon_table(config.codon_table, config.min_codon_weight)
    lattice = codon_lattice(protein, table)
    energy = load_energy()
    leader = el.five_utr + el.kozak
    trailer = el.stop + el.three_utr
    five = leader if config.fold_context == "full" else ""
    three = trailer if config.fold_context == "full" else ""
    n = len(five) + 3 * len(protein) + len(three)
    unpaired = np.zeros(n, dtype=bool)
    flank = config.constraints.start_flank
    unpaired[max(0, len(five) - flank) : len(five) + flank] = True
    penalty = np.zeros(n)
    cds_off = len(five)
    n_cds_dna = 3 * len(protein) + len(el.stop)
    n_windows = max(1, n_cds_dna - config.constraints.gc_window + 1)
    mult_hi = np.zeros(n_windows)
    mult_lo = np.zeros(n_windows)

    def assemble(states: list[int]) -> str:
        cds = "".join(lattice.choices[k][s] for k, s in enumerate(states))
        return leader + cds + trailer + el.poly_a

    states: list[int] = []
    pairs = np.full(n, -1)
    rounds = 0
    for rounds in progress(range(1, max(1, config.gc_rounds) + 1), desc="mRNA design DP rounds"):
        lat = build_lattice(five, lattice, three, config.cai_weight, penalty,
                            config.u_penalty, unpaired)
        result = fold_lattice(lat, energy, config.max_span, config.max_loop)
        st = result.states[cds_off : cds_off + 3 * len(protein)].reshape(-1, 3)
        if not (st == st[:, :1]).all():
            raise RuntimeError("lattice traceback gave inconsistent codon states")
        states = [int(s) for s in st[:, 0]]
        pairs = result.pairs
        cds_dna = ("".join(lattice.choices[k][s] for k, s in enumerate(states))
                   + el.stop).replace("U", "T")
        if rounds >= config.gc_rounds or not _gc_multiplier_step(
            cds_dna, config, mult_hi, mult_lo
        ):
            break
        node = _gc_node_penalty(n_cds_dna, config.constraints.gc_window, mult_hi, mult_lo)
        span = min(n_cds_dna, n - cds_off)
        penalty[:] = 0.0
        penalty[cds_off : cds_off + span] = node[:span]
    timings["dp_s"] = time.perf_counter() - t0
    stage_note(f"  mRNA design DP: {rounds} round(s) in {timings['dp_s']:.1f} s; codon repair, "
               "start region and QC folds next")  # fmt: skip
    # pair table in transcript coordinates (the DP may have folded the CDS alone)
    full_len = len(assemble(states))
    offset = len(leader) - cds_off
    full_pairs = np.full(full_len, -1)
    for i, j in enumerate(pairs):
        if j >= 0:
            full_pairs[i + offset] = j + offset
    cds_start = len(leader)
    cds_end = cds_start + 3 * len(protein) + len(el.stop)
    tail_start = full_len - len(el.poly_a)
    t1 = time.perf_counter()
    repaired = repair_codons(states, lattice, assemble, cds_start, cds_end, tail_start,
                             full_pairs, config.cai_weight, config.constraints,
                             config.max_repair_steps)
    states = repaired.states
    start_swaps, known_folds = 0, {}
    if config.constraints.start_max_paired < 1:
        states, start_swaps, known_folds = open_start_region(
            states, lattice, assemble, cds_start, cds_end, tail_start, config.constraints,
            config.cai_weight)
    timings["repair_s"] = time.perf_counter() - t1
    mrna = assemble(states)
    cds = mrna[cds_start:cds_end]
    all_viol = check_sequence(mrna, cds_start, cds_end, config.constraints, tail_start)
    segments = [
        ("5'UTR", 0, len(el.five_utr), el.citations.get("five_utr", "")),
        ("Kozak", len(el.five_utr), len(leader), el.citations.get("kozak", "")),
        ("CDS", cds_start, cds_end, "designed by vaxmix (codon-lattice DP + repair)"),
        ("3'UTR", cds_end, cds_end + len(el.three_utr), el.citations.get("three_utr", "")),
        ("poly(A)", tail_start, full_len, el.citations.get("poly_a", "")),
    ]
    struct = "".join("." if j < 0 else ("(" if j > i else ")") for i, j in enumerate(full_pairs))
    t2 = time.perf_counter()
    design = MrnaDesign(
        protein=protein,
        cds=cds,
        mrna=mrna,
        segments=segments,
        violations=[v for v in all_viol if v.in_cds],
        fixed_element_findings=[v for v in all_viol if not v.in_cds],
        qc={},
        config=config,
        timings=timings,
        dp_structure=struct,
        protein_elements=list(protein_elements or []),
    )
    design.qc = compute_qc(design, table, known_folds)
    start_violation = _start_region_violation(design.qc, cds_start, len(mrna), config.constraints)
    if start_violation is not None:
        design.violations.append(start_violation)
    design.qc["dp_rounds"] = rounds
    design.qc["repair_swaps"] = repaired.swaps
    design.qc["start_region_swaps"] = start_swaps
    design.qc["cai_check"] = cai(cds, table)
    timings["qc_s"] = time.perf_counter() - t2
    timings["total_s"] = time.perf_counter() - t0
    return design
