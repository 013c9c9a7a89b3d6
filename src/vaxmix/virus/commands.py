"""``vaxmix virus``: the oncolytic-virus panel sub-commands (light imports; work in handlers)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]

_INDICATIONS = ("colorectal", "glioblastoma", "melanoma", "uveal_melanoma")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``vaxmix virus {catalog,panel,example}``."""
    parser = subparsers.add_parser(
        "virus",
        help="oncolytic virus panel: catalog, tumor RNA scoring, ex vivo plate assays",
        description="Choose up to four oncolytic viruses for a patient from ex vivo killing "
        "assays (4PL fits) and tumor RNA (receptor gate, interferon-pathway loss).",
    )
    sub = parser.add_subparsers(dest="virus_command", metavar="SUBCOMMAND")
    parser.set_defaults(handler=lambda args: (parser.print_help(), 2)[1])

    catalog = sub.add_parser("catalog", help="list the candidate viruses and their receptors")
    catalog.add_argument("--catalog", type=Path, help="a catalog TOML instead of the shipped one")
    catalog.add_argument("--format", choices=("table", "tsv", "json"), default="table")
    catalog.add_argument(
        "--indication", choices=_INDICATIONS, help="show evidence for this indication"
    )
    catalog.set_defaults(handler=_catalog)

    panel = sub.add_parser("panel", help="score, fit and select a patient's virus panel")
    _add_panel_arguments(panel)
    panel.set_defaults(handler=_panel)

    example = sub.add_parser("example", help="run the shipped, simulated example patient")
    example.add_argument("--out", type=Path, required=True, help="output folder")
    example.add_argument("--no-plots", action="store_true", help="skip PNG/SVG figures")
    example.set_defaults(handler=_example)


def _add_panel_arguments(panel: argparse.ArgumentParser) -> None:
    panel.add_argument("--indication", choices=_INDICATIONS, required=True)
    panel.add_argument("--out", type=Path, required=True, help="output folder (e.g. RUN/virus)")
    panel.add_argument(
        "--expression", type=Path, help="tumor gene TPM table (TSV/CSV, StringTie, RSEM, kallisto)"
    )
    panel.add_argument("--gene-column", help="gene identifier column of --expression")
    panel.add_argument("--tpm-column", help="TPM column of --expression")
    panel.add_argument(
        "--reference-expression",
        type=Path,
        help="reference cohort TPM (genes × samples) for ISG z-scores",
    )
    panel.add_argument(
        "--h5ad", type=Path, help="single-cell AnnData of the tumor (receptor cell fractions)"
    )
    panel.add_argument("--cell-type-column", help="obs column labelling tumor cells in --h5ad")
    panel.add_argument(
        "--plate",
        type=Path,
        action="append",
        default=[],
        help="plate file: tidy per-well CSV, or reader grid with --layout (repeatable)",
    )
    panel.add_argument(
        "--layout",
        type=Path,
        action="append",
        default=[],
        help="plate map for the grid given by the matching --plate (repeatable)",
    )
    panel.add_argument(
        "--normal-sample",
        action="append",
        default=[],
        help="sample ID of the patient's normal cells (grid layouts)",
    )
    panel.add_argument(
        "--reference-sample",
        action="append",
        default=None,
        help="reference line sample ID (default: Vero)",
    )
    panel.add_argument(
        "--assay",
        default="MTT",
        choices=("MTT", "MTS", "CV", "LDH", "CTG"),
        help="readout kind (sets the saturation limit)",
    )
    panel.add_argument("--saturation", type=float, help="readings at or above this are saturated")
    panel.add_argument(
        "--dose-unit", default="dilution", choices=("dilution", "MOI"), help="unit of layout doses"
    )
    panel.add_argument(
        "--serology", type=Path, help="CSV virus_id,titer of neutralising antibodies (e.g. 1:32)"
    )
    panel.add_argument(
        "--max-nab-titer",
        type=float,
        default=16.0,
        help="reject viruses with reciprocal neutralising titre >= this (default 16, as CALM)",
    )
    panel.add_argument("--max-viruses", type=int, default=4)
    panel.add_argument(
        "--exclude",
        action="append",
        default=[],
        help="virus ID to exclude (e.g. neutralising antibodies)",
    )
    panel.add_argument(
        "--receptor-tpm", type=float, default=1.0, help="receptor expression threshold (TPM)"
    )
    panel.add_argument("--catalog", type=Path, help="a catalog TOML instead of the shipped one")
    panel.add_argument("--no-plots", action="store_true", help="skip PNG/SVG figures")


def _catalog(args: argparse.Namespace) -> int:
    import json

    from vaxmix.virus.catalog import load_catalog

    catalog = load_catalog(args.catalog)
    rows = []
    for virus in catalog:
        row = {
            "id": virus.id,
            "name": virus.name,
            "family": virus.family,
            "genome": virus.genome,
            "receptors": ", ".join(
                f"{r.gene} ({r.hgnc_id}){'*' if r.obligatory else ''}" for r in virus.receptors
            )
            or "-",
            "status": virus.clinical_status,
            "enteromix": "yes" if virus.enteromix_component else "",
        }
        if args.indication:
            row[args.indication] = virus.evidence[args.indication].level
        rows.append(row)
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    elif args.format == "tsv":
        print("\t".join(rows[0]))
        for row in rows:
            print("\t".join(str(v) for v in row.values()))
    else:
        widths = {k: max(len(k), *(len(str(r[k])) for r in rows)) for k in rows[0]}
        print("  ".join(k.ljust(w) for k, w in widths.items()))
        for row in rows:
            print("  ".join(str(row[k]).ljust(w) for k, w in widths.items()))
        print(
            f"\n{len(rows)} viruses, catalog {catalog.version}; "
            "* = obligatory receptor (entry gate)"
        )
    return 0


def _print_panel(run: object, out: Path) -> None:
    panel = run.panel  # type: ignore[attr-defined]
    simulated = getattr(run, "simulated", None)
    if simulated:
        print(f"*** {simulated} ***")
    label = " (SIMULATED example data)" if simulated else ""
    print(f"virus panel for {panel.indication}{label} ({len(panel.picks)} picks) → "
          f"{out}/panel.json")
    for pick in panel.picks:
        print(
            f"  {pick.rank}. {pick.virus_id:<12} tier {pick.tier}  score {pick.score:.2f}  "
            f"via {pick.primary_receptor or '-'}"
        )
        print(f"       {pick.reasons[0]}")
        for caution in pick.cautions[:2]:
            print(f"       caution: {caution}")
    for line in panel.missing_inputs:
        print(f"  missing: {line}")


def _panel(args: argparse.Namespace) -> int:
    from vaxmix.common.errors import InputError
    from vaxmix.virus.plate import PlateOptions
    from vaxmix.virus.rna_scoring import RnaScoringConfig
    from vaxmix.virus.run import PanelInputs, run_panel
    from vaxmix.virus.select import PanelConfig

    if args.layout and len(args.layout) != len(args.plate):
        raise InputError(
            f"{len(args.layout)} --layout for {len(args.plate)} --plate: "
            "give one layout per grid plate",
            field="--layout",
        )
    if args.expression is None and not args.plate:
        raise InputError("give --expression and/or --plate", field="--expression")
    if args.max_viruses < 1:
        raise InputError("--max-viruses must be at least 1", field="--max-viruses")
    layouts = args.layout or [None] * len(args.plate)
    inputs = PanelInputs(
        indication=args.indication,
        expression=args.expression,
        plates=tuple(zip(args.plate, layouts, strict=True)),
        reference_expression=args.reference_expression,
        single_cell=args.h5ad,
        cell_type_column=args.cell_type_column,
        catalog=args.catalog,
        gene_column=args.gene_column,
        tpm_column=args.tpm_column,
        serology=args.serology,
    )
    options = PlateOptions(
        assay=args.assay,
        saturation=args.saturation,
        dose_unit=args.dose_unit,
        normal_samples=frozenset(args.normal_sample),
        reference_samples=frozenset(args.reference_sample or ["Vero"]),
    )
    run = run_panel(
        inputs,
        args.out,
        plate_options=options,
        rna_config=RnaScoringConfig(receptor_tpm=args.receptor_tpm),
        panel_config=PanelConfig(
            max_viruses=args.max_viruses,
            exclude=tuple(args.exclude),
            max_nab_titer=args.max_nab_titer,
        ),
        plots=not args.no_plots,
    )
    _print_panel(run, args.out)
    return 0


def _example(args: argparse.Namespace) -> int:
    from vaxmix.virus.example import run_example

    run = run_example(args.out, plots=not args.no_plots)
    _print_panel(run, args.out)
    return 0
