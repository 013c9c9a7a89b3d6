"""The report reads the files as the vaxmix stages write them (run.json, construct, mRNA, virus).

Every input is a real ``vaxmix design`` output (the session fixture ``designed_run``,
tests/conftest.py); the expected values are read from those files, not from the report code.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from html import escape
from importlib import resources
from pathlib import Path

import pytest

from vaxmix.report import load_run
from vaxmix.report.loaders import run_inputs, selected_indexes


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _report(run: Path) -> str:
    return (run / "report.html").read_text(encoding="utf-8")


def _figure(text: str, figure_id: str) -> str:
    return re.search(rf'<figure id="{figure_id}">(.*?)</figure>', text, re.S).group(1)


def test_run_json_inputs_and_models_as_written_by_vaxmix_run(designed_run: Path) -> None:
    example = resources.files("vaxmix.pipeline") / "data" / "example_patient"
    vcf_sha256 = hashlib.sha256((example / "hcc1395_subset.vcf.gz").read_bytes()).hexdigest()
    inputs = run_inputs(load_run(designed_run).record)
    vcf = next(entry for entry in inputs if entry["role"] == "vcf")
    assert vcf["sha256"] == vcf_sha256 and vcf["path"].endswith("hcc1395_subset.vcf.gz")
    text = _report(designed_run)
    assert vcf_sha256 in text and escape(vcf["path"]) in text
    with open(designed_run / "all_epitopes.tsv", newline="") as handle:
        models = {row["Prediction Model"] for row in csv.DictReader(handle, delimiter="\t")}
    assert models and all(model in text for model in models)  # e.g. vaxmix-mhc1 1.2.0
    assert "<h3>Timings (s)</h3>" in text


def test_construct_elements_drawn_at_their_one_based_positions(designed_run: Path) -> None:
    construct = _json(designed_run / "vaccine" / "construct.json")
    figure = _figure(_report(designed_run), "construct-map")
    rects = re.findall(r'<rect class="element"[^>]*x="([0-9.]+)"[^>]*><title>([^<]*)</title>',
                       figure)  # fmt: skip
    scale = (900 - 20) / construct["length"]
    elements = sorted(construct["elements"], key=lambda e: e["start"])
    assert len(rects) == len(elements)
    for (x, title), element in zip(rects, elements, strict=True):
        n = len(element["sequence"])
        assert title == escape(
            f"{element['name']} ({element['kind']}) {element['start']}-{element['end']}, {n} aa"
        )
        assert float(x) == pytest.approx(10 + (element["start"] - 1) * scale, abs=0.06)


def test_selection_variant_index_column(designed_run: Path) -> None:
    with open(designed_run / "vaccine" / "selection.tsv", newline="") as handle:
        selection = list(csv.DictReader(handle, delimiter="\t"))
    assert selection
    assert selected_indexes(load_run(designed_run)) == [r["variant_index"] for r in selection]


def test_mrna_segments_and_full_structure(designed_run: Path) -> None:
    mrna = _json(designed_run / "mrna" / "mrna.json")
    structure = mrna["qc"]["mrna_structure_d2"]
    assert len(structure) == len(mrna["mrna"])
    pairs = structure.count("(")
    assert pairs == structure.count(")") > 0
    text = _report(designed_run)
    assert "full mRNA, MFE structure (dangles=2)" in text
    assert f"{len(structure)} nt, {pairs} base pairs" in text
    widths = [float(w) for w in re.findall(r'class="element"[^>]*?width="([0-9.]+)"',
                                           _figure(text, "mrna-map"))]  # fmt: skip
    scale = (900 - 20) / len(structure)
    # segments are 1-based and inclusive; together they are the whole mRNA
    lengths = [s["end"] - s["start"] + 1 for s in mrna["segments"]]
    assert sum(lengths) == len(mrna["mrna"])
    assert widths == pytest.approx([n * scale for n in lengths], abs=0.06)
    cai = re.search(r"<dt>Codon adaptation index \(CAI, 0-1\)</dt><dd>([0-9.]+)</dd>", text)
    assert float(cai.group(1)) == pytest.approx(mrna["qc"]["cai"], abs=5e-4)


def test_virus_panel_as_written_by_vaxmix_design(designed_run: Path) -> None:
    panel = _json(designed_run / "virus" / "panel.json")
    text = _report(designed_run)
    picks = re.search(r'<table class="data" id="virus-table">(.*?)</table>', text, re.S).group(1)
    assert panel["picks"] and picks.count("<tr>") == 1 + len(panel["picks"])  # header + picks
    for pick in panel["picks"]:
        assert escape(pick["name"]) in picks
        assert escape(pick["reasons"][0]) in picks
    assert 'id="virus-rejections"' in text
    assert all(escape(r["name"]) in text for r in panel["rejections"])
    assert all(f"missing input: {escape(m)}" in text for m in panel["missing_inputs"])
