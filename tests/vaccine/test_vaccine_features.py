"""Features against values worked out by hand from their published definitions."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from vaxmix.vaccine.features import (
    agretopicity,
    clonality,
    gravy,
    manufacturability,
    max_window_gravy,
    processing_proxy,
    tcr_contact_hydrophobic_fraction,
)


def test_gravy_kyte_doolittle_by_hand():
    # I 4.5, R -4.5, A 1.8, C 2.5 (Kyte & Doolittle 1982 Table 2)
    assert gravy("IR") == pytest.approx(0.0)
    assert gravy("AC") == pytest.approx((1.8 + 2.5) / 2)
    # 8 residues: IIIIIII + R -> best 7-window is the seven I's
    assert max_window_gravy("IIIIIIIR") == pytest.approx(4.5)


def test_manufacturability_flags():
    flags = manufacturability("QCDPGDGNGC")
    assert flags["length"] == 10
    assert flags["cysteine_count"] == 2
    assert flags["n_terminal_qec"] is True
    assert flags["dp_count"] == 1
    assert flags["dg_count"] == 1
    assert flags["ng_count"] == 1
    assert manufacturability("AAAA")["n_terminal_qec"] is False


def test_tcr_contact_fraction_positions_4_to_l_minus_1():
    # 9-mer: positions 4..8 (1-based) = "LAGKF" -> L, A, F hydrophobic = 3/5
    assert tcr_contact_hydrophobic_fraction("SYNLAGKFV") == pytest.approx(3 / 5)


def test_processing_proxy():
    assert processing_proxy("SIINFEKL") == 1.0
    assert processing_proxy("SIINFEKL", "P") == 0.5
    assert processing_proxy("SIINFEKK") == 0.75
    assert processing_proxy("SIINFEKD") == 0.25


def test_agretopicity_and_clonality():
    ratio = agretopicity(pd.Series([10.0, 50.0, 5.0]), pd.Series([100.0, None, 0.0]))
    assert ratio.iloc[0] == pytest.approx(0.1)
    assert math.isnan(ratio.iloc[1]) and math.isnan(ratio.iloc[2])
    ccf = clonality(pd.Series([0.2, 0.6, None]), 0.4)
    assert ccf.iloc[0] == pytest.approx(0.5)
    assert ccf.iloc[1] == pytest.approx(1.0)
    assert math.isnan(ccf.iloc[2])


def test_design_clonal_vaf_is_the_tiers_clonal_vaf(hcc_dir, predict):
    """One clonal VAF per patient: pVACseq's rule, worked from the fixture's DNA VAFs by hand
    (the largest VAF below 0.6, capped at 0.5; purity / 2 when a purity is given)."""
    from vaxmix.vaccine.config import DesignConfig
    from vaxmix.vaccine.design import design_vaccine

    vafs = pd.read_csv(hcc_dir / "all_epitopes.tsv", sep="\t")["Tumor DNA VAF"]
    by_hand = min(vafs[vafs < 0.6].max(), 0.5)
    result = design_vaccine(hcc_dir, DesignConfig(n_peptides=2), predict=predict)
    assert result.summary["clonal_vaf"] == pytest.approx(by_hand)
    chosen = result.selection.iloc[0]
    assert chosen["clonality"] == pytest.approx(min(1.0, chosen["dna_vaf"] / by_hand))
    result = design_vaccine(hcc_dir, DesignConfig(n_peptides=2, purity=0.8), predict=predict)
    assert result.summary["clonal_vaf"] == pytest.approx(0.4)


def test_design_takes_the_runs_tumor_purity(designed_run_copy, predict):
    """A purity given to ``vaxmix run`` (run.json parameters.ranking.tumor_purity) is the one
    the tiers used; a design from that folder without --purity uses it too: 0.6 / 2 = 0.3."""
    import json

    from vaxmix.vaccine.config import DesignConfig
    from vaxmix.vaccine.design import design_vaccine

    run_json = designed_run_copy / "run.json"
    run = json.loads(run_json.read_text())
    run["parameters"]["ranking"]["tumor_purity"] = 0.6
    run_json.write_text(json.dumps(run))
    result = design_vaccine(designed_run_copy, DesignConfig(n_peptides=2), predict=predict)
    assert result.summary["clonal_vaf"] == pytest.approx(0.3)
    # the design's own --purity wins, and the disagreement is said
    result = design_vaccine(designed_run_copy, DesignConfig(n_peptides=2, purity=0.8),
                            predict=predict)  # fmt: skip
    assert result.summary["clonal_vaf"] == pytest.approx(0.4)
    assert any("differs from the run's tumor purity 0.6" in w for w in result.warnings)
