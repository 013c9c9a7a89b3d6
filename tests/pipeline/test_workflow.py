"""End to end: `vaxmix demo` runs every stage on the example patient and the pieces agree."""

from __future__ import annotations

import csv
import json
import re
from html import escape as html_escape

import pytest
from Bio.Seq import Seq

from vaxmix.cli import main


# the whole demo with a 20-peptide mRNA design: the slowest test of the suite (7 min at load 9,
# `--durations`, 2026-12-03)
@pytest.mark.slow
def test_full_demo_writes_every_stage_and_they_agree(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "vaccine:" in printed and "mRNA:" in printed and "report:" in printed
    assert "constraints all met" in printed
    assert json.loads((out / "mrna" / "mrna.json").read_text())["all_constraints_met"] is True

    construct = json.loads((out / "vaccine" / "construct.json").read_text())
    protein = construct["protein"]
    # the construct is the concatenation of its elements, in order
    elements = sorted(construct["elements"], key=lambda e: e["start"])
    assert "".join(e["sequence"] for e in elements) == protein
    assert elements[0]["kind"] == "signal_peptide" and elements[-1]["kind"] == "trafficking"

    # the mRNA's CDS translates back to the construct protein (checked with Biopython,
    # independently of vaxmix's own QC)
    mrna = json.loads((out / "mrna" / "mrna.json").read_text())
    cds_segment = next(s for s in mrna["segments"] if s["name"] == "CDS")
    cds = mrna["mrna"][cds_segment["start"] - 1 : cds_segment["end"]].replace("U", "T")
    assert str(Seq(cds).translate(to_stop=True)) == protein

    # junctions were re-predicted and none binds, class I or class II
    design = json.loads((out / "vaccine" / "design.json").read_text())
    assert design["verification"]["binders"] == 0
    assert design["verification"]["binders_by_class"] == {"class I": 0, "class II": 0}
    # the demo's class II molecule (HLA-DRB1*04:05) took part in the selection
    assert design["class2_alleles"] == ["HLA-DRB1*04:05"]
    assert design["class2"]["epitopes_in_selection"] > 0

    panel = json.loads((out / "virus" / "panel.json").read_text())
    assert 1 <= len(panel["picks"]) <= 4
    assert all(pick["reasons"] for pick in panel["picks"])

    html = (out / "report.html").read_text()
    assert "<script src=" not in html and "http://" not in html.split("<body", 1)[0]
    # the report shows the designed construct's protein whole, exactly as construct.json has it
    shown = re.findall(r'<pre class="seq">(.*?)</pre>', html, re.S)
    assert [re.sub(r"\s+", "", seq) for seq in shown] == [protein]
    # ... and names every selected long peptide (selection.tsv), each drawn on the construct map
    with open(out / "vaccine" / "selection.tsv", newline="") as handle:
        selection = list(csv.DictReader(handle, delimiter="\t"))
    assert selection and len(selection) == sum(e["kind"] == "peptide" for e in elements)
    construct_map = html.split('<figure id="construct-map">', 1)[1].split("</figure>", 1)[0]
    for row in selection:
        assert row["sequence"] in protein
        assert f"<title>{html_escape(row['name'])} (peptide) " in construct_map
