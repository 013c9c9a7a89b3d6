"""Orchestration of the core stages: ``vaxmix run`` and ``vaxmix demo``.

Public API: :class:`PipelineConfig`, :func:`run_pipeline` (→ :class:`PipelineResult`) and
:func:`run_demo` (the built-in HCC1395 example patient). Attributes are imported on first use so
that ``vaxmix --help`` (which imports :mod:`vaxmix.pipeline.commands`) stays fast.
"""

from __future__ import annotations

import importlib

__all__ = ["PipelineConfig", "PipelineResult", "example_patient_files", "run_demo", "run_pipeline"]

_WHERE = {
    "PipelineConfig": "vaxmix.pipeline.config",
    "PipelineResult": "vaxmix.pipeline.run",
    "run_pipeline": "vaxmix.pipeline.run",
    "run_demo": "vaxmix.pipeline.demo",
    "example_patient_files": "vaxmix.pipeline.demo",
}


def __getattr__(name: str) -> object:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'vaxmix.pipeline' has no attribute {name!r}")
