"""Fixtures: a run folder built from pVACseq's HCC1395 tables (see data/SOURCE.md)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "run"


def build_run_folder(target: Path) -> Path:
    """Copy the fixture run folder to ``target`` and decompress ``all_epitopes.tsv``."""
    shutil.copytree(DATA, target)
    packed = target / "all_epitopes.tsv.gz"
    with gzip.open(packed, "rb") as source, open(target / "all_epitopes.tsv", "wb") as sink:
        shutil.copyfileobj(source, sink)
    packed.unlink()
    return target


@pytest.fixture
def hcc1395_run(tmp_path: Path) -> Path:
    return build_run_folder(tmp_path / "HCC1395_run")
