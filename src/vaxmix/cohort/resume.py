"""Resume: decide whether a patient's earlier outputs can be kept.

A patient is skipped only when (1) its run folder is complete, (2) run.json records the same
input checksums, the same parameters and the same vaxmix version as the run that would be
started now, and (3) with ``--design``, the design folders were made from exactly those run
outputs (their recorded input checksums match). Anything else recomputes the patient: a stale
table is worse than a slow cohort.

:func:`run_folder_complete` is the single place that decides whether a run folder was written
completely; it reads the run folder's completion marker.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from vaxmix import __version__
from vaxmix.common.errors import InputError
from vaxmix.common.provenance import sha256_file
from vaxmix.common.runfolder import (
    CLASS2_FOLDER,
    COMBINED_FOLDER,
    TABLE_STEMS,
    RunFolder,
    require_complete,
)
from vaxmix.common.runrecord import RunRecord

__all__ = ["design_unchanged", "reuse_reason", "run_folder_complete", "run_unchanged"]

_INPUT_FIELDS = ("vcf", "hla_file", "gene_expression_file", "transcript_expression_file",
                 "reference_proteome", "genes_of_interest_file", "phased_proximal_variants_vcf")


def run_folder_complete(run_dir: Path) -> str | None:
    """``None`` when ``run_dir`` holds a finished ``vaxmix run``, else why not.

    The run folder's completion marker (:data:`vaxmix.common.runfolder.MARKER`, written last)
    decides first, as it does for the report, ``registry import`` and ``design --run-dir``;
    then every table run.json names must still be there (a file deleted after the run is
    recomputed, not trusted).
    """
    layout = RunFolder(run_dir)
    if not layout.run_json.is_file():
        return "no run.json"
    try:
        run = RunRecord.from_json(layout.run_json)
        require_complete(run_dir)
    except InputError as exc:
        return f"{exc.field}: {exc.message}" if exc.field else exc.message
    parts = [""]
    if run.outputs.class2:
        parts += [CLASS2_FOLDER, COMBINED_FOLDER]
    for part in parts:
        for stem in TABLE_STEMS if part == "" else TABLE_STEMS[1:]:
            for suffix in (".tsv", ".parquet"):
                if not layout.table(stem, part, suffix).is_file():
                    return f"{layout.relative(layout.table(stem, part, suffix))} missing"
    return None


def _jsonable(config: object) -> object:
    """The parameters exactly as run.json stores them (paths as text, tuples as lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config), default=str))  # type: ignore[call-overload]


def run_unchanged(run_dir: Path, config: object) -> str | None:
    """``None`` when run.json's inputs, parameters and version match ``config`` now."""
    run = RunRecord.from_json(RunFolder(run_dir).run_json)
    if run.vaxmix_version != __version__:
        return f"made by vaxmix {run.vaxmix_version}, this is {__version__}"
    if run.parameters != _jsonable(config):
        return "parameters changed"
    for name in _INPUT_FIELDS:
        path = getattr(config, name)
        before = getattr(run.inputs, name)
        if path is None or before is None:
            if (path is None) != (before is None):
                return f"input {name} added or removed"
            continue
        if before.sha256 != sha256_file(path):
            return f"input {name} changed (checksum)"
    return None


def design_unchanged(run_dir: Path, mrna: bool = True) -> str | None:
    """``None`` when vaccine/, mrna/ (with ``mrna``) and report.html were made from the current
    run outputs (the checksums their JSON records match the files now)."""
    files = {"vaccine/design.json": run_dir / "vaccine" / "design.json"}
    if mrna:
        files["mrna/mrna.json"] = run_dir / "mrna" / "mrna.json"
    for name, path in files.items():
        try:
            inputs = json.loads(path.read_text()).get("inputs", {})
        except (OSError, ValueError):
            return f"no readable {name}"
        for recorded, value in inputs.items():
            digest = value.get("sha256") if isinstance(value, dict) else value
            source = Path(value.get("path", recorded) if isinstance(value, dict) else recorded)
            if not source.is_file() or sha256_file(source) != digest:
                return f"{name} was made from other inputs ({source.name})"
    if not (run_dir / "report.html").is_file():
        return "report.html missing"
    return None


def reuse_reason(
    run_dir: Path, config: object, design: bool, mrna: bool = True
) -> tuple[bool, bool, str]:
    """(keep the run, keep the design, why not) for one patient's folder."""
    why = run_folder_complete(run_dir) or run_unchanged(run_dir, config)
    if why is not None:
        return False, False, why
    if not design:
        return True, False, ""
    why_design = design_unchanged(run_dir, mrna)
    return True, why_design is None, why_design or ""
