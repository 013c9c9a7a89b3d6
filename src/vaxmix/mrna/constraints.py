"""Manufacturing constraints on the DNA template of an mRNA, and their checks.

Defaults and why (each is a user setting in :class:`ConstraintConfig`):

* Type IIS / cloning sites on both strands — BsaI ``GGTCTC``, BsmBI ``CGTCTC``, BbsI ``GAAGAC``,
  SapI ``GCTCTTC`` (Golden Gate assembly and run-off linearisation), XbaI ``TCTAGA``, NotI
  ``GCGGCCGC`` (common template-vector sites); NEB recognition sequences.
* ``ATCTGTT`` on the coding strand: T7 RNA polymerase class II termination signal (He et al.,
  JBC 1998;273:18802).
* Homopolymer caps G6/C6/T6/A7 forbidden (synthesis and IVT slippage limits used by gene
  synthesis vendors; the poly(A) tail is exempt by construction).
* GC overall and in every 50-nt window of the CDS within 0.35–0.75 (synthesis vendor rule;
  BNT162b2's CDS spans 0.38–0.66).
* No ``AATAAA`` inside the CDS (the canonical polyadenylation signal; Proudfoot, Genes Dev
  2011;25:1770).
* No repeated k-mer (default 20) overlapping the CDS (synthesis and plasmid stability).
* An open start region: in the MFE structure (ViennaRNA, dangles 2) of the full mRNA, at most
  60 % of the nucleotides from 15 nt before to 15 nt after the AUG may be paired — BNT162b2's own
  value (0.6, measured with ViennaRNA 2.8) — since scanning ribosomes need an accessible start
  (Kozak, Gene 2005;361:13; cf. VaxPress's start-structure term).

Checks run on the DNA template (T for U). Sequence rules apply wherever they overlap the designed
CDS, including its junctions with the fixed flanks; hits lying wholly in fixed elements (UTRs,
poly(A)) are reported as ``fixed`` so the user sees them but the designer is not blamed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_SITES",
    "ConstraintConfig",
    "Violation",
    "check_sequence",
    "gc_windows",
    "reverse_complement",
]

DEFAULT_SITES: dict[str, str] = {
    "BsaI": "GGTCTC",
    "BsmBI": "CGTCTC",
    "BbsI": "GAAGAC",
    "SapI": "GCTCTTC",
    "XbaI": "TCTAGA",
    "NotI": "GCGGCCGC",
}

_COMPLEMENT = str.maketrans("ACGTUN", "TGCAAN")


def reverse_complement(dna: str) -> str:
    """Reverse complement of a DNA string."""
    return dna.translate(_COMPLEMENT)[::-1]


@dataclass(frozen=True)
class ConstraintConfig:
    """Hard constraints of the design (documented defaults; see module docstring)."""

    sites: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SITES))
    coding_strand_motifs: dict[str, str] = field(
        default_factory=lambda: {"T7_terminator_ATCTGTT": "ATCTGTT"}
    )
    cds_motifs: dict[str, str] = field(default_factory=lambda: {"polyA_signal_AATAAA": "AATAAA"})
    homopolymer_max: dict[str, int] = field(
        default_factory=lambda: {"G": 5, "C": 5, "T": 5, "A": 6}
    )
    gc_min: float = 0.35
    gc_max: float = 0.75
    gc_window: int = 50
    repeat_k: int = 20
    repeat_reverse_complement: bool = False
    start_flank: int = 15
    start_max_paired: float = 0.6


@dataclass(frozen=True)
class Violation:
    """One broken constraint: its name, 1-based inclusive span in the transcript, detail."""

    constraint: str
    start: int
    end: int
    detail: str
    in_cds: bool

    def as_text(self) -> str:
        """Human-readable location, e.g. ``BsaI at 123-128 (GGTCTC, + strand)``."""
        return f"{self.constraint} at {self.start}-{self.end} ({self.detail})"


def _find_all(seq: str, motif: str) -> list[int]:
    hits = []
    start = seq.find(motif)
    while start != -1:
        hits.append(start)
        start = seq.find(motif, start + 1)
    return hits


def gc_windows(dna: str, window: int) -> list[float]:
    """GC fraction of every window of ``window`` nt (one value if the sequence is shorter)."""
    if len(dna) <= window:
        return [sum(c in "GC" for c in dna) / max(len(dna), 1)]
    gc = [1 if c in "GC" else 0 for c in dna]
    total = sum(gc[:window])
    out = [total / window]
    for k in range(window, len(dna)):
        total += gc[k] - gc[k - window]
        out.append(total / window)
    return out


def check_sequence(
    template: str, cds_start: int, cds_end: int, config: ConstraintConfig,
    tail_start: int | None = None,
) -> list[Violation]:
    """All sequence-level violations of a DNA template (structure checks are separate).

    Parameters
    ----------
    template
        Full DNA template (coding strand, T alphabet), 5′UTR to tail.
    cds_start, cds_end
        0-based half-open span of the designed CDS (stop codons included).
    config
        The constraints.
    tail_start
        0-based start of the poly(A) tail (exempt from homopolymer and repeat rules).
    """
    dna = template.upper().replace("U", "T")
    tail = len(dna) if tail_start is None else tail_start
    out: list[Violation] = []

    def overlaps_cds(start: int, end: int) -> bool:
        return start < cds_end and end > cds_start

    def add(name: str, start: int, end: int, detail: str) -> None:
        out.append(Violation(name, start + 1, end, detail, overlaps_cds(start, end)))

    rc = reverse_complement(dna)
    for name, site in config.sites.items():
        site = site.upper()
        for pos in _find_all(dna, site):
            add(name, pos, pos + len(site), f"{site}, + strand")
        rsite = reverse_complement(site)
        if rsite != site:
            for pos in _find_all(dna, rsite):
                add(name, pos, pos + len(site), f"{site}, − strand")
    del rc
    for name, motif in config.coding_strand_motifs.items():
        for pos in _find_all(dna, motif.upper()):
            add(name, pos, pos + len(motif), motif)
    for name, motif in config.cds_motifs.items():
        for pos in _find_all(dna[cds_start:cds_end], motif.upper()):
            add(name, cds_start + pos, cds_start + pos + len(motif), motif)
    # homopolymers (outside the tail)
    region = dna[:tail]
    k = 0
    while k < len(region):
        m = k
        while m < len(region) and region[m] == region[k]:
            m += 1
        cap = config.homopolymer_max.get(region[k])
        if cap is not None and m - k > cap:
            add(f"homopolymer_{region[k]}", k, m, f"{region[k]}{m - k} > cap {region[k]}{cap}")
        k = m
    # GC content: overall and windows of the CDS
    cds = dna[cds_start:cds_end]
    overall = sum(c in "GC" for c in cds) / max(len(cds), 1)
    if not config.gc_min <= overall <= config.gc_max:
        add("gc_overall", cds_start, cds_end,
            f"CDS GC {overall:.3f} outside {config.gc_min}-{config.gc_max}")
    for idx, frac in enumerate(gc_windows(cds, config.gc_window)):
        if not config.gc_min - 1e-9 <= frac <= config.gc_max + 1e-9:
            start = cds_start + idx
            add("gc_window", start, min(start + config.gc_window, cds_end),
                f"{config.gc_window}-nt GC {frac:.2f} outside {config.gc_min}-{config.gc_max}")
    # repeated k-mers overlapping the CDS
    kk = config.repeat_k
    seen: dict[str, list[int]] = defaultdict(list)
    for pos in range(0, tail - kk + 1):
        seen[dna[pos : pos + kk]].append(pos)
    reported: set[str] = set()
    for kmer, positions in seen.items():
        partners = list(positions)
        if config.repeat_reverse_complement:
            rkmer = reverse_complement(kmer)
            if rkmer != kmer:
                partners += seen.get(rkmer, [])
        if len(partners) < 2 or kmer in reported:
            continue
        reported.add(kmer)
        if config.repeat_reverse_complement:
            reported.add(reverse_complement(kmer))
        for pos in sorted(set(partners)):
            add(f"repeat_{kk}mer", pos, pos + kk,
                f"{kmer} occurs {len(set(partners))}x")
    return out
