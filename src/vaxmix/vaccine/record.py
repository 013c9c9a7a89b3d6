"""The design's record: :class:`DesignResult` and its ``vaccine/`` folder.

``write_design`` replaces ``vaccine/`` as a whole (selection.tsv, candidates.tsv,
junctions.tsv, construct.faa/json, design.json); ``design.json`` carries the provenance: input
checksums, every parameter, package versions, and the summary of the design's steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.atomic import atomic_write, replace_folder
from vaxmix.common.provenance import package_versions, sha256_file
from vaxmix.vaccine.config import DesignConfig
from vaxmix.vaccine.construct import Construct, write_construct
from vaxmix.vaccine.ordering import OrderResult

__all__ = ["SCHEMA", "DesignResult", "write_design"]

SCHEMA = "vaxmix.vaccine_design/1"


@dataclass
class DesignResult:
    """Everything one design produced; :func:`write_design` writes it to ``vaccine/``."""

    construct: Construct
    selection: pd.DataFrame
    junctions: pd.DataFrame
    order: OrderResult
    alleles: list[str]
    covered_alleles: list[str]
    uncovered_alleles: list[str]
    warnings: list[str]
    verification: dict
    summary: dict = field(default_factory=dict)
    inputs: dict[str, Path] = field(default_factory=dict)
    class2_alleles: list[str] = field(default_factory=list)  # the class II part of ``alleles``
    candidates: pd.DataFrame | None = None  # one row per variant: in the vaccine or not, why

    @property
    def partial(self) -> bool:
        """True when fewer peptides than requested, or some allele is uncovered."""
        return bool(self.summary.get("partial"))


def _design_document(result: DesignResult, config: DesignConfig) -> dict:
    """``design.json``: provenance, parameters, outcome and the steps' summary."""
    order_info = result.order
    return {
        "schema": SCHEMA,
        "inputs": {k: {"path": str(p), "sha256": sha256_file(p)} for k, p in result.inputs.items()},
        "parameters": config.to_dict(),
        "alleles": result.alleles,
        "class2_alleles": result.class2_alleles,
        "covered_alleles": result.covered_alleles,
        "uncovered_alleles": result.uncovered_alleles,
        "warnings": result.warnings,
        "n_peptides": len(result.selection),
        "construct_length": len(result.construct.protein),
        "ordering": {
            "method": order_info.method,
            "cost": order_info.cost,
            "lower_bound": order_info.lower_bound,
            "proven_optimal": order_info.proven_optimal,
            "junction_binders": int(result.junctions["predicted_binders"].sum()),
            "total_linker_length": int(result.junctions["linker_sequence"].str.len().sum()),
        },
        "verification": result.verification,
        "predictions_note": "binding values are predictions by the model(s) named in "
        "verification.model / predictor_models; selection uses the run's own predictions",
        **result.summary,
        "versions": package_versions(),
    }


def write_design(result: DesignResult, out_dir: str | Path, config: DesignConfig) -> Path:
    """Write ``vaccine/`` (selection, candidates, junctions, construct, design.json) atomically.

    The folder is replaced as a whole, so no file of an earlier design survives in it.
    """
    out_dir = Path(out_dir)
    with replace_folder(out_dir / "vaccine") as stage:
        result.selection.to_csv(stage / "selection.tsv", sep="\t", index=False, float_format="%.6g")
        result.junctions.to_csv(stage / "junctions.tsv", sep="\t", index=False, float_format="%.6g")
        write_construct(result.construct, stage)
        if result.candidates is not None:
            result.candidates.to_csv(stage / "candidates.tsv", sep="\t", index=False)
        doc = _design_document(result, config)
        with atomic_write(stage / "design.json") as handle:
            json.dump(_finite(doc), handle, indent=2, default=_json_default, allow_nan=False)
            handle.write("\n")
    return out_dir / "vaccine"


def _finite(value: object) -> object:
    """Replace NaN/inf floats by None so the JSON is strict."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    return value


def _json_default(value: object) -> object:
    if isinstance(value, np.integer | np.floating):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
