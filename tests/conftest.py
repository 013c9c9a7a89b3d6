"""Shared pytest fixtures: paths to the committed test data."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).parent


@pytest.fixture
def data_dir() -> Path:
    """Folder of small committed fixtures shared by several test modules."""
    return TESTS_DIR / "data"
