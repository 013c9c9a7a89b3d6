"""Constraint checks on hand-made templates, positions worked out by hand."""

from __future__ import annotations

from vaxmix.mrna.constraints import ConstraintConfig, check_sequence, gc_windows

CFG = ConstraintConfig()


def _names(viol):
    return sorted((v.constraint, v.start, v.end) for v in viol)


def _balanced(n):
    # GC 0.5, no runs, no sites: ACGT... repeats every 4 nt, so use a long non-repeating motif
    base = "ACGATCAGTCGTACTGACTAGCTTGCAGATCCATGGACTTCAGGTAC"
    return (base * (n // len(base) + 1))[:n]


def test_site_on_both_strands():
    cds = "ATGAAA" + "GGTCTC" + "AAACCC" + "GAGACC" + "AAATAA"  # BsaI + and - strand
    viol = check_sequence(cds, 0, len(cds), ConstraintConfig(gc_min=0.0, gc_max=1.0,
                                                             repeat_k=20))
    bsai = [(v.start, v.end, v.detail) for v in viol if v.constraint == "BsaI"]
    assert bsai == [(7, 12, "GGTCTC, + strand"), (19, 24, "GGTCTC, − strand")]


def test_homopolymer_caps():
    seq = "ACT" + "GGGGG" + "T" + "CCCCCC" + "A" * 7 + "TAA"
    viol = check_sequence(seq, 0, len(seq), ConstraintConfig(gc_min=0, gc_max=1))
    homo = [(v.constraint, v.start, v.end) for v in viol if v.constraint.startswith("homo")]
    # G5 allowed; C6 at 10-15 and A7 at 16-22 forbidden (1-based inclusive)
    assert homo == [("homopolymer_C", 10, 15), ("homopolymer_A", 16, 22)]


def test_polya_signal_only_inside_cds_and_tail_exempt():
    utr = "GAGAAUAAACU".replace("U", "T")  # AATAAA in a fixed 5'UTR is allowed
    cds = "ATGAATAAAGGC"
    tail = "A" * 30
    seq = utr + cds + tail
    viol = check_sequence(seq, len(utr), len(utr) + len(cds),
                          ConstraintConfig(gc_min=0, gc_max=1), tail_start=len(utr) + len(cds))
    pas = [(v.start, v.in_cds) for v in viol if v.constraint == "polyA_signal_AATAAA"]
    assert pas == [(len(utr) + 4, True)]  # AATAAA starts at CDS nt 4
    assert not any(v.constraint == "homopolymer_A" for v in viol)


def test_gc_windows_by_hand():
    assert gc_windows("GGCCAATT", 4) == [1.0, 0.75, 0.5, 0.25, 0.0]
    seq = "ATG" + "GC" * 30 + "ATATAT" * 10 + "TAA"
    viol = check_sequence(seq, 0, len(seq), CFG)
    windows = [v for v in viol if v.constraint == "gc_window"]
    assert windows and windows[0].start == 1


def test_repeated_kmer_positions():
    unit = "ACGTTGCAAGGCTTACCGAT"  # 20 nt
    seq = "ATG" + unit + "CA" + unit + "TAA"
    viol = check_sequence(seq, 0, len(seq), ConstraintConfig(gc_min=0, gc_max=1))
    rep = sorted({(v.start, v.end) for v in viol if v.constraint == "repeat_20mer"})
    assert rep == [(4, 23), (26, 45)]


def test_clean_sequence_has_no_violations():
    seq = "ATG" + _balanced(120) + "TAA"
    viol = check_sequence(seq, 0, len(seq), ConstraintConfig(repeat_k=80))
    assert viol == []
