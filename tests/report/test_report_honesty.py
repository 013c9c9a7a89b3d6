"""Issue 16 items 1, 3 and 7 in a real browser: the demo report as a user opens it.

The ``demo_run`` fixture runs the real demo without the mRNA stage (pipeline on the HCC1395
example, vaccine design, the virus stage's simulated example, report), so what is checked is
what ``vaxmix demo`` writes. mRNA plots are checked on the ``designed_run`` fixture
(tests/conftest.py: a real ``vaxmix design`` output with an mRNA design). Every test writes
screenshots into its ``tmp_path`` and checks them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

# the demo_run fixture runs pipeline, design and virus panel (52 s setup at load 9)
pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Two variants of the demo named in issue 16 (variant IDs of aggregated.tsv: chrom-start-stop-
# ref-alt). CBWD2's class I best peptide lies on ENST00000259199, its class II one on
# ENST00000416503; MAP7D1 is class I Pass but not in the vaccine.
CBWD2 = "chr2-113482183-113482183-G-GA"
MAP7D1 = "chr1-36179726-36179728-GG-AA"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from vaxmix.pipeline.demo import run_full_demo

    out = tmp_path_factory.mktemp("demo") / "demo"
    _, design = run_full_demo(out, with_mrna=False)
    assert design.report == out / "report.html"
    return out


def _tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _open(browser, report: Path, width: int = 1400):
    context = browser.new_context(viewport={"width": width, "height": 1000}, offline=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri())
    assert errors == []
    return context, page


def _shot(page, selector: str, path: Path) -> Path:
    page.locator(selector).screenshot(path=str(path))
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 5_000, path
    return path


def _no_page_overflow(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page scrolls sideways by {overflow} px"


def test_simulated_virus_panel_is_labelled_everywhere(browser, demo_run: Path,
                                                      tmp_path: Path) -> None:
    panel = json.loads((demo_run / "virus" / "panel.json").read_text())
    assert panel["simulated"] is True and "SIMULATED" in panel["data_origin"]
    assert panel["indication"] == "colorectal"  # the example's, which HCC1395 (breast) is not

    context, page = _open(browser, demo_run / "report.html")
    banner = page.locator("#virus-simulated")
    assert banner.is_visible()
    text = banner.inner_text()
    assert "SIMULATED EXAMPLE DATA, not this patient's" in text
    assert "HCC1395_TUMOR_DNA" in text  # names whom it does not describe
    assert page.locator("#summary-simulated").is_visible()
    assert "SIMULATED" in page.locator("nav").inner_text()
    section = page.locator("#virus").inner_text()
    assert "Indication of the simulated example patient: colorectal" in section
    assert "Indication: colorectal" not in section
    # the banner comes before any virus result
    assert banner.bounding_box()["y"] < page.locator("#virus-table").bounding_box()["y"]

    # the virus stage's own figures are in the report, labelled simulated, and drawn
    for figure in ("#virus-dose_response", "#virus-receptor_heatmap"):
        assert page.locator(figure).is_visible()
        assert "SIMULATED" in page.locator(f"{figure} figcaption").inner_text()
        width = page.eval_on_selector(f"{figure} img", "img => img.naturalWidth")
        assert width > 100
    _shot(page, "#virus", tmp_path / "virus_section.png")
    _shot(page, "#summary", tmp_path / "summary.png")
    _no_page_overflow(page)
    context.close()


def test_vaccine_reasons_one_row_per_variant(browser, demo_run: Path, tmp_path: Path) -> None:
    class1 = {r["ID"]: r for r in _tsv(demo_run / "aggregated.tsv")}
    class2 = {r["ID"]: r for r in _tsv(demo_run / "MHC_Class_II" / "aggregated.tsv")}
    # the situation of the issue is real in the demo: one variant, two transcripts
    assert class1[CBWD2]["Index"].split(".")[2] != class2[CBWD2]["Index"].split(".")[2]
    # MAP7D1 binds well and is expressed, but its RNA VAF is missing in the VCF: it is not Pass
    # (a missing VAF never passes a cut-off by default) and not in the vaccine, and both say why
    assert "RNA VAF missing" in class1[MAP7D1]["Tier Reasons"]
    chosen = {r["mutation"] for r in _tsv(demo_run / "vaccine" / "selection.tsv")}
    assert MAP7D1 not in chosen

    context, page = _open(browser, demo_run / "report.html")
    table = page.locator("#vaccine-candidates-table")
    assert table.is_visible()
    rows = table.locator("tbody tr")
    variants = [rows.nth(i).get_attribute("data-variant") for i in range(rows.count())]
    assert len(variants) == len(set(variants)) == len(set(class1) | set(class2))
    # "in vaccine: yes" exactly for the variants of selection.tsv
    yes = {v for i, v in enumerate(variants)
           if rows.nth(i).get_attribute("data-in-vaccine") == "yes"}  # fmt: skip
    assert yes == chosen
    cbwd2 = table.locator(f'tbody tr[data-variant="{CBWD2}"]')
    assert cbwd2.count() == 1
    assert cbwd2.locator("td.col-class1_tier").inner_text() == class1[CBWD2]["Tier"]
    assert cbwd2.locator("td.col-class2_tier").inner_text() == class2[CBWD2]["Tier"]
    for i in range(rows.count()):
        assert rows.nth(i).locator("td.col-reason").inner_text().strip(), variants[i]
    map7d1 = table.locator(f'tbody tr[data-variant="{MAP7D1}"] td.col-reason').inner_text()
    assert "value 0" in map7d1 and "RNA VAF" in map7d1
    table.locator(f'tbody tr[data-variant="{MAP7D1}"]').scroll_into_view_if_needed()
    _shot(page, "#vaccine-candidates-table", tmp_path / "vaccine_candidates.png")

    # the candidate detail states the same reason, right under the clicked row
    row = page.locator(f'#candidate-table tbody tr[data-index="{class1[MAP7D1]["Index"]}"]')
    row.click()
    detail = page.locator("#detail")
    assert detail.is_visible()
    assert "In vaccine" in detail.inner_text() and "RNA VAF" in detail.inner_text()
    following = page.evaluate(
        "r => r.nextElementSibling && r.nextElementSibling.contains(document.getElementById"
        "('detail'))", row.element_handle())
    assert following
    context.close()


def test_report_tables_and_plots_are_readable(browser, demo_run: Path, tmp_path: Path) -> None:
    context, page = _open(browser, demo_run / "report.html")
    _no_page_overflow(page)
    # selected long peptides: readable headers with units, no Python booleans, short rows
    headers = page.locator("#selection-table thead th").all_inner_texts()
    for header in ("Long peptide", "Sequence", "IC50 (nM, predicted)", "Gene expression (TPM)"):
        assert header in headers
    assert not [h for h in headers if "_" in h]  # no snake_case column names
    assert "epitopes" not in headers  # the ';'-joined list of every epitope stays in the TSV
    cells = page.locator("#vaccine table.data td").all_inner_texts()
    assert "True" not in cells and "False" not in cells
    heights = page.eval_on_selector_all(
        "#selection-table tbody tr", "rows => rows.map(r => r.getBoundingClientRect().height)")
    assert heights and max(heights) < 120, heights
    _shot(page, "#selection-table", tmp_path / "selection.png")

    # units of expression, the class I predictor named in the summary
    candidate_headers = page.locator("#candidate-table thead th").all_inner_texts()
    assert "RNA expr (TPM)" in candidate_headers and "Allele expr (TPM)" in candidate_headers
    run = json.loads((demo_run / "run.json").read_text())
    assert page.locator("#class1-models").inner_text() == ", ".join(
        run["prediction"]["class1_models"])

    # provenance: a table, no JSON escapes, the alleles the HLA file gave
    provenance = page.locator("#provenance").inner_text()
    assert "\\u00d7" not in provenance and "×" in provenance
    alleles = page.locator("#provenance-parameters tr", has_text="hla_file").first
    assert alleles.is_visible()
    parameters = page.locator("#provenance-parameters").inner_text()
    assert "HLA-A*29:02" in parameters and "(read from hla_file)" in parameters
    assert "[]" not in parameters and "{" not in parameters
    _shot(page, "#provenance-parameters", tmp_path / "provenance.png")

    # the detail opens where the user clicked: right under the row, inside the viewport
    index = page.locator("#candidate-table tbody tr").last.get_attribute("data-index")
    last = page.locator(f'#candidate-table tbody tr[data-index="{index}"]')
    last.click()
    box = page.locator("#detail").bounding_box()
    row_box = last.bounding_box()
    assert box is not None and row_box is not None
    header = page.locator("header").bounding_box()
    assert header is not None
    # the clicked row stays in view below the sticky header, its detail right under it
    assert header["y"] + header["height"] <= row_box["y"] + 1 and row_box["y"] < 1000
    assert abs(box["y"] - (row_box["y"] + row_box["height"])) < 40
    page.screenshot(path=str(tmp_path / "detail_in_place.png"))
    assert (tmp_path / "detail_in_place.png").read_bytes()[:8] == PNG
    context.close()


def _overlaps(boxes: list[dict]) -> list[tuple[int, int]]:
    boxes = sorted(boxes, key=lambda b: b["x"])
    return [(i, i + 1) for i in range(len(boxes) - 1)
            if boxes[i]["x"] + boxes[i]["width"] > boxes[i + 1]["x"]]  # fmt: skip


def test_mrna_axis_labels_legible_and_qc_units(browser, designed_run: Path,
                                               tmp_path: Path) -> None:
    mrna = json.loads((designed_run / "mrna" / "mrna.json").read_text())
    context, page = _open(browser, designed_run / "report.html")  # as `vaxmix design` wrote it
    for figure in ("#mrna-map", "#structure-plot", "#construct-map"):
        ticks = page.eval_on_selector_all(
            f"{figure} svg text.tick",
            "ts => ts.map(t => { const b = t.getBoundingClientRect();"
            " return {x: b.x, width: b.width, y: b.y,"
            " size: parseFloat(getComputedStyle(t).fontSize)}; })")
        axis = [t for t in ticks if abs(t["y"] - max(u["y"] for u in ticks)) < 2]
        assert len(axis) >= 4, figure
        assert _overlaps(axis) == [], figure
        assert min(t["size"] for t in ticks) >= 10
        assert "position" in page.locator(f"{figure} svg").inner_html()
        _shot(page, figure, tmp_path / f"{figure[1:]}.png")
    facts = page.locator("#mrna-facts").inner_text()
    # values of the run's mrna.json (full-mRNA MFE with dangles=0, rounded to 0.1)
    mfe = round(mrna["qc"]["mfe_mrna_d0"], 1)
    assert f"{mfe:g} kcal/mol" in facts and f"{len(mrna['mrna'])} nt" in facts
    labels = page.locator("#mrna-facts dt").all_inner_texts()
    assert labels and not [t for t in labels if "_" in t or t.startswith("qc.")]
    checks = page.locator("#mrna-qc tbody td:first-child").all_inner_texts()
    with open(designed_run / "mrna" / "qc.tsv", newline="") as handle:
        assert len(checks) == len(list(csv.DictReader(handle, delimiter="\t")))  # every item
    assert not [t for t in checks if "_" in t]  # labels, not qc.tsv's item keys
    assert "CDS length (nt)" in checks
    assert "MFE of the full mRNA, dangles=0 (predicted) (kcal/mol)" in checks
    assert "True" not in page.locator("#mrna-qc").inner_text()
    _no_page_overflow(page)
    context.close()


def test_demo_summary_says_the_virus_panel_is_simulated(demo_run: Path, capsys) -> None:
    """The CLI's words too: `vaxmix virus example` marks its output as simulated."""
    from vaxmix.cli import main

    out = demo_run.parent / "virus_example"
    assert main(["virus", "example", "--out", str(out), "--no-plots"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("*** SIMULATED example data")
    assert "(SIMULATED example data)" in printed.splitlines()[1]
    assert json.loads((out / "panel.json").read_text())["simulated"] is True
