"""The whole job for one patient: pipeline → vaccine → mRNA → (virus panel) → report.

Each stage writes its own sub-folder of the run folder atomically (``vaccine/``, ``mrna/``,
``virus/``, ``report.html``), so a failure in a later stage never corrupts an earlier stage's
complete outputs. A design first removes the previous design's parts and lists the new ones in
``run.complete.json`` only when all are written, so a reader never takes an interrupted
design's parts (or a stale one) for a finished run's (:mod:`vaxmix.common.runfolder`).
Stages talk only through the files of the run folder and the public records of their packages
(see ``docs/architecture.md``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from vaxmix.common.progress import stage_note
from vaxmix.common.provenance import sha256_file

__all__ = ["PatientDesign", "design_patient"]


@dataclass
class PatientDesign:
    """Paths and headline figures of one patient's design (everything lives in ``run_dir``)."""

    run_dir: Path
    vaccine_dir: Path | None = None
    mrna_dir: Path | None = None
    virus_dir: Path | None = None
    report: Path | None = None
    summary: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def design_patient(
    run_dir: str | Path,
    design_config: object | None = None,
    mrna_config: object | None = None,
    virus_inputs: object | None = None,
    virus_plate_options: object | None = None,
    with_mrna: bool = True,
    with_report: bool = True,
) -> PatientDesign:
    """Design the vaccine (and mRNA, virus panel, report) from a finished ``vaxmix run`` folder.

    Parameters
    ----------
    run_dir
        Folder written by :func:`vaxmix.pipeline.run_pipeline`.
    design_config
        :class:`vaxmix.vaccine.DesignConfig` (defaults when ``None``).
    mrna_config
        :class:`vaxmix.mrna.DesignConfig` (defaults when ``None``).
    virus_inputs
        :class:`vaxmix.virus.run.PanelInputs`, or ``None`` to skip the virus panel.
    virus_plate_options
        :class:`vaxmix.virus.plate.PlateOptions` for the assay plates.
    with_mrna, with_report
        Turn the mRNA stage or the report off.
    """
    from vaxmix.common.runfolder import begin_design, finish_design, is_vaxmix_run

    run_dir = Path(run_dir)
    result = PatientDesign(run_dir=run_dir)
    owned = is_vaxmix_run(run_dir)  # a pVACseq result folder has no marker to keep
    vaccine = _vaccine_step(result, design_config, begin_design if owned else None)
    if with_mrna:
        _mrna_step(result, vaccine, mrna_config)
    if virus_inputs is not None:
        _virus_step(result, virus_inputs, virus_plate_options)
    if owned:  # every design part is written: list them in run.complete.json
        finish_design(run_dir)
    if with_report:
        _report_step(result)
    return result


def _timed(result: PatientDesign, key: str, started: float, label: str) -> None:
    """Record a step's seconds in ``result.timings[key]`` and say it on stderr."""
    result.timings[key] = round(time.perf_counter() - started, 3)
    stage_note(f"{label}: done in {result.timings[key]:.1f} s")


def _vaccine_step(
    result: PatientDesign, design_config: object | None, begin_design: object | None
) -> object:
    """Design and write ``vaccine/``; ``begin_design(run_dir)`` first removes the previous
    design's parts (a vaxmix run folder only). Returns the vaccine's DesignResult."""
    from vaxmix.vaccine import DesignConfig, design_vaccine, write_design

    stage_note("vaccine design (epitope value, long-peptide selection, junction check) ...")
    started = time.perf_counter()
    config = design_config or DesignConfig()
    vaccine = design_vaccine(result.run_dir, config)  # reads a complete run (marker checked)
    if begin_design is not None:  # the previous vaccine/, mrna/, virus/, report.html go
        begin_design(result.run_dir)
    result.vaccine_dir = write_design(vaccine, result.run_dir, config)
    result.warnings.extend(vaccine.warnings)
    _timed(result, "vaccine_s", started, "vaccine design")
    fusions = vaccine.summary.get("fusions", {})
    result.summary.append(
        f"vaccine: {len(vaccine.selection)} long peptides"
        + (f" ({fusions['selected']} from {fusions['in_run']} gene fusions)"
           if fusions.get("in_run") else "")
        + ", construct "
        f"{len(vaccine.construct.protein)} aa, alleles covered "
        f"{len(vaccine.covered_alleles)}/{len(vaccine.alleles)}, junction binders "
        f"(re-predicted) {vaccine.verification['binders']}"
        f"{' (PARTIAL design: see warnings)' if vaccine.partial else ''}"
    )
    return vaccine


def _mrna_step(result: PatientDesign, vaccine: object, mrna_config: object | None) -> None:
    """Design and write ``mrna/`` from the vaccine's construct."""
    from vaxmix.mrna import design_mrna
    from vaxmix.mrna import write_design as write_mrna

    stage_note("mRNA design (codons and structure; the slowest step) ...")
    started = time.perf_counter()
    construct_json = result.vaccine_dir / "construct.json"
    elements = [
        {"name": e.name, "kind": e.kind, "start": e.start, "end": e.end}
        for e in vaccine.construct.elements
    ]
    mrna = design_mrna(vaccine.construct.protein, mrna_config, protein_elements=elements)
    result.mrna_dir = write_mrna(
        mrna,
        result.run_dir / "mrna",
        inputs={str(construct_json): sha256_file(construct_json)},
    )
    _timed(result, "mrna_s", started, "mRNA design")
    qc = mrna.qc
    result.summary.append(
        f"mRNA: {len(mrna.mrna)} nt, CAI {qc['cai']:.3f}, MFE (full, dangles=0) "
        f"{qc['mfe_mrna_d0']:.1f} kcal/mol (predicted, ViennaRNA); "
        + (
            "constraints all met"
            if mrna.all_constraints_met
            else "constraints NOT met: "
            + ", ".join(sorted({v.constraint for v in mrna.violations}))
        )
    )


def _virus_step(
    result: PatientDesign, virus_inputs: object, virus_plate_options: object | None
) -> None:
    """Run the virus panel into ``virus/``; simulated example data is said to be so."""
    from vaxmix.virus.run import run_panel

    simulated = getattr(virus_inputs, "simulated", None)
    stage_note("virus panel" + (" (SIMULATED example data)" if simulated else "") + " ...")
    started = time.perf_counter()
    panel = run_panel(virus_inputs, result.run_dir / "virus", plate_options=virus_plate_options)
    result.virus_dir = result.run_dir / "virus"
    _timed(result, "virus_s", started, "virus panel")
    picks = ", ".join(p.name for p in panel.panel.picks) or "none"
    if simulated:  # example data must never read as this patient's
        result.warnings.append(str(simulated))
        result.summary.append(f"virus panel (SIMULATED example data, not this patient's): "
                              f"{picks}")
    else:
        result.summary.append(f"virus panel: {picks}")


def _report_step(result: PatientDesign) -> None:
    """Write ``report.html`` from the whole run folder."""
    from vaxmix.report import write_report

    stage_note("report ...")
    started = time.perf_counter()
    result.report = write_report(result.run_dir)
    _timed(result, "report_s", started, "report")
    result.summary.append(f"report: {result.report}")
