"""Censored-value encoding, targets, clusters, the inequality loss and the ligand sources."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vaxmix.mhc.training.data import encode_inequalities, to_target
from vaxmix.mhc.training.dataset import peptide_clusters

DATA = Path(__file__).parent / "data"


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


def test_immunotype_ligands_are_read_from_the_wheel_and_filtered():
    from vaxmix.mhc.alleles import pseudosequence_table
    from vaxmix.mhc.training.data import load_immunotype_ligands

    frame = load_immunotype_ligands(DATA / "immunotype-mini.whl", pseudosequence_table())
    # 70 rows in the fixture: two 7-mers and a 15-mer fall outside 8-14 residues
    assert len(frame) == 67
    assert frame["peptide"].str.len().between(8, 14).all()
    assert set(frame["allele"]) <= {"HLA-A*02:01", "HLA-B*07:02", "HLA-A*11:01"}
    assert ("APVVGILVL", "HLA-B*07:02") in set(zip(frame["peptide"], frame["allele"], strict=True))


def test_dataset_keeps_a_ligand_in_maptac_and_immunotype_once(tmp_path):
    import pandas as pd

    from vaxmix.mhc.training.dataset import build_dataset

    plain = build_dataset(DATA / "mhcnuggets-mini.whl", DATA / "maptac-mini", tmp_path / "a.npz")
    summary = build_dataset(DATA / "mhcnuggets-mini.whl", DATA / "maptac-mini",
                            tmp_path / "b.npz", immunotype_wheel=DATA / "immunotype-mini.whl")
    # 37 of the fixture's 67 usable pairs are also MAPTAC ligands of the same allele (by
    # construction of the fixture, tests/mhc/data/SOURCE.md): only 30 are new
    assert summary["immunotype_ligands"] == 30
    assert summary["ligands"] == plain["ligands"] + 30
    with np.load(tmp_path / "b.npz") as data:
        pairs = pd.DataFrame({"p": data["el_peptide"], "a": data["el_allele"]})
        assert not pairs.duplicated().any()
        assert (data["el_source"] == 1).sum() == 30
        assert "immunotype_wheel" in str(data["provenance"])


def test_training_wheels_come_from_the_cache_without_pip(tmp_path, monkeypatch):
    from vaxmix.mhc.training import run

    cached = tmp_path / "immunotype-1.0.5-py3-none-any.whl"
    cached.write_bytes(b"cached")
    (tmp_path / "immunotype-1.0.4-py3-none-any.whl").write_bytes(b"other version")
    monkeypatch.setattr(run.subprocess, "run", lambda *a, **k: pytest.fail("pip must not run"))
    assert run.download_immunotype_wheel(tmp_path) == cached
