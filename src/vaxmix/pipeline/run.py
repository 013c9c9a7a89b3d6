"""``run_pipeline``: tumor VCF → candidates → MHC predictions → all-epitopes, filtered and
aggregated tables plus run.json, written atomically into one output folder.

Stages (each timed in run.json): read the VCF (and optional expression tables), enumerate
candidate peptides (pVACseq rules), predict every unique MT/WT peptide × allele in **one**
predictor call (deduplicated across variants, transcripts and lengths — pVACseq instead starts
a predictor process per allele × length × 100-row chunk), build the all-epitopes table, filter,
aggregate and tier.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vaxmix import __version__
from vaxmix.common.atomic import staged_output
from vaxmix.common.errors import InputError
from vaxmix.common.progress import progress
from vaxmix.common.provenance import package_versions, sha256_file
from vaxmix.peptides.enumerate import enumerate_epitopes
from vaxmix.pipeline.config import PipelineConfig
from vaxmix.pipeline.outputs import write_json, write_table
from vaxmix.ranking.aggregate import aggregate_epitopes
from vaxmix.ranking.epitopes import build_all_epitopes
from vaxmix.ranking.filters import filter_epitopes
from vaxmix.ranking.tiers import estimate_vaf_clonal
from vaxmix.variants.expression import attach_expression, read_expression_table
from vaxmix.variants.hla import parse_allele_list, read_hla_file
from vaxmix.variants.vcf import read_vep_vcf

__all__ = ["PipelineResult", "Predictor", "resolve_alleles", "run_pipeline"]

#: ``predict(peptides, alleles) -> DataFrame[peptide, allele, affinity_nm, percentile,
#: presentation_score, model]`` (the :func:`vaxmix.mhc.predict` contract).
Predictor = Callable[[Sequence[str], Sequence[str]], pd.DataFrame]

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


def _default_predictor(model: Path | None) -> tuple[Predictor, list[str] | None]:
    """:func:`vaxmix.mhc.predict` and the alleles it supports."""
    try:
        from vaxmix.mhc import predict
        from vaxmix.mhc.alleles import known_alleles
    except ImportError as exc:  # the mhc stage is not installed
        raise InputError(f"no MHC predictor available ({exc})", field="--model") from exc
    if model is None:
        return predict, known_alleles()

    def predict_with_model(peptides: Sequence[str], alleles: Sequence[str]) -> pd.DataFrame:
        return predict(peptides, alleles, model=model)

    return predict_with_model, known_alleles()


def resolve_alleles(config: PipelineConfig, known: list[str] | None) -> list[str]:
    """Alleles from ``--alleles`` and ``--hla-file``, normalized, de-duplicated, in order."""
    alleles: list[str] = []
    if config.alleles:
        alleles += parse_allele_list(",".join(config.alleles), known)
    if config.hla_file is not None:
        alleles += read_hla_file(config.hla_file, known)
    if not alleles:
        raise InputError("give HLA alleles with --alleles or --hla-file", field="--alleles")
    return list(dict.fromkeys(alleles))


def _input_record(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    return {"path": str(path), "sha256": sha256_file(path)}


def _check_predictions(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in PREDICTION_COLUMNS if c not in frame.columns]
    if missing:
        raise TypeError(f"the predictor returned no {', '.join(missing)} column(s)")
    return frame


def run_pipeline(
    config: PipelineConfig, out_dir: str | Path, predict: Predictor | None = None
) -> PipelineResult:
    """Run the core pipeline and write its outputs into ``out_dir`` (atomically).

    Parameters
    ----------
    config
        Inputs and parameters.
    out_dir
        Output folder; on failure nothing is left in it.
    predict
        Peptide × allele predictor; ``None`` uses :func:`vaxmix.mhc.predict` (with
        ``config.model``) and checks alleles against the alleles it supports.

    Raises
    ------
    InputError
        For any bad input (the CLI reports it and exits with code 2).
    """
    out_dir = Path(out_dir)
    timings: dict[str, float] = {}
    known: list[str] | None = None
    if predict is None:
        predict, known = _default_predictor(config.model)
    for length in config.lengths:
        if not 8 <= length <= 15:
            raise InputError(f"epitope length {length} outside 8–15 (class I)", field="--lengths")
    steps = iter(progress(range(6), desc="vaxmix run", total=6))

    start = time.perf_counter()
    alleles = resolve_alleles(config, known)
    read = read_vep_vcf(
        config.vcf,
        sample=config.sample,
        normal_sample=config.normal_sample,
        biotypes=config.biotypes,
        allow_incomplete_transcripts=config.allow_incomplete_transcripts,
        pass_only=config.pass_only,
    )
    variants = read.table
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
    timings["read_inputs"] = time.perf_counter() - start
    next(steps)

    start = time.perf_counter()
    enumeration = enumerate_epitopes(variants, tuple(config.lengths), config.downstream_length)
    candidates = enumeration.table
    timings["enumerate_peptides"] = time.perf_counter() - start
    next(steps)

    start = time.perf_counter()
    peptides = pd.unique(
        pd.concat([candidates["MT Epitope Seq"], candidates["WT Epitope Seq"]], ignore_index=True)
    )
    peptides = [p for p in peptides if p != "NA"]
    predictions = _check_predictions(predict(peptides, alleles)) if peptides else pd.DataFrame(
        columns=list(PREDICTION_COLUMNS)
    )
    models = sorted(set(predictions["model"].astype(str)))
    timings["predict"] = time.perf_counter() - start
    next(steps)

    start = time.perf_counter()
    all_epitopes = build_all_epitopes(variants, candidates, predictions, alleles)
    timings["build_all_epitopes"] = time.perf_counter() - start
    next(steps)

    start = time.perf_counter()
    filtered = filter_epitopes(all_epitopes, config.ranking)
    vaf_clonal = estimate_vaf_clonal(all_epitopes["Tumor DNA VAF"], config.ranking.tumor_purity)
    aggregated = aggregate_epitopes(all_epitopes, alleles, config.ranking, vaf_clonal)
    timings["filter_aggregate_tier"] = time.perf_counter() - start
    next(steps)

    counts: dict[str, object] = {
        "vcf_records": read.records,
        "variant_transcripts": len(variants),
        "variants": int(
            variants[["chromosome_name", "start", "stop", "reference", "variant"]]
            .drop_duplicates()
            .shape[0]
        ),
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
    skipped = {
        "variant_transcripts": dict(read.skipped.most_common()),
        "peptides": dict(enumeration.skipped.most_common()),
    }
    start = time.perf_counter()
    files: dict[str, Path] = {}
    with staged_output(out_dir) as stage:
        for stem, table in (
            ("variants", variants),
            ("all_epitopes", all_epitopes),
            ("filtered", filtered),
            ("aggregated", aggregated),
        ):
            for path in write_table(table, stage, stem):
                files[path.name] = out_dir / path.name
        timings["write_outputs"] = time.perf_counter() - start
        run_record = {
            "schema": "vaxmix.run/1",
            "vaxmix_version": __version__,
            "inputs": {
                "vcf": _input_record(config.vcf),
                "hla_file": _input_record(config.hla_file),
                "gene_expression_file": _input_record(config.gene_expression_file),
                "transcript_expression_file": _input_record(config.transcript_expression_file),
                "expression_formats": expression_formats,
            },
            "sample": read.sample,
            "normal_sample": read.normal_sample,
            "alleles": alleles,
            "parameters": _jsonable(dataclasses.asdict(config)),
            "prediction": {
                "models": models,
                "note": "affinity, presentation score and percentile are model predictions",
            },
            "versions": package_versions(),
            "timings_s": {k: round(v, 4) for k, v in timings.items()},
            "counts": counts,
            "skipped": skipped,
            "warnings": read.warnings[:100],
        }
        write_json(run_record, stage / "run.json")
        files["run.json"] = out_dir / "run.json"
    next(steps, None)
    return PipelineResult(
        out_dir=out_dir, files=files, counts=counts, timings=timings, models=models,
        alleles=alleles, skipped=skipped,
    )  # fmt: skip


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
