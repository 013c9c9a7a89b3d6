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
    from vaxmix.vaccine import DesignConfig, design_vaccine, write_design

    run_dir = Path(run_dir)
    result = PatientDesign(run_dir=run_dir)
    owned = is_vaxmix_run(run_dir)  # a pVACseq result folder has no marker to keep

    stage_note("vaccine design (epitope value, long-peptide selection, junction check) ...")
    started = time.perf_counter()
    config = design_config or DesignConfig()
    vaccine = design_vaccine(run_dir, config)  # reads a complete run (marker checked)
    if owned:  # the previous design's vaccine/, mrna/, virus/, report.html go, unlisted first
        begin_design(run_dir)
    result.vaccine_dir = write_design(vaccine, run_dir, config)
    result.warnings.extend(vaccine.warnings)
    result.timings["vaccine_s"] = round(time.perf_counter() - started, 3)
    stage_note(f"vaccine design: done in {result.timings['vaccine_s']:.1f} s")
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

    if with_mrna:
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
            run_dir / "mrna",
            inputs={str(construct_json): sha256_file(construct_json)},
        )
        result.timings["mrna_s"] = round(time.perf_counter() - started, 3)
        stage_note(f"mRNA design: done in {result.timings['mrna_s']:.1f} s")
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

    if virus_inputs is not None:
        from vaxmix.virus.run import run_panel

        simulated = getattr(virus_inputs, "simulated", None)
        stage_note("virus panel" + (" (SIMULATED example data)" if simulated else "") + " ...")
        started = time.perf_counter()
        panel = run_panel(virus_inputs, run_dir / "virus", plate_options=virus_plate_options)
        result.virus_dir = run_dir / "virus"
        result.timings["virus_s"] = round(time.perf_counter() - started, 3)
        stage_note(f"virus panel: done in {result.timings['virus_s']:.1f} s")
        picks = ", ".join(p.name for p in panel.panel.picks) or "none"
        if simulated:  # example data must never read as this patient's
            result.warnings.append(str(simulated))
            result.summary.append(f"virus panel (SIMULATED example data, not this patient's): "
                                  f"{picks}")
        else:
            result.summary.append(f"virus panel: {picks}")

    if owned:  # every design part is written: list them in run.complete.json
        finish_design(run_dir)

    if with_report:
        from vaxmix.report import write_report

        stage_note("report ...")
        started = time.perf_counter()
        result.report = write_report(run_dir)
        result.timings["report_s"] = round(time.perf_counter() - started, 3)
        stage_note(f"report: done in {result.timings['report_s']:.1f} s")
        result.summary.append(f"report: {result.report}")
    return result
