"""``vaxmix mhc2`` sub-commands, run through an argparse parser like the top-level CLI's."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest

from vaxmix.common.errors import InputError
from vaxmix.mhc.classii import commands, predict


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="vaxmix")
    commands.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_predict_writes_table_and_provenance(tmp_path, capsys) -> None:
    peptides = tmp_path / "peptides.txt"
    peptides.write_text("# influenza HA 306-318\nPKYVKQNTLKLAT\n\ngeliGILNAAKVPAD\n")
    out = tmp_path / "pred.tsv"
    assert run(["mhc2", "predict", "--alleles", "DRB1*01:01,DQA1*05:01/DQB1*02:01",
                "--peptides", str(peptides), "--out", str(out)]) == 0
    table = pd.read_csv(out, sep="\t")
    expected = predict(["PKYVKQNTLKLAT", "GELIGILNAAKVPAD"],
                       ["HLA-DRB1*01:01", "HLA-DQA1*05:01-DQB1*02:01"])
    assert table["allele"].tolist() == expected["allele"].tolist()
    assert table["core"].tolist() == expected["core"].tolist()
    relative = (table["affinity_nm"] - expected["affinity_nm"]).abs() / expected["affinity_nm"]
    assert relative.max() < 1e-5  # the TSV keeps 6 significant digits
    record = json.loads((tmp_path / "pred.tsv.json").read_text())
    assert record["schema"] == "vaxmix.mhc2-predictions/1" and record["rows"] == 4
    assert len(record["inputs"]["peptides"]["sha256"]) == 64


def test_bad_peptide_names_file_and_line(tmp_path) -> None:
    peptides = tmp_path / "peptides.txt"
    peptides.write_text("PKYVKQNTLKLAT\nPKYV\n")
    with pytest.raises(InputError) as info:
        run(["mhc2", "predict", "--alleles", "DRB1*01:01", "--peptides", str(peptides),
             "--out", str(tmp_path / "o.tsv")])
    assert info.value.path == peptides and info.value.line == 2
    assert not (tmp_path / "o.tsv").exists()


def test_class1_allele_is_refused(tmp_path) -> None:
    peptides = tmp_path / "peptides.txt"
    peptides.write_text("PKYVKQNTLKLAT\n")
    with pytest.raises(InputError, match="not a class II molecule"):
        run(["mhc2", "predict", "--alleles", "HLA-A*02:01", "--peptides", str(peptides),
             "--out", str(tmp_path / "o.tsv")])


def test_alleles_resolves_and_pairs(capsys) -> None:
    assert run(["mhc2", "alleles", "DRB1_0101", "DQA1*05:01", "DQB1*02:01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "HLA-DRB1*01:01\tQEFFIASGAAVDAIMWLFLECYDLQRATYHVGFT"
    assert lines[1].startswith("HLA-DQA1*05:01-DQB1*02:01\t") and len(lines) == 2


def test_train_passes_its_options_on(monkeypatch, tmp_path) -> None:
    import vaxmix.mhc.classii.train as train

    seen = {}
    monkeypatch.setattr(train, "main", lambda argv: seen.setdefault("argv", argv) and 0)
    run(["mhc2", "train", "--out", str(tmp_path), "--maptac", "m.csv.gz", "--epochs", "3"])
    assert seen["argv"] == ["--out", str(tmp_path), "--maptac", "m.csv.gz", "--epochs", "3"]
