"""``vaxmix mhc train`` end to end on a miniature copy of the real inputs (needs torch)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vaxmix.cli import main

DATA = Path(__file__).parent / "data"


def test_train_exports_a_numpy_model_that_predicts(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "model"
    code = main(["mhc", "train", "--mhcnuggets-wheel", str(DATA / "mhcnuggets-mini.whl"),
                 "--hitlist-wheel", str(DATA / "hitlist-mini.whl"),
                 "--immunotype-wheel", str(DATA / "immunotype-mini.whl"), "--multiallelic-weight",
                 "0.5", "--maptac-dir", str(DATA / "maptac-mini"), "--out", str(out),
                 "--models", "1", "--epochs", "1", "--version", "0.0.1-test"])
    assert code == 0
    summary = json.loads((out / "training.json").read_text())
    assert summary["model"] == "vaxmix-mhc1 0.0.1-test"
    assert summary["config"]["multiallelic_weight"] == 0.5
    # the cell-line ligands trained: 150 minus the ~5 % drawn for validation
    used = int(summary["log"][0].rsplit("+ ", 1)[1].split()[0])
    assert 130 <= used < 150
    assert len(summary["training_data"]["mhcnuggets_wheel"]["sha256"]) == 64
    assert len(summary["training_data"]["hitlist_wheel"]["sha256"]) == 64
    assert len(summary["training_data"]["immunotype_wheel"]["sha256"]) == 64
    with np.load(out / "train_class1.npz") as data:
        # H-2 rows are dropped; the three HLA alleles (and MAPTAC's) remain, plus the cell
        # lines' genotypes (JY, HeLa, Raji, SK-MEL-37, HAP1 as published)
        genotypes = {"HLA-A*02:01", "HLA-B*07:02", "HLA-C*07:02", "HLA-A*68:02", "HLA-B*15:03",
                     "HLA-C*12:03", "HLA-A*03:01", "HLA-B*15:10", "HLA-C*03:04", "HLA-C*04:01",
                     "HLA-A*11:01", "HLA-B*15:01", "HLA-B*56:01", "HLA-C*01:02", "HLA-B*40:01"}
        assert set(data["alleles"]) == {"HLA-A*02:01", "HLA-B*07:02", "HLA-A*11:01"} | genotypes
        assert set(np.unique(data["ba_inequality"])) <= {0, 1, 2}
        # the fixture holds 30 peptides of 8-11 residues and 3 longer ones per cell line
        assert len(data["ma_peptide"]) == 150
        assert set(np.char.str_len(data["ma_peptide"])) <= {8, 9, 10, 11}
        hela = data["ma_samples"].tolist().index("HeLa")
        names = {str(data["alleles"][a]) for a in data["ma_genotypes"][hela]}
        assert names == {"HLA-A*68:02", "HLA-B*15:03", "HLA-C*12:03"}
    import vaxmix.mhc as mhc

    frame = mhc.predict(["GILGFVFTL", "SIINFEKL"], ["HLA-A*02:01", "HLA-B*82:02"],
                        model=out / "class1_ensemble.npz")
    assert len(frame) == 4 and (frame["model"] == "vaxmix-mhc1 0.0.1-test").all()
    assert frame["percentile"].between(0, 100).all()


def test_training_is_reproducible_with_a_seed(tmp_path):
    pytest.importorskip("torch")
    from vaxmix.mhc.training.dataset import build_dataset
    from vaxmix.mhc.training.train import TrainConfig, load_dataset, train_member

    build_dataset(DATA / "mhcnuggets-mini.whl", DATA / "maptac-mini", tmp_path / "d.npz")
    data = load_dataset(tmp_path / "d.npz")
    config = TrainConfig(epochs=1, seed=7)
    first = train_member(data, config, 0, [])
    second = train_member(data, config, 0, [])
    other = train_member(data, config, 1, [])  # another member: another seed
    np.testing.assert_array_equal(first["w2"], second["w2"])
    assert not np.array_equal(first["w2"], other["w2"])


def test_missing_maptac_dir_is_input_error(tmp_path, capsys):
    pytest.importorskip("torch")
    code = main(["mhc", "train", "--mhcnuggets-wheel", str(DATA / "mhcnuggets-mini.whl"),
                 "--out", str(tmp_path / "m")])
    assert code == 2 and "--maptac-dir" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_ligand_affinity_rows_skip_validation_positives_and_binders():
    pytest.importorskip("torch")
    from vaxmix.mhc.training.train import ligand_affinity_rows

    # 4 ligands then 3 strong binders; ligand 1 and binder 5 are validation positives
    is_validation = np.array([False, True, False, False, False, True, False])
    assert ligand_affinity_rows(is_validation, 4, 500.0).tolist() == [0, 2, 3]
    assert ligand_affinity_rows(is_validation, 4, None).tolist() == []


def test_without_multiallelic_data_the_dataset_has_none(tmp_path, capsys):
    pytest.importorskip("torch")
    out = tmp_path / "model"
    code = main(["mhc", "train", "--mhcnuggets-wheel", str(DATA / "mhcnuggets-mini.whl"),
                 "--maptac-dir", str(DATA / "maptac-mini"), "--out", str(out), "--models", "1",
                 "--epochs", "1"])
    assert code == 0
    with np.load(out / "train_class1.npz") as data:
        assert len(data["ma_peptide"]) == 0
        assert set(data["alleles"]) == {"HLA-A*02:01", "HLA-B*07:02", "HLA-A*11:01"}
    code = main(["mhc", "train", "--dataset", str(out / "train_class1.npz"),
                 "--multiallelic-weight", "0.5", "--out", str(tmp_path / "m2")])
    assert code == 2 and "--multiallelic-weight" in capsys.readouterr().err
    assert not (tmp_path / "m2").exists()


def test_a_ligand_needs_only_one_allele_of_its_genotype_to_bind(tmp_path):
    """Multiple-instance affinity loss: zero when any genotype allele reaches 500 nM."""
    torch = pytest.importorskip("torch")
    from vaxmix.mhc.training.dataset import build_dataset
    from vaxmix.mhc.training.train import TrainConfig, _Encoder, _MultiAllelic, load_dataset

    build_dataset(DATA / "mhcnuggets-mini.whl", DATA / "maptac-mini", tmp_path / "d.npz",
                  DATA / "hitlist-mini.whl")
    data = load_dataset(tmp_path / "d.npz")
    encoder = _Encoder(torch.device("cpu"))
    decoy_slots, decoy_len = encoder.slots(data["decoy_peptide"])
    config = TrainConfig(multiallelic_weight=0.5, multiallelic_decoy_ratio=1.0)
    multi = _MultiAllelic(data, config, encoder, decoy_slots, decoy_len,
                          np.random.default_rng(0), torch.Generator().manual_seed(0),
                          torch.device("cpu"))
    strong = float(np.log(0.99 / 0.01))  # sigmoid 0.99: ~1.1 nM, far below 500 nM

    def fake_model(features, allele_features, allele_index):
        """Allele 0 binds everything strongly, every other allele nothing."""
        affinity = torch.where(allele_index == 0, strong, -strong)
        return torch.stack([affinity, torch.zeros_like(affinity)], dim=1)

    slots, lengths = multi.slots[:4], multi.lengths[:4]
    labels = torch.ones(4)
    with_binder = torch.tensor([[0, 1, 2]] * 4)
    without = torch.tensor([[1, 2, 2]] * 4)
    bce = float(np.log(2.0))  # presentation logits are 0 for every allele
    loss_with = multi.loss(fake_model, None, (slots, lengths, with_binder, labels))
    loss_without = multi.loss(fake_model, None, (slots, lengths, without, labels))
    assert float(loss_with) == pytest.approx(bce, abs=1e-6)
    # sigmoid(-strong) = 0.01 against the 500 nM target 1 - log(500)/log(50000) = 0.4257
    target = 1 - np.log(500) / np.log(50_000)
    assert float(loss_without) == pytest.approx(bce + (target - 0.01) ** 2, abs=1e-5)


def test_parallel_members_equal_sequential_members(tmp_path):
    pytest.importorskip("torch")
    from vaxmix.mhc.training.dataset import build_dataset
    from vaxmix.mhc.training.train import TrainConfig, load_dataset, train_ensemble

    build_dataset(DATA / "mhcnuggets-mini.whl", DATA / "maptac-mini", tmp_path / "d.npz",
                  immunotype_wheel=DATA / "immunotype-mini.whl")
    data = load_dataset(tmp_path / "d.npz")
    config = TrainConfig(n_models=2, epochs=1, seed=3)
    sequential = train_ensemble(data, config, [])
    log: list[str] = []
    parallel = train_ensemble(data, config, log, jobs=2)
    for one, two in zip(sequential, parallel, strict=True):
        for key in one:
            np.testing.assert_array_equal(one[key], two[key])
    assert any(line.startswith("member 1 ") for line in log)
