"""The honest Phase I report section: every number with its definition, denominator, CI and
data cut, plus automatic warnings (JSON ``vaxmix.trial_report/1`` and an HTML fragment).

Why: public claims about this kind of vaccine turned "all patients mounted some immune
response" into "100 % efficacy". The report therefore puts immune-response rates next to the
tumour-response rate, prints exact intervals (48/48 → 100 %, 95 % Clopper–Pearson CI
92.6–100 %), and warns when a rate stands alone, when n is small, when responses are
unconfirmed, or when an immune response is anti-viral rather than anti-tumour.

Functions the report stage calls: :func:`rate_endpoint`, :func:`build_report`,
:func:`render_html`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from vaxmix.trial.stats import proportion

__all__ = ["SCHEMA", "Claim", "build_report", "rate_endpoint", "render_html", "report_warnings"]

SCHEMA = "vaxmix.trial_report/1"
PHASE1_NOTE = ("Phase I is not designed to estimate efficacy: response rates below are "
               "descriptive, with wide intervals, and were not powered for any hypothesis.")


@dataclass(frozen=True)
class Claim:
    """A rate stated elsewhere (press release, abstract) to be shown in context."""

    label: str
    x: int
    n: int
    kind: str = "immune"


def rate_endpoint(
    endpoint_id: str, label: str, definition: str, x: int, n: int, category: str,
    denominator: str, data_cut: str | None, level: float = 0.95, **extra: object,
) -> dict:
    """One rate endpoint with Clopper–Pearson and Wilson intervals, ready for JSON."""
    rate = proportion(x, n, level)
    return {
        "id": endpoint_id,
        "label": label,
        "category": category,
        "definition": definition,
        "numerator": x,
        "denominator": n,
        "denominator_definition": denominator,
        "estimate": rate.estimate,
        "ci": {"method": "Clopper–Pearson (exact)", "level": level,
               "lower": rate.cp_lower, "upper": rate.cp_upper},
        "ci_wilson": {"method": "Wilson score", "level": level,
                      "lower": rate.wilson_lower, "upper": rate.wilson_upper},
        "text": rate.text(),
        "data_cut": data_cut,
        **extra,
    }


def report_warnings(endpoints: list[dict], small_n: int = 30) -> list[dict]:
    """Warnings that must travel with the numbers."""
    warnings: list[dict] = [{"code": "phase1", "message": PHASE1_NOTE}]
    rates = [e for e in endpoints if "denominator" in e]
    immune = [e for e in rates if e["category"] in ("immune", "claim_immune")]
    tumour = [e for e in rates if e["category"] == "tumor_response"]
    if immune and not tumour:
        warnings.append({"code": "immune_without_tumor_response", "message": (
            "An immune-response rate is presented without a tumour-response rate; an immune "
            "response is not evidence of anti-tumour efficacy. Report the confirmed objective "
            "response rate (RECIST 1.1) alongside it.")})
    for e in immune:
        if e.get("target") == "viral" or e["category"] == "claim_immune":
            warnings.append({"code": "antiviral_response", "endpoint": e["id"], "message": (
                f"{e['label']}: any live-virus therapy immunises against the virus, so this "
                "response may be anti-viral rather than anti-tumour; it is not efficacy.")})
    for e in rates:
        n = e["denominator"]
        if 0 < n < small_n:
            warnings.append({"code": "small_n", "endpoint": e["id"], "message": (
                f"{e['label']}: n = {n} is small; {100 * e['ci']['level']:.0f}% CI "
                f"{100 * e['ci']['lower']:.1f}–{100 * e['ci']['upper']:.1f}%.")})
        elif n == 0:
            warnings.append({"code": "no_denominator", "endpoint": e["id"],
                             "message": f"{e['label']}: no evaluable subjects."})
    for e in tumour:
        unconfirmed = e.get("n_unconfirmed_responders", e["numerator"])
        if e.get("confirmed") is False and unconfirmed > 0:
            warnings.append({"code": "unconfirmed_responses", "endpoint": e["id"], "message": (
                f"{e['label']} counts unconfirmed responses ({unconfirmed} of {e['numerator']} "
                "responders are not confirmed ≥ 28 days later); single-arm trials should "
                "report the confirmed rate.")})
    for e in endpoints:
        if e.get("grade_source", "").startswith("derived"):
            warnings.append({"code": "grades_not_ctcae", "endpoint": e["id"], "message": (
                f"{e['label']}: grades {e['grade_source']}.")})
    return warnings


def build_report(
    endpoints: list[dict], data_cut: str | None, provenance: dict,
    survival: list[dict] | None = None, tables: dict[str, str] | None = None,
    notes: list[str] | None = None, small_n: int = 30,
) -> dict:
    """Assemble ``trial/report.json``."""
    return {
        "schema": SCHEMA,
        "data_cut": data_cut,
        "phase1_note": PHASE1_NOTE,
        "endpoints": endpoints,
        "survival": survival or [],
        "warnings": report_warnings([*endpoints, *(survival or [])], small_n=small_n),
        "tables": tables or {},
        "notes": notes or [],
        "provenance": provenance,
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _days(value: float | None) -> str:
    return "NR" if value is None else f"{value:.0f}"


def render_html(report: dict, figures: dict[str, str] | None = None) -> str:
    """An HTML fragment (no ``<html>``/``<head>``) the report stage can embed."""
    esc = html.escape
    out = ['<section class="vaxmix-trial">', "<h2>Trial endpoints (honest Phase I summary)</h2>",
           f'<p class="note"><strong>{esc(report["phase1_note"])}</strong></p>',
           f"<p>Data cut: {esc(str(report['data_cut'] or 'not stated'))}</p>"]
    if report["warnings"]:
        out.append('<ul class="warnings">')
        out.extend(f"<li>{esc(w['message'])}</li>" for w in report["warnings"]
                   if w["code"] != "phase1")
        out.append("</ul>")
    out.append("<table><thead><tr><th>endpoint</th><th>definition</th><th>n/N</th><th>%</th>"
               "<th>95% CI (Clopper–Pearson)</th><th>95% CI (Wilson)</th><th>denominator</th>"
               "</tr></thead><tbody>")
    for e in report["endpoints"]:
        if "denominator" not in e:
            continue
        out.append(
            f"<tr><td>{esc(e['label'])}</td><td>{esc(e['definition'])}</td>"
            f"<td>{e['numerator']}/{e['denominator']}</td><td>{_pct(e['estimate'])}</td>"
            f"<td>{_pct(e['ci']['lower'])}–{_pct(e['ci']['upper'])}</td>"
            f"<td>{_pct(e['ci_wilson']['lower'])}–{_pct(e['ci_wilson']['upper'])}</td>"
            f"<td>{esc(e['denominator_definition'])}</td></tr>")
    out.append("</tbody></table>")
    if report["survival"]:
        out.append("<table><thead><tr><th>time to event</th><th>n</th><th>events</th>"
                   "<th>median (days)</th><th>95% CI</th><th>censoring rule</th></tr></thead>"
                   "<tbody>")
        for s in report["survival"]:
            lo, hi = s["median_ci_days"]
            out.append(f"<tr><td>{esc(s['label'])}</td><td>{s['n']}</td><td>{s['events']}</td>"
                       f"<td>{_days(s['median_days'])}</td><td>{_days(lo)}–{_days(hi)}</td>"
                       f"<td>{esc(s['censoring'])}</td></tr>")
        out.append("</tbody></table>")
    for note in report.get("notes", []):
        out.append(f"<p class=\"note\">{esc(note)}</p>")
    for caption, src in (figures or {}).items():
        out.append(f'<figure><img src="{esc(src)}" alt="{esc(caption)}">'
                   f"<figcaption>{esc(caption)}</figcaption></figure>")
    out.append("</section>")
    return "\n".join(out)
