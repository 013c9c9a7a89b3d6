"""Censored-value encoding, targets, clusters and the inequality loss."""

from __future__ import annotations

import numpy as np
import pytest

from vaxmix.mhc.training.data import encode_inequalities, to_target
from vaxmix.mhc.training.dataset import peptide_clusters


def test_targets():
    assert to_target(np.array([1.0, 50_000.0, 1e6, 0.1])).tolist() == [1.0, 0.0, 0.0, 1.0]
    assert to_target(np.array([500.0]))[0] == pytest.approx(1 - np.log(500) / np.log(50_000))


def test_inequality_rules():
    nm = np.array([30.0, 19_999.0, 20_000.0, 35_000.0, 50.0, 500.0, 5_000.0, 70_422.5, 2_000.0])
    qual = np.array([False, False, False, False, True, True, True, True, True])
    # = ; = ; > (ceiling) ; > ; < ; < ; > ; > ; dropped (qualitative between 1,000 and 5,000)
    assert encode_inequalities(nm, qual).tolist() == [0, 0, 1, 1, 2, 2, 1, 1, -1]


def test_peptides_sharing_an_8mer_share_a_cluster():
    peptides = np.array(["AAAAAAAAK", "AAAAAAAKL", "GILGFVFTL", "XAAAAAAAK", "GILGFVFT"])
    cluster = peptide_clusters(peptides)
    # 0-1 share AAAAAAAK; 3 shares AAAAAAAK too; 2 and 4 share GILGFVFT
    assert cluster[0] == cluster[1] == cluster[3]
    assert cluster[2] == cluster[4] != cluster[0]


def test_inequality_loss_by_hand():
    torch = pytest.importorskip("torch")
    from vaxmix.mhc.training.network import inequality_mse

    pred = torch.tensor([0.5, 0.5, 0.5, 0.5, 0.5])
    target = torch.tensor([0.4, 0.6, 0.6, 0.4, 0.7])
    ineq = torch.tensor([0, 0, 1, 1, 2])
    # '=': 0.01 + 0.01; '>' nM (target upper bound): 0.5<0.6 ok -> 0, 0.5>0.4 -> 0.01;
    # '<' nM (target lower bound): 0.5<0.7 -> 0.04
    expected = (0.01 + 0.01 + 0.01 + 0.04) / 5
    assert float(inequality_mse(pred, target, ineq)) == pytest.approx(expected)
