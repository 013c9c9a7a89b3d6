"""Panel selection rules: ex vivo first, receptor redundancy, indication cautions, reasons."""

from __future__ import annotations

import pandas as pd
import pytest

from vaxmix.common.errors import InputError
from vaxmix.virus.assay import AssayResult
from vaxmix.virus.catalog import load_catalog
from vaxmix.virus.expression import ExpressionProfile
from vaxmix.virus.genes import load_gene_table
from vaxmix.virus.rna_scoring import score_rna
from vaxmix.virus.select import PanelConfig, select_panel


def _rna(**overrides):
    tpm = {symbol: 10.0 for symbol in load_gene_table().records}
    tpm.update(overrides)
    return score_rna(load_catalog(), ExpressionProfile(tpm, "mem", ("gene",), "TPM", len(tpm), 0))


def _curve(virus, call, activity, sample="T", stype="tumor", log_ec50=-5.0, censored=""):
    return {
        "plate_id": "P",
        "sample_id": sample,
        "sample_type": stype,
        "virus_id": virus,
        "dose_unit": "dilution",
        "n_points": 12,
        "dose_min": 1e-7,
        "dose_max": 1e-2,
        "ec50": 10.0**log_ec50,
        "ec50_censored": censored,
        "ec50_ci_low": None,
        "ec50_ci_high": None,
        "log10_ec50": log_ec50,
        "activity": activity,
        "auc": 1 - activity,
        "flags": "",
        "call": call,
    }


def _assay(curves, selectivity=None):
    return AssayResult(
        pd.DataFrame(), pd.DataFrame(curves), pd.DataFrame(), pd.DataFrame(selectivity or []), {}
    )


def test_rna_only_panel_has_four_non_redundant_receptors():
    panel = select_panel(load_catalog(), "colorectal", rna=_rna())
    assert len(panel.picks) == 4
    receptors = [p.primary_receptor for p in panel.picks if p.primary_receptor]
    assert len(receptors) == len(set(receptors))
    assert all(p.tier == 1 for p in panel.picks)
    assert any("ex vivo assay plate" in m for m in panel.missing_inputs)
    # every catalog virus is either picked or rejected with a reason
    assert len(panel.picks) + len(panel.rejections) == len(load_catalog())
    assert all(r.reasons for r in panel.rejections)


def test_ex_vivo_outranks_rna_and_resistant_is_rejected():
    assay = _assay(
        [
            _curve("E12", "sensitive", 0.3),
            _curve("SVV", "intermediate", 0.2),
            _curve("CVA21", "resistant", 0.02, censored=">"),
        ]
    )
    panel = select_panel(load_catalog(), "melanoma", rna=_rna(), assay=assay)
    assert [p.virus_id for p in panel.picks[:2]] == ["E12", "SVV"]
    assert panel.picks[0].tier == 3 and panel.picks[1].tier == 2
    rejected = {r.virus_id: r.reasons[0] for r in panel.rejections}
    assert rejected["CVA21"] == "patient's tumor cells resistant ex vivo"
    # E7 shares FcRn with the picked E12
    assert rejected["E7"].startswith("redundant entry receptor FCGRT (already covered by E12)")


def test_non_selective_virus_rejected():
    assay = _assay(
        [
            _curve("PVSRIPO", "sensitive", 0.5),
            _curve("PVSRIPO", "sensitive", 0.6, sample="N", stype="normal"),
        ],
        [
            {
                "virus_id": "PVSRIPO",
                "tumor_sample": "T",
                "normal_sample": "N",
                "log10_selectivity": -0.3,
                "selectivity_bound": "",
                "delta_auc": -0.1,
            }
        ],
    )
    panel = select_panel(load_catalog(), "glioblastoma", rna=_rna(), assay=assay)
    rejected = {r.virus_id: r.reasons[0] for r in panel.rejections}
    assert rejected["PVSRIPO"].startswith("not selective")


def test_uveal_melanoma_caution_for_cva21():
    assay = _assay([_curve("CVA21", "sensitive", 0.6)])
    panel = select_panel(load_catalog(), "uveal_melanoma", rna=_rna(), assay=assay)
    pick = panel.picks[0]
    assert pick.virus_id == "CVA21"
    assert pick.evidence_level == "negative"
    assert any(
        c.startswith("no positive clinical evidence in uveal melanoma") for c in pick.cautions
    )


def test_gate_failure_rejects_untested_virus():
    panel = select_panel(load_catalog(), "colorectal", rna=_rna(PVR=0.1))
    rejected = {r.virus_id: r.reasons[0] for r in panel.rejections}
    assert rejected["PVSRIPO"].startswith(
        "RNA entry gate failed: obligatory receptor below 1 TPM: PVR 0.1 TPM"
    )


def test_max_viruses_and_exclusions():
    panel = select_panel(
        load_catalog(),
        "colorectal",
        rna=_rna(),
        config=PanelConfig(max_viruses=2, exclude=("HSV1",)),
    )
    assert len(panel.picks) == 2
    assert "HSV1" not in {p.virus_id for p in panel.picks}
    with pytest.raises(InputError, match="unknown indication"):
        select_panel(load_catalog(), "lung", rna=_rna())
    with pytest.raises(InputError, match="not in catalog: XYZ"):
        select_panel(load_catalog(), "colorectal", rna=_rna(), config=PanelConfig(exclude=("XYZ",)))


def test_neutralising_antibodies_reject_at_calm_threshold():
    # CALM excluded anti-CVA21 titres >= 1:16
    panel = select_panel(
        load_catalog(), "melanoma", rna=_rna(), serology={"CVA21": 16.0, "E7": 8.0}
    )
    rejected = {r.virus_id: r.reasons[0] for r in panel.rejections}
    assert rejected["CVA21"].startswith("pre-existing neutralising antibodies 1:16 >= 1:16")
    assert "E7" not in rejected or not rejected["E7"].startswith("pre-existing")
    assert not any("serology" in m for m in panel.missing_inputs)
