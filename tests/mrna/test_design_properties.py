"""Property tests: designs translate back, and every constraint is met or reported exactly.

The reference checker here is written independently of ``vaxmix.mrna.constraints`` (regular
expressions and a naive sliding window), so a bug in either shows up as a mismatch.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaxmix.mrna.design import DesignConfig, design_mrna

AMINO = "ACDEFGHIKLMNPQRSTVWY"
SITES = {"BsaI": "GGTCTC", "BsmBI": "CGTCTC", "BbsI": "GAAGAC", "SapI": "GCTCTTC",
         "XbaI": "TCTAGA", "NotI": "GCGGCCGC"}
COMP = {"A": "T", "C": "G", "G": "C", "T": "A"}
FAST = DesignConfig(fold_context="cds", max_span=40, max_loop=12, gc_rounds=2)


def _rc(s):
    return "".join(COMP[c] for c in reversed(s))


def reference_violations(dna, cds_start, cds_end, tail_start):
    """(constraint, 1-based start) of every violation overlapping the CDS, naive methods."""
    out = set()

    def overlaps(a, b):
        return a < cds_end and b > cds_start

    for name, site in SITES.items():
        for motif in {site, _rc(site)}:
            for m in re.finditer(f"(?={motif})", dna):
                if overlaps(m.start(), m.start() + len(site)):
                    out.add((name, m.start() + 1))
    for m in re.finditer("(?=ATCTGTT)", dna):
        if overlaps(m.start(), m.start() + 7):
            out.add(("T7_terminator_ATCTGTT", m.start() + 1))
    cds = dna[cds_start:cds_end]
    for m in re.finditer("(?=AATAAA)", cds):
        out.add(("polyA_signal_AATAAA", cds_start + m.start() + 1))
    for base, cap in (("G", 5), ("C", 5), ("T", 5), ("A", 6)):
        for m in re.finditer(f"{base}{{{cap + 1},}}", dna[:tail_start]):
            if overlaps(m.start(), m.end()):
                out.add((f"homopolymer_{base}", m.start() + 1))
    gc_all = sum(c in "GC" for c in cds) / len(cds)
    if not 0.35 <= gc_all <= 0.75:
        out.add(("gc_overall", cds_start + 1))
    if len(cds) <= 50:
        if not 0.35 <= gc_all <= 0.75:
            out.add(("gc_window", cds_start + 1))
    else:
        for k in range(len(cds) - 49):
            frac = sum(c in "GC" for c in cds[k : k + 50]) / 50
            if not 0.35 - 1e-9 <= frac <= 0.75 + 1e-9:
                out.add(("gc_window", cds_start + k + 1))
    body = dna[:tail_start]
    for k in range(len(body) - 19):
        kmer = body[k : k + 20]
        if body.count(kmer) > 1 or body.find(kmer) != body.rfind(kmer):
            if overlaps(k, k + 20):
                out.add(("repeat_20mer", k + 1))
    # start region: ViennaRNA MFE (dangles 2) of the whole mRNA, AUG-15 .. AUG+14
    import RNA

    md = RNA.md()
    md.dangles = 2
    structure, _ = RNA.fold_compound(dna.replace("T", "U"), md).mfe()
    lo = max(0, cds_start - 15)
    if sum(c != "." for c in structure[lo : cds_start + 15]) > 0.6 * (cds_start + 15 - lo):
        out.add(("start_region", lo + 1))
    return out


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=AMINO, min_size=6, max_size=30))
def test_random_protein_translates_and_constraints_are_exact(body):
    protein = "M" + body
    design = design_mrna(protein, FAST)
    assert design.qc["translation_matches"]
    start, end = design.cds_span
    from Bio.Seq import Seq

    assert str(Seq(design.template_dna[start:end]).translate()).rstrip("*") == protein
    reported = {(v.constraint, v.start) for v in design.violations}
    tail_start = len(design.mrna) - len(design.config.elements.poly_a)
    assert reported == reference_violations(design.template_dna, start, end, tail_start)
    assert design.all_constraints_met == (not design.violations)


def test_linker_repeats_are_removed():
    """Identical linkers make identical DNA unless codons vary; the design must not repeat."""
    protein = "M" + "GGSGGGGSGG".join(["SIINFEKLA", "YLQPRTFLL", "KVAELVHFL", "GILGFVFTL"])
    design = design_mrna(protein, FAST)
    assert design.qc["translation_matches"]
    assert not [v for v in design.violations if v.constraint.startswith("repeat")]
    assert design.violations == []


def test_design_is_deterministic():
    protein = "MKTAYIAKQRQISFVKSHFSRQ"
    first = design_mrna(protein, FAST)
    second = design_mrna(protein, FAST)
    assert first.mrna == second.mrna
    assert first.qc["mfe_mrna_d0"] == second.qc["mfe_mrna_d0"]


def test_unmeetable_constraint_is_reported_with_position():
    """Met-Trp-Met has a single codon each: AUG UGG AUG. Forbidding 'TGGATG' as a site cannot
    be repaired, so the design must report it at its exact position (CDS nt 4-9)."""
    from vaxmix.mrna.constraints import ConstraintConfig

    cfg = DesignConfig(fold_context="cds", max_span=30, gc_rounds=1,
                       constraints=ConstraintConfig(sites={"Test": "TGGATG"}, gc_min=0.0,
                                                    gc_max=1.0))
    design = design_mrna("MWMKKLLEE", cfg)
    start, _ = design.cds_span
    hits = [(v.constraint, v.start, v.end) for v in design.violations]
    assert ("Test", start + 4, start + 9) in hits


def test_start_region_failure_is_listed_and_flag_agrees(tmp_path):
    """A fixed 5' leader ending in a GC-rich hairpin (CCUCGGAC-GAAA-GUCCGAGG) pairs at least
    11 of the 15 nt before the AUG whatever the codons are, so with at most 20 % of AUG-15..+14
    allowed paired the start-region rule cannot be met. It must appear in the violations list
    with its span, and ``all_constraints_met`` (also in mrna.json) must be false — the flag and
    the list were once out of step (flag false, list empty)."""
    import dataclasses
    import json

    import RNA

    from vaxmix.mrna.constraints import ConstraintConfig
    from vaxmix.mrna.design import default_elements
    from vaxmix.mrna.writers import write_design

    leader = "GGGAAAUAA" + "CCUCGGAC" + "GAAA" + "GUCCGAGG"
    elements = dataclasses.replace(default_elements(), five_utr=leader, kozak="")
    cfg = dataclasses.replace(FAST, elements=elements,
                              constraints=ConstraintConfig(start_max_paired=0.2))
    design = design_mrna("MKTAYIAKQRQISFVK", cfg)
    cds_start = len(leader)
    structure, _ = RNA.fold(design.mrna)  # independent re-fold, ViennaRNA default dangles=2
    paired = sum(c != "." for c in structure[cds_start - 15 : cds_start + 15])
    assert paired >= 11  # the fixed hairpin alone
    hits = [(v.constraint, v.start, v.end) for v in design.violations]
    assert ("start_region", cds_start - 15 + 1, cds_start + 15) in hits
    assert design.all_constraints_met is False
    out = write_design(design, tmp_path / "o")
    payload = json.loads((out / "mrna.json").read_text())
    assert payload["all_constraints_met"] is False
    assert any(v["constraint"] == "start_region" for v in payload["violations"])
    rows = dict(line.split("\t")[0::2] for line in (out / "qc.tsv").read_text().splitlines())
    assert rows["constraint:start_region"] == "fail"


def test_met_constraints_give_empty_list_and_true_flag(tmp_path):
    """The converse: a design with every rule met writes an empty list and a true flag."""
    import json

    from vaxmix.mrna.writers import write_design

    design = design_mrna("MKTAYIAKQRQISFVKSHFSRQ", FAST)
    assert design.violations == []
    payload = json.loads((write_design(design, tmp_path / "o") / "mrna.json").read_text())
    assert payload["all_constraints_met"] is True and payload["violations"] == []
