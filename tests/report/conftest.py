"""Fixtures: a run folder built from pVACseq's HCC1395 tables (see data/SOURCE.md).

Most report tests read a real ``vaxmix design`` output instead (``designed_run`` in
tests/conftest.py); this folder remains for the tests of pVACseq's own class II tables and for
tests/store (which builds it with its own helper).
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "run"
CLASS2_DATA = Path(__file__).parent / "data" / "class2"


def _gunzip(packed: Path) -> None:
    with gzip.open(packed, "rb") as source, open(packed.with_suffix(""), "wb") as sink:
        shutil.copyfileobj(source, sink)
    packed.unlink()


def build_run_folder(target: Path) -> Path:
    """Copy the fixture run folder to ``target`` and decompress ``all_epitopes.tsv``."""
    shutil.copytree(DATA, target)
    _gunzip(target / "all_epitopes.tsv.gz")
    return target


def add_class2_tables(run: Path) -> Path:
    """Add pVACseq's HCC1395 class II tables (subset) as the run's ``MHC_Class_II/`` folder."""
    shutil.copytree(CLASS2_DATA, run / "MHC_Class_II")
    _gunzip(run / "MHC_Class_II" / "all_epitopes.tsv.gz")
    return run


@pytest.fixture
def hcc1395_class2_run(tmp_path: Path) -> Path:
    return add_class2_tables(build_run_folder(tmp_path / "HCC1395_class2_run"))
