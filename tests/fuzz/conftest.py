"""Fixtures of the fuzz tests: one watchdog worker per module (see fuzz_harness.Runner)."""

from __future__ import annotations

import pytest
from fuzz_harness import Runner


@pytest.fixture(scope="module")
def runner():
    worker = Runner()
    yield worker
    worker.close()
