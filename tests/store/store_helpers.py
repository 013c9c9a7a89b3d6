"""Constants and helpers shared by the store tests (imported by conftest and test modules)."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

RUN_DATA = Path(__file__).parents[1] / "report" / "data" / "run"
PASSWORDS = {"admin": "admin-pass-1", "rita": "reviewer-pass-1", "vic": "viewer-pass-1"}
ROLES = {"admin": "admin", "rita": "reviewer", "vic": "viewer"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def build_run_folder(target: Path) -> Path:
    """The HCC1395 fixture run folder of tests/report (see tests/report/data/SOURCE.md)."""
    shutil.copytree(RUN_DATA, target)
    packed = target / "all_epitopes.tsv.gz"
    with gzip.open(packed, "rb") as src, open(target / "all_epitopes.tsv", "wb") as dst:
        shutil.copyfileobj(src, dst)
    packed.unlink()
    return target
