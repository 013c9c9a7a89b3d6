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
from vaxmix.common.runfolder import (
    CLASS2_FOLDER,
    COMBINED_FOLDER,
    MARKER,
    RUN_JSON,
    TABLE_STEMS,
    RunFolder,
    check_out_folder,
    run_folder_stage,
)
from vaxmix.common.runrecord import (
    InputFile,
    Outputs,
    Prediction,
    ReadCounts,
    RunInputs,
    RunRecord,
)
from vaxmix.mhc.protocol import PredictFn as Predictor
from vaxmix.mhc.protocol import check_results
from vaxmix.peptides.enumerate import enumerate_epitopes
from vaxmix.peptides.proximal import apply_proximal_variants
from vaxmix.pipeline.config import PipelineConfig
from vaxmix.pipeline.fusions import (
    FusionConfig,
    FusionResult,
    fusion_run_record,
    run_fusions,
    write_fusion_outputs,
)
from vaxmix.pipeline.outputs import write_table
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
from vaxmix.variants.fusions import FusionRecord, read_fusions
from vaxmix.variants.hla import allele_report, parse_allele_names, read_hla_names
from vaxmix.variants.phased import read_phased_vcf
from vaxmix.variants.vcf import VcfReadResult, read_vep_vcf

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

#: The config's input files, recorded in run.json ``inputs`` (path and SHA-256).
INPUT_FILES = ("vcf", "hla_file", "gene_expression_file", "transcript_expression_file",
               "reference_proteome", "genes_of_interest_file", "phased_proximal_variants_vcf")

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


def _input_record(path: Path | None) -> InputFile | None:
    if path is None:
        return None
    return InputFile(path=str(path), sha256=sha256_file(path))


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


def _candidates(
    variants: pd.DataFrame, lengths: tuple[int, ...], config: PipelineConfig
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Candidate peptides of one class's lengths (pVACseq's rules) and the skips by reason."""
    enumeration = enumerate_epitopes(variants, tuple(lengths), config.downstream_length)
    return enumeration.table, dict(enumeration.skipped.most_common())


def _predictions(
    candidates: pd.DataFrame, alleles: list[str], predict: Predictor
) -> tuple[list[str], pd.DataFrame]:
    """Every unique MT/WT peptide × allele in one predictor call: (peptides, predictions)."""
    peptides = pd.unique(
        pd.concat([candidates["MT Epitope Seq"], candidates["WT Epitope Seq"]], ignore_index=True)
    )
    peptides = [p for p in peptides if p != "NA"]
    predictions = (  # no alleles of this class (a class II-only run): nothing to predict
        check_results(predict(peptides, alleles), peptides, alleles) if peptides and alleles
        else pd.DataFrame(columns=list(PREDICTION_COLUMNS))
    )
    return peptides, predictions


def _rank(
    all_epitopes: pd.DataFrame, alleles: list[str], config: PipelineConfig
) -> tuple[pd.DataFrame, pd.DataFrame, float | None]:
    """Filter, aggregate and tier (pVACseq's rules): (filtered, aggregated, clonal VAF)."""
    filtered = filter_epitopes(all_epitopes, config.ranking)
    vaf_clonal = estimate_vaf_clonal(all_epitopes["Tumor DNA VAF"], config.ranking.tumor_purity)
    aggregated = aggregate_epitopes(all_epitopes, alleles, config.ranking, vaf_clonal)
    return filtered, aggregated, vaf_clonal


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
    candidates, skipped = _candidates(variants, lengths, config)
    timings[f"enumerate_peptides{suffix}"] = time.perf_counter() - start

    start = time.perf_counter()
    peptides, predictions = _predictions(candidates, alleles, predict)
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
    filtered, aggregated, vaf_clonal = _rank(all_epitopes, alleles, config)
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
    return _ClassTables(all_epitopes, filtered, aggregated, counts, skipped, models, timings,
                        matches)  # fmt: skip


def _combined(
    class1: _ClassTables, class2: _ClassTables, alleles: list[str], config: PipelineConfig
) -> dict[str, pd.DataFrame]:
    """Class I and class II together: all-epitopes rows of both, filtered, aggregated."""
    all_epitopes = pd.concat([class1.all_epitopes, class2.all_epitopes], ignore_index=True,
                             sort=False)  # fmt: skip
    filtered, aggregated, _ = _rank(all_epitopes, alleles, config)
    return {"all_epitopes": all_epitopes, "filtered": filtered, "aggregated": aggregated}


@dataclass
class _Inputs:
    """What the run read: the variant table (expression and proximal variants attached), the
    optional inputs, and the VCF reader's record of what it read, skipped and could not measure.
    ``config`` carries the VCF's unmeasured read-count sources; ``given`` is the config as given
    (run.json records the parameters as given, not derived from the VCF)."""

    read: VcfReadResult
    variants: pd.DataFrame
    config: PipelineConfig
    given: PipelineConfig
    expression_formats: dict[str, str] = field(default_factory=dict)
    proximal_counts: dict[str, int] | None = None
    genes: frozenset[str] | None = None
    reference: ReferenceProteome | None = None
    fusion_records: list[FusionRecord] | None = None


@dataclass
class _Classes:
    """Both classes' ranked tables (``class2`` is None without class II molecules), the
    fusions' result, and the alleles each class ran on."""

    alleles: list[str]
    class2_alleles: list[str]
    class1: _ClassTables
    class2: _ClassTables | None = None
    fusions: FusionResult | None = None

    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(self.class1.models
                                  + (self.class2.models if self.class2 is not None else [])))


def _check_lengths(config: PipelineConfig) -> None:
    for length in config.lengths:
        if not 8 <= length <= 15:
            raise InputError(f"epitope length {length} outside 8–15 (class I)", field="--lengths")
    for length in config.class2_lengths:
        if not 9 <= length <= 40:
            raise InputError(f"class II epitope length {length} outside 9–40",
                             field="--class2-lengths")  # fmt: skip


def _read_expression(config: PipelineConfig, variants: pd.DataFrame
                     ) -> tuple[pd.DataFrame, dict[str, str]]:  # fmt: skip
    """Attach the gene/transcript expression tables' values (``--*-expression-file``)."""
    gene_values = transcript_values = None
    formats: dict[str, str] = {}
    if config.gene_expression_file is not None:
        gene_values, formats["gene"] = read_expression_table(config.gene_expression_file, "gene")
    if config.transcript_expression_file is not None:
        transcript_values, formats["transcript"] = read_expression_table(
            config.transcript_expression_file, "transcript"
        )
    return attach_expression(variants, gene_values, transcript_values), formats


def _read_proximal(config: PipelineConfig, variants: pd.DataFrame, sample: str,
                   class2: bool) -> tuple[pd.DataFrame, dict[str, int]]:  # fmt: skip
    """Apply the in-phase proximal variants (``--phased-proximal-variants-vcf``)."""
    assert config.phased_proximal_variants_vcf is not None
    phased = read_phased_vcf(config.phased_proximal_variants_vcf, sample=sample)
    reach = max([*config.lengths, *(config.class2_lengths if class2 else ())]) - 1
    proximal = apply_proximal_variants(variants, phased, reach)
    counts = dict(proximal.counts)
    counts["unphased records skipped"] = phased.unphased_records
    return proximal.table, counts


def _read_inputs(config: PipelineConfig, class2: bool, fusions: FusionConfig | None) -> _Inputs:
    """Read the VCF and every optional input (expression, proximal variants, genes of interest,
    reference proteome, fusions); each bad input is an :class:`InputError`."""
    read = read_vep_vcf(
        config.vcf,
        sample=config.sample,
        normal_sample=config.normal_sample,
        biotypes=config.biotypes,
        allow_incomplete_transcripts=config.allow_incomplete_transcripts,
        pass_only=config.pass_only,
    )
    given = config
    config = dataclasses.replace(
        config, ranking=dataclasses.replace(config.ranking, unmeasured=read.unmeasured))
    _warn_read_counts(read, config.ranking.allow_missing_vaf)
    inputs = _Inputs(read, read.table, config, given)
    inputs.variants, inputs.expression_formats = _read_expression(config, inputs.variants)
    if config.phased_proximal_variants_vcf is not None:
        inputs.variants, inputs.proximal_counts = _read_proximal(config, inputs.variants,
                                                                 read.sample, class2)
    if config.genes_of_interest_file is not None:
        inputs.genes = read_genes_of_interest(config.genes_of_interest_file)
    if config.reference_proteome is not None:
        if not 2 <= config.reference_match_length <= 12:
            raise InputError("reference match length must be 2-12",
                             field="--reference-match-length")
        inputs.reference = read_reference_proteome(config.reference_proteome)
    if fusions is not None:
        inputs.fusion_records = read_fusions(fusions.path, fusions.starfusion_file)
    return inputs


def _class1(inputs: _Inputs, alleles: list[str], predict: Predictor) -> _ClassTables:
    """Class I: candidates, predictions and ranked tables."""
    stage_note(f"class I: peptides and MHC prediction on {len(alleles)} allele(s) ...")
    config = inputs.config
    class1 = _class_tables(inputs.variants, tuple(config.lengths), alleles, predict, config,
                           reference=inputs.reference, genes_of_interest=inputs.genes)
    stage_note(f"class I: {class1.counts['predicted_peptides']} peptides predicted in "
               f"{class1.timings['predict']:.1f} s ({', '.join(class1.models) or 'no model'})")
    return class1


def _class2(inputs: _Inputs, class2_alleles: list[str], predict_class2: Predictor
            ) -> _ClassTables:  # fmt: skip
    """Class II: the same steps on the class II lengths and molecules."""
    stage_note(f"class II: peptides and MHC prediction on {len(class2_alleles)} molecule(s) ...")
    config = inputs.config
    class2 = _class_tables(inputs.variants, tuple(config.class2_lengths), class2_alleles,
                           predict_class2, config, suffix="_class2",
                           reference=inputs.reference, genes_of_interest=inputs.genes)  # fmt: skip
    stage_note(f"class II: {class2.counts['predicted_peptides']} peptides predicted in "
               f"{class2.timings['predict_class2']:.1f} s ({', '.join(class2.models)})")
    return class2


def _fusions(inputs: _Inputs, fusions: FusionConfig, classes: _Classes, predict: Predictor,
             predict_class2: Predictor | None) -> tuple[FusionConfig, FusionResult]:  # fmt: skip
    """Gene fusions, pVACfuse's rules (:mod:`vaxmix.pipeline.fusions`)."""
    records = inputs.fusion_records or []
    stage_note(f"fusions: {len(records)} fusion(s), peptides and MHC prediction ...")
    config = inputs.config
    fusions = dataclasses.replace(fusions, downstream_length=config.downstream_length)
    result = run_fusions(fusions, config.ranking, (config.lengths, classes.alleles, predict),
                         (config.class2_lengths, classes.class2_alleles, predict_class2),
                         inputs.fusion_records)  # fmt: skip
    return fusions, result


def _counts(inputs: _Inputs, classes: _Classes) -> dict[str, object]:
    """run.json ``counts``: the VCF's, class I's, and class II's, proximal variants' and
    fusions' sections when the run had them."""
    variants = inputs.variants
    counts: dict[str, object] = {
        "vcf_records": inputs.read.records,
        "variant_transcripts": len(variants),
        "variants": int(
            variants[["chromosome_name", "start", "stop", "reference", "variant"]]
            .drop_duplicates()
            .shape[0]
        ),
        **classes.class1.counts,
    }
    if classes.class2 is not None:
        counts["class2"] = classes.class2.counts
    if inputs.proximal_counts is not None:
        counts["proximal_variants"] = inputs.proximal_counts
    if classes.fusions is not None:
        counts["fusions"] = classes.fusions.counts
    return counts


def _skipped(inputs: _Inputs, classes: _Classes) -> dict[str, dict[str, int]]:
    skipped = {
        "variant_transcripts": dict(inputs.read.skipped.most_common()),
        "peptides": classes.class1.skipped,
    }
    if classes.class2 is not None:
        skipped["peptides_class2"] = classes.class2.skipped
    return skipped


def _tables(layout: RunFolder, inputs: _Inputs, classes: _Classes
            ) -> list[tuple[Path, str, pd.DataFrame]]:  # fmt: skip
    """(folder, stem, table) of every ranked table the run folder holds (not fusions/)."""
    class1, class2 = classes.class1, classes.class2
    tables = [(layout.folder(), "variants", inputs.variants),
              *[(layout.folder(), stem, getattr(class1, stem)) for stem in TABLE_STEMS[1:]]]
    if class2 is not None:
        tables += [(layout.class2, stem, getattr(class2, stem)) for stem in TABLE_STEMS[1:]]
        both = _combined(class1, class2, classes.class2_alleles + classes.alleles, inputs.config)
        tables += [(layout.combined, stem, table) for stem, table in both.items()]
    if class1.reference_matches is not None:
        tables.append((layout.folder(), "reference_matches", class1.reference_matches))
    if class2 is not None and class2.reference_matches is not None:
        tables.append((layout.class2, "reference_matches", class2.reference_matches))
    return tables


def _write_tables(stage: Path, out_dir: Path, inputs: _Inputs, classes: _Classes
                  ) -> dict[str, Path]:  # fmt: skip
    """Write the tables (TSV + Parquet) into the staged folder; {relative path: final path}."""
    layout = RunFolder(stage)
    if classes.class2 is not None:
        layout.class2.mkdir()
        layout.combined.mkdir()
    files: dict[str, Path] = {}
    for folder, stem, table in _tables(layout, inputs, classes):
        for path in write_table(table, folder, stem):
            relative = layout.relative(path)
            files[relative] = out_dir / relative
    if classes.fusions is not None:
        files.update(write_fusion_outputs(classes.fusions, stage, out_dir))
    return files


def _run_record(inputs: _Inputs, resolved: ResolvedAlleles, classes: _Classes,
                fusions: FusionConfig | None, timings: dict[str, float]) -> RunRecord:  # fmt: skip
    """The run's :class:`RunRecord` (run.json)."""
    config, read, class2 = inputs.config, inputs.read, classes.class2
    ranked = [f"{stem}.tsv" for stem in TABLE_STEMS[1:]]
    return RunRecord(
        vaxmix_version=__version__,
        inputs=RunInputs(**{name: _input_record(getattr(config, name)) for name in INPUT_FILES},
                         expression_formats=inputs.expression_formats),
        sample=read.sample,
        normal_sample=read.normal_sample,
        alleles=classes.alleles,
        class2_alleles=classes.class2_alleles,
        allele_names=resolved.records,
        parameters=_jsonable(dataclasses.asdict(inputs.given)),  # type: ignore[arg-type]
        prediction=Prediction(
            models=classes.models,
            class1_models=classes.class1.models,
            class2_models=class2.models if class2 is not None else [],
        ),
        outputs=Outputs(
            class1=ranked,
            class2=[f"{CLASS2_FOLDER}/{n}" for n in ranked] if class2 is not None else [],
            combined=[f"{COMBINED_FOLDER}/{n}" for n in ranked] if class2 is not None else [],
        ),
        versions=package_versions(),
        timings_s={k: round(v, 4) for k, v in timings.items()},
        counts=_counts(inputs, classes),
        skipped=_skipped(inputs, classes),
        warnings=resolved.warnings + read.warnings[:100],
        read_counts=ReadCounts(
            missing_rows=read.missing,
            unmeasured_sources=list(read.unmeasured),
            allow_missing_vaf=config.ranking.allow_missing_vaf,
        ),
        fusions=(fusion_run_record(fusions, classes.fusions)
                 if classes.fusions is not None and fusions is not None else None),
    )


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
    _check_lengths(config)
    stage_note(f"reading {Path(config.vcf).name} ...")
    start = time.perf_counter()
    resolved = resolve_allele_names(config, known)
    inputs = _read_inputs(config, bool(resolved.class2), fusions)
    timings["read_inputs"] = time.perf_counter() - start
    stage_note(f"read {len(inputs.variants)} variant transcripts in "
               f"{timings['read_inputs']:.1f} s")  # fmt: skip

    classes = _Classes(resolved.class1, resolved.class2,
                       _class1(inputs, resolved.class1, predict))  # fmt: skip
    timings.update(classes.class1.timings)
    if classes.class2_alleles:
        if predict_class2 is None:
            predict_class2 = _default_class2_predictor(inputs.config.class2_model)
        classes.class2 = _class2(inputs, classes.class2_alleles, predict_class2)
        timings.update(classes.class2.timings)
    if fusions is not None:
        fusions, classes.fusions = _fusions(inputs, fusions, classes, predict, predict_class2)
        timings.update(classes.fusions.timings)
    return _write_run(out_dir, overwrite, inputs, resolved, classes, fusions, timings)


def _write_run(out_dir: Path, overwrite: bool, inputs: _Inputs, resolved: ResolvedAlleles,
               classes: _Classes, fusions: FusionConfig | None,
               timings: dict[str, float]) -> PipelineResult:  # fmt: skip
    """Write the tables, then run.json, into a staged folder swapped in as ``out_dir``; the
    completion marker is written last (:func:`vaxmix.common.runfolder.run_folder_stage`)."""
    start = time.perf_counter()
    with run_folder_stage(out_dir, overwrite) as stage:
        files = _write_tables(stage, out_dir, inputs, classes)
        timings["write_outputs"] = time.perf_counter() - start
        record = _run_record(inputs, resolved, classes, fusions, timings)
        layout, final = RunFolder(stage), RunFolder(out_dir)
        record.write(layout.run_json)
        files[RUN_JSON] = final.run_json
        files[MARKER] = final.marker  # written last, by run_folder_stage
    stage_note(f"tables and run.json written in {timings['write_outputs']:.1f} s")
    return PipelineResult(
        out_dir=out_dir, files=files, counts=record.counts, timings=timings,
        models=classes.models, alleles=classes.alleles, skipped=record.skipped,
        class2_alleles=classes.class2_alleles, allele_notes=resolved.notes,
        allele_warnings=resolved.warnings,
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
