"""Fixtures of the variants tests: the example patient VCF (package data) as text."""

from __future__ import annotations

import gzip

import pytest

from vaxmix.pipeline.demo import example_patient_files


@pytest.fixture(scope="session")
def example_vcf_text() -> str:
    with example_patient_files() as (vcf, _):
        return gzip.open(vcf, "rt").read()
