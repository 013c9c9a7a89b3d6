"""Tumor-RNA scoring: entry gate, IFN-pathway steps and ISG z-scores, checked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from vaxmix.virus.catalog import load_catalog
from vaxmix.virus.expression import ExpressionProfile
from vaxmix.virus.genes import load_gene_table
from vaxmix.virus.rna_scoring import load_gene_sets, score_rna


def _profile(**overrides: float) -> ExpressionProfile:
    tpm = {symbol: 10.0 for symbol in load_gene_table().records}
    tpm.update(overrides)
    return ExpressionProfile(tpm, "mem", ("gene",), "TPM", len(tpm), 0)


def test_all_expressed_pathway_intact():
    scores = score_rna(load_catalog(), _profile())
    pv = scores["PVSRIPO"]
    assert pv.gate == "pass"
    assert not pv.defense_broken
    # 0.5 × gate 1 + 0.3 × defense 0 + 0.2 × neutral ISG 0.5
    assert pv.score == pytest.approx(0.6)


def test_receptor_below_threshold_fails_gate_and_zeroes_score():
    scores = score_rna(load_catalog(), _profile(ICAM1=0.5))
    assert scores["CVA21"].gate == "fail"
    assert scores["CVA21"].score == 0.0
    assert "ICAM1 0.5 TPM" in scores["CVA21"].reasons[0]
    # CD55 is not obligatory for CVA21, so low CD55 alone does not gate
    assert score_rna(load_catalog(), _profile(CD55=0.0))["CVA21"].gate == "pass"


def test_fcrn_needs_both_chains():
    assert score_rna(load_catalog(), _profile(B2M=0.1))["E7"].gate == "fail"


def test_any_gate_passes_with_one_receptor():
    scores = score_rna(load_catalog(), _profile(CD46=0.0, SLAMF1=0.0, NECTIN4=5.0))
    assert scores["MV-EDM"].gate == "pass"
    scores = score_rna(load_catalog(), _profile(CD46=0.0, SLAMF1=0.0, NECTIN4=0.0))
    assert scores["MV-EDM"].gate == "fail"


def test_missing_receptor_is_unknown_not_fail():
    profile = _profile()
    del profile.tpm["PVR"]
    assert score_rna(load_catalog(), profile)["PVSRIPO"].gate == "unknown"


def test_jak1_loss_breaks_chain_for_every_virus():
    scores = score_rna(load_catalog(), _profile(JAK1=0.2))
    pv = scores["PVSRIPO"]
    assert pv.defense_broken
    assert [s.name for s in pv.defense_steps if s.state == "broken"] == ["JAK-STAT (ISGF3)"]
    assert pv.score == pytest.approx(0.5 + 0.3 + 0.1)
    # not-gated virus: 0.5 × 0.5 + 0.3 + 0.1
    assert scores["VSV"].score == pytest.approx(0.65)


def test_sensor_step_depends_on_genome():
    # cGAS lost: DNA sensing broken (HSV-1), RNA sensing untouched (poliovirus)
    scores = score_rna(load_catalog(), _profile(CGAS=0.0))
    assert scores["HSV1"].defense_broken
    assert not scores["PVSRIPO"].defense_broken
    # redundant RNA sensors: one of RIG-I/MDA5 is enough
    assert not score_rna(load_catalog(), _profile(RIGI=0.0))["PVSRIPO"].defense_broken
    assert score_rna(load_catalog(), _profile(RIGI=0.0, IFIH1=0.0))["PVSRIPO"].defense_broken


def test_isg_z_against_reference_cohort():
    isg = load_gene_sets().isg_genes
    profile = _profile(**{g: 3.0 for g in isg})  # log2(3 + 1) = 2
    # cohort per gene: TPM 0, 1, 3 → log2(TPM+1) = 0, 1, 2: mean 1, sd 1 → z = +1
    reference = pd.DataFrame({"s1": 0.0, "s2": 1.0, "s3": 3.0}, index=list(isg))
    pv = score_rna(load_catalog(), profile, reference=reference)["PVSRIPO"]
    assert pv.isg_z == pytest.approx(1.0)
    assert pv.isg_mean_log2tpm == pytest.approx(2.0)
    # 1 − Φ(1) = 0.158655 (normal table)
    assert pv.score == pytest.approx(0.5 + 0.0 + 0.2 * 0.158655, abs=1e-4)


def test_single_cell_fraction_caution():
    scores = score_rna(load_catalog(), _profile(), cell_fractions={"PVR": 0.05})
    assert any("only 5% of tumor cells express PVR" in r for r in scores["PVSRIPO"].reasons)
