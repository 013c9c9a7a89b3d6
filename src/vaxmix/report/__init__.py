"""vaxmix.report: one self-contained HTML report per run folder.

Public API: :func:`write_report` (run folder -> ``report.html``), :func:`load_run` and
:func:`render_report` for callers that want the HTML text.
"""

from vaxmix.report.build import render_report, write_report
from vaxmix.report.loaders import load_run

__all__ = ["load_run", "render_report", "write_report"]
