"""``vaxmix run`` and ``vaxmix demo`` (argparse at import time; the work is imported lazily)."""

from __future__ import annotations

import argparse
from pathlib import Path

from vaxmix.common.epitope_lengths import CLASS1_LENGTHS, CLASS2_LENGTHS
from vaxmix.pipeline.fusion_args import add_fusion_arguments, fusion_config_from_args

__all__ = ["add_run_arguments", "config_from_args", "register"]

_CLASS1_DEFAULT = ",".join(map(str, CLASS1_LENGTHS))
_CLASS2_DEFAULT = ",".join(map(str, CLASS2_LENGTHS))

_RANKING_OPTIONS: tuple[tuple[str, str, type, str], ...] = (
    ("--binding-threshold", "binding_threshold", float, "IC50 cutoff, nM (500)"),
    ("--percentile-threshold", "percentile_threshold", float, "percentile cutoff (2.0)"),
    ("--minimum-fold-change", "minimum_fold_change", float, "minimum WT/MT fold change (0)"),
    ("--normal-cov", "normal_cov", int, "minimum normal depth (5)"),
    ("--tdna-cov", "tdna_cov", int, "minimum tumor DNA depth (10)"),
    ("--trna-cov", "trna_cov", int, "minimum tumor RNA depth (10)"),
    ("--normal-vaf", "normal_vaf", float, "maximum normal VAF (0.02)"),
    ("--tdna-vaf", "tdna_vaf", float, "minimum tumor DNA VAF (0.25)"),
    ("--trna-vaf", "trna_vaf", float, "minimum tumor RNA VAF (0.25)"),
    ("--expn-val", "expn_val", float, "minimum gene/transcript expression (1.0)"),
    ("--maximum-transcript-support-level", "maximum_transcript_support_level", int,
     "largest passing TSL (1)"),
    ("--aggregate-inclusion-binding-threshold", "aggregate_inclusion_binding_threshold", float,
     "IC50 cutoff for peptides counted in aggregated.tsv (5000)"),
    ("--aggregate-inclusion-count-limit", "aggregate_inclusion_count_limit", int,
     "most peptides counted per variant (15)"),
    ("--tumor-purity", "tumor_purity", float, "tumor purity 0–1 (default: estimate clonal VAF)"),
    ("--anchor-contribution-threshold", "anchor_contribution_threshold", float,
     "with --allele-specific-anchors: anchors cover this share of binding (0.8)"),
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``run`` and ``demo``."""
    run = subparsers.add_parser(
        "run",
        help="VEP VCF → neoantigen candidates → MHC predictions → ranked, tiered tables",
        description="Run the core pipeline on one tumor sample (pVACseq-compatible outputs).",
    )
    add_run_arguments(run)
    add_fusion_arguments(run)
    run.set_defaults(handler=_run)

    demo = subparsers.add_parser(
        "demo",
        help="the whole job on the built-in example patient (offline)",
        description=(
            "Run the pipeline on the shipped HCC1395 subset (pVACtools example data), then "
            "design the vaccine, its mRNA and a virus panel (the virus stage's simulated "
            "example) and write report.html."
        ),
    )
    demo.add_argument("--out", type=Path, required=True, help="output folder")
    demo.add_argument("--overwrite", action="store_true",
                      help="replace a previous vaxmix run in --out as a whole")
    demo.add_argument("--core-only", action="store_true",
                      help="stop after the core pipeline tables (like `vaxmix run`)")
    demo.add_argument("--no-mrna", action="store_true", help="skip the mRNA stage")
    demo.set_defaults(handler=_demo)


def add_run_arguments(
    parser: argparse.ArgumentParser, vcf_optional: bool = False, skip: tuple[str, ...] = ()
) -> None:
    """Add the core pipeline's options (shared by ``vaxmix run`` and ``vaxmix design``).

    ``vcf_optional`` makes the VCF positional optional (``design`` also accepts a run folder);
    ``skip`` names options (e.g. ``"--alleles"``) that the caller defines itself.
    """
    vcf_help = "VEP-annotated VCF (Wildtype + Frameshift plugins)"
    if vcf_optional:
        parser.add_argument("vcf", type=Path, nargs="?", help=vcf_help)
    else:
        parser.add_argument("vcf", type=Path, help=vcf_help)
    options: tuple[tuple[str, dict[str, object]], ...] = (
        ("--sample", {"help": "tumor sample name (required with several samples)"}),
        ("--normal-sample", {"help": "matched normal sample name"}),
        ("--alleles", {"default": "", "help": "comma-separated HLA alleles: class I, and class II "
                       "(HLA-DRB1*15:01, HLA-DQA1*01:02-DQB1*06:02), which also runs class II"}),
        ("--hla-file", {"type": Path, "help": "OptiType / arcasHLA / HLA-HD output"}),
        ("--lengths", {"default": _CLASS1_DEFAULT,
                       "help": f"class I epitope lengths ({_CLASS1_DEFAULT})"}),
        ("--class2-lengths", {"default": _CLASS2_DEFAULT, "help": "class II epitope lengths "
                              f"({_CLASS2_DEFAULT}; with class II alleles)"}),
        ("--out", {"type": Path, "required": True, "help": "output folder (new, empty, or a "
                   "previous vaxmix run with --overwrite)"}),
        ("--overwrite", {"action": "store_true", "help": "replace a previous vaxmix run in "
                         "--out as a whole (a folder with other files is always refused)"}),
        ("--downstream-length", {"default": "1000",
                                 "help": "frameshift residues kept past the variant, or 'full'"}),
        ("--pass-only", {"action": "store_true", "help": "use only FILTER=PASS records"}),
        ("--allow-incomplete-transcripts", {"action": "store_true",
                                            "help": "keep cds_start_NF / cds_end_NF transcripts"}),
        ("--biotypes", {"default": "protein_coding", "help": "transcript biotypes to keep"}),
        ("--gene-expression-file",
         {"type": Path, "help": "gene expression table (kallisto/StringTie/RSEM/Cufflinks)"}),
        ("--transcript-expression-file",
         {"type": Path, "help": "transcript expression table (kallisto/RSEM/Cufflinks)"}),
        ("--model", {"type": Path, "help": "predictor model file (default: shipped)"}),
        ("--class2-model", {"type": Path,
                            "help": "class II predictor model file (default: shipped)"}),
        ("--problematic-amino-acids", {"default": "", "help": "residues to flag in MT "
                                       "epitopes, e.g. C,NG,G:2,P:-1 (pVACseq's option)"}),
        ("--genes-of-interest", {"type": Path, "help": "gene symbols, one per line: adds "
                                 "'Gene of Interest' (pVACseq's column)"}),
        ("--reference-proteome", {"type": Path, "help": "protein FASTA(.gz), e.g. Ensembl "
                                  "pep.all: flag MT epitopes whose mutated k-mers occur in "
                                  "another protein (Reference Match / RefMatch tier)"}),
        ("--phased-proximal-variants-vcf", {"type": Path, "help": "phased, VEP-annotated VCF "
                                            "of somatic + germline variants: in-phase missense "
                                            "changes near a somatic variant enter its peptides "
                                            "(pVACseq's option)"}),
        ("--reference-match-length", {"type": int, "default": 8,
                                      "help": "k-mer length of reference matches (8)"}),
        ("--allele-specific-anchors", {"action": "store_true", "help": "each allele's "
                                       "predicted anchor positions (Xia et al. 2023, as "
                                       "pVACseq) instead of 1, 2, n-1, n"}),
        ("--allele-specific-binding-thresholds", {"action": "store_true", "help": "IEDB's "
                                                  "allele-specific IC50 cutoffs where listed "
                                                  "(as pVACseq), else --binding-threshold"}),
        ("--allow-missing-vaf", {"action": "store_true", "help": "let a missing depth or "
                                 "VAF pass the depth/VAF cut-offs and clonal/expression tier "
                                 "tests, as pVACseq does (default: it fails them)"}),
        ("--top-score-metric", {"choices": ("median", "lowest"),
                                "help": "binding columns the filters, tiers and the vaccine "
                                "rank on, as pVACseq (default: median; `design --run-dir`: "
                                "the run's)"}),
        ("--percentile-strategy", {"choices": ("conservative", "exploratory"),
                                   "default": "conservative"}),
    )  # fmt: skip
    for flag, kwargs in options:
        if flag not in skip:
            parser.add_argument(flag, **kwargs)  # type: ignore[arg-type]
    for flag, dest, kind, text in _RANKING_OPTIONS:
        parser.add_argument(flag, dest=dest, type=kind, default=None, help=text)


def _parse_lengths(text: str, flag: str = "--lengths") -> tuple[int, ...]:
    from vaxmix.common.errors import InputError

    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise InputError(f"lengths must be integers, got {text!r}", field=flag) from exc
    if not values:
        raise InputError("no epitope length given", field=flag)
    return values


def _problematic(text: str) -> tuple[str, ...]:
    """``--problematic-amino-acids`` entries, checked now so that a typo fails before the run."""
    from vaxmix.peptides.properties import parse_problematic_amino_acids

    entries = tuple(part.strip() for part in text.split(",") if part.strip())
    parse_problematic_amino_acids(entries)
    return entries


def config_from_args(args: argparse.Namespace) -> object:
    """Build a :class:`PipelineConfig` from parsed ``run`` options."""
    from vaxmix.common.errors import InputError
    from vaxmix.pipeline.config import PipelineConfig
    from vaxmix.ranking.config import RankingConfig

    overrides = {dest: getattr(args, dest) for _, dest, _, _ in _RANKING_OPTIONS
                 if getattr(args, dest) is not None}  # fmt: skip
    ranking = RankingConfig(
        top_score_metric=args.top_score_metric or "median",
        percentile_strategy=args.percentile_strategy,
        allele_specific_anchors=getattr(args, "allele_specific_anchors", False),
        allele_specific_binding_thresholds=getattr(args, "allele_specific_binding_thresholds",
                                                   False),
        allow_missing_vaf=getattr(args, "allow_missing_vaf", False),
        **overrides,
    )
    if args.downstream_length == "full":
        downstream: int | None = None
    else:
        try:
            downstream = int(args.downstream_length)
        except ValueError as exc:
            raise InputError("must be an integer or 'full'", field="--downstream-length") from exc
    return PipelineConfig(
        vcf=args.vcf,
        sample=args.sample,
        normal_sample=args.normal_sample,
        alleles=tuple(a for a in args.alleles.split(",") if a.strip()),
        hla_file=args.hla_file,
        lengths=_parse_lengths(args.lengths),
        class2_lengths=_parse_lengths(getattr(args, "class2_lengths", _CLASS2_DEFAULT),
                                      "--class2-lengths"),
        downstream_length=downstream,
        biotypes=tuple(b for b in args.biotypes.split(",") if b),
        allow_incomplete_transcripts=args.allow_incomplete_transcripts,
        pass_only=args.pass_only,
        gene_expression_file=args.gene_expression_file,
        transcript_expression_file=args.transcript_expression_file,
        model=args.model,
        class2_model=getattr(args, "class2_model", None),
        problematic_amino_acids=_problematic(getattr(args, "problematic_amino_acids", "")),
        reference_proteome=getattr(args, "reference_proteome", None),
        genes_of_interest_file=getattr(args, "genes_of_interest", None),
        reference_match_length=getattr(args, "reference_match_length", 8),
        phased_proximal_variants_vcf=getattr(args, "phased_proximal_variants_vcf", None),
        ranking=ranking,
    )


def _summary(result: object) -> str:
    counts = result.counts  # type: ignore[attr-defined]
    tiers = ", ".join(f"{k} {v}" for k, v in counts["tiers"].items())
    text = (
        f"vaxmix: {counts['variants']} variants, {counts['candidate_peptides']} candidate "
        f"peptides, {counts['predictions']} predictions ({', '.join(result.models)}); "  # type: ignore[attr-defined]
        f"{counts['aggregated_rows']} aggregated rows (tiers: {tiers or 'none'})"
    ) if result.alleles else (  # type: ignore[attr-defined]
        f"vaxmix: {counts['variants']} variants; class I: no alleles given, empty tables"
    )
    class2 = counts.get("class2")
    if class2:
        tiers2 = ", ".join(f"{k} {v}" for k, v in class2["tiers"].items())
        text += (
            f"; class II: {class2['candidate_peptides']} candidate peptides, "
            f"{class2['predictions']} predictions, {class2['aggregated_rows']} aggregated rows "
            f"(tiers: {tiers2 or 'none'}) in MHC_Class_II/"
        )
    fusions = counts.get("fusions")
    if fusions:
        classes = [f"{name}: {c['aggregated_rows']} aggregated rows" for name, c in
                   fusions.items() if isinstance(c, dict) and "aggregated_rows" in c]
        text += f"; fusions: {fusions['fusions']} read, {', '.join(classes)} in fusions/"
    return f"{text} → {result.out_dir}"  # type: ignore[attr-defined]


def print_allele_notes(result: object) -> None:
    """Print how allele names were read and which were left out (also in run.json)."""
    import sys

    for note in getattr(result, "allele_notes", []):
        print(f"vaxmix: note: {note}", file=sys.stderr)
    for warning in getattr(result, "allele_warnings", []):
        print(f"vaxmix: warning: {warning}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    import sys

    from vaxmix.pipeline.run import run_pipeline

    result = run_pipeline(config_from_args(args), args.out,  # type: ignore[arg-type]
                          overwrite=args.overwrite,
                          fusions=fusion_config_from_args(args))  # fmt: skip
    print_allele_notes(result)
    print(_summary(result), file=sys.stderr)
    return 0


def _demo(args: argparse.Namespace) -> int:
    import sys

    from vaxmix.common.progress import enable_stage_lines
    from vaxmix.pipeline.demo import run_demo, run_full_demo

    enable_stage_lines()  # a line per stage with elapsed time, also when piped
    try:
        if args.core_only:
            result = run_demo(args.out, overwrite=args.overwrite)
            print_allele_notes(result)
            print(_summary(result), file=sys.stderr)
            return 0
        result, design = run_full_demo(args.out, with_mrna=not args.no_mrna,
                                       overwrite=args.overwrite)
        print_allele_notes(result)
    finally:
        enable_stage_lines(False)
    print(_summary(result), file=sys.stderr)
    for warning in design.warnings:  # type: ignore[attr-defined]
        print(f"vaxmix: warning: {warning}", file=sys.stderr)
    print("\n".join(design.summary))  # type: ignore[attr-defined]
    return 0
