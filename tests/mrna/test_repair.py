"""Start-region repair on a hand-built case whose answer is known without the design code."""

from __future__ import annotations

import RNA

from vaxmix.mrna.codons import codon_lattice, load_codon_table, translate
from vaxmix.mrna.constraints import ConstraintConfig
from vaxmix.mrna.repair import open_start_region

# 15 nt before the AUG, then AUG + AAG x4: 30 nt that a later CDS stretch can fully pair with.
LEADER = "GGGAAA" + "GCGGCGGCAGCGGCC"
# reverse complement of LEADER[-15:] + "AUGAAGAAGAAGAAG", read in frame:
# CUU CUU CUU CUU CAU GGC CGC UGC CGC CGC = L L L L H G R C R R
HELIX_PARTNER = ["CUU"] * 4 + ["CAU", "GGC", "CGC", "UGC", "CGC", "CGC"]
SPACER = "SAGSTSAGSTSAGST"
PROTEIN = "MKKKK" + SPACER + "LLLLHGRCRR" + SPACER


def _paired_fraction(mrna: str, cds_start: int) -> float:
    structure, _ = RNA.fold(mrna)  # ViennaRNA defaults: dangles=2, 37 °C
    return sum(c != "." for c in structure[cds_start - 15 : cds_start + 15]) / 30


def test_start_region_helix_is_broken_by_synonymous_swaps():
    lattice = codon_lattice(PROTEIN, load_codon_table())
    wanted = ["AUG"] + ["AAG"] * 4 + [None] * len(SPACER) + HELIX_PARTNER + [None] * len(SPACER)
    states = [lattice.choices[k].index(c) if c else 0 for k, c in enumerate(wanted)]
    cds_start = len(LEADER)

    def assemble(st):
        return LEADER + "".join(lattice.choices[k][s] for k, s in enumerate(st)) + "UGA"

    mrna = assemble(states)
    assert (LEADER[-15:] + mrna[cds_start : cds_start + 15])[::-1].translate(
        str.maketrans("ACGU", "UGCA")) in mrna  # the 30-bp partner is really there
    before = _paired_fraction(mrna, cds_start)
    assert before > 0.6  # the helix pairs the start region
    cfg = ConstraintConfig(gc_min=0.0, gc_max=1.0)
    end = len(mrna)
    new_states, swaps, folds = open_start_region(states, lattice, assemble, cds_start, end, end,
                                                 cfg, cai_weight=0.8)
    repaired = assemble(new_states)
    assert swaps > 0
    assert translate(repaired[cds_start:]).rstrip("*") == PROTEIN
    assert _paired_fraction(repaired, cds_start) <= 0.6
    assert (repaired, 2, False) in folds  # the fold of the returned design is handed to the QC
