"""The HTML report of a real ``vaxmix design`` output, checked against that folder's own tables.

The ``designed_run`` fixture (tests/conftest.py) runs the pipeline on the shipped HCC1395
example and ``vaxmix design`` on it once per session; every expected value here is read from
the files those writers produced (aggregated.tsv, all_epitopes.tsv, variants.tsv, run.json,
vaccine/construct.json), independently of the report code. Tests that change the folder work on
``designed_run_copy``.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from vaxmix.cli import main
from vaxmix.common.errors import InputError
from vaxmix.report import load_run, write_report
from vaxmix.report.loaders import epitope_records


class _Collector(HTMLParser):
    """Collects ids, external references and the text of every element with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[str] = []
        self.rows: list[dict[str, str]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self._table = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        for key in ("src", "href", "action"):
            if values.get(key):
                self.refs.append(values[key] or "")
        if tag == "table":
            self._table = values.get("id") or ""
        if tag == "tr" and "data-index" in values:
            self.rows.append({"table": self._table, **{k: v or "" for k, v in values.items()}})
        self._in_script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def _parse_text(text: str) -> _Collector:
    collector = _Collector()
    collector.feed(text)
    return collector


def _parse(path: Path) -> _Collector:
    return _parse_text(path.read_text(encoding="utf-8"))


def _tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _variant_key(row: dict[str, str]) -> str:
    """The variant key of a variants.tsv row (``variant_index``; ``index`` before issue 18)."""
    return row["variant_index"] if "variant_index" in row else row["index"]


def test_report_has_every_section_and_no_external_reference(designed_run: Path) -> None:
    path = designed_run / "report.html"  # as `vaxmix design` wrote it
    html = _parse(path)
    for section in ("summary", "candidates", "vaccine", "mrna", "virus", "provenance"):
        assert section in html.ids
    for element in (
        "candidate-table",
        "tier-plot",
        "ic50-plot",
        "construct-map",
        "mrna-qc",
        "structure-plot",
    ):
        assert element in html.ids
    # Only in-page anchors and embedded images (the virus plots as data: URIs): nothing to
    # fetch from a network or the disk.
    assert html.refs and all(ref.startswith(("#", "data:image/")) for ref in html.refs)
    assert any(ref.startswith("data:image/") for ref in html.refs)
    text = path.read_text(encoding="utf-8")
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in text


def test_rewritten_report_is_the_one_design_wrote(designed_run_copy: Path) -> None:
    written = (designed_run_copy / "report.html").read_text(encoding="utf-8")
    assert write_report(designed_run_copy) == designed_run_copy / "report.html"
    assert _parse(designed_run_copy / "report.html").rows == _parse_text(written).rows


def test_candidate_rows_follow_the_aggregated_table(designed_run: Path) -> None:
    rows = _tsv(designed_run / "aggregated.tsv")
    html = _parse(designed_run / "report.html")
    shown = [r for r in html.rows if r["table"] == "candidate-table"]
    assert rows and [r["data-index"] for r in shown] == [r["Index"] for r in rows]
    assert Counter(r["data-tier"] for r in shown) == Counter(r["Tier"] for r in rows)
    # the class II table follows MHC_Class_II/aggregated.tsv the same way
    class2 = _tsv(designed_run / "MHC_Class_II" / "aggregated.tsv")
    assert class2 and [r["data-index"] for r in html.rows if r["table"] == "class2-table"] == [
        r["Index"] for r in class2
    ]
    text = (designed_run / "report.html").read_text(encoding="utf-8")
    n_pass = sum(r["Tier"] == "Pass" for r in rows)
    assert n_pass > 0
    assert f'<dd id="n-pass">{n_pass}</dd>' in text
    assert f'<dd id="n-candidates">{len(rows)}</dd>' in text
    alleles = json.loads((designed_run / "run.json").read_text())["alleles"]
    assert alleles and ", ".join(alleles) in text


def test_detail_json_holds_peptides_per_candidate_sorted_by_ic50(designed_run: Path) -> None:
    data = json.loads(_parse(designed_run / "report.html").scripts[0])
    epitopes = _tsv(designed_run / "all_epitopes.tsv")
    variants = {_variant_key(r): r for r in _tsv(designed_run / "variants.tsv")}
    columns = data["epitopes"]["columns"]
    checked = 0
    for candidate in _tsv(designed_run / "aggregated.tsv"):
        index = candidate["Index"]
        # the documented rule: a candidate's MT peptides in file order, stably sorted by
        # Median MT IC50 Score, the first 15 (pVACseq's aggregate inclusion limit)
        expected = sorted((r for r in epitopes if r["Index"] == index),
                          key=lambda r: float(r["Median MT IC50 Score"]))[:15]  # fmt: skip
        got = [dict(zip(columns, row, strict=True)) for row in data["epitopes"]["rows"][index]]
        assert [(p["peptide"], p["allele"]) for p in got] == [
            (r["MT Epitope Seq"], r["HLA Allele"]) for r in expected
        ]
        assert [p["mt_ic50"] for p in got] == pytest.approx(
            [float(r["Median MT IC50 Score"]) for r in expected]
        )
        assert data["variants"][index]["tdna_vaf"] == variants[index]["tdna_vaf"]
        checked += 1
    assert checked == len(data["epitopes"]["rows"]) > 0


def test_per_variant_cap_keeps_the_lowest_ic50(designed_run: Path) -> None:
    grouped = epitope_records(load_run(designed_run), per_variant=2)
    assert grouped and all(len(v) <= 2 for v in grouped.values())
    for peptides in grouped.values():
        values = [p["mt_ic50"] for p in peptides]
        assert values == sorted(values)


def test_construct_map_draws_elements_to_scale(designed_run: Path) -> None:
    text = (designed_run / "report.html").read_text(encoding="utf-8")
    construct = json.loads((designed_run / "vaccine" / "construct.json").read_text())
    selection = _tsv(designed_run / "vaccine" / "selection.tsv")
    svg = re.search(r'<figure id="construct-map">(.*?)</figure>', text, re.S).group(1)
    widths = [float(w) for w in re.findall(r'class="element"[^>]*?width="([0-9.]+)"', svg)]
    elements = sorted(construct["elements"], key=lambda e: e["start"])
    lengths = [len(e["sequence"]) for e in elements]
    # construct.json's coordinates are 1-based and inclusive (as the writer records them)
    assert [e["end"] - e["start"] + 1 for e in elements] == lengths
    # signal peptide, the selected long peptides (with linkers where needed), MITD
    assert [e["kind"] for e in elements if e["kind"] == "peptide"] == ["peptide"] * len(selection)
    assert elements[0]["kind"] == "signal_peptide" and elements[-1]["kind"] == "trafficking"
    assert len(widths) == len(lengths)
    assert sum(lengths) == construct["length"] == len(construct["protein"])
    # Drawn widths are proportional to element lengths (one scale for all, rounded to 0.1 px).
    scale = (900 - 20) / construct["length"]
    assert widths == pytest.approx([n * scale for n in lengths], abs=0.06)
    assert f'<strong id="construct-length">{construct["length"]}</strong>' in text


def test_optional_parts_are_left_out_when_absent(designed_run_copy: Path) -> None:
    run = designed_run_copy
    shutil.rmtree(run / "vaccine")
    shutil.rmtree(run / "mrna")
    shutil.rmtree(run / "virus")
    (run / "all_epitopes.tsv").unlink()
    (run / "all_epitopes.parquet").unlink()
    html = _parse(write_report(run))
    assert {"summary", "candidates", "provenance"} <= html.ids
    assert not {"vaccine", "mrna", "virus", "construct-map"} & html.ids


def test_user_text_is_escaped(designed_run_copy: Path) -> None:
    # deliberately broken input: markup planted in run.json and in a gene name
    run = json.loads((designed_run_copy / "run.json").read_text())
    run["sample"] = "<script>alert(1)</script>"  # the report names the patient by it
    (designed_run_copy / "run.json").write_text(json.dumps(run))
    aggregated = designed_run_copy / "aggregated.tsv"
    gene = _tsv(aggregated)[0]["Gene"]
    text = aggregated.read_text()
    assert f"\t{gene}\t" in text
    aggregated.write_text(text.replace(f"\t{gene}\t", f"\t</script><b>{gene}\t", 1))
    text = write_report(designed_run_copy).read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # Inside the JSON block the closing tag is written as \u003c/script\u003e.
    assert text.count("</script>") == text.count("<script")


def test_bad_run_folder_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # deliberately broken folders (no run.json, then an unparsable one): made by hand
    with pytest.raises(InputError, match=r"run\.json is missing"):
        write_report(tmp_path)
    (tmp_path / "run.json").write_text("{not json")
    assert main(["report", str(tmp_path)]) == 2
    assert "run.json" in capsys.readouterr().err
    assert not (tmp_path / "report.html").exists()


def test_missing_required_column_names_file_and_field(designed_run_copy: Path) -> None:
    # deliberately broken table: the Tier column renamed
    agg = designed_run_copy / "aggregated.tsv"
    agg.write_text(agg.read_text().replace("\tTier\t", "\tTierX\t", 1))
    with pytest.raises(InputError) as info:
        write_report(designed_run_copy)
    assert info.value.field == "Tier" and str(agg) in str(info.value)


def test_cli_writes_to_out(
    designed_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "elsewhere" / "r.html"
    assert main(["report", str(designed_run), "--out", str(out)]) == 0
    assert out.is_file() and str(out) in capsys.readouterr().out
