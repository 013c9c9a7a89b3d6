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
                 "--maptac-dir", str(DATA / "maptac-mini"), "--out", str(out), "--models", "1",
                 "--epochs", "1", "--version", "0.0.1-test"])
    assert code == 0
    summary = json.loads((out / "training.json").read_text())
    assert summary["model"] == "vaxmix-mhc1 0.0.1-test"
    assert len(summary["training_data"]["mhcnuggets_wheel"]["sha256"]) == 64
    with np.load(out / "train_class1.npz") as data:
        # H-2 rows are dropped; the three HLA alleles (and MAPTAC's) remain
        assert set(data["alleles"]) == {"HLA-A*02:01", "HLA-B*07:02", "HLA-A*11:01"}
        assert set(np.unique(data["ba_inequality"])) <= {0, 1, 2}
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
