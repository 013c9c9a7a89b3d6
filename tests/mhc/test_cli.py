"""``vaxmix mhc`` command line."""

from __future__ import annotations

import json

import pandas as pd

from vaxmix.cli import main


def test_predict_writes_tsv_and_provenance(tmp_path, capsys):
    peptides = tmp_path / "peptides.txt"
    peptides.write_text("# comment\nGILGFVFTL\n\nsiinfekl\n")
    out = tmp_path / "out" / "pred.tsv"
    code = main(["mhc", "predict", "--alleles", "HLA-A*02:01,B*82:02", "--peptides",
                 str(peptides), "--out", str(out)])
    assert code == 0
    frame = pd.read_csv(out, sep="\t")
    assert list(frame.columns) == ["peptide", "allele", "affinity_nm", "percentile",
                                   "presentation_score", "model"]
    assert frame["peptide"].tolist() == ["GILGFVFTL"] * 2 + ["SIINFEKL"] * 2
    assert frame["allele"].tolist() == ["HLA-A*02:01", "HLA-B*82:02"] * 2
    meta = json.loads(out.with_name("pred.tsv.json").read_text())
    assert meta["schema"] == "vaxmix.mhc-predictions/1" and meta["rows"] == 4
    assert len(meta["inputs"]["peptides"]["sha256"]) == 64


def test_bad_peptide_names_file_and_line(tmp_path, capsys):
    peptides = tmp_path / "peptides.txt"
    peptides.write_text("GILGFVFTL\nGILG\n")
    out = tmp_path / "pred.tsv"
    code = main(["mhc", "predict", "--alleles", "HLA-A*02:01", "--peptides", str(peptides),
                 "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "peptides.txt" in err and "line 2" in err and "GILG" in err
    assert not out.exists()


def test_unknown_allele_is_one_message(tmp_path, capsys):
    peptides = tmp_path / "peptides.txt"
    peptides.write_text("GILGFVFTL\n")
    code = main(["mhc", "predict", "--alleles", "HLA-B*99:99", "--peptides", str(peptides),
                 "--out", str(tmp_path / "p.tsv")])
    assert code == 2
    assert "closest known" in capsys.readouterr().err


def test_alleles_lookup(capsys):
    assert main(["mhc", "alleles", "A0201"]) == 0
    assert "YFAMYGEKVAHTHVDTLYVRYHYYTWAVLAYTWY" in capsys.readouterr().out
