"""The HTML report: content checked against values read independently from the fixture files."""

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

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        for key in ("src", "href", "action"):
            if values.get(key):
                self.refs.append(values[key] or "")
        if tag == "tr" and "data-index" in values:
            self.rows.append({k: v or "" for k, v in values.items()})
        self._in_script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def _parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def _aggregated_rows(run: Path) -> list[dict[str, str]]:
    with open(run / "aggregated.tsv", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_report_has_every_section_and_no_external_reference(hcc1395_run: Path) -> None:
    path = write_report(hcc1395_run)
    assert path == hcc1395_run / "report.html"
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
    # Only in-page anchors: nothing to fetch from a network or the disk.
    assert html.refs and all(ref.startswith("#") for ref in html.refs)
    text = path.read_text(encoding="utf-8")
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in text


def test_candidate_rows_follow_the_aggregated_table(hcc1395_run: Path) -> None:
    rows = _aggregated_rows(hcc1395_run)
    html = _parse(write_report(hcc1395_run))
    assert [r["data-index"] for r in html.rows] == [r["Index"] for r in rows]
    assert Counter(r["data-tier"] for r in html.rows) == Counter(r["Tier"] for r in rows)
    text = (hcc1395_run / "report.html").read_text(encoding="utf-8")
    # 11 Pass variants in the fixture (all of the HCC1395 class I Pass tier).
    assert re.search(r'<dd id="n-pass">11</dd>', text)
    assert re.search(r'<dd id="n-candidates">23</dd>', text)
    assert "HLA-A*29:02, HLA-B*45:01, HLA-B*82:02" in text


def test_detail_json_holds_peptides_per_candidate_sorted_by_ic50(hcc1395_run: Path) -> None:
    html = _parse(write_report(hcc1395_run))
    data = json.loads(html.scripts[0])
    with open(hcc1395_run / "all_epitopes.tsv", newline="") as handle:
        epitopes = list(csv.DictReader(handle, delimiter="\t"))
    msh6 = "117.MSH6.ENST00000234420.11.missense.1255D/N"
    expected = sorted(
        (r for r in epitopes if r["Index"] == msh6), key=lambda r: float(r["Median MT IC50 Score"])
    )
    columns = data["epitopes"]["columns"]
    got = [dict(zip(columns, row, strict=True)) for row in data["epitopes"]["rows"][msh6]]
    assert [p["mt_peptide"] for p in got] == [r["MT Epitope Seq"] for r in expected][:15]
    # The aggregated best peptide of MSH6 D1255N is VENYSQNVA on HLA-B*45:01 (pVACseq's table).
    assert got[0]["mt_peptide"] == "VENYSQNVA"
    assert got[0]["allele"] == "HLA-B*45:01"
    assert got[0]["ic50_mt"] == pytest.approx(66.513)
    assert data["variants"][msh6]["tdna_vaf"] == next(
        r["tdna_vaf"]
        for r in csv.DictReader(open(hcc1395_run / "variants.tsv"), delimiter="\t")
        if r["index"] == msh6
    )


def test_per_variant_cap_keeps_the_lowest_ic50(hcc1395_run: Path) -> None:
    grouped = epitope_records(load_run(hcc1395_run), per_variant=2)
    assert all(len(v) <= 2 for v in grouped.values())
    for peptides in grouped.values():
        values = [p["ic50_mt"] for p in peptides]
        assert values == sorted(values)


def test_construct_map_draws_elements_to_scale(hcc1395_run: Path) -> None:
    text = write_report(hcc1395_run).read_text(encoding="utf-8")
    construct = json.loads((hcc1395_run / "vaccine" / "construct.json").read_text())
    svg = re.search(r'<figure id="construct-map">(.*?)</figure>', text, re.S).group(1)
    widths = [float(w) for w in re.findall(r'class="element"[^>]*?width="([0-9.]+)"', svg)]
    lengths = [e["end"] - e["start"] for e in construct["elements"]]
    assert len(widths) == len(lengths) == 12  # sec, 5 neoantigens, 5 linkers, MITD
    assert sum(lengths) == construct["length"] == 266
    # Drawn widths are proportional to element lengths (one scale for all, rounded to 0.1 px).
    scale = (900 - 20) / construct["length"]
    assert widths == pytest.approx([n * scale for n in lengths], abs=0.06)
    assert '<strong id="construct-length">266</strong>' in text


def test_optional_parts_are_left_out_when_absent(hcc1395_run: Path) -> None:
    shutil.rmtree(hcc1395_run / "vaccine")
    shutil.rmtree(hcc1395_run / "mrna")
    shutil.rmtree(hcc1395_run / "virus")
    (hcc1395_run / "all_epitopes.tsv").unlink()
    html = _parse(write_report(hcc1395_run))
    assert {"summary", "candidates", "provenance"} <= html.ids
    assert not {"vaccine", "mrna", "virus", "construct-map"} & html.ids


def test_user_text_is_escaped(hcc1395_run: Path) -> None:
    run = json.loads((hcc1395_run / "run.json").read_text())
    run["sample"] = "<script>alert(1)</script>"  # the report names the patient by it
    (hcc1395_run / "run.json").write_text(json.dumps(run))
    agg = (
        (hcc1395_run / "aggregated.tsv").read_text().replace("\tMSH6\t", "\t</script><b>MSH6\t", 1)
    )
    (hcc1395_run / "aggregated.tsv").write_text(agg)
    text = write_report(hcc1395_run).read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # Inside the JSON block the closing tag is written as \u003c/script\u003e.
    assert text.count("</script>") == 2


def test_bad_run_folder_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(InputError, match=r"run\.json is missing"):
        write_report(tmp_path)
    (tmp_path / "run.json").write_text("{not json")
    assert main(["report", str(tmp_path)]) == 2
    assert "run.json" in capsys.readouterr().err
    assert not (tmp_path / "report.html").exists()


def test_missing_required_column_names_file_and_field(hcc1395_run: Path) -> None:
    agg = hcc1395_run / "aggregated.tsv"
    agg.write_text(agg.read_text().replace("\tTier\t", "\tTierX\t", 1))
    with pytest.raises(InputError) as info:
        write_report(hcc1395_run)
    assert info.value.field == "Tier" and str(agg) in str(info.value)


def test_cli_writes_to_out(
    hcc1395_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "elsewhere" / "r.html"
    assert main(["report", str(hcc1395_run), "--out", str(out)]) == 0
    assert out.is_file() and str(out) in capsys.readouterr().out
