"""The HCC1395 report opens offline in headless Chromium and its table and detail work."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from vaxmix.report import write_report

pytestmark = pytest.mark.browser


def test_report_renders_offline_with_working_table(
    browser, designed_run: Path, tmp_path: Path
) -> None:
    """The report `vaxmix design` wrote (designed_run, tests/conftest.py), opened offline."""
    report = designed_run / "report.html"
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri())
    # nothing else fetched (the virus plots are embedded data: URIs)
    assert [url for url in requests if not url.startswith("data:")] == [report.as_uri()]
    assert errors == []

    run = json.loads((designed_run / "run.json").read_text())
    assert page.locator("#patient-id").inner_text() == run["sample"]
    for selector in (
        "#tier-plot svg",
        "#ic50-plot svg",
        "#construct-map svg",
        "#structure-plot svg",
        "#virus-table",
    ):
        assert page.locator(selector).is_visible()
    with open(designed_run / "aggregated.tsv", newline="") as handle:
        agg = list(csv.DictReader(handle, delimiter="\t"))
    construct = json.loads((designed_run / "vaccine" / "construct.json").read_text())
    rows = page.locator("#candidate-table tbody tr")
    assert rows.count() == len(agg)
    assert page.locator("#construct-map rect.element").count() == len(construct["elements"])

    # Filter to tier Pass: as many rows as aggregated.tsv has Pass rows.
    n_pass = sum(r["Tier"] == "Pass" for r in agg)
    page.select_option("#tier-filter", "Pass")
    assert n_pass > 0 and page.locator("#candidate-table tbody tr:visible").count() == n_pass
    page.select_option("#tier-filter", "")

    # Sort by IC50 MT (7th column): expected order from the TSV, computed here.
    expected = [r["Best Peptide"] for r in sorted(agg, key=lambda r: float(r["IC50 MT"]))]
    page.click("#candidate-table thead th:nth-child(7)")
    shown = page.locator("#candidate-table tbody tr td:nth-child(5)").all_inner_texts()
    assert shown == expected

    # Detail of the first candidate: peptides grouped per allele, best binder first.
    first = agg[0]
    with open(designed_run / "all_epitopes.tsv", newline="") as handle:
        peptides = sorted((r for r in csv.DictReader(handle, delimiter="\t")
                           if r["Index"] == first["Index"]),
                          key=lambda r: float(r["Median MT IC50 Score"]))  # fmt: skip
    best = peptides[0]
    page.click(f'#candidate-table tbody tr[data-index="{first["Index"]}"]')
    detail = page.locator("#detail")
    assert detail.is_visible()
    assert f"{first['Gene']} {first['AA Change']}" in detail.locator("h3").first.inner_text()
    table = detail.locator(f'table[data-allele="{best["HLA Allele"]}"] tbody tr').first
    assert table.locator("td").first.inner_text() == best["MT Epitope Seq"]

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    context.close()


def test_class2_table_sorts_filters_and_shows_peptides(
    browser, hcc1395_class2_run: Path
) -> None:
    report = write_report(hcc1395_class2_run)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri())
    assert errors == []
    assert page.locator("#class2-table").is_visible()
    assert page.locator("#class2-tier-plot svg").is_visible()
    rows = page.locator("#class2-table tbody tr")
    assert rows.count() == 15

    # Each table has its own filter: class II PoorPresentation leaves class I untouched.
    page.select_option("#class2-tier-filter", "PoorPresentation")
    assert page.locator("#class2-table tbody tr:visible").count() == 6
    assert page.locator("#candidate-table tbody tr:visible").count() == 23
    assert page.locator("#class2-shown-count").inner_text() == "6 of 15 shown"
    page.select_option("#class2-tier-filter", "")

    # Sort by IC50 MT (7th column): expected order from pVACseq's class II TSV.
    with open(hcc1395_class2_run / "MHC_Class_II" / "aggregated.tsv", newline="") as handle:
        agg = list(csv.DictReader(handle, delimiter="\t"))
    expected = [r["Best Peptide"] for r in sorted(agg, key=lambda r: float(r["IC50 MT"]))]
    page.click("#class2-table thead th:nth-child(7)")
    shown = page.locator("#class2-table tbody tr td:nth-child(5)").all_inner_texts()
    assert shown == expected

    # Detail of FNDC3B P927S: its peptides on DRB1*04:05, lowest median MT IC50 first.
    with open(hcc1395_class2_run / "MHC_Class_II" / "all_epitopes.tsv", newline="") as handle:
        fnd = [r for r in csv.DictReader(handle, delimiter="\t")
               if r["Index"] == "244.FNDC3B.ENST00000415807.7.missense.927P/S"]  # fmt: skip
    best = min(fnd, key=lambda r: float(r["Median MT IC50 Score"]))["MT Epitope Seq"]
    page.click('#class2-table tbody tr[data-index="244.FNDC3B.ENST00000415807.7.missense.927P/S"]')
    detail = page.locator("#class2-detail")
    assert detail.is_visible()
    assert "FNDC3B P927S" in detail.locator("h3").first.inner_text()
    table = detail.locator('table[data-allele="DRB1*04:05"] tbody tr')
    assert table.count() == min(15, len(fnd))
    assert table.first.locator("td").first.inner_text() == best
    assert page.locator("#detail").is_hidden()  # the class I panel stays closed
    context.close()
