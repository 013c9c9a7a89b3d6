"""Write the cohort folder: summary.tsv, shared tables, report.html and cohort.json.

Every file is written atomically. The cohort tables use only patients whose status is ``ok``
or ``skipped`` (complete, current outputs); a failed patient's folder may hold an earlier run
and is never read.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
from pathlib import Path

import pandas as pd

from vaxmix.cohort.shared import (
    hla_coverage,
    load_cohort_tables,
    recurrent_variants,
    shared_neoantigens,
)
from vaxmix.common.atomic import atomic_write
from vaxmix.common.provenance import package_versions, sha256_file

__all__ = ["SUMMARY_COLUMNS", "summary_rows", "write_cohort_view"]

#: summary.tsv's columns, one row per patient (:func:`summary_rows`).
SUMMARY_COLUMNS = (
    "patient_id", "status", "error", "error_file", "error_line", "error_field",
    "variants", "candidate_peptides", "predictions", "aggregated_rows", "tiers",
    "class2_aggregated_rows", "class2_tiers", "design", "seconds", "worker_pid",
    "predictor_load_s", "peak_rss_mb", "registry", "note", "out_dir",
)  # fmt: skip


def _tiers(counts: dict) -> str:
    return ";".join(f"{k}={v}" for k, v in (counts or {}).items())


def summary_rows(outcomes: list, registry: dict[str, str]) -> list[dict[str, object]]:
    """One summary.tsv row per patient (columns: :data:`SUMMARY_COLUMNS`)."""
    rows = []
    for o in outcomes:
        counts = o.counts or {}
        class2 = counts.get("class2") or {}
        design = "; ".join(o.design.get("summary", [])[:1]) if o.design else ""
        rows.append({
            "patient_id": o.patient_id, "status": o.status, "error": o.error,
            "error_file": o.error_file, "error_line": o.error_line,
            "error_field": o.error_field, "variants": counts.get("variants", ""),
            "candidate_peptides": counts.get("candidate_peptides", ""),
            "predictions": counts.get("predictions", ""),
            "aggregated_rows": counts.get("aggregated_rows", ""),
            "tiers": _tiers(counts.get("tiers", {})),
            "class2_aggregated_rows": class2.get("aggregated_rows", ""),
            "class2_tiers": _tiers(class2.get("tiers", {})), "design": design,
            "seconds": o.seconds, "worker_pid": o.worker_pid or "",
            "predictor_load_s": o.predictor_load_s,
            "peak_rss_mb": o.peak_rss_mb or "", "registry": registry.get(o.patient_id, ""),
            "note": o.note, "out_dir": o.out_dir,
        })  # fmt: skip
    for row in rows:  # one line per patient: no tab or newline inside a cell
        for key, value in row.items():
            if isinstance(value, str):
                row[key] = " | ".join(part.strip() for part in value.replace("\t", " ")
                                      .splitlines() if part.strip())  # fmt: skip
    return rows


def _write_tsv(path: Path, frame: pd.DataFrame) -> Path:
    with atomic_write(path, newline="") as handle:
        frame.to_csv(handle, sep="\t", index=False, na_rep="NA")
    return path


def _html_table(frame: pd.DataFrame, limit: int = 200) -> str:
    if frame.empty:
        return "<p class='none'>none</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.head(limit).itertuples(index=False)
    )
    more = (f"<p class='none'>{len(frame) - limit} more rows in the TSV</p>"
            if len(frame) > limit else "")  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.85em}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left}th{background:#eee}
.failed{background:#fdd}.none{color:#777}.note{color:#555;font-size:.9em}"""


def _report(summary: pd.DataFrame, tiers: pd.DataFrame, variants: pd.DataFrame,
            shared: pd.DataFrame, coverage: pd.DataFrame, meta: dict) -> str:
    failed = summary[summary["status"] == "failed"]
    patients = summary[["patient_id", "status", "variants", "aggregated_rows", "tiers",
                        "class2_tiers", "seconds", "error", "error_file", "error_line",
                        "error_field"]]  # fmt: skip
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>vaxmix cohort report</title><style>{_CSS}</style></head><body>
<h1>vaxmix cohort report</h1>
<p>{len(summary)} patients: {(summary['status'] == 'ok').sum()} run,
{(summary['status'] == 'skipped').sum()} unchanged (kept), {len(failed)} failed.
vaxmix {html.escape(meta['vaxmix_version'])}; manifest {html.escape(meta['manifest'])}
(sha256 {html.escape(meta.get('manifest_sha256', '')[:16])}…); written
{html.escape(meta.get('written_at', ''))}.</p>
<p class="note">Binding values are predictions of the models named in each patient's
run.json. Shared neoantigens come from each patient's filtered table; HLA coverage counts the
cohort's patients typed with at least one allele an epitope was found with (a cohort count,
not a population frequency).</p>
<h2>Patients</h2>{_html_table(patients, 10_000)}
<h2>Tiers per patient (class I)</h2>{_html_table(tiers, 10_000)}
<h2>Recurrent variants</h2>{_html_table(variants)}
<h2>Shared neoantigens (same MT epitope and allele in
≥ {meta['min_patients']} patients)</h2>{_html_table(shared)}
<h2>HLA coverage of the recurrent epitopes</h2>{_html_table(coverage)}
</body></html>
"""


def _tier_matrix(summary: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for patient, status, cell in zip(summary["patient_id"], summary["status"],
                                     summary["tiers"], strict=True):  # fmt: skip
        if status == "failed":
            continue
        entry: dict[str, object] = {"patient_id": patient}
        for part in str(cell).split(";"):
            if "=" in part:
                name, value = part.split("=", 1)
                entry[name] = int(value)
        rows.append(entry)
    if not rows:
        return pd.DataFrame()
    matrix = pd.DataFrame(rows).fillna(0)
    tiers = [c for c in matrix.columns if c != "patient_id"]
    matrix[tiers] = matrix[tiers].astype(int)
    return matrix


def write_cohort_view(
    folder: Path, manifest: Path, outcomes: list, registry: dict[str, str], meta: dict,
    min_patients: int = 2,
) -> dict[str, Path]:
    """Write every cohort file into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    summary = pd.DataFrame(summary_rows(outcomes, registry), columns=list(SUMMARY_COLUMNS))
    path = folder / "summary.tsv"
    with atomic_write(path, newline="") as handle:
        summary.to_csv(handle, sep="\t", index=False, quoting=csv.QUOTE_MINIMAL)
    files["summary"] = path
    good = {o.patient_id: Path(o.out_dir) for o in outcomes if o.status in ("ok", "skipped")}
    filtered, aggregated, alleles = load_cohort_tables(good)
    shared = shared_neoantigens(filtered, alleles, min_patients)
    variants = recurrent_variants(aggregated, min_patients)
    coverage = hla_coverage(shared, alleles)
    files["shared_neoantigens"] = _write_tsv(folder / "shared_neoantigens.tsv", shared)
    files["recurrent_variants"] = _write_tsv(folder / "recurrent_variants.tsv", variants)
    files["hla_coverage"] = _write_tsv(folder / "hla_coverage.tsv", coverage)
    meta = {**meta, "manifest_sha256": sha256_file(manifest),
            "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "patients": {"total": len(outcomes),
                         "ok": sum(o.status == "ok" for o in outcomes),
                         "skipped": sum(o.status == "skipped" for o in outcomes),
                         "failed": sum(o.status == "failed" for o in outcomes)},
            "shared_neoantigens": len(shared), "recurrent_variants": len(variants),
            "versions": package_versions(("dask", "distributed"))}  # fmt: skip
    report = _report(summary, _tier_matrix(summary), variants, shared, coverage, meta)
    with atomic_write(folder / "report.html", encoding="utf-8") as handle:
        handle.write(report)
    files["report"] = folder / "report.html"
    with atomic_write(folder / "cohort.json", encoding="utf-8") as handle:
        handle.write(json.dumps(meta, indent=2, default=str) + "\n")
    files["cohort_json"] = folder / "cohort.json"
    return files
