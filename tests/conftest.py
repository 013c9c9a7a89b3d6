"""Shared pytest fixtures: paths to the committed test data."""

from __future__ import annotations

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
