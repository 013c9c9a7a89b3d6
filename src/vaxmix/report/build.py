"""Turn a run folder into one self-contained HTML report.

The page has no external reference: CSS, JavaScript and plots (SVG) are inlined, and per-
candidate details travel as an inline JSON block that the page's own script renders on demand.
Each section's context is built by its own module (``candidate_section``, ``design_section``,
``virus_section``, ``provenance_section``); this module assembles them and renders the page.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from vaxmix import __version__
from vaxmix.common.atomic import atomic_write
from vaxmix.report import svg
from vaxmix.report.candidate_section import candidate_section
from vaxmix.report.design_section import mrna_section, vaccine_section
from vaxmix.report.formatting import format_number, short
from vaxmix.report.loaders import LoadedRun, load_run, run_alleles, run_identity, to_number
from vaxmix.report.provenance_section import provenance_section
from vaxmix.report.virus_section import virus_section

__all__ = ["build_context", "render_report", "write_report"]


def build_context(folder: LoadedRun) -> dict[str, Any]:
    """Everything the template shows, computed from the loaded run folder, section by section."""
    return {
        "identity": run_identity(folder),
        "alleles": run_alleles(folder),
        "run": folder.record,
        "status": "completed",  # run.json is written only when a run succeeds
        **candidate_section(folder),
        **vaccine_section(folder),
        **mrna_section(folder),
        **virus_section(folder),
        **provenance_section(folder),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "vaxmix_version": __version__,
        "tier_colours": svg.TIER_COLOURS,
        "number": to_number,
    }


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("vaxmix.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = format_number
    env.filters["short"] = short
    env.filters["tojson_compact"] = lambda v: json.dumps(v, sort_keys=True, default=str)
    return env


def _static(name: str) -> Markup:
    text = resources.files("vaxmix.report").joinpath("static", name).read_text(encoding="utf-8")
    return Markup(text)


def render_report(folder: LoadedRun) -> str:
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
