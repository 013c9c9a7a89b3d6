"""Inframe indel WT pairing (pVACseq's total-match rule) and phased changes in one codon.

Expected values are worked out by hand in the comments from pVACseq 7.1.5's documented rules
(``OutputParser.determine_total_matches``; ``ProximalVariant.combine_conflicting_variants``)
and the standard genetic code (NCBI translation table 1).
"""

from __future__ import annotations

import pandas as pd

from vaxmix.peptides import enumerate_epitopes
from vaxmix.peptides.pairing import pair_kmers
from vaxmix.peptides.proximal import apply_proximal_variants, combine_codons, translate_codon
from vaxmix.peptides.windows import build_window
from vaxmix.variants.phased import PhasedVariants, ProximalChange

# IGFBP2 (UniProt P18065) residues 1-60: ...P16 L17 L18 P19 L20 L21 ... L25 G26 A27 S28 ...
IGFBP2 = "MLPRVGCPALPLPPPPLLPLLLLLLGASGGGGGARAEVLFRCPPCTPERLAACGPPPVAPP"


def test_inframe_insertion_pairs_by_total_not_consecutive_matches():
    # 20L/LLP inserts "LP" after L20: mutant ...L18 P19 L20 [L P] L21 L22 L23 L24 L25 G26...
    window = build_window("inframe_ins", "20", "L/LLP", IGFBP2, "", 9)
    pairs = {p.mutant: p for p in pair_kmers(window, 9)}
    pair = pairs["LPLLPLLLL"]  # L18..L24 of the mutant
    # same start (left): WT L18..G26 = LPLLLLLLG; 4 consecutive matches from the left, and the
    # shifted WT (P16..L24 = PLLPLLLLL) has 4 from the right, so the left one is chosen; the
    # two share 7 of 9 positions (>= ceil(9/2) = 5): paired, differing at 5 (P/L) and 9 (L/G).
    assert pair.wildtype == "LPLLLLLLG"
    assert pair.mutation_positions == (5, 9)


def test_inframe_total_match_threshold_still_rejects_poor_pairs():
    # 9K/KWWW: WT window CDEFGHIKLMNPQRSTVW, mutant CDEFGHIKWWWLMNPQRSTVW. For IKWWWLMN
    # (mutant position 7): left WT IKLMNPQR matches 2 from the left, shifted WT FGHIKLMN 3 from
    # the right, so the right one is chosen; they share only L, M, N: 3 < ceil(8/2) = 4 -> NA.
    # The next k-mer KWWWLMNP pairs with GHIKLMNP (L, M, N, P: 4 positions).
    wildtype = "ACDEFGHIKLMNPQRSTVWY" * 2
    window = build_window("inframe_ins", "9", "K/KWWW", wildtype, "", 8)
    pairs = {p.mutant: p for p in pair_kmers(window, 8)}
    assert pairs["IKWWWLMN"].wildtype is None and pairs["IKWWWLMN"].mutation_positions is None
    assert pairs["KWWWLMNP"].wildtype == "GHIKLMNP"
    assert pairs["KWWWLMNP"].mutation_positions == (1, 2, 3, 4)


def test_codons_combine_as_pvacseq():
    assert combine_codons(["Gat/Cat", "gAt/gTt"]) == "CTT"
    assert translate_codon("CTT") == "L"
    assert combine_codons(["ttT/ttA", "tTt/tAt"]) == "TAA"
    assert translate_codon("TAA") == "*"
    assert combine_codons(["Gat/Cat", "Aaa/Taa"]) is None  # not the same codon


def _row(codons: str, change: str, wildtype: str, position: int) -> pd.DataFrame:
    return pd.DataFrame({
        "chromosome_name": ["chr1"], "start": ["99"], "stop": ["100"], "reference": ["G"],
        "variant": ["C"], "transcript_name": ["T1"], "protein_position": [str(position)],
        "amino_acid_change": [change], "codon_change": [codons], "variant_type": ["missense"],
        "index": ["1.G.T1.missense.x"], "wildtype_amino_acid_sequence": [wildtype],
        "frameshift_amino_acid_sequence": [""],
    })  # fmt: skip


def _phased(q: int, ref_aa: str, alt_aa: str, codons: str) -> PhasedVariants:
    phased = PhasedVariants(phase={("chr1", 100, "G", "C"): ("chr1:7", frozenset({1}))})
    phased.by_transcript["T1"] = [
        ProximalChange(("chr1", 101, "A", "T"), "T1", q, ref_aa, alt_aa, "chr1:7",
                       frozenset({1}), codons),
    ]
    return phased


WT = "MKTAYIAKQRQISFVKSHFSRQ"  # residue 11 is I, 14 is F


def test_somatic_and_phased_change_in_one_codon_make_one_residue():
    wildtype = WT[:10] + "D" + WT[11:]  # D11, codon GAT
    variants = _row("Gat/Cat", "D/H", wildtype, 11)
    result = apply_proximal_variants(variants, _phased(11, "D", "V", "gAt/gTt"), reach=8)
    row = result.table.iloc[0]
    # the tumor's codon is CTT (L); the patient's own codon GTT (V) is the WT partner
    assert row["amino_acid_change"] == "V/L"
    assert row["wildtype_amino_acid_sequence"][10] == "V"
    peptides = enumerate_epitopes(result.table, (9,)).table
    assert len(peptides) == 9
    for _, pep in peptides.iterrows():
        offset = 9 - int(pep["Sub-peptide Position"])  # where residue 11 sits (0-based)
        assert pep["MT Epitope Seq"][offset] == "L"
        assert pep["WT Epitope Seq"][offset] == "V"


def test_same_codon_changes_that_make_a_stop_give_no_peptide():
    variants = _row("ttT/ttA", "F/L", WT, 14)
    result = apply_proximal_variants(variants, _phased(14, "F", "Y", "tTt/tAt"), reach=8)
    assert result.table.iloc[0]["amino_acid_change"] == "Y/*"
    assert enumerate_epitopes(result.table, (8, 9)).table.empty


def test_two_phased_changes_in_one_other_codon_are_combined():
    # two in-phase changes in the codon of K16 (AAA): AAA>GAA (E) and AAA>AAT (N) = GAT (D)
    variants = _row("Ttt/Ctt", "F/L", WT, 14)
    phased = _phased(16, "K", "E", "Aaa/Gaa")
    phased.by_transcript["T1"].append(ProximalChange(("chr1", 108, "A", "T"), "T1", 16, "K",
                                                     "N", "chr1:7", frozenset({1}), "aaA/aaT"))
    result = apply_proximal_variants(variants, phased, reach=8)
    assert result.table.iloc[0]["wildtype_amino_acid_sequence"][15] == "D"
    assert result.counts["proximal changes applied"] == 2
