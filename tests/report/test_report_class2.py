"""Class II in the report, checked against the class II tables read here.

Most tests read the real ``vaxmix design`` output (``designed_run``, tests/conftest.py: class II
tables made by vaxmix-mhc2, with binding cores). The ``hcc1395_class2_run`` tests keep
pVACseq's own HCC1395 class II tables (tests/report/data/SOURCE.md) because what they check is
the report of tables vaxmix did not make (no core column, other predictors); that fixture's
run.json is hand-made, as a pVACseq result folder has none.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from vaxmix.report import write_report

CLASS2 = "MHC_Class_II"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _class2_json(text: str) -> dict:
    block = re.search(
        r'<script type="application/json" id="class2-detail-data">(.*?)</script>', text, re.S
    )
    assert block is not None
    return json.loads(block.group(1))


def _class2_rows(text: str) -> list[tuple[str, str]]:
    table = re.search(r'<table id="class2-table".*?</table>', text, re.S).group(0)
    return re.findall(r'<tr data-index="([^"]+)" data-tier="([^"]+)"', table)


def test_class2_section_follows_the_real_class2_tables(designed_run: Path) -> None:
    aggregated = _rows(designed_run / CLASS2 / "aggregated.tsv")
    epitopes = _rows(designed_run / CLASS2 / "all_epitopes.tsv")
    run = json.loads((designed_run / "run.json").read_text())
    text = (designed_run / "report.html").read_text(encoding="utf-8")
    rows = _class2_rows(text)
    assert aggregated and [index for index, _ in rows] == [r["Index"] for r in aggregated]
    assert Counter(tier for _, tier in rows) == Counter(r["Tier"] for r in aggregated)
    assert f'<dd id="n-class2-candidates">{len(aggregated)}</dd>' in text
    n_pass = sum(r["Tier"] == "Pass" for r in aggregated)
    assert n_pass > 0 and f'<dd id="n-class2-pass">{n_pass}</dd>' in text
    assert f'<dd id="class2-alleles">{", ".join(run["class2_alleles"])}</dd>' in text
    models = sorted({r["Prediction Model"] for r in epitopes})
    assert models == ["vaxmix-mhc2 1.0"]
    assert f'<dd id="class2-models">{", ".join(models)}</dd>' in text
    assert "MHC_Class_II/aggregated.tsv" in text  # checksum listed under Provenance
    assert "<th>Core (predicted)</th>" in text  # the tables carry vaxmix-mhc2's cores


def test_real_class2_peptides_sorted_by_ic50_with_their_written_cores(designed_run: Path) -> None:
    epitopes = _rows(designed_run / CLASS2 / "all_epitopes.tsv")
    data = _class2_json((designed_run / "report.html").read_text(encoding="utf-8"))
    columns = data["epitopes"]["columns"]
    assert "mt_core" in columns and data["epitopes"]["rows"]
    for index, shown in data["epitopes"]["rows"].items():
        # file order, stably sorted by Median MT IC50 Score, the first 15
        expected = sorted((r for r in epitopes if r["Index"] == index),
                          key=lambda r: float(r["Median MT IC50 Score"]))[:15]  # fmt: skip
        got = [dict(zip(columns, row, strict=True)) for row in shown]
        assert [(p["peptide"], p["allele"], p["mt_core"]) for p in got] == [
            (r["MT Epitope Seq"], r["HLA Allele"], r["MT Core"]) for r in expected
        ]


def test_vaccine_class2_counts_and_junction_binders_by_class(designed_run: Path) -> None:
    design = json.loads((designed_run / "vaccine" / "design.json").read_text())
    text = (designed_run / "report.html").read_text(encoding="utf-8")
    facts = re.search(r'<dl class="facts" id="class2-design">(.*?)</dl>', text, re.S).group(1)
    pairs = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", facts))
    assert pairs["Class II molecules"] == ", ".join(design["class2"]["alleles"])
    assert pairs["Class II epitopes in the selected long peptides"] == str(
        design["class2"]["epitopes_in_selection"]
    )
    by_class = design["verification"]["binders_by_class"]
    assert pairs["Junction binders, class I (predicted)"] == str(by_class["class I"])
    assert pairs["Junction binders, class II (predicted)"] == str(by_class["class II"])
    assert pairs["Junction check models"] == ", ".join(design["verification"]["model"])


def test_run_without_class2_has_no_class2_section(designed_run_copy: Path) -> None:
    # a class I-only run: the class II tables and the design (which used them) taken out
    for part in (CLASS2, "combined", "vaccine", "mrna", "virus"):
        shutil.rmtree(designed_run_copy / part)
    run_json = designed_run_copy / "run.json"
    run = json.loads(run_json.read_text())
    run["class2_alleles"] = []
    run_json.write_text(json.dumps(run))
    text = write_report(designed_run_copy).read_text(encoding="utf-8")
    assert 'id="class2' not in text and 'href="#class2"' not in text


def test_class2_section_follows_the_class2_tables(hcc1395_class2_run: Path) -> None:
    aggregated = _rows(hcc1395_class2_run / CLASS2 / "aggregated.tsv")
    epitopes = _rows(hcc1395_class2_run / CLASS2 / "all_epitopes.tsv")
    text = write_report(hcc1395_class2_run).read_text(encoding="utf-8")
    rows = _class2_rows(text)
    assert [index for index, _ in rows] == [r["Index"] for r in aggregated]
    assert Counter(tier for _, tier in rows) == Counter(r["Tier"] for r in aggregated)
    assert Counter(r["Tier"] for r in aggregated) == {
        "PoorBinder": 4, "PoorPresentation": 6, "Poor": 3, "NoExpr": 2
    }  # fmt: skip
    assert '<dd id="n-class2-candidates">15</dd>' in text
    assert "n-class2-pass" not in text  # pVACseq's class II example has no Pass row
    # No class2_alleles in run.json: the molecule comes from the class II table.
    assert '<dd id="class2-alleles">DRB1*04:05</dd>' in text
    methods = sorted({r["Best MT IC50 Score Method"] for r in epitopes})
    assert methods == ["MHCnuggetsII", "NNalign", "NetMHCIIpan", "SMMalign"]
    assert f'<dd id="class2-models">{", ".join(methods)}</dd>' in text
    # The class I part is unchanged by the class II folder.
    assert '<dd id="n-candidates">23</dd>' in text and '<dd id="n-pass">11</dd>' in text
    assert "MHC_Class_II/aggregated.tsv" in text  # checksum listed under Provenance
    # pVACseq's tables hold no core and were not made by vaxmix: no core is shown.
    assert "<th>Core (predicted)</th>" not in text and "No binding core is shown" in text


def test_class2_peptides_per_candidate_sorted_by_ic50(hcc1395_class2_run: Path) -> None:
    epitopes = _rows(hcc1395_class2_run / CLASS2 / "all_epitopes.tsv")
    data = _class2_json(write_report(hcc1395_class2_run).read_text(encoding="utf-8"))
    fnd = "244.FNDC3B.ENST00000415807.7.missense.927P/S"
    expected = sorted(
        (r for r in epitopes if r["Index"] == fnd), key=lambda r: float(r["Median MT IC50 Score"])
    )
    columns = data["epitopes"]["columns"]
    got = [dict(zip(columns, row, strict=True)) for row in data["epitopes"]["rows"][fnd]]
    assert [p["peptide"] for p in got] == [r["MT Epitope Seq"] for r in expected][:15]
    assert {p["allele"] for p in got} == {"DRB1*04:05"}
    assert got[0]["mt_ic50"] == pytest.approx(float(expected[0]["Median MT IC50 Score"]))
    assert "mt_core" not in columns


def _relabel_as_vaxmix(run: Path) -> None:
    path = run / CLASS2 / "all_epitopes.tsv"
    path.write_text(
        path.read_text().replace("\tMHCnuggetsII\t", "\tvaxmix-mhc2 1.0\t")
        .replace("\tNetMHCIIpan\t", "\tvaxmix-mhc2 1.0\t")
        .replace("\tNNalign\t", "\tvaxmix-mhc2 1.0\t")
        .replace("\tSMMalign\t", "\tvaxmix-mhc2 1.0\t")
    )  # fmt: skip


def test_cores_recomputed_with_the_model_that_made_the_run(hcc1395_class2_run: Path) -> None:
    """Tables made by the shipped model: the report shows the cores that model predicts.

    The method column of the pVACseq fixture is relabelled here to exercise that path; the
    expected cores come from the public predictor API (``vaxmix.mhc.classii.predict``, which
    normalizes the name with mhcgnomes and is a separate path from the report's lookup).
    """
    from vaxmix.mhc.classii import predict

    _relabel_as_vaxmix(hcc1395_class2_run)
    text = write_report(hcc1395_class2_run).read_text(encoding="utf-8")
    data = _class2_json(text)
    columns = data["epitopes"]["columns"]
    assert "mt_core" in columns
    shown = [dict(zip(columns, row, strict=True)) for rows in data["epitopes"]["rows"].values()
             for row in rows]  # fmt: skip
    peptides = sorted({p["peptide"] for p in shown})
    expected = predict(peptides, ["HLA-DRB1*04:05"]).set_index("peptide")["core"].to_dict()
    for p in shown:
        assert len(p["mt_core"]) == 9 and p["mt_core"] in p["peptide"]
        assert p["mt_core"] == expected[p["peptide"]]
    best = {c["best_peptide"]: c["core"] for c in data["candidates"]}
    assert all(best[peptide] == expected[peptide] for peptide in best)
    assert "<th>Core (predicted)</th>" in text and "predicted by vaxmix-mhc2 1.0" in text
    assert f'<td class="mono core">{expected[data["candidates"][0]["best_peptide"]]}</td>' in text


def test_no_core_when_the_run_used_a_custom_model(hcc1395_class2_run: Path) -> None:
    _relabel_as_vaxmix(hcc1395_class2_run)
    run_json = hcc1395_class2_run / "run.json"
    run = json.loads(run_json.read_text())
    run.setdefault("parameters", {})["class2_model"] = "/models/my_class2.npz"
    run_json.write_text(json.dumps(run))
    text = write_report(hcc1395_class2_run).read_text(encoding="utf-8")
    assert "mt_core" not in _class2_json(text)["epitopes"]["columns"]
    assert "No binding core is shown" in text


def test_core_column_of_the_table_is_shown_as_written(hcc1395_class2_run: Path) -> None:
    path = hcc1395_class2_run / CLASS2 / "all_epitopes.tsv"
    rows = _rows(path)
    for row in rows:
        row["MT Core"] = row["MT Epitope Seq"][2:11]
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    data = _class2_json(write_report(hcc1395_class2_run).read_text(encoding="utf-8"))
    columns = data["epitopes"]["columns"]
    for peptides in data["epitopes"]["rows"].values():
        for values in peptides:
            p = dict(zip(columns, values, strict=True))
            assert p["mt_core"] == p["peptide"][2:11]
