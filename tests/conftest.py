"""Shared pytest fixtures: paths to the committed test data."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).parent


@pytest.fixture
def data_dir() -> Path:
    """Folder of small committed fixtures shared by several test modules."""
    return TESTS_DIR / "data"


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium driven by Playwright (skips where either is missing)."""
    from vaxmix.report.browser import CHROMIUM_ARGS, chromium_path

    if not chromium_path().exists():
        pytest.skip(f"headless Chromium ({chromium_path()}) is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path()), args=list(CHROMIUM_ARGS)
        )
        yield chromium
        chromium.close()


#: ``vaxmix design`` options of the shared designed run: 3 long peptides keep the mRNA stage
#: (most of the time) short while the construct still has junctions, linkers and both classes.
DESIGN_PEPTIDES = 3


@pytest.fixture(scope="session")
def designed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run folder: ``vaxmix demo --core-only`` then ``vaxmix design``, run once.

    The pipeline runs on the shipped HCC1395 example (class I and II, built-in predictors);
    ``vaxmix design`` then writes ``vaccine/``, ``mrna/``, ``virus/`` (the virus stage's shipped
    example files, passed as a user would) and ``report.html``. Every table and JSON file in it
    is what vaxmix's own writers produce, so tests that read it check the report against real
    outputs. Treat it as read-only; a test that changes files uses :func:`designed_run_copy`.
    """
    from vaxmix.cli import main

    virus = Path(str(resources.files("vaxmix.virus") / "data" / "example"))
    out = tmp_path_factory.mktemp("designed") / "HCC1395_run"
    assert main(["demo", "--core-only", "--out", str(out)]) == 0
    assert main([
        "design", "--run-dir", str(out), "-n", str(DESIGN_PEPTIDES),
        "--virus-expression", str(virus / "expression.tsv"),
        "--virus-plate", str(virus / "plate_grid.csv"),
        "--virus-layout", str(virus / "plate_layout.csv"),
    ]) == 0  # fmt: skip
    assert (out / "report.html").is_file()
    return out


@pytest.fixture
def designed_run_copy(designed_run: Path, tmp_path: Path) -> Path:
    """A private copy of :func:`designed_run` that the test may change."""
    import shutil

    return Path(shutil.copytree(designed_run, tmp_path / designed_run.name))
