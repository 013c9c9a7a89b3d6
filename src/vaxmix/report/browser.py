"""Where headless Chromium lives and how to start it on a machine without network.

The report is checked (tests, ``benchmarks/report_render.py``) by opening it in a real browser.
Debian's ``chromium`` package installs the binary at ``/usr/bin/chromium``; ``VAXMIX_CHROMIUM``
points elsewhere. The flags keep Chromium from reaching for Google's services at start-up,
which a closed network refuses many times over, and run it without a sandbox (as root in CI).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CHROMIUM_ARGS", "chromium_path"]

#: Command-line flags for a quiet, offline, headless Chromium.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> Path:
    """Path of the Chromium binary: ``$VAXMIX_CHROMIUM`` or Debian's ``/usr/bin/chromium``."""
    return Path(os.environ.get("VAXMIX_CHROMIUM", "/usr/bin/chromium"))
