"""Shared neoantigens, recurrent variants and HLA coverage on hand-made tables."""

from __future__ import annotations

import pandas as pd

from vaxmix.cohort.shared import hla_coverage, recurrent_variants, shared_neoantigens

KRAS = ("chr12", "25245349", "25245350", "C", "T", "G/D", "12", "KRAS")
TP53 = ("chr17", "7675087", "7675088", "C", "T", "R/H", "175", "TP53")


def _row(patient, peptide, allele, variant, ic50, pct, mhc_class="I"):
    chrom, start, stop, ref, alt, mutation, position, gene = variant
    return {"patient_id": patient, "mhc_class": mhc_class, "MT Epitope Seq": peptide,
            "HLA Allele": allele, "Chromosome": chrom, "Start": start, "Stop": stop,
            "Reference": ref, "Variant": alt, "Mutation": mutation, "Protein Position": position,
            "Gene Name": gene, "Best MT IC50 Score": str(ic50), "Best MT Percentile": str(pct),
            # one model (vaxmix): the median over models is that model's score
            "Median MT IC50 Score": str(ic50), "Median MT Percentile": str(pct)}


FILTERED = pd.DataFrame([
    _row("P1", "VVVGADGVGK", "HLA-A*11:01", KRAS, 120.0, 0.4),
    _row("P1", "VVVGADGVGK", "HLA-A*11:01", KRAS, 90.0, 0.3),  # second transcript, same pair
    _row("P2", "VVVGADGVGK", "HLA-A*11:01", KRAS, 200.0, 0.9),
    _row("P3", "VVVGADGVGK", "HLA-A*11:01", KRAS, 50.0, 0.2),
    _row("P2", "VVGADGVGK", "HLA-A*03:01", KRAS, 300.0, 1.1),  # one patient only
    _row("P1", "HMTEVVRHC", "HLA-A*02:01", TP53, 400.0, 1.5),
    _row("P3", "HMTEVVRHC", "HLA-A*02:01", TP53, 450.0, 1.7),
    _row("P3", "HMTEVVRHC", "HLA-B*07:02", TP53, 480.0, 1.9),  # other allele: not shared
])  # fmt: skip
ALLELES = {
    "P1": ["HLA-A*11:01", "HLA-A*02:01"],
    "P2": ["HLA-A*11:01", "HLA-A*03:01"],
    "P3": ["HLA-A*11:01", "HLA-A*02:01", "HLA-B*07:02"],
    "P4": ["HLA-A*02:01", "HLA-B*07:02"],  # no shared epitope found in this patient
    "P5": ["HLA-A*24:02"],
}


def test_shared_pairs_counted_per_patient_not_per_row():
    shared = shared_neoantigens(FILTERED, ALLELES, min_patients=2)
    assert list(zip(shared["mt_epitope"], shared["allele"], shared["n_patients"],
                    strict=True)) == [("VVVGADGVGK", "HLA-A*11:01", 3),
                                      ("HMTEVVRHC", "HLA-A*02:01", 2)]  # fmt: skip
    kras = shared.iloc[0]
    assert kras["patients"] == "P1,P2,P3"
    assert kras["mutations"] == "KRAS G12D"
    assert kras["variants"] == "chr12:25245349-25245350 C>T"
    assert kras["best_ic50_nm"] == 50.0
    # per-patient bests 90 (P1), 200 (P2), 50 (P3): median 90
    assert kras["median_ic50_nm"] == 90.0
    assert kras["best_percentile"] == 0.2
    assert kras["patient_fraction"] == 0.6  # 3 of 5 patients
    assert kras["allele_carriers"] == 3 and kras["carriers_with_epitope"] == 1.0
    tp53 = shared.iloc[1]
    assert tp53["allele_carriers"] == 3  # P1, P3, P4 carry A*02:01; found in 2
    assert tp53["carriers_with_epitope"] == round(2 / 3, 4)
    assert len(shared_neoantigens(FILTERED, ALLELES, min_patients=4)) == 0


def test_hla_coverage_counts_carriers_of_any_allele():
    shared = shared_neoantigens(FILTERED, ALLELES, min_patients=2)
    coverage = hla_coverage(shared, ALLELES).set_index("mt_epitope")
    assert coverage.loc["VVVGADGVGK", "patients_covered"] == 3  # A*11:01: P1-P3
    assert coverage.loc["HMTEVVRHC", "patients_covered"] == 3  # A*02:01: P1, P3, P4
    # both together: P1-P4 carry A*11:01 or A*02:01, P5 neither
    assert coverage.loc["ALL", "patients_covered"] == 4
    assert coverage.loc["ALL", "coverage"] == 0.8


def test_recurrent_variants_list_each_patients_tier():
    aggregated = pd.DataFrame({
        "patient_id": ["P1", "P2", "P3", "P1"], "mhc_class": ["I"] * 4,
        "ID": ["chr12-1-2-C-T", "chr12-1-2-C-T", "chr12-1-2-C-T", "chr17-5-6-C-T"],
        "Gene": ["KRAS", "KRAS", "KRAS", "TP53"], "AA Change": ["G12D"] * 3 + ["R175H"],
        "Tier": ["Pass", "Poor", "Pass", "Pass"],
    })  # fmt: skip
    table = recurrent_variants(aggregated, min_patients=2)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["gene"], row["aa_change"], row["n_patients"]) == ("KRAS", "G12D", 3)
    assert row["tiers"] == "P1:Pass;P2:Poor;P3:Pass"


def test_empty_inputs_give_empty_tables():
    empty = pd.DataFrame(columns=["patient_id", "mhc_class"])
    assert shared_neoantigens(empty, {}).empty
    assert recurrent_variants(empty).empty
    assert hla_coverage(shared_neoantigens(empty, {}), {}).empty
