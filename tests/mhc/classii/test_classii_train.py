"""Training data loading, torch ↔ numpy agreement and the training command end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vaxmix.mhc.classii.data import load_affinity, load_maptac, shuffled_decoys

DATA = Path(__file__).parent / "data"
WHEEL = DATA / "mhcnuggets-class2-mini.whl"
MAPTAC = DATA / "maptac-class2-mini.csv"


def test_affinity_rows_are_normalised_and_filtered() -> None:
    import zipfile

    import pandas as pd

    frame = load_affinity(WHEEL)
    with zipfile.ZipFile(WHEEL) as archive:
        raw = pd.read_csv(archive.open(archive.namelist()[0]))
    # expected rows, by the documented rules: drop H-2 and beta-only DQB1 names, peptides
    # outside 9-30, and qualitative values strictly between 1,000 and 5,000 nM
    nm, qualitative = raw["IC50(nM)"], raw["measurement_type"] == "qualitative"
    expected = raw[
        raw["mhc"].str.startswith("HLA-D") & ~raw["mhc"].str.startswith("HLA-DQB1")
        & raw["peptide"].str.len().between(9, 30)
        & ~(qualitative & (nm > 1000) & (nm < 5000))
    ]
    assert len(frame) == len(expected) == 399
    assert set(frame["allele"]) == {
        "HLA-DRB1*01:01", "HLA-DQA1*05:01-DQB1*02:01", "HLA-DPA1*01:03-DPB1*04:01"}
    assert set(frame["inequality"]) <= {0, 1, 2}
    assert frame["nm"].between(1, 50_000).all()


def test_maptac_beta_chains_get_their_alpha() -> None:
    frame = load_maptac(MAPTAC)
    assert set(frame["allele"]) == {"HLA-DRB1*01:01", "HLA-DPA1*01:03-DPB1*06:01"}
    assert frame["peptide"].str.len().between(9, 30).all()


def test_shuffled_decoys_keep_length_and_composition() -> None:
    peptides = np.array(["PKYVKQNTLKLAT", "GELIGILNAAKVPAD"])
    decoys = shuffled_decoys(peptides, 3, seed=1)
    assert len(decoys) == 6
    for i, decoy in enumerate(decoys):
        assert sorted(decoy) == sorted(peptides[i // 3])
    assert any(d != peptides[i // 3] for i, d in enumerate(decoys))


def test_numpy_inference_equals_torch_network(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from vaxmix.mhc.classii.alleles import pseudosequence
    from vaxmix.mhc.classii.encoding import window_codes
    from vaxmix.mhc.classii.model import load_model
    from vaxmix.mhc.classii.network import CoreWindowNet
    from vaxmix.mhc.classii.train import export_model
    from vaxmix.mhc.encoding import blosum_table, encode_pseudosequences

    torch.manual_seed(0)
    blosum = blosum_table()
    net = CoreWindowNet(torch.tensor(blosum), 15, 25, 714, 16, 8, 0.0).eval()
    peptides = ["PKYVKQNTLKLAT", "AAAGGGLLLKKKDDDEEE", "ACDEFGHIK", "ACDEFGHIKL"]
    allele = pseudosequence("HLA-DQA1*05:01-DQB1*02:01")
    slots, cats, owner, _ = window_codes(peptides)
    with torch.no_grad():
        expected = torch.sigmoid(net(
            torch.from_numpy(slots.astype(np.int64)), torch.from_numpy(cats.astype(np.int64)),
            torch.tensor(encode_pseudosequences([allele] * 4, blosum)), torch.from_numpy(owner),
        )).numpy()
    weights = {
        "wp": net.wp().detach().numpy(), "wa": net.allele.weight.detach().numpy().T,
        "b1": net.allele.bias.detach().numpy(), "w2": net.hidden.weight.detach().numpy().T,
        "b2": net.hidden.bias.detach().numpy(), "wout": net.out.weight.detach().numpy().T,
        "bout": net.out.bias.detach().numpy(), "blosum": blosum,
    }
    export_model(weights, tmp_path / "m.npz", {"name": "test", "version": "0"})
    affinity, presentation, core = load_model(tmp_path / "m.npz").score(peptides, [allele])
    np.testing.assert_allclose(affinity[:, 0], expected[:, 0], rtol=1e-5)
    np.testing.assert_allclose(presentation[:, 0], expected[:, 1], rtol=1e-5)
    assert core[2, 0] == 0  # a 9-mer has one core offset
    assert all(0 <= c <= len(p) - 9 for c, p in zip(core[:, 0], peptides, strict=True))


def test_training_command_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from vaxmix.mhc.classii import predict
    from vaxmix.mhc.classii.train import main

    out = tmp_path / "model"
    assert main(["--out", str(out), "--wheel", str(WHEEL), "--maptac", str(MAPTAC),
                 "--epochs", "1", "--threads", "1"]) == 0
    assert {p.name for p in out.iterdir()} == {
        "class2_model.npz", "class2_percentiles.npz", "class2_background.txt.gz"}
    with np.load(out / "class2_model.npz") as data:
        metadata = json.loads(str(data["metadata"]))
        assert data["wp"].shape[0] == 9 * 21 + 2 * 21 + 25
    import pandas as pd

    ligands = pd.read_csv(MAPTAC)["peptide"]
    assert metadata["rows"] == {"affinity": 399,
                                "ligands": int(ligands.str.len().between(9, 30).sum())}
    assert len(metadata["inputs"]["mhcnuggets_wheel"]["sha256"]) == 64
    table = predict(["PKYVKQNTLKLAT"], ["DRB1*01:01"], model=out / "class2_model.npz")
    assert table.loc[0, "model"] == "vaxmix-mhc2 1.0"
    assert 0.0 <= table.loc[0, "percentile"] <= 100.0
