"""Fixtures of the vaccine tests (helpers live in ``vaccine_fakes``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from vaccine_fakes import HCC_DIR, fake_predict


@pytest.fixture
def predict():
    return fake_predict


@pytest.fixture
def hcc_dir() -> Path:
    return HCC_DIR
