"""The report accepts the field spellings the vaxmix stages write (run.json, construct, mRNA)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vaxmix.report import load_run, write_report
from vaxmix.report.loaders import run_inputs, selected_indexes


def _rewrite_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_run_json_as_written_by_vaxmix_run(hcc1395_run: Path) -> None:
    def change(run: dict) -> None:
        run["inputs"]["vcf"] = {"path": "/data/p1.vcf.gz", "sha256": "ab" * 32}
        models = ["vaxmix-mhc1-baseline 0.1.1"]
        run["prediction"] = {"models": models, "class1_models": models, "class2_models": [],
                             "note": "predictions"}  # fmt: skip
        run["warnings"] = ["3 variants without expression <checked>"]

    _rewrite_json(hcc1395_run / "run.json", change)
    run = load_run(hcc1395_run).record
    assert run_inputs(run) == [{"role": "vcf", "path": "/data/p1.vcf.gz", "sha256": "ab" * 32}]
    assert run.timings_s["predict_s"] == 240.3
    text = write_report(hcc1395_run).read_text(encoding="utf-8")
    assert "ab" * 32 in text and "/data/p1.vcf.gz" in text
    assert "<h3>Timings (s)</h3>" in text and "vaxmix-mhc1-baseline 0.1.1" in text
    assert "3 variants without expression &lt;checked&gt;" in text


def test_one_based_construct_is_drawn_like_the_zero_based_one(hcc1395_run: Path) -> None:
    zero_based = write_report(hcc1395_run).read_text(encoding="utf-8")

    def to_one_based(construct: dict) -> None:
        for element in construct["elements"]:
            element["start"] += 1  # 1-based inclusive: end stays the same

    _rewrite_json(hcc1395_run / "vaccine" / "construct.json", to_one_based)
    one_based = write_report(hcc1395_run).read_text(encoding="utf-8")

    def rects(text: str) -> list[str]:
        figure = re.search(r'<figure id="construct-map">(.*?)</figure>', text, re.S).group(1)
        return re.findall(r'<rect class="element"[^>]*>', figure)

    assert rects(one_based) == rects(zero_based) and len(rects(zero_based)) == 12


def test_selection_with_variant_index_column(hcc1395_run: Path) -> None:
    path = hcc1395_run / "vaccine" / "selection.tsv"
    path.write_text(path.read_text().replace("\tIndex\t", "\tvariant_index\t", 1))
    assert selected_indexes(load_run(hcc1395_run))[0] == (
        "117.MSH6.ENST00000234420.11.missense.1255D/N"
    )


def test_mrna_segments_and_full_structure(hcc1395_run: Path) -> None:
    structure = "((((....))))..((...))"
    pairs = structure.count("(")  # 6 independent base pairs

    def change(mrna: dict) -> None:
        del mrna["structure"]
        mrna["mrna"] = "G" * len(structure)
        mrna["qc"] = {"mrna_structure_d2": structure, "cai": 0.82404, "gc_mrna": 0.5581}
        mrna["segments"] = [
            {"name": "5'UTR", "start": 1, "end": 5},
            {"name": "CDS", "start": 6, "end": 18},
            {"name": "3'UTR", "start": 19, "end": 21},
        ]

    _rewrite_json(hcc1395_run / "mrna" / "mrna.json", change)
    text = write_report(hcc1395_run).read_text(encoding="utf-8")
    assert "full mRNA, MFE structure (dangles=2)" in text
    assert f"{len(structure)} nt, {pairs} base pairs" in text
    mrna_map = re.search(r'<figure id="mrna-map">(.*?)</figure>', text, re.S).group(1)
    widths = [float(w) for w in re.findall(r'class="element"[^>]*?width="([0-9.]+)"', mrna_map)]
    scale = (900 - 20) / len(structure)
    assert widths == pytest.approx([5 * scale, 13 * scale, 3 * scale], abs=0.06)
    assert "<dt>Codon adaptation index (CAI, 0-1)</dt><dd>0.824</dd>" in text


def test_virus_panel_as_written_by_vaxmix_virus(hcc1395_run: Path) -> None:
    panel = {
        "schema": "vaxmix.virus_panel/1",
        "indication": "colorectal",
        "picks": [
            {"rank": 1, "virus_id": "CVA21", "name": "Coxsackievirus A21", "tier": 3,
             "score": 2.8652, "primary_receptor": "ICAM1", "reasons": ["ICAM1 31.6 TPM"]},
            {"rank": 2, "virus_id": "E7", "name": "Echovirus 7", "tier": 2, "score": 1.5,
             "primary_receptor": "CD55", "reasons": ["RNA only"]},
        ],
        "rejections": [{"virus_id": "AD5", "name": "Adenovirus 5", "tier": 1, "score": 0.9,
                        "reasons": ["ranked below the 2 picks"]}],
        "missing_inputs": ["serology <titres>"],
        "notes": ["RNA scores are predictions"],
    }  # fmt: skip
    (hcc1395_run / "virus" / "panel.json").write_text(json.dumps(panel))
    text = write_report(hcc1395_run).read_text(encoding="utf-8")
    picks = re.search(r'<table class="data" id="virus-table">(.*?)</table>', text, re.S).group(1)
    assert picks.count("<tr>") == 3  # header + 2 picks
    assert "Coxsackievirus A21" in picks and "ICAM1 31.6 TPM" in picks and "2.865" in picks
    assert 'id="virus-rejections"' in text and "Adenovirus 5" in text
    assert "missing input: serology &lt;titres&gt;" in text
