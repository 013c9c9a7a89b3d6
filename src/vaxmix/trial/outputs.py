"""Write a trial analysis to ``OUT/trial/``: report, tables, figures and ADaM datasets.

Everything goes through :func:`vaxmix.common.atomic.staged_output`, so a failed write leaves
nothing partial.
"""

from __future__ import annotations

import json
from pathlib import Path

from vaxmix.common.atomic import staged_output
from vaxmix.trial.options import TrialResults
from vaxmix.trial.report import render_html

__all__ = ["write_outputs"]


def write_outputs(results: TrialResults, out_dir: Path, plot_format: str = "png",
                  plots: bool = True) -> Path:
    """Write ``OUT/trial/``: report.json, report.html, TSV tables, figures and ``adam/``
    (ADRS, ADTTE, ADTR as CSV, Parquet and SAS XPORT v5)."""
    with staged_output(out_dir) as stage:
        folder = stage / "trial"
        folder.mkdir()
        for name, table in results.tables.items():
            table.to_csv(folder / f"{name}.tsv", sep="\t", index=False)
        if results.adam:
            from vaxmix.trial.export import write_adam

            write_adam(results.adam, folder / "adam")
        figures: dict[str, str] = {}
        if plots:
            figures = _write_plots(results.tables, folder / "plots", plot_format)
        report = results.report
        (folder / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
        (folder / "report.html").write_text(render_html(report, figures) + "\n")
    return out_dir / "trial"


def _write_plots(tables: dict, folder: Path, fmt: str) -> dict[str, str]:
    """Draw the waterfall, spider, swimmer and KM figures the tables allow; caption -> path."""
    from vaxmix.trial import plots

    figures = {}
    if "adtr" in tables and "adrs_bor" in tables:
        tp, bor = tables["adtr"], tables["adrs_bor"]
        if tp["pchg_baseline"].notna().any():
            plots.plot_waterfall(tp, bor, folder / f"waterfall.{fmt}")
            figures["Waterfall: best % change in sum of diameters"] = f"plots/waterfall.{fmt}"
            plots.plot_spider(tp, folder / f"spider.{fmt}")
            figures["Spider: % change over time"] = f"plots/spider.{fmt}"
    if "adtte" in tables and not tables["adtte"].empty:
        plots.plot_swimmer(tables["adrs_bor"], tables["adtte"], folder / f"swimmer.{fmt}")
        figures["Swimmer: time on study"] = f"plots/swimmer.{fmt}"
        for param in ("PFS", "OS", "DOR"):
            if (tables["adtte"]["param"] == param).any():
                plots.plot_km(tables["adtte"], param, folder / f"km_{param.lower()}.{fmt}")
                figures[f"Kaplan–Meier: {param}"] = f"plots/km_{param.lower()}.{fmt}"
    return figures
