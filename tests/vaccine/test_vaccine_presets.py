"""Preset loading, transparent scoring by hand, and missing evidence handling."""

from __future__ import annotations

import pandas as pd
import pytest

from vaxmix.common.errors import ConfigError, InputError
from vaxmix.vaccine.presets import available_presets, load_preset, score_epitopes


def table(**extra):
    base = {
        "peptide": ["AAAAAAAAV", "CCCCCCCCV", "DDDDDDDDV"],
        "wt_peptide": ["AAAAAAAAA", "", "DDDDDDDDA"],
        "allele": ["HLA-A*02:01"] * 3,
        "affinity_nm": [20.0, 100.0, 800.0],
        "percentile": [0.1, 1.0, 5.0],
        "tumor_abundance_tpm": [40.0, 10.0, 50.0],
        "agretopicity": [0.05, float("nan"), 0.5],
        "clonality": [1.0, 0.5, 1.0],
    }
    base.update(extra)
    return pd.DataFrame(base)


def test_shipped_presets_load():
    assert {"tesla", "tesla-strict", "binding"} <= set(available_presets())
    tesla = load_preset("tesla")
    assert tesla.max_affinity_nm == 500 and "Wells" in tesla.source


def test_tesla_values_by_hand():
    scored, warnings = score_epitopes(table(), load_preset("tesla"))
    # third epitope: 800 nM and 5 % -> not eligible
    assert list(scored["peptide"]) == ["AAAAAAAAV", "CCCCCCCCV"]
    # first: <34 nM x2, >33 TPM x2, agretopicity 0.05 < 0.1 x1.5, clonality 1, 40/(40+10)
    assert scored["value"].iloc[0] == pytest.approx(2 * 2 * 1.5 * 1.0 * 40 / 50)
    # second: no WT (frameshift) counts as agretopicity met x1.5, clonality 0.5, 10/(10+10)
    assert scored["value"].iloc[1] == pytest.approx(1 * 1 * 1.5 * 0.5 * 0.5)
    assert any("stability" in w and "not applied" in w for w in warnings)


def test_strict_preset_without_stability_is_an_error():
    with pytest.raises(InputError, match="stability"):
        score_epitopes(table(), load_preset("tesla-strict"), "all_epitopes.tsv")


def test_missing_abundance_is_an_error_for_tesla():
    t = table().drop(columns=["tumor_abundance_tpm"])
    with pytest.raises(InputError, match="Gene Expression"):
        score_epitopes(t, load_preset("tesla"))


def test_binding_preset_needs_no_expression():
    t = table().drop(columns=["tumor_abundance_tpm", "agretopicity", "clonality"])
    scored, _ = score_epitopes(t, load_preset("binding"))
    assert list(scored["value"]) == [2.0, 1.0]


def test_bad_preset_files(tmp_path):
    with pytest.raises(ConfigError, match="unknown preset"):
        load_preset("nonexistent")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[[criterion]]\nfeature = "colour"\nbelow = 1\n')
    with pytest.raises(ConfigError, match="colour"):
        load_preset(bad)
    bad.write_text('name = "x"\n[[criterion]]\nfeature = "affinity_nm"\n')
    with pytest.raises(ConfigError, match="below"):
        load_preset(bad)
