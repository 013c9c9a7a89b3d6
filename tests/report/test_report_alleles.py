"""The report's provenance shows run.json ``allele_names`` (issue 14 item 8): each allele as
the user spelled it, the name the run read it as, its expression status, used or excluded and
why. Expected rows follow the WHO nomenclature rules (hla.alleles.org/nomenclature): an ``N``
(null) allele is excluded, a ``Q`` (questionable) one kept with a warning, a non-standard
spelling read as its two-field name."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest

from vaxmix.common.errors import InputError
from vaxmix.report import write_report
from vaxmix.variants.hla import allele_report, parse_allele_names


class _Table(HTMLParser):
    """Cell texts of the rows of the table with ``id="allele-names"``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._inside = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", "allele-names") in attrs:
            self._inside = True
        elif self._inside and tag == "tr":
            self.rows.append([])
        elif self._inside and tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._inside = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _allele_rows(html: str) -> dict[str, list[str]]:
    parser = _Table()
    parser.feed(html)
    return {row[0]: row for row in parser.rows if row}


def _with_names(run_dir: Path, records: list[dict]) -> str:
    run = json.loads((run_dir / "run.json").read_text())
    run["allele_names"] = records
    (run_dir / "run.json").write_text(json.dumps(run))
    return write_report(run_dir).read_text(encoding="utf-8")


def test_provenance_lists_the_runs_own_alleles(designed_run: Path) -> None:
    """The real run's table: every allele of the shipped HLA file, with its file line, used."""
    hla = resources.files("vaxmix.pipeline") / "data" / "example_patient" / "hla_alleles.txt"
    given = {
        line.strip(): number
        for number, line in enumerate(hla.read_text().splitlines(), start=1)
        if line.strip() and not line.startswith("#")
    }
    rows = _allele_rows((designed_run / "report.html").read_text(encoding="utf-8"))
    assert set(rows) == set(given) and len(given) == 4
    for allele, number in given.items():
        mhc_class = "II" if allele.startswith("HLA-D") else "I"
        assert rows[allele][:6] == [allele, f"hla_alleles.txt line {number}", allele, mhc_class,
                                    "expressed", "used"]  # fmt: skip


def test_provenance_lists_alleles_as_given_with_status_and_why(designed_run_copy: Path) -> None:
    # Unusual names the example lacks (null, questionable, a spelling, an unsupported gene):
    # their records as `vaxmix run` writes them (the allele module's own report of these
    # names), put into a copy of the real run.json.
    records, _, _ = allele_report(parse_allele_names("A0201,HLA-B*45:01N,B*07:02Q,HLA-A*29:02"))
    records.append({"given": "HLA-E", "source": "hla.tsv", "name": None, "action": "skipped",
                    "reason": "gene not covered by the built-in models"})  # fmt: skip
    rows = _allele_rows(_with_names(designed_run_copy, records))
    # Given, From, Read as, Class, Expression, Used?, Why
    assert rows["A0201"][:6] == ["A0201", "--alleles", "HLA-A*02:01", "I", "expressed", "used"]
    assert "read as HLA-A*02:01 (spelling)" in rows["A0201"][6]
    null = rows["HLA-B*45:01N"]
    assert null[4:6] == ["null", "excluded"]
    assert "null allele" in null[6] and "not at the cell surface" in null[6]
    questionable = rows["B*07:02Q"]
    assert questionable[2] == "HLA-B*07:02" and questionable[4:6] == ["questionable", "used"]
    assert questionable[6].startswith("kept with a warning: questionable expression")
    assert rows["HLA-A*29:02"][6] == "used as given"
    assert rows["HLA-E"][1:] == ["hla.tsv", "", "", "", "skipped",
                                 "gene not covered by the built-in models"]  # fmt: skip
    assert len(rows) == 5


def test_no_allele_table_without_allele_names(designed_run_copy: Path) -> None:
    """A run folder written before run.json had ``allele_names`` shows no empty table."""
    run = json.loads((designed_run_copy / "run.json").read_text())
    del run["allele_names"]  # deliberately an older run.json
    (designed_run_copy / "run.json").write_text(json.dumps(run))
    html = write_report(designed_run_copy).read_text(encoding="utf-8")
    assert 'id="allele-names"' not in html


def test_allele_names_that_are_not_records_are_refused(designed_run_copy: Path) -> None:
    """run.json is checked on read (RunRecord): a non-record entry is an error naming it."""
    with pytest.raises(InputError) as caught:
        _with_names(designed_run_copy, ["not a record", 3])
    assert caught.value.field == "allele_names[0]"
