"""Fusion junction long peptides in the vaccine design (issue 20).

The run folder is the pVACseq HCC1395 fixture plus a ``fusions/`` folder written by the real
fusion stage (:mod:`vaxmix.pipeline.fusions`) from two hand-made fusions scored by a
deterministic fake predictor, so which k-mers bind is known by construction:

* inframe: ``...KPEAYLW | RSIQDVKPE...``; the one junction binder is ``YLWRSIQDV`` (fake anchor
  rule: residue 2 in L/M/I, last in V/L/I); the foreign part is ``W|R`` (both junction residues).
* frameshift: ``...KPESAM | LKRDVGSLIV * ALLLLLLLV...``; the frameshift before the stop holds
  the binder ``MLKRDVGSL``; the binders across or after the stop (``...ALLLLLLLV``) are
  predicted by pVACfuse's rules (which drop ``*``) but are never made by the cell, so no long
  peptide may hold a residue past the stop.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from vaccine_fakes import HCC_DIR, anchor_rule_binds, fake_predict, junction_kmers

import vaxmix.vaccine.design as design_module
from vaxmix.cli import main
from vaxmix.common.errors import InputError
from vaxmix.pipeline.fusion_args import FusionConfig
from vaxmix.pipeline.fusions import run_fusions, write_fusion_outputs
from vaxmix.ranking.config import RankingConfig
from vaxmix.vaccine.config import DesignConfig
from vaxmix.vaccine.construct import load_construct
from vaxmix.vaccine.design import design_vaccine, write_design
from vaxmix.variants.fusions import FRAMESHIFT, INFRAME, FusionRecord

ALLELES = ["HLA-A*29:02", "HLA-B*45:01", "HLA-B*82:02"]
IN_LEFT, IN_RIGHT = "KPE" * 10 + "AYLW", "RSIQDV" + "KPE" * 10
FS_LEFT, FS_PART, FS_AFTER = "KPE" * 10 + "SAM", "LKRDVGSLIV", "ALLLLLLLV" + "KPE" * 3


def _record(count: int, genes: str, kind: str, left: str, peptide: str, coding: int | None):
    return FusionRecord(
        index=f"{count}.{genes}.T1--T2.{kind}.{len(left)}", genes=genes, transcripts="T1--T2",
        fusion_type=kind, junction=len(left), peptide=peptide, chromosome="chr1", start="100",
        stop="200", read_support=20, expression=None, source="test", line=count + 1,
        coding_length=coding,
    )  # fmt: skip


RECORDS = [
    # Arriba's spelling of an intergenic partner: the name keeps the genes only
    _record(1, "GENEA--GENEB(1234),GENEZ(99)", INFRAME, IN_LEFT, IN_LEFT + IN_RIGHT, None),
    _record(2, "GENEC--GENED", FRAMESHIFT, FS_LEFT, FS_LEFT + FS_PART + FS_AFTER,
            len(FS_LEFT + FS_PART)),
]  # fmt: skip


def strong_predict(peptides, alleles) -> pd.DataFrame:
    """The fake anchor rule with strong binders at 10 nM (value x2 under the binding preset)."""
    table = fake_predict(peptides, alleles)
    table.loc[table["affinity_nm"] == 50.0, "affinity_nm"] = 10.0
    return table


@pytest.fixture
def fusion_run(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(HCC_DIR, run)
    result = run_fusions(
        FusionConfig(tmp_path / "fusions.tsv"), RankingConfig(),
        ((8, 9), ALLELES, strong_predict), ((), [], None), records=RECORDS,
    )  # fmt: skip
    write_fusion_outputs(result, run, run)
    return run


def _span(record: FusionRecord, peptide: str) -> tuple[int, int]:
    protein = record.peptide[: record.coding_length]
    at = protein.find(peptide)
    assert at >= 0, "the long peptide is not a part of the fusion protein before its stop"
    assert protein.find(peptide, at + 1) < 0
    return at, at + len(peptide)


def test_fixture_binders_are_as_documented():
    # independent check of the hand-made sequences against the fake rule
    inframe = IN_LEFT + IN_RIGHT
    j = len(IN_LEFT)
    spanning = {inframe[i : i + k] for k in (8, 9) for i in range(j - k + 1, j)
                if anchor_rule_binds(inframe[i : i + k])}  # fmt: skip
    assert spanning == {"YLWRSIQDV"}
    coding = FS_LEFT + FS_PART
    fs_binders = {coding[i : i + k] for k in (8, 9) for i in range(len(FS_LEFT) - k + 1,
                  len(coding) - k + 1) if anchor_rule_binds(coding[i : i + k])}  # fmt: skip
    assert fs_binders == {"MLKRDVGSL"}


def test_fusion_junction_peptides_are_selected_ordered_and_checked(fusion_run, tmp_path):
    config = DesignConfig(n_peptides=8, preset="binding")
    result = design_vaccine(fusion_run, config, predict=fake_predict)
    sel = result.selection
    fusions = sel[sel["kind"] == "fusion"].set_index("variant_index")
    assert set(fusions.index) == {r.index for r in RECORDS}
    assert set(sel.loc[sel["kind"] != "fusion", "kind"]) == {"snv/indel"}
    inframe, frameshift = RECORDS
    # inframe: the long peptide holds both junction residues (W|R) and the junction binder
    peptide = fusions.at[inframe.index, "sequence"]
    start, end = _span(inframe, peptide)
    assert start <= inframe.junction - 1 and end >= inframe.junction + 1
    assert "YLWRSIQDV" in peptide
    assert fusions.at[inframe.index, "best_epitope"] == "YLWRSIQDV"
    assert 25 <= len(peptide) <= 29
    # frameshift: frameshift residues, the binder before the stop, nothing past the stop
    peptide = fusions.at[frameshift.index, "sequence"]
    start, end = _span(frameshift, peptide)
    assert end <= frameshift.coding_length and end - frameshift.junction >= 2
    assert "MLKRDVGSL" in peptide and FS_AFTER[:3] not in peptide
    assert fusions.at[frameshift.index, "best_epitope"] == "MLKRDVGSL"
    # ordering and the junction check covered the fusion peptides like the others
    names = set(fusions["name"])
    assert names == {"GENEA--GENEB+GENEZ_fusion34", "GENEC--GENED_fusion33"}
    in_construct = {e.name for e in result.construct.elements if e.kind == "peptide"}
    assert names <= in_construct
    junctions = result.junctions
    for name in names:  # a neighbour element on each side, its junction k-mers predicted
        assert (junctions["left"] == name).sum() == 1 and (junctions["right"] == name).sum() == 1
    touching = junctions[junctions["left"].isin(names) | junctions["right"].isin(names)]
    assert (touching["junction_peptides"] > 0).all()
    truth = {p for p in junction_kmers(result.construct, [8, 9]) if anchor_rule_binds(p)}
    assert result.verification["binders"] == len(truth)
    assert result.summary["fusions"]["selected"] == 2
    out = write_design(result, tmp_path, config)
    table = pd.read_csv(out / "selection.tsv", sep="\t")
    assert sorted(table.loc[table["kind"] == "fusion", "name"]) == sorted(names)
    doc = json.loads((out / "design.json").read_text())
    assert doc["inputs"]["fusions"]["sha256"]
    assert doc["candidates"]["fusions"] == 2
    construct = load_construct(out / "construct.json")
    sources = {e.name: e.source for e in construct.elements}
    assert all(sources[n].startswith("fusion ") for n in names)
    reasons = pd.read_csv(out / "candidates.tsv", sep="\t", dtype=str, keep_default_na=False)
    rows = reasons[reasons["kind"] == "fusion"].set_index("variant")
    assert set(rows.index) == {r.index for r in RECORDS}
    assert (rows["in_vaccine"] == "yes").all()
    assert set(rows["class1_tier"]) <= {"Pass", "LowExpr", "LowReadSupport", "Poor"}
    assert rows.loc[inframe.index, "class1_index"] == inframe.index
    assert set(reasons.loc[reasons["kind"] != "fusion", "kind"]) == {"snv/indel"}


def test_fusion_table_without_coding_length_stops(fusion_run):
    path = fusion_run / "fusions" / "fusions.tsv"
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    table.drop(columns="fusion_coding_length").to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError, match="fusion_coding_length") as info:
        design_vaccine(fusion_run, DesignConfig(n_peptides=8, preset="binding"),
                       predict=fake_predict)  # fmt: skip
    assert info.value.line == 1


def test_default_preset_says_why_fusions_without_abundance_are_left_out(fusion_run):
    # TESLA's abundance weight needs gene TPM x RNA VAF, which a fusion does not have
    result = design_vaccine(fusion_run, DesignConfig(n_peptides=6), predict=fake_predict)
    assert (result.selection["kind"] == "snv/indel").all()
    assert any("2 of 2 fusion(s)" in w and "value 0" in w for w in result.warnings)
    rows = result.candidates[result.candidates["kind"] == "fusion"]
    assert len(rows) == 2 and (rows["in_vaccine"] == "no").all()
    assert rows["reason"].str.contains("tumor abundance").all()


def test_cli_design_run_dir_includes_fusions(fusion_run, monkeypatch, capsys):
    monkeypatch.setattr(design_module, "_default_predict", lambda: fake_predict)
    assert main(["design", "--run-dir", str(fusion_run), "-n", "8", "--preset", "binding",
                 "--no-mrna", "--no-report"]) == 0  # fmt: skip
    assert "8 long peptides (2 from 2 gene fusions)" in capsys.readouterr().out
    table = pd.read_csv(fusion_run / "vaccine" / "selection.tsv", sep="\t")
    assert (table["kind"] == "fusion").sum() == 2


@pytest.mark.parametrize(
    "column, value, message",
    [("fusion_coding_length", "ten", "not an integer"),
     ("protein_position", "999", "outside the fusion peptide"),
     ("fusion_coding_length", "-1", "outside the fusion peptide")],
)  # fmt: skip
def test_bad_fusion_table_names_file_line_field(fusion_run, column, value, message):
    path = fusion_run / "fusions" / "fusions.tsv"
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    table.loc[1, column] = value
    table.to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError, match=message) as info:
        design_vaccine(fusion_run, DesignConfig(n_peptides=8, preset="binding"),
                       predict=fake_predict)  # fmt: skip
    assert info.value.line == 3 and info.value.path == path and info.value.field == column
