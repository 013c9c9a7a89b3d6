"""The public predictor: contract, numbers and biology."""

from __future__ import annotations

import numpy as np
import pytest

import vaxmix.mhc as mhc
from vaxmix.common.errors import InputError
from vaxmix.mhc.calibration import background_peptides
from vaxmix.mhc.model import default_ensemble, target_to_nm
from vaxmix.mhc.predict import validate_peptides

# Well-characterised viral T-cell epitopes and their restricting alleles (IEDB; e.g. flu M1
# GILGFVFTL/A*02:01, CMV pp65 NLVPMVATV/A*02:01, CMV IE1 KLGGALQAK/A*03:01, CMV pp65
# TPRVTGGGAM/B*07:02, EBV BZLF1 RAKFKQLL/B*08:01).
EPITOPES = {
    "GILGFVFTL": "HLA-A*02:01",
    "NLVPMVATV": "HLA-A*02:01",
    "KLGGALQAK": "HLA-A*03:01",
    "TPRVTGGGAM": "HLA-B*07:02",
    "RAKFKQLL": "HLA-B*08:01",
}


def test_contract_rows_columns_and_order():
    frame = mhc.predict(["SIINFEKL", "GILGFVFTL"], ["HLA-A*02:01", "HLA-B*82:02"])
    assert list(frame.columns) == mhc.COLUMNS
    assert frame[["peptide", "allele"]].values.tolist() == [
        ["SIINFEKL", "HLA-A*02:01"], ["SIINFEKL", "HLA-B*82:02"],
        ["GILGFVFTL", "HLA-A*02:01"], ["GILGFVFTL", "HLA-B*82:02"],
    ]
    assert (frame["affinity_nm"] > 0).all() and (frame["affinity_nm"] <= 50_000).all()
    assert frame["percentile"].between(0, 100).all()
    assert frame["presentation_score"].between(0, 1).all()
    assert frame["model"].nunique() == 1 and frame["model"].iloc[0].startswith("vaxmix-mhc1")


def test_spellings_and_case_are_normalised():
    frame = mhc.predict(["gilgfvftl"], ["A0201"])
    assert frame[["peptide", "allele"]].values.tolist() == [["GILGFVFTL", "HLA-A*02:01"]]


def test_empty_inputs_give_empty_frame_with_columns():
    assert list(mhc.predict([], ["HLA-A*02:01"]).columns) == mhc.COLUMNS


@pytest.mark.parametrize("bad", ["SIINFEK", "SIINFEKLSIINFEKL", "SIINFEKX", "SIIN FEKL"])
def test_bad_peptides_raise_input_error(bad):
    with pytest.raises(InputError, match="peptide"):
        mhc.predict([bad], ["HLA-A*02:01"])


def test_known_epitopes_rank_as_binders_of_their_allele():
    peptides, alleles = list(EPITOPES), sorted(set(EPITOPES.values()))
    frame = mhc.predict(peptides, alleles)
    pct = frame.pivot(index="peptide", columns="allele", values="percentile")
    for peptide, allele in EPITOPES.items():
        assert pct.loc[peptide, allele] < 2.0, (peptide, allele, pct.loc[peptide, allele])
        # and it ranks better on its own allele than on any allele of another supertype
        others = [a for a in alleles if a != allele and EPITOPES.get(peptide) != a
                  and not (a.startswith("HLA-A*02") and allele.startswith("HLA-A*02"))]
        assert pct.loc[peptide, allele] < pct.loc[peptide, others].min()


def test_allele_without_training_data_works():
    frame = mhc.predict(["GILGFVFTL", "AAAAAAAAA"], ["HLA-B*82:02", "HLA-C*17:01"])
    assert len(frame) == 4 and frame["percentile"].notna().all()


def test_percentiles_are_uniform_on_the_background():
    """By definition, background peptides' own ranks are ~uniform on (0, 100)."""
    background = list(background_peptides()[::50])  # 2,000 peptides, all lengths
    frame = mhc.predict(background, ["HLA-A*02:01", "HLA-B*82:02"])
    for _, part in frame.groupby("allele"):
        pct = part["percentile"].to_numpy()
        assert abs(np.mean(pct < 2.0) - 0.02) < 0.015
        assert abs(np.median(pct) - 50) < 5


def test_affinity_is_the_inverse_target_transform():
    assert target_to_nm(np.array([1.0]))[0] == pytest.approx(1.0)
    assert target_to_nm(np.array([0.0]))[0] == pytest.approx(50_000.0)
    expected = 50_000 ** (1 - 0.5)
    assert target_to_nm(np.array([0.5]))[0] == pytest.approx(expected)


def test_numpy_scoring_matches_a_direct_forward_pass():
    """Split first-layer inference equals the plain concatenated MLP, computed independently."""
    ensemble = default_ensemble()
    from vaxmix.mhc.alleles import pseudosequence
    from vaxmix.mhc.encoding import encode_peptides, encode_pseudosequences

    peptides = ["GILGFVFTL", "SIINFEKL", "KLGGALQAKRT"]
    pseudo = pseudosequence("HLA-A*02:01")
    x_pep = encode_peptides(peptides, ensemble.blosum).astype(np.float64)
    x_all = encode_pseudosequences([pseudo], ensemble.blosum).astype(np.float64)
    k, h, _ = ensemble.w2.shape
    probs = []
    for m in range(k):
        w1 = np.concatenate([ensemble.w_peptide[:, m * h:(m + 1) * h],
                             ensemble.w_allele[:, m * h:(m + 1) * h]])
        x = np.concatenate([x_pep, np.repeat(x_all, len(peptides), axis=0)], axis=1)
        h1 = np.maximum(x @ w1 + ensemble.b1[m * h:(m + 1) * h], 0)
        h2 = np.maximum(h1 @ ensemble.w2[m] + ensemble.b2[m], 0)
        probs.append(1 / (1 + np.exp(-(h2 @ ensemble.w_out[m] + ensemble.b_out[m]))))
    expected = np.mean(probs, axis=0)
    frame = mhc.predict(peptides, ["HLA-A*02:01"])
    np.testing.assert_allclose(frame["presentation_score"], expected[:, 1], rtol=1e-4)
    np.testing.assert_allclose(frame["affinity_nm"], 50_000 ** (1 - expected[:, 0]), rtol=1e-3)


def test_torch_path_matches_numpy():
    pytest.importorskip("torch")
    peptides = ["GILGFVFTL", "SIINFEKL", "KLGGALQAKRT", "TPRVTGGGAM"]
    alleles = ["HLA-A*02:01", "HLA-B*07:02"]
    numpy_frame = mhc.predict(peptides, alleles)
    torch_frame = mhc.predict(peptides, alleles, device="cpu:0")
    np.testing.assert_allclose(torch_frame["presentation_score"],
                               numpy_frame["presentation_score"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(torch_frame["affinity_nm"], numpy_frame["affinity_nm"], rtol=1e-3)


def test_first_bad_peptide_is_named_with_its_line():
    with pytest.raises(InputError) as info:
        validate_peptides(["SIINFEKL", "GILGFVFTL", "GILGFVFTÉ", "SIINFEK"], source="p.txt")
    assert info.value.line == 3 and "GILGFVFTÉ" in str(info.value)
    assert validate_peptides([" siinfekl ", "GILGFVFTL"]) == ["SIINFEKL", "GILGFVFTL"]


def test_fused_scoring_equals_the_two_step_path():
    """score_peptides (predict's CPU path) = peptide_hidden + score_cross, bit for bit."""
    from vaxmix.mhc.alleles import pseudosequence

    ensemble = default_ensemble()
    peptides = [*background_peptides()[:1500], "GILGFVFTL", "KLGGALQAKRTLL"]
    allele_hidden = ensemble.allele_hidden([pseudosequence("HLA-A*02:01"),
                                            pseudosequence("HLA-C*07:02")])
    two_step = ensemble.score_cross(ensemble.peptide_hidden(peptides), allele_hidden)
    fused = ensemble.score_peptides(peptides, allele_hidden, chunk=256)
    for a, b in zip(two_step, fused, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_percentile_ranks_the_mean_of_both_head_percentiles():
    """``percentile`` = share of background peptides whose mean head percentile is at least as
    good, recomputed here with exact empirical ranks (no threshold tables)."""
    from vaxmix.mhc.alleles import pseudosequence_table

    background = background_peptides()
    ensemble = default_ensemble()
    hidden = ensemble.allele_hidden([pseudosequence_table()["HLA-A*02:01"]])
    aff_bg, pres_bg = (x[:, 0].astype(np.float64)
                       for x in ensemble.score_peptides(background, hidden))

    def rank(bg: np.ndarray, query: np.ndarray) -> np.ndarray:  # % of bg scoring >= query
        return 100.0 * (len(bg) - np.searchsorted(np.sort(bg), query, side="left")) / len(bg)

    mean_bg = 0.5 * (rank(aff_bg, aff_bg) + rank(pres_bg, pres_bg))
    queries = [*EPITOPES, *background[1::997][:100]]
    frame = mhc.predict(queries, ["HLA-A*02:01"])
    aff_q, pres_q = (x[:, 0].astype(np.float64)
                     for x in ensemble.score_peptides(tuple(queries), hidden))
    mean_q = 0.5 * (rank(aff_bg, aff_q) + rank(pres_bg, pres_q))
    expected = 100.0 * np.searchsorted(np.sort(mean_bg), mean_q, side="right") / len(mean_bg)
    got = frame["percentile"].to_numpy()
    # threshold tables interpolate on a 1,001-level grid: close, not bit-equal
    assert np.abs(got - expected).max() < 0.2
    assert np.abs(got - expected)[expected < 5].max() < 0.02


def test_shipped_percentile_tables_belong_to_the_shipped_model():
    """The tables shipped beside the weights are used (not silently recomputed): one per
    training allele, three score kinds each."""
    from vaxmix.mhc.calibration import (
        PERCENTILE_FILE,
        RANK_GRID,
        SCORE_KINDS,
        shipped_thresholds,
    )

    tables = shipped_thresholds("vaxmix.mhc", PERCENTILE_FILE, default_ensemble().name,
                                kinds=SCORE_KINDS)
    assert "HLA-A*29:02" in tables and "HLA-B*45:01" in tables
    assert len(tables) >= 150
    assert {t.shape for t in tables.values()} == {(SCORE_KINDS, len(RANK_GRID))}
