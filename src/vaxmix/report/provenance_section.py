"""The provenance section of the report: inputs with checksums, alleles as given, parameters,
models, versions, timings, counts, skipped variants, fusions, warnings."""

from __future__ import annotations

import dataclasses
from typing import Any

from vaxmix.common.runrecord import RunRecord
from vaxmix.report.formatting import flatten
from vaxmix.report.loaders import LoadedRun, run_inputs

__all__ = ["provenance_section"]


def run_parameters(run: RunRecord) -> dict[str, Any]:
    """``run.json`` parameters, with the alleles an HLA file gave shown (not ``[]``)."""
    parameters = dict(run.parameters)
    listed = [*run.alleles, *run.class2_alleles]
    if not parameters.get("alleles") and listed and parameters.get("hla_file"):
        parameters["alleles"] = f"{', '.join(map(str, listed))} (read from hla_file)"
    return parameters


def allele_names(run: RunRecord) -> list[dict[str, str]]:
    """run.json ``allele_names`` as table rows: each allele as the user gave it, the name the
    run used, its WHO expression status, used / excluded / skipped, and why.

    The why comes from the record itself: an excluded allele's expression suffix (WHO
    nomenclature, :data:`vaxmix.common.alleles.EXPRESSION_SUFFIXES`), a kept allele's
    questionable expression, the spelling normalisation, or a skipped gene's reason.
    """
    from vaxmix.common.alleles import EXPRESSION_SUFFIXES

    rows = []
    for record in run.allele_names:
        if not isinstance(record, dict):
            continue
        action = str(record.get("action") or "")
        suffix = str(record.get("suffix") or "")
        meaning = EXPRESSION_SUFFIXES.get(suffix, ("", "", True))[1]
        why = []
        if action == "excluded":
            status = meaning or "not expressed"
            status += f" (suffix {suffix})" if suffix else ""
            why.append(f"{status}: not at the cell surface, so no epitope is predicted for it")
        elif action == "used" and meaning:
            why.append(f"kept with a warning: {meaning} (suffix {suffix})")
        if record.get("reason"):
            why.append(str(record["reason"]))
        if record.get("normalisation") and not meaning:  # a suffix's reading is said above
            why.append(str(record["normalisation"]))
        rows.append({
            "given": str(record.get("given") or ""),
            "source": str(record.get("source") or "--alleles"),
            "name": str(record.get("name") or ""),
            "mhc_class": str(record.get("mhc_class") or ""),
            "expression": str(record.get("expression") or ""),
            "action": action,
            "why": "; ".join(why) or "used as given",
        })  # fmt: skip
    return rows


def provenance_section(folder: LoadedRun) -> dict[str, Any]:
    """run.json's record as readable rows, and the checksums of the files the report read."""
    run = folder.record
    return {
        "checksums": folder.checksums,
        "inputs": run_inputs(run),
        "allele_names": allele_names(run),
        "provenance": [
            (title, flatten(section))
            for title, section in (
                ("Parameters", run_parameters(run)),
                ("Models", dataclasses.asdict(run.prediction)),
                ("Versions", run.versions),
                ("Timings (s)", run.timings_s),
                ("Counts", run.counts),
                ("Skipped", run.skipped),
                ("Gene fusions", dataclasses.asdict(run.fusions) if run.fusions else {}),
            )
            if section
        ],
        "run_warnings": list(run.warnings),
    }
