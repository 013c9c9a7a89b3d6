"""``vaxmix report RUN_DIR``: write the self-contained HTML report of a run folder."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command."""
    parser = subparsers.add_parser(
        "report",
        help="write one self-contained HTML report for a run folder",
        description="Write RUN_DIR/report.html: summary, candidates, vaccine, mRNA, virus "
        "panel and provenance, with inline CSS/JS/SVG so it opens without a network.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a vaxmix run folder (with run.json)")
    parser.add_argument(
        "-o", "--out", default=None, help="output file (default RUN_DIR/report.html)"
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from vaxmix.report.build import write_report

    path = write_report(args.run_dir, args.out)
    print(path)
    return 0
