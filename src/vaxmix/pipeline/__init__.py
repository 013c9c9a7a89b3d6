"""Orchestration of the core stages: ``vaxmix run`` and ``vaxmix demo``.

Public API: :class:`PipelineConfig`, :func:`run_pipeline` (→ :class:`PipelineResult`) and
:func:`run_demo` (the built-in HCC1395 example patient).
"""

from vaxmix.pipeline.config import PipelineConfig
from vaxmix.pipeline.demo import example_patient_files, run_demo
from vaxmix.pipeline.run import PipelineResult, run_pipeline

__all__ = ["PipelineConfig", "PipelineResult", "example_patient_files", "run_demo", "run_pipeline"]
