"""Per-variant reasons: why each candidate is in the vaccine or not (hand-made tables).

Each variant below is built to fail exactly one step of the design, so the expected reason is
known by construction: A is chosen; B is eligible but its tumor abundance is unknown (no RNA VAF)
so TESLA's abundance weight A/(A+10) is 0; C binds too weakly (900 nM, percentile 5); D has a
window but the vaccine holds one peptide and A's value is higher; E has epitopes only on a
molecule outside the design's alleles. A's class II row lies on another transcript (another
Index) and must still be one row.
"""

from __future__ import annotations

import math

import pandas as pd

from vaxmix.vaccine.presets import load_preset
from vaxmix.vaccine.reasons import REASON_COLUMNS, candidate_reasons

NAN = math.nan
A, B, C, D, E = (f"chr1-{p}-{p}-A-T" for p in (10, 20, 30, 40, 50))


def _aggregated(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["ID", "Index", "Gene", "Tier"]).assign(
        **{"AA Change": "X1Y"}
    )


def _inputs() -> dict:
    class1 = _aggregated([
        (A, "1.GA.T1.missense.5A/T", "GA", "Pass"),
        (B, "2.GB.T1.missense.5C/G", "GB", "Pass"),
        (C, "3.GC.T1.missense.5G/A", "GC", "Poor"),
        (D, "4.GD.T1.missense.5T/C", "GD", "Pass"),
    ])  # fmt: skip
    class2 = _aggregated([
        (A, "5.GA.T2.missense.7A/T", "GA", "PoorPresentation"),
        (E, "6.GE.T1.missense.5A/T", "GE", "Poor"),
    ])  # fmt: skip
    featured = pd.DataFrame({
        "mutation": [A, B, C, D, E],
        "allele": ["HLA-A*02:01"] * 4 + ["HLA-DRB1*01:01"],
        "peptide": ["AAAAAAAAA", "BBBBBBBBB", "CCCCCCCCC", "DDDDDDDDD", "EEEEEEEEEEEEEEE"],
        "affinity_nm": [20.0, 50.0, 900.0, 100.0, 30.0],
        "percentile": [0.1, 0.3, 5.0, 0.8, 0.2],
        "gene_expression_tpm": [40.0, 30.0, 40.0, 40.0, 40.0],
        "rna_vaf": [0.5, NAN, 0.5, 0.5, 0.5],
    })  # fmt: skip
    featured["tumor_abundance_tpm"] = featured["gene_expression_tpm"] * featured["rna_vaf"]
    eligible = featured[featured["mutation"].isin([A, B, D])].copy()
    eligible["weight_abundance"] = [20 / 30, 0.0, 20 / 30]
    eligible["value"] = [2.0, 0.0, 0.5]
    windows = pd.DataFrame({"mutation": [A, D], "sequence": ["W" * 25, "V" * 25],
                            "value": [2.0, 0.5]})  # fmt: skip
    selection = pd.DataFrame({
        "order": [1], "name": ["GA_5A-T"], "mutation": [A], "value": [2.0], "n_epitopes": [1],
        "best_epitope": ["AAAAAAAAA"], "best_allele": ["HLA-A*02:01"], "best_affinity_nm": [20.0],
        "alleles_covered": ["HLA-A*02:01"],
    })  # fmt: skip
    return {"aggregated": class1, "class2_aggregated": class2, "featured": featured,
            "eligible": eligible, "windows": windows, "selection": selection,
            "alleles": ["HLA-A*02:01"], "preset": load_preset("tesla"), "n_peptides": 1}


def test_one_row_per_variant_with_the_step_that_kept_it_out() -> None:
    table = candidate_reasons(**_inputs())
    assert list(table.columns) == REASON_COLUMNS
    assert list(table["variant"]) == [A, B, C, D, E]  # class I order, then class II only
    rows = table.set_index("variant")

    a = rows.loc[A]  # class I and class II on different transcripts: one row
    assert (a["class1_tier"], a["class2_tier"]) == ("Pass", "PoorPresentation")
    assert a["class2_index"] == "5.GA.T2.missense.7A/T"
    assert (a["in_vaccine"], a["long_peptide"]) == ("yes", "GA_5A-T")
    assert "long peptide 1 of 1" in a["reason"] and "(20 nM)" in a["reason"]

    b = rows.loc[B]  # Pass, eligible, but unknown abundance gives weight 0
    assert b["in_vaccine"] == "no" and b["class1_tier"] == "Pass"
    assert "unknown (no RNA VAF)" in b["reason"] and "A/(A+10) is 0" in b["reason"]

    c = rows.loc[C]
    assert "no epitope eligible" in c["reason"]
    assert "900 nM" in c["reason"] and "percentile 5 > 2" in c["reason"]

    d = rows.loc[D]  # a window, but the one slot went to A (value 2 > 0.5)
    assert "not chosen" in d["reason"] and "best window value 0.5" in d["reason"]
    assert "at most 1 long peptides" in d["reason"] and "lowest chosen value is 2" in d["reason"]

    e = rows.loc[E]
    assert e["class1_tier"] == "" and e["class2_tier"] == "Poor"
    assert "outside the design's alleles" in e["reason"]
    assert set(table["in_vaccine"]) == {"yes", "no"}
    assert (table["reason"].str.len() > 0).all()
