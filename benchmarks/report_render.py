"""Report size and render time: write the HTML, then open it offline in headless Chromium.

Usage::

    python benchmarks/report_render.py                      # the HCC1395 test fixture (23 variants)
    python benchmarks/report_render.py --pvac-dir DIR       # full pVACseq HCC1395 class I results

``--pvac-dir`` is pVACseq's ``results/MHC_Class_I`` folder of the HCC1395 example (pvactools
wheel); its tables are linked into a temporary run folder together with the fixture's run.json
and design files. Prints the time to write the report, its size, Chromium's load time
(navigation start to the load event, from the Navigation Timing API), the time to sort the
candidate table and to open one candidate's detail, and saves a full-page screenshot.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from vaxmix.report import write_report
from vaxmix.report.browser import CHROMIUM_ARGS, chromium_path

FIXTURE = Path(__file__).parents[1] / "tests" / "report" / "data" / "run"
PVAC_FILES = {
    "aggregated.tsv": "HCC1395_TUMOR_DNA.MHC_I.all_epitopes.aggregated.tsv",
    "all_epitopes.tsv": "HCC1395_TUMOR_DNA.MHC_I.all_epitopes.tsv",
    "filtered.tsv": "HCC1395_TUMOR_DNA.MHC_I.filtered.tsv",
    "variants.tsv": "HCC1395_TUMOR_DNA.tsv",
}


def build_run(target: Path, pvac_dir: Path | None) -> Path:
    """A run folder from the fixture, with the full pVACseq tables when ``pvac_dir`` is given."""
    shutil.copytree(FIXTURE, target)
    packed = target / "all_epitopes.tsv.gz"
    if pvac_dir is None:
        with gzip.open(packed, "rb") as src, open(target / "all_epitopes.tsv", "wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        for name, source in PVAC_FILES.items():
            (target / name).unlink(missing_ok=True)
            (target / name).symlink_to(pvac_dir / source)
    packed.unlink()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pvac-dir", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--screenshot", type=Path, default=Path("report_screenshot.png"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        run = build_run(Path(tmp) / "run", args.pvac_dir)
        writes = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            report = write_report(run)
            writes.append(time.perf_counter() - start)
        size = report.stat().st_size
        loads, sorts, details = [], [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(chromium_path()), args=list(CHROMIUM_ARGS)
            )
            for _ in range(args.repeats):
                context = browser.new_context(
                    viewport={"width": 1400, "height": 1000}, offline=True
                )
                page = context.new_page()
                page.goto(report.as_uri(), wait_until="load")
                loads.append(
                    page.evaluate(
                        "() => { const n = performance.getEntriesByType('navigation')[0];"
                        " return n.loadEventEnd - n.startTime; }"
                    )
                )
                sorts.append(
                    page.evaluate(
                        "() => { const t = performance.now();"
                        " document.querySelector('#candidate-table thead th:nth-child(7)').click();"
                        " return performance.now() - t; }"
                    )
                )
                details.append(
                    page.evaluate(
                        "() => { const t = performance.now();"
                        " document.querySelector('#candidate-table tbody tr').click();"
                        " return performance.now() - t; }"
                    )
                )
                rows = page.locator("#candidate-table tbody tr").count()
                if len(loads) == args.repeats:
                    page.screenshot(path=str(args.screenshot), full_page=True)
                context.close()
            browser.close()
    print(f"run folder: {'pVACseq HCC1395 class I (full)' if args.pvac_dir else 'test fixture'}")
    print(f"candidate rows: {rows}")
    print(f"write_report: median {statistics.median(writes):.2f} s over {args.repeats}")
    print(f"report.html size: {size / 1024:.0f} KiB")
    print(
        f"Chromium load (navigation start -> load event): median {statistics.median(loads):.0f} ms"
    )
    print(f"sort one column: median {statistics.median(sorts):.1f} ms")
    print(f"open one candidate's detail: median {statistics.median(details):.1f} ms")
    print(f"screenshot: {args.screenshot}")


if __name__ == "__main__":
    main()
