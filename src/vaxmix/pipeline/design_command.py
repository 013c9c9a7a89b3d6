"""``vaxmix design``: choose, order and link the vaccine peptides and assemble the construct.

The command lives in the pipeline package because it drives the whole job (``vaxmix run`` for a
VCF input, then :func:`vaxmix.pipeline.workflow.design_patient`); the vaccine package it calls
imports nothing from the pipeline, so the two stages have one import direction.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vaxmix.pipeline.commands import add_run_arguments

__all__ = ["register"]


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip() or t == ""]


def _lengths(text: str) -> tuple[int, ...]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = (int(x) for x in part.split("-", 1))
            if a > b:
                raise ValueError(f"range {part} runs backwards")
            out.extend(range(a, b + 1))
        elif part:
            out.append(int(part))
    return tuple(out)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``vaxmix design``."""
    p = subparsers.add_parser(
        "design",
        help="design the vaccine protein from a run folder (or order given peptides)",
        description=(
            "Select up to N long peptides (exact MILP with HLA coverage), order them and choose "
            "per-junction linkers so that no junction peptide is predicted to bind (exact "
            "Held-Karp up to 16 peptides), and assemble signal peptide + peptides + MITD. "
            "Writes DIR/vaccine/{selection.tsv,junctions.tsv,construct.faa,construct.json,"
            "design.json}. With --peptides-fasta: pVACvector-style ordering of given peptides."
        ),
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--run-dir", type=Path, help="a `vaxmix run` (or pVACseq result) folder")
    src.add_argument(
        "--peptides-fasta", type=Path, help="FASTA of peptides to order (needs --alleles, --out)"
    )
    p.add_argument(
        "--out", type=Path, help="output folder (with a VCF or --peptides-fasta; default with "
        "--run-dir: the run folder)"
    )
    p.add_argument("--no-mrna", action="store_true", help="stop after the protein construct")
    p.add_argument("--no-report", action="store_true", help="do not write report.html")
    p.add_argument(
        "--cai-weight", type=float, help="mRNA stage: lambda trading CAI against MFE (default 0.8)"
    )
    p.add_argument("--virus-expression", type=Path,
                   help="virus panel: tumor gene expression table (TPM)")
    p.add_argument("--virus-plate", type=Path, action="append", default=[],
                   help="virus panel: ex vivo assay plate (tidy CSV, or grid with --virus-layout)")
    p.add_argument("--virus-layout", type=Path, action="append", default=[],
                   help="virus panel: plate map for each grid --virus-plate, in order")
    p.add_argument("--indication", default="colorectal",
                   help="virus panel indication (colorectal, glioblastoma, melanoma, "
                   "uveal_melanoma)")
    add_run_arguments(p, vcf_optional=True, skip=("--alleles", "--out"))
    _add_design_options(p)
    p.set_defaults(handler=_handle)


def _add_design_options(p: argparse.ArgumentParser) -> None:
    """The vaccine design's options (fields of :class:`vaxmix.vaccine.DesignConfig`)."""
    p.add_argument(
        "--config", type=Path, help="TOML file with a [design] table of the options below"
    )
    p.add_argument("--alleles", help="comma-separated HLA alleles (default: the run's)")
    p.add_argument(
        "-n", "--n-peptides", type=int, help="maximum number of long peptides (1-34, default 20)"
    )
    p.add_argument(
        "--length", help="long-peptide length or range, e.g. 27 or 25-29 (default 25-29)"
    )
    p.add_argument(
        "--mode", choices=("long", "minimal"), help="long peptides (default) or minimal epitopes"
    )
    p.add_argument(
        "--preset", help="ranking preset: tesla (default), tesla-strict, binding, or a .toml path"
    )
    p.add_argument(
        "--linkers",
        help="comma-separated linker names or sequences (default none,AAY,GGS,HHHH,GPGPG,GS10)",
    )
    p.add_argument(
        "--signal-peptide", help="signal peptide name from the element catalogue, or none"
    )
    p.add_argument("--trafficking", help="trafficking domain name (MITD_BNT122) or none")
    p.add_argument("--elements", type=Path, help="element catalogue TOML (default: shipped)")
    p.add_argument("--junction-lengths", help="k-mer lengths checked at junctions, e.g. 8-11")
    p.add_argument(
        "--junction-max-affinity", type=float,
        help="a junction peptide binds if its predicted IC50 <= this, nM (default 500, "
        "pVACvector's binding threshold)",
    )
    p.add_argument(
        "--junction-max-percentile", type=float,
        help="... or if its percentile rank <= this (default 0.5, NetMHCpan's strong-binder "
        "rank; 2 also counts weak binders)",
    )
    p.add_argument(
        "--class2-junction-max-affinity", type=float,
        help="class II: a junction peptide binds if its predicted IC50 <= this, nM (default 50)",
    )
    p.add_argument(
        "--class2-junction-max-percentile", type=float,
        help="class II: ... or if its percentile rank <= this (default 1, NetMHCIIpan-4's "
        "strong-binder rank)",
    )
    p.add_argument("--purity", type=float, help="tumour purity for clonality (default: estimated)")
    p.add_argument(
        "--max-total-cysteines", type=int, help="cap on cysteines over the chosen peptides"
    )
    p.add_argument(
        "--immunogenicity-training",
        type=Path,
        help="research only: labelled peptides (CSV/TSV) to fit a learned immunogenicity "
        "probability at run time; reported beside the ranking, never used in it",
    )


def _virus_inputs(args: argparse.Namespace) -> object | None:
    """PanelInputs from the ``--virus-*`` options, or None when none was given."""
    from vaxmix.common.errors import InputError

    if args.virus_expression is None and not args.virus_plate:
        return None
    from vaxmix.virus.run import PanelInputs

    layouts: list[Path | None] = list(args.virus_layout)
    if layouts and len(layouts) != len(args.virus_plate):
        raise InputError("give one --virus-layout per --virus-plate, or none (tidy CSVs)",
                         field="--virus-layout")
    plates = tuple(zip(args.virus_plate, layouts or [None] * len(args.virus_plate), strict=True))
    return PanelInputs(indication=args.indication, expression=args.virus_expression,
                       plates=plates)


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    """The DesignConfig fields given on the command line (``None``: not given)."""
    from vaxmix.common.errors import InputError

    overrides: dict[str, object] = {
        "n_peptides": args.n_peptides,
        "mode": args.mode,
        "preset": args.preset,
        "signal_peptide": args.signal_peptide,
        "trafficking": args.trafficking,
        "elements": str(args.elements) if args.elements else None,
        "purity": args.purity,
        # from a finished run (--run-dir) the run's metric is the default; with a VCF the
        # run is made here with the requested metric and the design reads it from run.json
        "top_score_metric": args.top_score_metric if args.run_dir is not None else None,
        "max_total_cysteines": args.max_total_cysteines,
        "junction_max_affinity_nm": args.junction_max_affinity,
        "junction_max_percentile": args.junction_max_percentile,
        "class2_junction_max_affinity_nm": args.class2_junction_max_affinity,
        "class2_junction_max_percentile": args.class2_junction_max_percentile,
        "immunogenicity_training": str(args.immunogenicity_training)
        if args.immunogenicity_training
        else None,
    }
    if args.alleles:
        overrides["alleles"] = tuple(_csv(args.alleles))
    if args.linkers is not None:
        overrides["linkers"] = tuple(t.strip() for t in args.linkers.split(","))
    try:
        if args.length:
            lengths = _lengths(args.length)
            overrides["min_length"], overrides["max_length"] = min(lengths), max(lengths)
        if args.junction_lengths:
            overrides["junction_lengths"] = _lengths(args.junction_lengths)
    except ValueError as exc:
        raise InputError(
            f"not a length or range: {exc}", field="--length/--junction-lengths"
        ) from exc
    return overrides


def _check_sources(args: argparse.Namespace) -> None:
    """Exactly one input: a VCF (with --out), --run-dir or --peptides-fasta."""
    from vaxmix.common.errors import InputError

    sources = [x for x in (args.vcf, args.run_dir, args.peptides_fasta) if x is not None]
    if len(sources) != 1:
        raise InputError(
            "give exactly one input: a VCF, --run-dir (a `vaxmix run` folder) or "
            "--peptides-fasta", field="design input"
        )
    if args.vcf is not None and args.out is None:
        raise InputError("a VCF input needs --out", field="--out")


def _handle(args: argparse.Namespace) -> int:
    from vaxmix.vaccine.config import DesignConfig, load_config

    overrides = _overrides(args)
    _check_sources(args)
    if args.peptides_fasta is not None:
        overrides.setdefault("signal_peptide", None)
        if overrides["signal_peptide"] is None:
            overrides["signal_peptide"] = "none"
        if overrides["trafficking"] is None:
            overrides["trafficking"] = "none"
    if args.config:
        config = load_config(args.config, **overrides)
    else:
        config = DesignConfig(**{k: v for k, v in overrides.items() if v is not None}).validate()
    if args.peptides_fasta is not None:
        return _design_peptides(args, config)
    return _design_patient(args, config)


def _design_peptides(args: argparse.Namespace, config: object) -> int:
    """--peptides-fasta: order the given peptides and choose linkers (pVACvector-style)."""
    from vaxmix.common.errors import InputError
    from vaxmix.vaccine.design import design_from_peptides, write_design
    from vaxmix.vaccine.sequences import read_protein_fasta

    if not args.alleles:
        raise InputError("--peptides-fasta needs --alleles", field="--alleles")
    if args.out is None:
        raise InputError("--peptides-fasta needs --out", field="--out")
    records = read_protein_fasta(args.peptides_fasta)
    result = design_from_peptides(
        records, list(config.alleles or ()), config, source=args.peptides_fasta
    )
    folder = write_design(result, args.out, config)
    for warning in result.warnings:
        print(f"vaxmix: warning: {warning}", file=sys.stderr)
    order = result.order
    gap = "" if order.proven_optimal else f", gap to bound {order.cost - order.lower_bound}"
    print(
        f"{len(result.selection)} peptides, construct {len(result.construct.protein)} aa; "
        f"alleles covered {len(result.covered_alleles)}/{len(result.alleles)}; "
        f"junction binders (re-predicted) {result.verification['binders']} of "
        f"{result.verification['junction_peptides']} junction peptides; ordering "
        f"{order.method}{gap}"
        f"{'; PARTIAL design, see warnings' if result.partial else ''}\n-> {folder}"
    )
    return 0


def _design_patient(args: argparse.Namespace, config: object) -> int:
    """VCF or run folder → pipeline (if needed) → vaccine → mRNA → virus panel → report."""
    from vaxmix.pipeline.workflow import design_patient

    if args.vcf is not None:
        from vaxmix.pipeline.commands import config_from_args, print_allele_notes
        from vaxmix.pipeline.run import run_pipeline

        args.alleles = args.alleles or ""
        result = run_pipeline(config_from_args(args), args.out,  # type: ignore[arg-type]
                              overwrite=args.overwrite)  # fmt: skip
        print_allele_notes(result)
        run_dir = args.out
    else:
        run_dir = args.run_dir
        if args.out is not None and args.out.resolve() != args.run_dir.resolve():
            from vaxmix.common.runfolder import copy_run

            # the copy obeys the run-folder rules: --out new, empty, or a vaxmix run to replace
            run_dir = copy_run(args.run_dir, args.out, args.overwrite)
    mrna_config = None
    if args.cai_weight is not None:
        from vaxmix.mrna import DesignConfig as MrnaConfig

        mrna_config = MrnaConfig(cai_weight=args.cai_weight)
    virus = _virus_inputs(args)
    plate_options = None
    if virus is not None:
        from vaxmix.virus.plate import PlateOptions

        plate_options = PlateOptions()
    outcome = design_patient(
        run_dir,
        config,
        mrna_config=mrna_config,
        virus_inputs=virus,
        virus_plate_options=plate_options,
        with_mrna=not args.no_mrna,
        with_report=not args.no_report,
    )
    for warning in outcome.warnings:
        print(f"vaxmix: warning: {warning}", file=sys.stderr)
    print("\n".join(outcome.summary) + f"\n-> {run_dir}")
    return 0
