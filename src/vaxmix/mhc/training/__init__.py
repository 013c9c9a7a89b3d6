"""Training of the vaxmix MHC class I predictor (needs the ``train`` extra: torch).

Training reports progress (one line per epoch, the dataset built, where the model went) on the
``vaxmix.mhc`` logger, at INFO, so a library caller decides where it goes;
``vaxmix mhc train`` and ``vaxmix mhc2 train`` call :func:`log_progress` to show it on stderr.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["LOGGER_NAME", "log_progress"]

#: The logger every MHC training module logs under (``logging.getLogger(__name__)`` below it).
LOGGER_NAME = "vaxmix.mhc"


def log_progress() -> None:
    """Show ``vaxmix.mhc`` INFO lines on stderr, one plain line each (idempotent)."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.INFO)
    if not any(getattr(h, "_vaxmix_progress", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._vaxmix_progress = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
