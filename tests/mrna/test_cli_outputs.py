"""End-to-end: ``vaxmix mrna`` on a small construct; outputs parsed back with Biopython."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from Bio import SeqIO

from vaxmix.cli import main

DATA = Path(__file__).parent / "data"
PROTEIN = ("MRVMAPRTLILLLSGALALTETWAGS" "SIINFEKL" "GGSGGGGSGG" "YLQPRTFLL")


def _fasta_elements():
    return {rec.id: str(rec.seq) for rec in SeqIO.parse(DATA / "bnt162b2_elements.fa", "fasta")}


def test_default_elements_are_bnt162b2():
    from vaxmix.mrna.design import default_elements

    el = default_elements()
    ref = _fasta_elements()
    assert el.five_utr + el.kozak == ref["BNT162b2_5UTR_with_GA"]
    assert el.kozak == ref["BNT162b2_kozak_GCCACC"]
    assert el.three_utr == ref["BNT162b2_3UTR"]
    assert el.poly_a == ref["BNT162b2_polyA_full"]
    assert el.stop == ref["BNT162b2_CDS_S2P_with_2xUGA"][-6:]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("mrna") / "out"
    code = main(["mrna", "--protein", str(DATA / "small_protein.faa"), "--out", str(out),
                 "--context", "cds", "--max-span", "40", "--m1psi"])
    assert code == 0
    return out


def test_outputs_exist_and_agree(run_dir):
    assert sorted(p.name for p in run_dir.iterdir()) == ["mrna.fasta", "mrna.gb", "mrna.json",
                                                         "qc.tsv"]
    records = {r.id: str(r.seq) for r in SeqIO.parse(run_dir / "mrna.fasta", "fasta")}
    rna = records["toy_construct_mRNA"]
    dna = records["toy_construct_DNA_template"]
    assert rna.replace("U", "T") == dna
    el = _fasta_elements()
    assert rna.startswith(el["BNT162b2_5UTR_with_GA"] + "AUG")
    assert rna.endswith(el["BNT162b2_3UTR"] + el["BNT162b2_polyA_full"])
    payload = json.loads((run_dir / "mrna.json").read_text())
    assert payload["schema"] == "vaxmix.mrna/1"
    assert payload["protein"] == PROTEIN
    assert payload["inputs"] and len(next(iter(payload["inputs"].values()))) == 64
    assert payload["qc"]["translation_matches"] is True
    assert "mfe_mrna_m1psi_d2" in payload["qc"]


def test_genbank_features_translate(run_dir):
    record = SeqIO.read(run_dir / "mrna.gb", "genbank")
    cds = next(f for f in record.features if f.type == "CDS")
    assert str(cds.extract(record.seq).translate()).rstrip("*") == PROTEIN
    kinds = {f.type for f in record.features}
    assert {"5'UTR", "3'UTR", "CDS", "regulatory", "misc_feature"} <= kinds


def test_qc_energies_are_viennarna(run_dir):
    import RNA

    rows = {}
    for line in (run_dir / "qc.tsv").read_text().splitlines()[1:]:
        item, value, status = line.split("\t")
        rows[item] = (value, status)
    payload = json.loads((run_dir / "mrna.json").read_text())
    rna = payload["mrna"]
    md = RNA.md()
    md.dangles = 0
    assert float(rows["mfe_mrna_d0_kcal_mol"][0].split()[0]) == pytest.approx(
        RNA.fold_compound(rna, md).mfe()[1], abs=0.05)
    assert rows["translation_matches_input"] == ("yes", "pass")
    assert all(status in ("pass", "fail", "info", "note") for _, status in rows.values())


def test_bad_letters_give_one_message_with_line(tmp_path, capsys):
    code = main(["mrna", "--protein", str(DATA / "bad_letters.faa"), "--out",
                 str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert "bad_letters.faa, line 3" in err and "JXZ" in err
    assert not (tmp_path / "o").exists()


def test_several_records_need_record_option(tmp_path, capsys):
    code = main(["mrna", "--protein", str(DATA / "two_records.faa"), "--out",
                 str(tmp_path / "o")])
    assert code == 2
    assert "--record" in capsys.readouterr().err


def test_construct_json_input(tmp_path):
    construct = {"schema": "vaxmix.construct/1", "name": "c1", "protein": "MKVAELVHFLGGSGGGGSGGK",
                 "elements": [{"name": "ep1", "kind": "epitope", "start": 2, "end": 10}]}
    path = tmp_path / "construct.json"
    path.write_text(json.dumps(construct))
    out = tmp_path / "o"
    assert main(["mrna", "--protein", str(path), "--out", str(out), "--context", "cds",
                 "--max-span", "30"]) == 0
    record = SeqIO.read(out / "mrna.gb", "genbank")
    ep = next(f for f in record.features if f.qualifiers.get("label") == ["ep1"])
    assert str(ep.extract(record.seq).translate()) == "KVAELVHFL"


def test_cli_defaults_match_design_defaults():
    import argparse

    from vaxmix.mrna.commands import register
    from vaxmix.mrna.constraints import ConstraintConfig
    from vaxmix.mrna.design import DesignConfig

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["mrna", "--protein", "x", "--out", "y"])
    cfg, cons = DesignConfig(), ConstraintConfig()
    assert (args.cai_weight, args.max_span, args.max_loop, args.u_penalty) == (
        cfg.cai_weight, cfg.max_span, cfg.max_loop, cfg.u_penalty)
    assert (args.gc_min, args.gc_max, args.gc_window, args.repeat_k) == (
        cons.gc_min, cons.gc_max, cons.gc_window, cons.repeat_k)


def test_protein_without_start_met_is_rejected(tmp_path, capsys):
    path = tmp_path / "nomet.faa"
    path.write_text(">x\nKTAYIAKQR\n")
    assert main(["mrna", "--protein", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "nomet.faa, line 2" in err and "start with M" in err
