"""Fixtures of the cohort tests: a synthetic cohort and a small LocalCluster of processes.

The cohort is built from the example patient shipped in the package
(``vaxmix/pipeline/data/example_patient``: pVACtools' HCC1395 example subset), so no test reads
../shared. The cluster has 2 worker processes of 1 thread (the machine is shared); it is
started once per module and passed to ``run_cohort`` as ``scheduler``, so its workers (and
their loaded predictors) serve every test of the module.
"""

from __future__ import annotations

import os

import pytest

from vaxmix.cohort.synthetic import make_synthetic_cohort

OPTIONS = "--lengths 9"


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    os.environ["VAXMIX_QUIET"] = "1"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, scheduler_port=0) as local:
        yield local


@pytest.fixture
def small_cohort(tmp_path):
    """3 good patients and 2 bad ones (a bad VCF POS, an unknown allele)."""
    return make_synthetic_cohort(tmp_path / "cohort", 5, n_bad=2, records=(3, 6))
