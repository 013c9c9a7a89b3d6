"""Run the whole virus stage for one patient and write its outputs (no partial results).

Outputs in ``out_dir`` (written through :func:`vaxmix.common.atomic.staged_output`):

=====================  =============================================================
``panel.json``         schema ``vaxmix.virus_panel/1``: picks and rejections with reasons,
                       per-virus RNA evidence, curve summaries, QC, provenance
``rna_scores.tsv``     one row per virus: gate, receptor TPMs, defense, score
``curves.tsv``         one row per plate × sample × virus: 4PL fit, EC50 + CI, AUC, flags
``plate_qc.tsv``       one row per plate × sample: Z′, CVs, edge-effect tests
``selectivity.tsv``    tumor vs normal per virus
``wells.tsv``          every well with background-subtracted signal and viability
``dose_response.png/svg``, ``receptor_heatmap.png/svg``
=====================  =============================================================
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.atomic import staged_output
from vaxmix.common.provenance import package_versions, sha256_file
from vaxmix.virus.assay import AssayConfig, AssayResult, analyse_plates
from vaxmix.virus.catalog import Catalog, load_catalog
from vaxmix.virus.expression import ExpressionProfile, read_expression
from vaxmix.virus.plate import PlateOptions, read_plate, validate_controls
from vaxmix.virus.rna_scoring import RnaEvidence, RnaScoringConfig, score_rna
from vaxmix.virus.select import PanelConfig, VirusPanel, select_panel

__all__ = ["PanelInputs", "PanelRun", "run_panel"]

SCHEMA = "vaxmix.virus_panel/1"


@dataclass(frozen=True)
class PanelInputs:
    """Everything the stage reads for one patient.

    ``plates`` holds (plate file, layout file or ``None`` for a tidy CSV) pairs.
    """

    indication: str
    expression: Path | None = None
    plates: tuple[tuple[Path, Path | None], ...] = ()
    reference_expression: Path | None = None
    single_cell: Path | None = None
    cell_type_column: str | None = None
    catalog: Path | None = None
    gene_column: str | None = None
    tpm_column: str | None = None
    serology: Path | None = None
    #: Set for simulated or example data (what it is and where it is described); written to
    #: ``panel.json`` as ``simulated`` / ``data_origin`` so no reader takes it for a patient's.
    simulated: str | None = None


@dataclass
class PanelRun:
    """In-memory results of :func:`run_panel` (the written files hold the same)."""

    panel: VirusPanel
    rna: dict[str, RnaEvidence] | None
    assay: AssayResult | None
    profile: ExpressionProfile | None
    outputs: list[str] = field(default_factory=list)
    simulated: str | None = None  # PanelInputs.simulated: the data are simulated, not a patient's


def _clean(value: object) -> object:
    """JSON-safe: NaN/inf → None, numpy scalars → Python."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _read_reference(path: Path) -> pd.DataFrame:
    """Reference cohort TPM table: genes (any resolvable ID) as rows, samples as columns."""
    from vaxmix.common.errors import InputError
    from vaxmix.common.textio import read_delimited
    from vaxmix.virus.genes import load_gene_table

    genes = load_gene_table()
    sep = "," if path.suffix.lower() == ".csv" else "\t"
    parsed = read_delimited(path, "reference cohort", sep=sep, row_names=True)
    if len(parsed.header) < 2:
        raise InputError("reference cohort needs a gene column and sample columns", path, 1)
    table = parsed.frame().set_index(parsed.header[0])
    symbols = [genes.resolve(str(i).strip()) for i in table.index]
    table.index = symbols
    keep = np.array([s is not None for s in symbols], dtype=bool)
    numeric = table.apply(lambda col: pd.to_numeric(col.str.strip(), errors="coerce"))
    values = numeric.to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad[keep].any():
        row, col = np.argwhere(bad & keep[:, None])[0]
        raise InputError(
            f"TPM {parsed.rows[row][col + 1]!r} is not a finite number >= 0",
            path,
            parsed.lines[row],
            str(table.columns[col]),
        )
    return numeric[keep].groupby(level=0).sum()


def run_panel(
    inputs: PanelInputs,
    out_dir: str | Path,
    plate_options: PlateOptions | None = None,
    rna_config: RnaScoringConfig | None = None,
    assay_config: AssayConfig | None = None,
    panel_config: PanelConfig | None = None,
    plots: bool = True,
) -> PanelRun:
    """Read inputs, score, fit, select and write the panel folder; nothing is written on error."""
    started = time.perf_counter()
    plate_options = plate_options or PlateOptions()
    rna_config = rna_config or RnaScoringConfig()
    assay_config = assay_config or AssayConfig()
    panel_config = panel_config or PanelConfig()
    catalog: Catalog = load_catalog(inputs.catalog)

    profile, rna, single_cell_summary = _score_expression(inputs, catalog, rna_config)
    assay = _analyse_assay(inputs, catalog, plate_options, assay_config)
    serology = None
    if inputs.serology is not None:
        from vaxmix.virus.serology import read_serology

        serology = read_serology(inputs.serology, catalog.viruses)
    panel = select_panel(catalog, inputs.indication, rna, assay, panel_config, serology)
    input_records = _input_records(inputs)

    outputs: list[str] = []
    with staged_output(out_dir) as stage:
        if rna is not None and profile is not None:
            outputs += _write_rna_scores(stage, rna, profile, catalog, rna_config, plots)
        if assay is not None:
            outputs += _write_assay_tables(stage, assay, plots)
        document = {
            "schema": SCHEMA,
            "simulated": inputs.simulated is not None,
            "data_origin": inputs.simulated or "inputs supplied by the user (see provenance)",
            **panel.to_dict(),
            "rna": _rna_document(rna),
            "expression_summary": _expression_summary(profile),
            "single_cell": single_cell_summary,
            "curves": [] if assay is None else assay.curves.to_dict(orient="records"),
            "plate_qc": [] if assay is None else assay.qc.to_dict(orient="records"),
            "selectivity": [] if assay is None else assay.selectivity.to_dict(orient="records"),
            "references": {k: catalog.references[k] for k in sorted(catalog.references)},
            "provenance": {
                "inputs": input_records,
                "parameters": _parameters(plate_options, rna_config, assay_config, panel_config),
                "versions": package_versions(("matplotlib", "anndata")),
                "seconds": round(time.perf_counter() - started, 3),
                "outputs": sorted([*outputs, "panel.json"]),
            },
        }
        with open(stage / "panel.json", "w", encoding="utf-8") as handle:
            json.dump(_clean(document), handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        outputs.append("panel.json")
    return PanelRun(panel, rna, assay, profile, outputs, inputs.simulated)


def _score_expression(
    inputs: PanelInputs, catalog: Catalog, rna_config: RnaScoringConfig
) -> tuple[ExpressionProfile | None, dict[str, RnaEvidence] | None, dict | None]:
    """Read the tumor expression (and single-cell data) and score every virus on RNA.

    Returns ``(profile, rna, single_cell_summary)``, all ``None`` without an expression table:
    the panel then ranks on ex vivo data alone and says so.
    """
    if inputs.expression is None:
        return None, None, None
    profile = read_expression(inputs.expression, inputs.gene_column, inputs.tpm_column)
    reference = (
        _read_reference(inputs.reference_expression) if inputs.reference_expression else None
    )
    fractions = None
    n_cells = None
    if inputs.single_cell is not None:
        from vaxmix.virus.singlecell import receptor_cell_fractions

        receptors = {r.gene for v in catalog for r in v.receptors}
        fractions, n_cells = receptor_cell_fractions(
            inputs.single_cell, receptors, inputs.cell_type_column
        )
    rna = score_rna(catalog, profile, rna_config, reference, fractions)
    single_cell_summary = (
        None if fractions is None else {"tumor_cells": n_cells, "receptor_fraction": fractions}
    )
    return profile, rna, single_cell_summary


def _analyse_assay(
    inputs: PanelInputs, catalog: Catalog, plate_options: PlateOptions, assay_config: AssayConfig
) -> AssayResult | None:
    """Read and validate every plate, then fit the killing curves; ``None`` without plates.

    Plates from different files are pooled into one table, so a plate ID used twice is made
    unique per file first (otherwise two plates' wells would be fitted as one).
    """
    if not inputs.plates:
        return None
    tables = []
    for plate, layout in inputs.plates:
        wells = read_plate(plate, layout, plate_options)
        validate_controls(wells, known_viruses=catalog.viruses)
        tables.append(wells)
    # two files may carry the same plate ID (e.g. both named plate.csv): keep them apart
    ids = [set(t["plate_id"]) for t in tables]
    if sum(len(s) for s in ids) > len(set().union(*ids)):
        for number, table in enumerate(tables, start=1):
            table["plate_id"] = table["plate_id"] + f"#{number}"
    wells = pd.concat(tables, ignore_index=True)
    return analyse_plates(wells, assay_config)


def _input_records(inputs: PanelInputs) -> list[dict]:
    """Checksum every input file the run read, for panel.json's provenance."""
    input_records = []
    for role, path in (
        ("expression", inputs.expression),
        ("reference_expression", inputs.reference_expression),
        ("single_cell", inputs.single_cell),
        ("catalog", inputs.catalog),
        ("serology", inputs.serology),
        *((("plate", p) for p, _ in inputs.plates)),
        *((("layout", lay) for _, lay in inputs.plates if lay is not None)),
    ):
        if path is not None:
            input_records.append({"role": role, "path": str(path), "sha256": sha256_file(path)})
    return input_records


def _write_rna_scores(
    stage: Path,
    rna: dict[str, RnaEvidence],
    profile: ExpressionProfile,
    catalog: Catalog,
    rna_config: RnaScoringConfig,
    plots: bool,
) -> list[str]:
    """Write rna_scores.tsv (and the receptor heatmap); return the file names written."""
    outputs: list[str] = []
    rows = []
    for virus_id, ev in rna.items():
        rows.append(
            {
                "virus_id": virus_id,
                "gate": ev.gate,
                "score": ev.score,
                "defense_broken": ev.defense_broken,
                "broken_steps": ";".join(s.name for s in ev.defense_steps if s.state == "broken"),
                "receptor_tpm": ";".join(
                    f"{g}={'NA' if t is None else round(t, 3)}" for g, t in ev.receptor_tpm.items()
                ),
                "isg_mean_log2tpm": ev.isg_mean_log2tpm,
                "isg_z": ev.isg_z,
                "reasons": " | ".join(ev.reasons),
            }
        )
    pd.DataFrame(rows).to_csv(stage / "rna_scores.tsv", sep="\t", index=False)
    outputs.append("rna_scores.tsv")
    if plots:
        from vaxmix.virus.plots import plot_receptor_heatmap

        outputs += [
            p.name
            for p in plot_receptor_heatmap(
                catalog, profile, stage / "receptor_heatmap", rna_config.receptor_tpm
            )
        ]
    return outputs


def _write_assay_tables(stage: Path, assay: AssayResult, plots: bool) -> list[str]:
    """Write the curve, QC, selectivity and well tables (and dose-response plots); return names."""
    outputs: list[str] = []
    for name, table in (
        ("curves", assay.curves),
        ("plate_qc", assay.qc),
        ("selectivity", assay.selectivity),
    ):
        table.to_csv(stage / f"{name}.tsv", sep="\t", index=False)
        outputs.append(f"{name}.tsv")
    assay.wells.drop(columns=["source"]).to_csv(stage / "wells.tsv", sep="\t", index=False)
    outputs.append("wells.tsv")
    if plots:
        from vaxmix.virus.plots import plot_dose_response

        outputs += [p.name for p in plot_dose_response(assay, stage / "dose_response")]
    return outputs


def _rna_document(rna: dict[str, RnaEvidence] | None) -> dict:
    """panel.json's per-virus RNA evidence, labelled as a model prediction."""
    return {
        vid: {
            "gate": ev.gate,
            "score": ev.score,
            "receptor_tpm": ev.receptor_tpm,
            "receptor_cell_fraction": ev.receptor_cell_fraction,
            "defense_steps": [asdict(s) for s in ev.defense_steps],
            "isg_mean_log2tpm": ev.isg_mean_log2tpm,
            "isg_z": ev.isg_z,
            "reasons": list(ev.reasons),
            "model": "vaxmix.virus.rna_scoring heuristic (prediction, not measurement)",
        }
        for vid, ev in (rna or {}).items()
    }


def _expression_summary(profile: ExpressionProfile | None) -> dict | None:
    """How the expression table was read (rows, unresolved genes, columns, HGNC renames)."""
    if profile is None:
        return None
    return {
        "rows": profile.n_rows,
        "unresolved_rows": profile.n_unresolved,
        "gene_columns": list(profile.gene_columns),
        "tpm_column": profile.value_column,
        "renamed_to_hgnc": profile.renamed,
    }


def _parameters(
    plate_options: PlateOptions,
    rna_config: RnaScoringConfig,
    assay_config: AssayConfig,
    panel_config: PanelConfig,
) -> dict:
    """Every setting the run used, JSON-ready (frozensets as sorted lists), for provenance."""
    return {
        "plate": {
            k: (sorted(v) if isinstance(v, frozenset) else v)
            for k, v in asdict(plate_options).items()
        },
        "rna": asdict(rna_config),
        "assay": asdict(assay_config),
        "panel": asdict(panel_config),
    }
