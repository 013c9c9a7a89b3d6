"""Evaluation metrics by hand; the logistic fit agrees with statsmodels' unpenalised Logit."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from vaxmix.vaccine.immunogenicity import (
    average_precision,
    fit_logistic,
    grouped_folds,
    peptide_features,
    predict_logistic,
    reliability,
    roc_auc,
)


def test_auc_and_ap_by_hand():
    y = np.array([1, 0, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.1])
    assert roc_auc(y, s) == pytest.approx(3 / 4)
    assert average_precision(y, s) == pytest.approx((1 + 2 / 3) / 2)
    assert roc_auc(y, np.zeros(4)) == pytest.approx(0.5)


def test_logistic_matches_statsmodels_without_penalty():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (rng.random(400) < 1 / (1 + np.exp(-(0.5 + 1.5 * x[:, 0] - x[:, 1])))).astype(int)
    model = fit_logistic(x, y, l2=1e-8)
    reference = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
    ours = predict_logistic(model, x)
    assert np.allclose(ours, reference.predict(sm.add_constant(x)), atol=1e-4)


def test_features_folds_and_reliability():
    feats = peptide_features(["SIINFEKL", "GILGFVFTL"])
    assert feats.shape == (2, 26)
    # SIINFEKL core positions 4..7 = N F E K -> each 1/4
    assert feats[0, "ACDEFGHIKLMNPQRSTVWY".index("N")] == pytest.approx(0.25)
    folds = grouped_folds(["a", "b", "a", "c"], k=2)
    assert folds[0] == folds[2]
    curve = reliability(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]), bins=2)
    assert [round(c[2], 2) for c in curve] == [0.0, 1.0]


def test_research_model_from_a_users_file(tmp_path):
    import random

    from vaccine_fakes import anchor_rule_binds, fake_predict

    from vaxmix.common.errors import InputError
    from vaxmix.vaccine.design import normalize_alleles
    from vaxmix.vaccine.immunogenicity import research_probability, train_research_model

    rng = random.Random(3)
    rows = ["peptide,allele,immunogenic"]
    for _ in range(120):
        peptide = "".join(rng.choice("ACDEFGHIKLMNPQRSTVWY") for _ in range(9))
        if rng.random() < 0.3:
            peptide = peptide[0] + "L" + peptide[2:8] + "V"
        rows.append(f"{peptide},A0201,{int(anchor_rule_binds(peptide))}")
    path = tmp_path / "train.csv"
    path.write_text("\n".join(rows) + "\n")
    model, n, pos = train_research_model(path, fake_predict, normalize_alleles)
    assert n == 120 and 0 < pos < 120
    probs = research_probability(
        model, ["SLAAAAAAV", "SAAAAAAAA"], ["HLA-A*02:01"] * 2, fake_predict
    )
    assert probs[0] > 0.5 > probs[1]
    bad = tmp_path / "bad.csv"
    bad.write_text("peptide,allele\nSIINFEKL,A0201\n")
    with pytest.raises(InputError, match="Immunogenicity"):
        train_research_model(bad, fake_predict, normalize_alleles)
