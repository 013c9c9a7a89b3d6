"""The ``vaxmix`` command line: a thin dispatcher over each stage's ``commands`` module.

Each stage owns its sub-commands in ``vaxmix/<stage>/commands.py``, which defines
``register(subparsers)``. Those modules keep their top-level imports light (argparse only) and
import the stage's heavy code inside the handler, so ``vaxmix --help`` stays fast.

Exit codes: 0 success, 2 bad input or usage (one message naming file/line/field, no traceback),
1 an unexpected internal error (traceback only with ``VAXMIX_DEBUG=1``), 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from vaxmix import __version__
from vaxmix.common.errors import VaxmixError

__all__ = ["build_parser", "main"]

# Order = order in ``vaxmix --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "vaxmix.pipeline.commands",  # run, demo
    "vaxmix.pipeline.design_command",  # design
    "vaxmix.mhc.commands",  # mhc predict / train / alleles
    "vaxmix.mhc.classii.commands",  # mhc2 predict / alleles / train
    "vaxmix.mrna.commands",  # mrna
    "vaxmix.virus.commands",  # virus
    "vaxmix.trial.commands",  # trial
    "vaxmix.report.commands",  # report
    "vaxmix.store.commands",  # registry, serve
    "vaxmix.cohort.commands",  # cohort run / synthetic
)


def build_parser() -> argparse.ArgumentParser:
    """Assemble the parser from every stage's ``commands`` module.

    Every module in ``COMMAND_MODULES`` is imported unconditionally: they import only the
    standard library and vaxmix itself, so a failed import means a broken installation, and it
    must fail loudly rather than leave a sub-command silently missing from ``vaxmix --help``.
    """
    parser = argparse.ArgumentParser(
        prog="vaxmix",
        description="Design a personalized cancer vaccine from one patient's tumor data.",
    )
    parser.add_argument("--version", action="version", version=f"vaxmix {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vaxmix`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        result = handler(args)
    except VaxmixError as exc:
        print(f"vaxmix: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("vaxmix: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("VAXMIX_DEBUG") == "1":
            traceback.print_exc()
        print(
            f"vaxmix: internal error: {type(exc).__name__}: {exc} "
            "(set VAXMIX_DEBUG=1 for a traceback, and please report it)",
            file=sys.stderr,
        )
        return 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
