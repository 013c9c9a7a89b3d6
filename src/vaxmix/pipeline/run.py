"""``run_pipeline``: tumor VCF → candidates → MHC predictions → all-epitopes, filtered and
aggregated tables plus run.json, written atomically into one output folder.

Stages (each timed in run.json): read the VCF (and optional expression tables), enumerate
candidate peptides (pVACseq rules), predict every unique MT/WT peptide × allele in **one**
predictor call (deduplicated across variants, transcripts and lengths — pVACseq instead starts
a predictor process per allele × length × 100-row chunk), build the all-epitopes table, filter,
aggregate and tier.

Class II: when the patient's alleles include HLA-DR/DQ/DP molecules, the same steps run again
for the class II lengths (default 12–18) with :func:`vaxmix.mhc.classii.predict`, and the
class II tables — the same columns, filters, aggregation and tiers as class I — are written to
``MHC_Class_II/`` inside the run folder, as pVACseq writes separate ``MHC_Class_I`` and
``MHC_Class_II`` results, and both classes together (rows of both all-epitopes tables, filtered
and aggregated over all alleles, one row per variant) to ``combined/``, as pVACseq's
``combined`` folder (docs/mhc_class2.md).
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vaxmix import __version__
from vaxmix.common.errors import InputError
from vaxmix.common.progress import stage_note
from vaxmix.common.provenance import package_versions, sha256_file
from vaxmix.common.runfolder import MARKER, check_out_folder, run_folder_stage
from vaxmix.mhc.protocol import PredictFn as Predictor
from vaxmix.mhc.protocol import check_results
from vaxmix.peptides.enumerate import enumerate_epitopes
from vaxmix.peptides.proximal import apply_proximal_variants
from vaxmix.pipeline.config import PipelineConfig
from vaxmix.pipeline.fusions import (
    FusionConfig,
    fusion_run_record,
    run_fusions,
    write_fusion_outputs,
)
from vaxmix.pipeline.outputs import write_json, write_table
from vaxmix.ranking.aggregate import aggregate_epitopes
from vaxmix.ranking.epitopes import (
    add_peptide_properties,
    build_all_epitopes,
    read_genes_of_interest,
)
from vaxmix.ranking.filters import filter_epitopes
from vaxmix.ranking.reference import (
    ReferenceProteome,
    read_reference_proteome,
    reference_matches,
)
from vaxmix.ranking.tiers import estimate_vaf_clonal
from vaxmix.variants.expression import attach_expression, read_expression_table
from vaxmix.variants.fusions import read_fusions
from vaxmix.variants.hla import allele_report, parse_allele_names, read_hla_names
from vaxmix.variants.phased import read_phased_vcf
from vaxmix.variants.vcf import read_vep_vcf

__all__ = [
    "CLASS2_FOLDER",
    "COMBINED_FOLDER",
    "PipelineResult",
    "Predictor",
    "ResolvedAlleles",
    "resolve_allele_names",
    "resolve_alleles",
    "run_pipeline",
]

#: Sub-folders of the run folder with the class II tables and the class I + II tables
#: (pVACseq's names for them).
CLASS2_FOLDER = "MHC_Class_II"
COMBINED_FOLDER = "combined"

PREDICTION_COLUMNS = ("peptide", "allele", "affinity_nm", "percentile", "presentation_score",
                      "model")  # fmt: skip


@dataclass
class PipelineResult:
    """What a run produced (paths are inside ``out_dir``)."""

    out_dir: Path
    files: dict[str, Path]
    counts: dict[str, object]
    timings: dict[str, float]
    models: list[str]
    alleles: list[str]
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)
    class2_alleles: list[str] = field(default_factory=list)
    allele_notes: list[str] = field(default_factory=list)
    allele_warnings: list[str] = field(default_factory=list)


def _default_predictor(model: Path | None) -> tuple[Predictor, list[str] | None]:
    """The built-in class I model (a :class:`vaxmix.mhc.protocol.Predictor`) and its alleles."""
    try:
        from vaxmix.mhc import ClassIPredictor
    except ImportError as exc:  # the mhc stage is not installed
        raise InputError(f"no MHC predictor available ({exc})", field="--model") from exc
    predictor = ClassIPredictor(model)
    return predictor, predictor.supported_alleles()


@dataclass
class ResolvedAlleles:
    """The patient's alleles as the run uses them, and what reading them changed or left out.

    ``records`` (run.json ``allele_names``) hold one entry per name as given: where it came
    from, the name used, its WHO expression status and whether it was used or excluded;
    ``notes`` say how a spelling was read, ``warnings`` which alleles were left out (null,
    secreted, cytoplasmic) or are of questionable expression (L, A, Q).
    """

    class1: list[str]
    class2: list[str]
    records: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def resolve_allele_names(config: PipelineConfig, known: list[str] | None) -> ResolvedAlleles:
    """Class I alleles and class II molecules from ``--alleles`` and ``--hla-file``.

    Every name is read by the one allele parser (:mod:`vaxmix.common.alleles`). Class I names
    are normalized and checked against ``known``; class II names are normalized and single
    DQ/DP chains paired (:mod:`vaxmix.mhc.classii.typing`). Alleles that are not expressed at
    the cell surface are left out, with a warning. Both lists are de-duplicated, in input order.
    """
    from vaxmix.mhc.classii.typing import split_alleles

    names = []
    skipped: list[str] = []
    if config.alleles:
        names += parse_allele_names(",".join(config.alleles), known)
    if config.hla_file is not None:
        names += read_hla_names(Path(config.hla_file), known, skipped)
    records, notes, warnings = allele_report(names)
    if skipped:  # typing tools also type genes the built-in models do not cover
        genes = ", ".join(dict.fromkeys(skipped))
        notes.append(f"{Path(config.hla_file).name}: {genes} typed but not used (vaxmix's "
                     "models cover HLA-A, -B, -C and HLA-DR, -DQ, -DP)")  # fmt: skip
        records += [{"given": gene, "source": Path(config.hla_file).name, "name": None,
                     "action": "skipped", "reason": "gene not covered by the built-in models"}
                    for gene in dict.fromkeys(skipped)]  # fmt: skip
    used = [a for a in names if a.expressed]
    class1 = list(dict.fromkeys(a.name for a in used if a.mhc_class == 1))
    class2_raw = [a.name for a in used if a.mhc_class == 2]
    try:  # lone DQ/DP chains are paired into molecules here; a bad pairing names its source
        class2 = split_alleles(class2_raw).class2
    except InputError as exc:
        sources = sorted({a.source for a in used if a.mhc_class == 2 and a.source})
        raise InputError(exc.message, path=config.hla_file if config.hla_file else None,
                         field=exc.field if not sources else ", ".join(sources)) from None
    if not class1 and not class2:
        why = f" ({'; '.join(warnings)})" if warnings else ""
        raise InputError(f"no expressed HLA allele given{why}; give HLA alleles with --alleles "
                         "or --hla-file", field="--alleles")  # fmt: skip
    return ResolvedAlleles(class1, class2, records, notes, warnings)


def resolve_alleles(
    config: PipelineConfig, known: list[str] | None
) -> tuple[list[str], list[str]]:
    """(class I alleles, class II molecules) of :func:`resolve_allele_names`."""
    resolved = resolve_allele_names(config, known)
    return resolved.class1, resolved.class2


def _input_record(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    return {"path": str(path), "sha256": sha256_file(path)}


@dataclass
class _ClassTables:
    """One MHC class's candidates, predictions and ranked tables."""

    all_epitopes: pd.DataFrame
    filtered: pd.DataFrame
    aggregated: pd.DataFrame
    counts: dict[str, object]
    skipped: dict[str, int]
    models: list[str]
    timings: dict[str, float]
    reference_matches: pd.DataFrame | None = None


def _mark_reference_matches(
    all_epitopes: pd.DataFrame, reference: ReferenceProteome, k: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add "Reference Match" (True/False) and return the matches of each (Index, epitope)."""
    key = ["Index", "MT Epitope Seq"]
    unique = all_epitopes.drop_duplicates(key)[[*key, "Mutation Position", "Transcript"]]
    hits = reference_matches(unique, reference, k)
    matched = unique.loc[hits["row"].unique()] if len(hits) else unique.iloc[:0]
    pairs = set(zip(matched["Index"], matched["MT Epitope Seq"], strict=True))
    out = all_epitopes.copy(deep=False)  # new columns only; the input frame stays as it is
    out["Reference Match"] = [pair in pairs for pair in
                              zip(out["Index"], out["MT Epitope Seq"], strict=True)]
    table = unique.loc[hits["row"]].reset_index(drop=True) if len(hits) else unique.iloc[:0]
    table = pd.concat([table.reset_index(drop=True),
                       hits.drop(columns="row").reset_index(drop=True)], axis=1)
    return out, table


def _default_class2_predictor(model: Path | None) -> Predictor:
    from vaxmix.mhc.classii.predictor import ClassIIPredictor

    return ClassIIPredictor(model)


def _class_tables(
    variants: pd.DataFrame,
    lengths: tuple[int, ...],
    alleles: list[str],
    predict: Predictor,
    config: PipelineConfig,
    suffix: str = "",
    reference: ReferenceProteome | None = None,
    genes_of_interest: frozenset[str] | None = None,
) -> _ClassTables:
    """Enumerate, predict (one call), build the all-epitopes table, filter, aggregate, tier."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    enumeration = enumerate_epitopes(variants, tuple(lengths), config.downstream_length)
    candidates = enumeration.table
    timings[f"enumerate_peptides{suffix}"] = time.perf_counter() - start

    start = time.perf_counter()
    peptides = pd.unique(
        pd.concat([candidates["MT Epitope Seq"], candidates["WT Epitope Seq"]], ignore_index=True)
    )
    peptides = [p for p in peptides if p != "NA"]
    predictions = (  # no alleles of this class (a class II-only run): nothing to predict
        check_results(predict(peptides, alleles), peptides, alleles) if peptides and alleles
        else pd.DataFrame(columns=list(PREDICTION_COLUMNS))
    )
    models = sorted(set(predictions["model"].astype(str)))
    timings[f"predict{suffix}"] = time.perf_counter() - start

    start = time.perf_counter()
    all_epitopes = build_all_epitopes(variants, candidates, predictions, alleles)
    all_epitopes = add_peptide_properties(all_epitopes, config.problematic_amino_acids,
                                          genes_of_interest)
    timings[f"build_all_epitopes{suffix}"] = time.perf_counter() - start
    matches = None
    if reference is not None:
        start = time.perf_counter()
        all_epitopes, matches = _mark_reference_matches(all_epitopes, reference,
                                                        config.reference_match_length)
        timings[f"reference_matches{suffix}"] = time.perf_counter() - start

    start = time.perf_counter()
    filtered = filter_epitopes(all_epitopes, config.ranking)
    vaf_clonal = estimate_vaf_clonal(all_epitopes["Tumor DNA VAF"], config.ranking.tumor_purity)
    aggregated = aggregate_epitopes(all_epitopes, alleles, config.ranking, vaf_clonal)
    timings[f"filter_aggregate_tier{suffix}"] = time.perf_counter() - start
    counts: dict[str, object] = {
        "variant_transcripts_with_peptides": int(candidates["Index"].nunique()),
        "candidate_peptides": len(candidates),
        "unique_mt_peptides": int(candidates["MT Epitope Seq"].nunique()),
        "predicted_peptides": len(peptides),
        "predictions": len(predictions),
        "all_epitopes_rows": len(all_epitopes),
        "filtered_rows": len(filtered),
        "aggregated_rows": len(aggregated),
        "tiers": dict(Counter(aggregated["Tier"])),
        "vaf_clonal": vaf_clonal,
    }
    if matches is not None:
        counts["reference_matched_epitopes"] = int(matches["MT Epitope Seq"].nunique())
    return _ClassTables(all_epitopes, filtered, aggregated, counts,
                        dict(enumeration.skipped.most_common()), models, timings,
                        matches)  # fmt: skip


def _combined(
    class1: _ClassTables, class2: _ClassTables, alleles: list[str], config: PipelineConfig
) -> dict[str, pd.DataFrame]:
    """Class I and class II together: all-epitopes rows of both, filtered, aggregated."""
    all_epitopes = pd.concat([class1.all_epitopes, class2.all_epitopes], ignore_index=True,
                             sort=False)  # fmt: skip
    filtered = filter_epitopes(all_epitopes, config.ranking)
    vaf_clonal = estimate_vaf_clonal(all_epitopes["Tumor DNA VAF"], config.ranking.tumor_purity)
    aggregated = aggregate_epitopes(all_epitopes, alleles, config.ranking, vaf_clonal)
    return {"all_epitopes": all_epitopes, "filtered": filtered, "aggregated": aggregated}


def run_pipeline(
    config: PipelineConfig,
    out_dir: str | Path,
    predict: Predictor | None = None,
    predict_class2: Predictor | None = None,
    overwrite: bool = False,
    fusions: FusionConfig | None = None,
) -> PipelineResult:
    """Run the core pipeline and write its outputs into ``out_dir`` (atomically).

    Parameters
    ----------
    config
        Inputs and parameters.
    out_dir
        Output folder, owned by the run (:mod:`vaxmix.common.runfolder`): new, empty, or a
        previous vaxmix run, which is replaced as a whole when ``overwrite`` is True and
        refused otherwise. On failure it is left as it was. ``run.complete.json`` is written
        last.
    predict
        Peptide × allele predictor; ``None`` uses :func:`vaxmix.mhc.predict` (with
        ``config.model``) and checks alleles against the alleles it supports.
    predict_class2
        Class II predictor, used when class II alleles are given; ``None`` uses
        :func:`vaxmix.mhc.classii.predict` (with ``config.class2_model``).
    overwrite
        Replace a previous vaxmix run in ``out_dir`` (``--overwrite``).
    fusions
        Gene fusions (``--fusions``): pVACfuse-compatible tables in ``fusions/``
        (:mod:`vaxmix.pipeline.fusions`).

    Raises
    ------
    InputError
        For any bad input (the CLI reports it and exits with code 2).
    """
    out_dir = Path(out_dir)
    check_out_folder(out_dir, overwrite)  # before any work; checked again at the swap
    timings: dict[str, float] = {}
    known: list[str] | None = None
    if predict is None:
        predict, known = _default_predictor(config.model)
    for length in config.lengths:
        if not 8 <= length <= 15:
            raise InputError(f"epitope length {length} outside 8–15 (class I)", field="--lengths")
    for length in config.class2_lengths:
        if not 9 <= length <= 40:
            raise InputError(f"class II epitope length {length} outside 9–40",
                             field="--class2-lengths")  # fmt: skip
    stage_note(f"reading {Path(config.vcf).name} ...")
    start = time.perf_counter()
    resolved = resolve_allele_names(config, known)
    alleles, class2_alleles = resolved.class1, resolved.class2
    read = read_vep_vcf(
        config.vcf,
        sample=config.sample,
        normal_sample=config.normal_sample,
        biotypes=config.biotypes,
        allow_incomplete_transcripts=config.allow_incomplete_transcripts,
        pass_only=config.pass_only,
    )
    variants = read.table
    given_config = config  # run.json records the parameters as given, not derived from the VCF
    config = dataclasses.replace(
        config, ranking=dataclasses.replace(config.ranking, unmeasured=read.unmeasured))
    _warn_read_counts(read, config.ranking.allow_missing_vaf)
    gene_values = transcript_values = None
    expression_formats = {}
    if config.gene_expression_file is not None:
        gene_values, expression_formats["gene"] = read_expression_table(
            config.gene_expression_file, "gene"
        )
    if config.transcript_expression_file is not None:
        transcript_values, expression_formats["transcript"] = read_expression_table(
            config.transcript_expression_file, "transcript"
        )
    variants = attach_expression(variants, gene_values, transcript_values)
    proximal_counts: dict[str, int] | None = None
    if config.phased_proximal_variants_vcf is not None:
        phased = read_phased_vcf(config.phased_proximal_variants_vcf, sample=read.sample)
        reach = max([*config.lengths, *(config.class2_lengths if class2_alleles else ())]) - 1
        proximal = apply_proximal_variants(variants, phased, reach)
        variants = proximal.table
        proximal_counts = dict(proximal.counts)
        proximal_counts["unphased records skipped"] = phased.unphased_records
    genes = (read_genes_of_interest(config.genes_of_interest_file)
             if config.genes_of_interest_file is not None else None)
    reference = None
    if config.reference_proteome is not None:
        if not 2 <= config.reference_match_length <= 12:
            raise InputError("reference match length must be 2-12",
                             field="--reference-match-length")
        reference = read_reference_proteome(config.reference_proteome)
    fusion_records = read_fusions(fusions.path, fusions.starfusion_file) if fusions else None
    timings["read_inputs"] = time.perf_counter() - start
    stage_note(f"read {len(variants)} variant transcripts in {timings['read_inputs']:.1f} s")

    stage_note(f"class I: peptides and MHC prediction on {len(alleles)} allele(s) ...")
    class1 = _class_tables(variants, tuple(config.lengths), alleles, predict, config,
                           reference=reference, genes_of_interest=genes)
    timings.update(class1.timings)
    stage_note(f"class I: {class1.counts['predicted_peptides']} peptides predicted in "
               f"{class1.timings['predict']:.1f} s ({', '.join(class1.models) or 'no model'})")
    class2: _ClassTables | None = None
    if class2_alleles:
        stage_note(f"class II: peptides and MHC prediction on {len(class2_alleles)} "
                   "molecule(s) ...")
        if predict_class2 is None:
            predict_class2 = _default_class2_predictor(config.class2_model)
        class2 = _class_tables(variants, tuple(config.class2_lengths), class2_alleles,
                               predict_class2, config, suffix="_class2",
                               reference=reference, genes_of_interest=genes)  # fmt: skip
        timings.update(class2.timings)
        stage_note(f"class II: {class2.counts['predicted_peptides']} peptides predicted in "
                   f"{class2.timings['predict_class2']:.1f} s ({', '.join(class2.models)})")
    fusion_result = None
    if fusions is not None:  # gene fusions, pVACfuse's rules (pipeline/fusions.py)
        stage_note(f"fusions: {len(fusion_records)} fusion(s), peptides and MHC prediction ...")
        fusions = dataclasses.replace(fusions, downstream_length=config.downstream_length)
        fusion_result = run_fusions(fusions, config.ranking, (config.lengths, alleles, predict),
                                    (config.class2_lengths, class2_alleles, predict_class2),
                                    fusion_records)  # fmt: skip
        timings.update(fusion_result.timings)

    counts: dict[str, object] = {
        "vcf_records": read.records,
        "variant_transcripts": len(variants),
        "variants": int(
            variants[["chromosome_name", "start", "stop", "reference", "variant"]]
            .drop_duplicates()
            .shape[0]
        ),
        **class1.counts,
    }
    if class2 is not None:
        counts["class2"] = class2.counts
    if proximal_counts is not None:
        counts["proximal_variants"] = proximal_counts
    if fusion_result is not None:
        counts["fusions"] = fusion_result.counts
    skipped = {
        "variant_transcripts": dict(read.skipped.most_common()),
        "peptides": class1.skipped,
    }
    if class2 is not None:
        skipped["peptides_class2"] = class2.skipped
    models = list(dict.fromkeys(class1.models + (class2.models if class2 is not None else [])))
    start = time.perf_counter()
    files: dict[str, Path] = {}
    with run_folder_stage(out_dir, overwrite) as stage:
        tables = [
            (stage, "variants", variants),
            (stage, "all_epitopes", class1.all_epitopes),
            (stage, "filtered", class1.filtered),
            (stage, "aggregated", class1.aggregated),
        ]
        if class2 is not None:
            (stage / CLASS2_FOLDER).mkdir()
            (stage / COMBINED_FOLDER).mkdir()
            tables += [
                (stage / CLASS2_FOLDER, "all_epitopes", class2.all_epitopes),
                (stage / CLASS2_FOLDER, "filtered", class2.filtered),
                (stage / CLASS2_FOLDER, "aggregated", class2.aggregated),
                *[(stage / COMBINED_FOLDER, stem, table) for stem, table in
                  _combined(class1, class2, class2_alleles + alleles, config).items()],
            ]
        if class1.reference_matches is not None:
            tables.append((stage, "reference_matches", class1.reference_matches))
        if class2 is not None and class2.reference_matches is not None:
            tables.append((stage / CLASS2_FOLDER, "reference_matches", class2.reference_matches))
        for folder, stem, table in tables:
            for path in write_table(table, folder, stem):
                relative = path.relative_to(stage)
                files[str(relative)] = out_dir / relative
        if fusion_result is not None:
            files.update(write_fusion_outputs(fusion_result, stage, out_dir))
        timings["write_outputs"] = time.perf_counter() - start
        run_record = {
            "schema": "vaxmix.run/1",
            "vaxmix_version": __version__,
            "inputs": {
                "vcf": _input_record(config.vcf),
                "hla_file": _input_record(config.hla_file),
                "gene_expression_file": _input_record(config.gene_expression_file),
                "transcript_expression_file": _input_record(config.transcript_expression_file),
                "reference_proteome": _input_record(config.reference_proteome),
                "genes_of_interest_file": _input_record(config.genes_of_interest_file),
                "phased_proximal_variants_vcf": _input_record(
                    config.phased_proximal_variants_vcf),
                "expression_formats": expression_formats,
            },
            "sample": read.sample,
            "normal_sample": read.normal_sample,
            "alleles": alleles,
            "class2_alleles": class2_alleles,
            "allele_names": resolved.records,
            "parameters": _jsonable(dataclasses.asdict(given_config)),
            "prediction": {
                "models": models,
                "class1_models": class1.models,
                "class2_models": class2.models if class2 is not None else [],
                "note": "affinity, presentation score and percentile are model predictions",
            },
            "outputs": {
                "class1": ["all_epitopes.tsv", "filtered.tsv", "aggregated.tsv"],
                "class2": [f"{CLASS2_FOLDER}/{n}" for n in
                           ("all_epitopes.tsv", "filtered.tsv", "aggregated.tsv")]
                if class2 is not None else [],
                "combined": [f"{COMBINED_FOLDER}/{n}" for n in
                             ("all_epitopes.tsv", "filtered.tsv", "aggregated.tsv")]
                if class2 is not None else [],
            },
            "versions": package_versions(),
            "timings_s": {k: round(v, 4) for k, v in timings.items()},
            "counts": counts,
            "skipped": skipped,
            "warnings": resolved.warnings + read.warnings[:100],
            "read_counts": {
                "missing_rows": read.missing,
                "unmeasured_sources": list(read.unmeasured),
                "allow_missing_vaf": config.ranking.allow_missing_vaf,
                "note": "rows with a missing depth/VAF fail those cut-offs unless "
                        "allow_missing_vaf; unmeasured sources' cut-offs were not applied",
            },
        }
        if fusion_result is not None and fusions is not None:
            run_record["fusions"] = fusion_run_record(fusions, fusion_result)
        write_json(run_record, stage / "run.json")
        files["run.json"] = out_dir / "run.json"
        files[MARKER] = out_dir / MARKER  # written last, by run_folder_stage
    stage_note(f"tables and run.json written in {timings['write_outputs']:.1f} s")
    return PipelineResult(
        out_dir=out_dir, files=files, counts=counts, timings=timings, models=models,
        alleles=alleles, skipped=skipped, class2_alleles=class2_alleles,
        allele_notes=resolved.notes, allele_warnings=resolved.warnings,
    )  # fmt: skip


def _warn_read_counts(read: object, allow_missing: bool) -> None:
    """Say on stderr what the VCF lacks: missing depths/VAFs and whole read-count sources."""
    import sys

    notes = list(read.warnings[:5])  # type: ignore[attr-defined]
    missing = read.missing  # type: ignore[attr-defined]
    if missing:
        effect = "pass (--allow-missing-vaf)" if allow_missing else "fail those cut-offs"
        notes.append("missing read counts (rows): "
                     + ", ".join(f"{k} {v}" for k, v in missing.items()) + f"; they {effect}")
    labels = {"tumor_dna": "tumor DNA (DP/AD/AF)", "tumor_rna": "tumor RNA (RDP/RAD/RAF)",
              "normal": "normal sample"}
    for source in read.unmeasured:  # type: ignore[attr-defined]
        if source == "tumor_dna":
            notes.append("the VCF has no tumor DNA read counts (DP/AD/AF): every candidate "
                         "fails the DNA depth/VAF cut-offs unless --allow-missing-vaf")
        elif source != "normal" or read.normal_sample is not None:  # type: ignore[attr-defined]
            notes.append(f"no {labels[source]} read counts in the VCF: those cut-offs are "
                         "not applied")
    for note in notes:
        print(f"vaxmix: warning: {note}", file=sys.stderr)


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
