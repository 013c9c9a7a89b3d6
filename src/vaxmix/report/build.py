"""Turn a run folder into one self-contained HTML report.

The page has no external reference: CSS, JavaScript and plots (SVG) are inlined, and per-
candidate details travel as an inline JSON block that the page's own script renders on demand.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from vaxmix import __version__
from vaxmix.common.atomic import atomic_write
from vaxmix.report import svg
from vaxmix.report.loaders import (
    RunFolder,
    candidate_records,
    epitope_records,
    load_run,
    run_alleles,
    run_identity,
    to_number,
)

__all__ = ["build_context", "render_report", "write_report"]

TIER_ORDER = tuple(svg.TIER_COLOURS)
VARIANT_DETAIL_COLUMNS = (
    "variant_type",
    "hgvsc",
    "hgvsp",
    "tdna_depth",
    "tdna_vaf",
    "trna_depth",
    "trna_vaf",
    "normal_depth",
    "normal_vaf",
    "gene_expression",
    "transcript_expression",
)


def _json_for_script(data: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>`` break-out)."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - escaped above


def _tier_counts(candidates: list[dict[str, Any]]) -> list[tuple[str, int]]:
    counts = Counter(c["tier"] for c in candidates)
    ordered = [(t, counts[t]) for t in TIER_ORDER if counts.get(t)]
    ordered += sorted((t, n) for t, n in counts.items() if t not in svg.TIER_COLOURS)
    return ordered


def _variant_details(folder: RunFolder) -> dict[str, dict[str, str]]:
    """Read depths, VAFs and expression of each variant from ``variants.tsv`` by ``index``."""
    frame = folder.variants
    if frame is None or "index" not in frame.columns:
        return {}
    columns = [c for c in VARIANT_DETAIL_COLUMNS if c in frame.columns]
    details = {}
    for row in frame[["index", *columns]].drop_duplicates("index").to_dict("records"):
        details[str(row.pop("index"))] = {k: str(v) for k, v in row.items()}
    return details


def _construct_section(construct: dict[str, Any]) -> dict[str, Any]:
    elements = [dict(e) for e in construct.get("elements", []) if "start" in e and "end" in e]
    if elements and min(int(e["start"]) for e in elements) == 1:
        # 1-based inclusive coordinates: convert to 0-based end-exclusive for drawing.
        for element in elements:
            element["start"] = int(element["start"]) - 1
    protein = str(construct.get("protein") or construct.get("sequence") or "")
    length = len(protein) or max((int(e["end"]) for e in elements), default=0)
    return {
        "elements": elements,
        "length": length,
        "protein": protein,
        "map": Markup(svg.construct_map(elements, length)) if elements else None,  # noqa: S704
        "kinds": sorted({str(e.get("kind", "")) for e in elements}),
        "colours": svg.KIND_COLOURS,
    }


def _scalars(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """Top-level scalar fields of a JSON record, long strings (sequences) left out."""
    rows = []
    for key, value in data.items():
        if key == "schema" or isinstance(value, dict | list):
            continue
        if isinstance(value, str) and len(value) > 120:
            continue
        rows.append((key, value))
    return rows


def _table(frame: Any) -> dict[str, Any] | None:
    if frame is None:
        return None
    return {"columns": list(frame.columns), "rows": frame.to_dict("split")["data"]}


def build_context(folder: RunFolder) -> dict[str, Any]:
    """Everything the template shows, computed from the loaded run folder."""
    candidates = candidate_records(folder)
    epitopes = epitope_records(folder)
    details = _variant_details(folder)
    tiers = _tier_counts(candidates)
    points = [
        (c["ic50_wt"], c["ic50_mt"], c["tier"], f"{c['gene']} {c['aa_change']} {c['best_peptide']}")
        for c in candidates
        if c["ic50_mt"] is not None and c["ic50_wt"] is not None
    ]
    run = folder.run
    identity = run_identity(folder)
    context: dict[str, Any] = {
        "identity": identity,
        "alleles": run_alleles(folder),
        "run": run,
        "status": run.get("status", "unknown"),
        "candidates": candidates,
        "n_candidates": len(candidates),
        "n_epitopes": None if folder.epitopes is None else len(folder.epitopes),
        "n_filtered": None if folder.filtered is None else len(folder.filtered),
        "tiers": tiers,
        "tier_plot": Markup(svg.bar_chart(tiers, "Candidates per tier")) if tiers else None,  # noqa: S704
        "ic50_plot": Markup(  # noqa: S704
            svg.scatter_loglog(
                points,
                "WT IC50 (nM, predicted)",
                "MT IC50 (nM, predicted)",
                "Best peptide per candidate: MT vs WT IC50",
            )
        )
        if points
        else None,
        "detail_json": _json_for_script(
            {"epitopes": epitopes, "variants": details, "candidates": candidates}
        ),
        "selection": _table(folder.selection),
        "junctions": _table(folder.junctions),
        "construct": _construct_section(folder.construct) if folder.construct else None,
        "mrna_qc": _table(folder.mrna_qc),
        "mrna": folder.mrna,
        "mrna_scalars": _scalars(folder.mrna) if folder.mrna else [],
        "structure_plot": None,
        "virus": folder.virus_panel,
        "virus_rows": (folder.virus_panel or {}).get("viruses")
        or (folder.virus_panel or {}).get("panel")
        or [],
        "checksums": folder.checksums,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "vaxmix_version": __version__,
        "tier_colours": svg.TIER_COLOURS,
        "number": to_number,
    }
    structure = (folder.mrna or {}).get("structure")
    if isinstance(structure, str) and structure and set(structure) <= set("().[]{}<>"):
        context["structure_plot"] = Markup(svg.arc_diagram(structure))  # noqa: S704
    return context


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("vaxmix.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _format_number
    env.filters["tojson_compact"] = lambda v: json.dumps(v, sort_keys=True, default=str)
    return env


def _format_number(value: Any, digits: int = 3) -> str:
    number = to_number(value)
    if number is None:
        return "" if value in (None, "") else str(value)
    if number == int(number) and abs(number) < 1e12:
        return str(int(number))
    if abs(number) >= 1000:
        return f"{number:.0f}"
    return f"{number:.{digits}f}".rstrip("0").rstrip(".")


def _static(name: str) -> Markup:
    text = resources.files("vaxmix.report").joinpath("static", name).read_text(encoding="utf-8")
    return Markup(text)  # noqa: S704 - our own packaged file


def render_report(folder: RunFolder) -> str:
    """Render the report HTML of a loaded run folder."""
    template = _environment().get_template("report.html.j2")
    return template.render(css=_static("report.css"), js=_static("report.js"), **build_context(folder))


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` for ``run_dir`` (or to ``out``) atomically and return its path.

    Raises
    ------
    InputError
        When the run folder is missing, has no ``run.json``, or holds an unreadable file.
    """
    folder = load_run(run_dir)
    target = Path(out) if out is not None else Path(run_dir) / "report.html"
    html = render_report(folder)
    with atomic_write(target, encoding="utf-8") as handle:
        handle.write(html)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(target, 0o666 & ~umask)  # a report is a document to share, not a secret
    return target
