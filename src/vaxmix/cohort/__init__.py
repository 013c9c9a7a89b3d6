"""Cohort runs: ``vaxmix run`` (and optionally the design stages) for many patients on Dask.

Public API: :func:`read_manifest` (→ :class:`PatientSpec` rows), :func:`run_cohort`
(→ :class:`CohortResult`), :func:`shared_neoantigens` and :func:`make_synthetic_cohort`.
Attributes are imported on first use so that ``vaxmix --help`` does not import Dask.
"""

from __future__ import annotations

import importlib

__all__ = [
    "CohortResult",
    "PatientSpec",
    "make_synthetic_cohort",
    "read_manifest",
    "run_cohort",
    "shared_neoantigens",
]

_WHERE = {
    "PatientSpec": "vaxmix.cohort.manifest",
    "read_manifest": "vaxmix.cohort.manifest",
    "CohortResult": "vaxmix.cohort.engine",
    "run_cohort": "vaxmix.cohort.engine",
    "shared_neoantigens": "vaxmix.cohort.shared",
    "make_synthetic_cohort": "vaxmix.cohort.synthetic",
}


def __getattr__(name: str) -> object:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'vaxmix.cohort' has no attribute {name!r}")
