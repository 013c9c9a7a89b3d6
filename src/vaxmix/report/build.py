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
    class2_models,
    epitope_records,
    load_run,
    run_alleles,
    run_class2_alleles,
    run_identity,
    run_inputs,
    run_section,
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
    return Markup(text)


def _tier_counts(candidates: list[dict[str, Any]]) -> list[tuple[str, int]]:
    counts = Counter(c["tier"] for c in candidates)
    ordered = [(t, counts[t]) for t in TIER_ORDER if counts.get(t)]
    ordered += sorted((t, n) for t, n in counts.items() if t not in svg.TIER_COLOURS)
    return ordered


def _variant_details(folder: RunFolder, indexes: set[str]) -> dict[str, dict[str, str]]:
    """Depths, VAFs and expression of each candidate from ``variants.tsv`` (by ``index``)."""
    frame = folder.variants
    if frame is None or "index" not in frame.columns:
        return {}
    frame = frame[frame["index"].isin(indexes)]
    columns = [c for c in VARIANT_DETAIL_COLUMNS if c in frame.columns]
    details = {}
    for row in frame[["index", *columns]].drop_duplicates("index").to_dict("records"):
        details[str(row.pop("index"))] = {k: str(v) for k, v in row.items()}
    return details


EPITOPE_DETAIL_FIELDS = (
    "allele",
    "mt_peptide",
    "wt_peptide",
    "length",
    "mutation_position",
    "ic50_mt",
    "ic50_wt",
    "percentile_mt",
    "percentile_wt",
    "fold_change",
)


def _columnar(
    grouped: dict[str, list[dict[str, Any]]], fields: tuple[str, ...] = EPITOPE_DETAIL_FIELDS
) -> dict[str, Any]:
    """Peptide rows as lists under one header, to keep the embedded JSON small."""
    return {
        "columns": list(fields),
        "rows": {
            index: [[row.get(field) for field in fields] for row in rows]
            for index, rows in grouped.items()
        },
    }


def _class2_section(folder: RunFolder) -> dict[str, Any] | None:
    """The class II candidates, their peptides and cores; ``None`` for a class I-only run.

    The core of each shown peptide comes from the table's core column when it has one, else it
    is recomputed with the shipped model when that model made the run's predictions
    (:mod:`vaxmix.report.cores`); otherwise no core is shown.
    """
    if folder.class2_aggregated is None and folder.class2_epitopes is None:
        return None
    candidates = candidate_records(folder, class2=True)
    indexes = {c["index"] for c in candidates}
    grouped = epitope_records(folder, indexes=indexes, class2=True)
    models = class2_models(folder)
    in_table = any(row.get("core") for rows in grouped.values() for row in rows)
    core_note = ""
    if in_table:
        core_note = "binding core as written in the run's class II table"
    else:
        from vaxmix.report.cores import core_source, recompute_cores

        model = core_source(folder.run, models)
        if model is not None:
            pairs = [(r["mt_peptide"], r["allele"]) for rows in grouped.values() for r in rows]
            pairs += [(c["best_peptide"], c["allele"]) for c in candidates]
            cores = recompute_cores(pairs)
            for rows in grouped.values():
                for row in rows:
                    row["core"] = cores.get((str(row["mt_peptide"]), str(row["allele"])))
            for candidate in candidates:
                candidate["core"] = cores.get((candidate["best_peptide"], candidate["allele"]))
            core_note = (
                f"binding core predicted by {model} (recomputed by the report for the shown "
                "peptides: the run's tables do not store it)"
            )
    if in_table:
        best = {(str(r["mt_peptide"]), str(r["allele"])): r.get("core") for rows in
                grouped.values() for r in rows}  # fmt: skip
        for candidate in candidates:
            candidate["core"] = best.get((candidate["best_peptide"], candidate["allele"]))
    has_core = bool(core_note)
    fields = (*EPITOPE_DETAIL_FIELDS, "core") if has_core else EPITOPE_DETAIL_FIELDS
    tiers = _tier_counts(candidates)
    return {
        "candidates": candidates,
        "n_candidates": len(candidates),
        "n_epitopes": None if folder.class2_epitopes is None else len(folder.class2_epitopes),
        "n_filtered": None if folder.class2_filtered is None else len(folder.class2_filtered),
        "tiers": tiers,
        "tier_plot": (
            Markup(svg.bar_chart(tiers, "Class II candidates per tier")) if tiers else None
        ),
        "alleles": run_class2_alleles(folder),
        "models": models,
        "has_core": has_core,
        "core_note": core_note,
        "detail_json": _json_for_script(
            {
                "epitopes": _columnar(grouped, fields),
                "variants": _variant_details(folder, indexes),
                "candidates": candidates,
            }
        ),
    }


def _class2_design(design: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """Class II facts of ``vaccine/design.json``: its ``class2`` section and binders by class."""
    if not design:
        return []
    facts: list[tuple[str, Any]] = []
    section = design.get("class2") if isinstance(design.get("class2"), dict) else {}
    for key, label in (
        ("alleles", "Class II molecules"),
        ("epitopes_in_selection", "Class II epitopes in the selected long peptides"),
        ("junction_lengths", "Class II junction peptide lengths"),
        ("note", "Class II note"),
    ):
        if key in section:
            value = section[key]
            facts.append((label, ", ".join(map(str, value)) if isinstance(value, list) else value))
    verification = design.get("verification")
    if isinstance(verification, dict):
        by_class = verification.get("binders_by_class")
        if isinstance(by_class, dict):
            for name, count in by_class.items():
                facts.append((f"Junction binders, {name} (predicted)", count))
        for key, label in (("rule", "Junction binder rule"), ("model", "Junction check models")):
            if key in verification and by_class is not None:
                value = verification[key]
                facts.append(
                    (label, ", ".join(map(str, value)) if isinstance(value, list) else value)
                )
    return facts


def _zero_based(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the elements with 0-based, end-exclusive ``start``/``end``.

    ``construct.json`` and ``mrna.json`` segments may be 1-based inclusive (the first element
    starts at 1) or 0-based end-exclusive (it starts at 0); both are accepted.
    """
    kept = [dict(e) for e in elements if isinstance(e, dict) and "start" in e and "end" in e]
    if kept and min(int(e["start"]) for e in kept) == 1:
        for element in kept:
            element["start"] = int(element["start"]) - 1
    for element in kept:
        element["start"], element["end"] = int(element["start"]), int(element["end"])
        element.setdefault("kind", "")
        element.setdefault("name", "")
    return kept


def _construct_section(construct: dict[str, Any]) -> dict[str, Any]:
    elements = _zero_based(list(construct.get("elements", [])))
    protein = str(construct.get("protein") or construct.get("sequence") or "")
    length = len(protein) or max((e["end"] for e in elements), default=0)
    return {
        "elements": elements,
        "length": length,
        "protein": protein,
        "map": Markup(svg.construct_map(elements, length)) if elements else None,
        "kinds": sorted({str(e.get("kind", "")) for e in elements}),
        "colours": svg.KIND_COLOURS,
    }


def _mrna_map(mrna: dict[str, Any]) -> Markup | None:
    segments = _zero_based(list(mrna.get("segments") or []))
    if not segments:
        return None
    sequence = mrna.get("mrna") or mrna.get("sequence") or ""
    length = len(sequence) if isinstance(sequence, str) and sequence else segments[-1]["end"]
    drawing = svg.construct_map(segments, length, title="mRNA map", unit="nt")
    return Markup(drawing)  # built with escaped text


def _mrna_structure(mrna: dict[str, Any]) -> tuple[str, str] | None:
    """The predicted structure to draw and what it is, from the fields mrna.json may hold."""
    qc = mrna.get("qc") if isinstance(mrna.get("qc"), dict) else {}
    for label, value in (
        ("full mRNA, MFE structure (dangles=2)", qc.get("mrna_structure_d2")),
        ("predicted structure", mrna.get("structure")),
        ("design DP structure", mrna.get("dp_structure")),
    ):
        if isinstance(value, str) and value and set(value) <= set("().[]{}<>"):
            return label, value
    return None


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


def _design_facts(design: dict[str, Any]) -> list[tuple[str, Any]]:
    """The headline fields of ``vaccine/design.json`` that exist in this file."""
    wanted = (
        ("n_peptides", "Long peptides"),
        ("construct_length", "Construct length (aa)"),
        ("covered_alleles", "Alleles covered"),
        ("uncovered_alleles", "Alleles not covered"),
        ("partial", "Partial design"),
        ("predictor_models", "Predictor models"),
        ("predictions_note", "Note"),
    )
    facts = []
    for key, label in wanted:
        if key in design:
            value = design[key]
            facts.append((label, ", ".join(map(str, value)) if isinstance(value, list) else value))
    return facts


def _mrna_scalars(mrna: dict[str, Any]) -> list[tuple[str, Any]]:
    qc = mrna.get("qc") if isinstance(mrna.get("qc"), dict) else {}
    return _scalars(mrna) + [(f"qc.{k}", v) for k, v in _scalars(qc)]


def _virus_rows(panel: dict[str, Any] | None, *keys: str) -> list[dict[str, Any]]:
    """Virus records under the first of ``keys`` that ``panel.json`` has (``picks`` today)."""
    for key in keys:
        rows = (panel or {}).get(key)
        if isinstance(rows, list):
            return [row for row in rows if isinstance(row, dict)]
    return []


def _virus_notes(panel: dict[str, Any] | None) -> list[str]:
    panel = panel or {}
    notes = [str(n) for n in panel.get("notes") or []]
    if panel.get("note"):
        notes.insert(0, str(panel["note"]))
    notes += [f"missing input: {m}" for m in panel.get("missing_inputs") or []]
    return notes


def _table(frame: Any) -> dict[str, Any] | None:
    if frame is None:
        return None
    return {"columns": list(frame.columns), "rows": frame.to_dict("split")["data"]}


def build_context(folder: RunFolder) -> dict[str, Any]:
    """Everything the template shows, computed from the loaded run folder."""
    candidates = candidate_records(folder)
    indexes = {c["index"] for c in candidates}
    epitopes = _columnar(epitope_records(folder, indexes=indexes))
    details = _variant_details(folder, indexes)
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
        "status": run.get("status", "completed"),  # run.json is written only when a run succeeds
        "candidates": candidates,
        "n_candidates": len(candidates),
        "n_epitopes": None if folder.epitopes is None else len(folder.epitopes),
        "n_filtered": None if folder.filtered is None else len(folder.filtered),
        "tiers": tiers,
        "tier_plot": Markup(svg.bar_chart(tiers, "Candidates per tier")) if tiers else None,
        "ic50_plot": Markup(
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
        "mrna_scalars": _mrna_scalars(folder.mrna) if folder.mrna else [],
        "mrna_map": _mrna_map(folder.mrna) if folder.mrna else None,
        "structure_plot": None,
        "structure_label": "",
        "virus": folder.virus_panel,
        "virus_rows": _virus_rows(folder.virus_panel, "picks", "viruses", "panel"),
        "virus_rejections": _virus_rows(folder.virus_panel, "rejections"),
        "virus_notes": _virus_notes(folder.virus_panel),
        "checksums": folder.checksums,
        "inputs": run_inputs(run),
        "provenance": [
            (title, section)
            for title, section in (
                ("Parameters", run_section(run, "parameters")),
                ("Models", run_section(run, "models", "prediction")),
                ("Versions", run_section(run, "versions")),
                ("Timings (s)", run_section(run, "timings", "timings_s")),
                ("Counts", run_section(run, "counts")),
                ("Skipped", run_section(run, "skipped")),
            )
            if section
        ],
        "run_warnings": [str(w) for w in run.get("warnings") or []],
        "design": folder.design,
        "design_facts": _design_facts(folder.design) if folder.design else [],
        "class2": _class2_section(folder),
        "class2_design": _class2_design(folder.design),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "vaxmix_version": __version__,
        "tier_colours": svg.TIER_COLOURS,
        "number": to_number,
    }
    structure = _mrna_structure(folder.mrna) if folder.mrna else None
    if structure is not None:
        context["structure_label"] = structure[0]
        context["structure_plot"] = Markup(svg.arc_diagram(structure[1]))
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
    env.filters["short"] = _short
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


def _short(value: Any) -> str:
    """A table cell: numbers to 4 significant digits (integers kept whole), text unchanged."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    number = to_number(value)
    if number is None or isinstance(value, int):
        return str(value)
    if number == int(number) and abs(number) < 1e12:
        return str(int(number))
    return f"{number:.0f}" if abs(number) >= 1000 else f"{number:.4g}"


def _static(name: str) -> Markup:
    text = resources.files("vaxmix.report").joinpath("static", name).read_text(encoding="utf-8")
    return Markup(text)


def render_report(folder: RunFolder) -> str:
    """Render the report HTML of a loaded run folder."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        css=_static("report.css"), js=_static("report.js"), **build_context(folder)
    )


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
