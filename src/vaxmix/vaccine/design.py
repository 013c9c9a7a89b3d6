"""``design_vaccine``: run folder → selected long peptides → junction-safe order → construct.

Steps (each its own module): read the run's tables (:mod:`.tables`) and the patient's alleles
(:mod:`.alleles`); score every predicted epitope with a transparent preset and enumerate the
long-peptide windows of each mutation (:mod:`.candidates`); choose up to N of them exactly,
order and link them, re-selecting without windows that make junction binders (:mod:`.repair`,
:mod:`.selection`, :mod:`.linking`); and finally **re-predict every junction-spanning peptide of
the finished protein** (:mod:`.verification`) so that the junction count written to the outputs
is a check of the result, not a by-product of the search. :mod:`.describe` names the peptides
and :mod:`.record` writes ``vaccine/``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from vaxmix.common.epitope_lengths import CLASS1_LENGTHS, CLASS2_LENGTHS
from vaxmix.common.errors import InputError, VaxmixError
from vaxmix.vaccine.alleles import (
    DesignAlleles,
    design_alleles,
    normalize_alleles,
    normalize_class2_alleles,
    split_given,
)
from vaxmix.vaccine.candidates import FUSION, CandidatePool, build_candidates, candidate_pool
from vaxmix.vaccine.config import DesignConfig
from vaxmix.vaccine.describe import construct_order
from vaxmix.vaccine.junctions import Predictor
from vaxmix.vaccine.linking import flank_warnings, order_and_link
from vaxmix.vaccine.reasons import candidate_reasons
from vaxmix.vaccine.record import DesignResult, write_design
from vaxmix.vaccine.repair import Chosen, select_and_link
from vaxmix.vaccine.sequences import FastaRecord
from vaxmix.vaccine.tables import RunTables, read_run_folder
from vaxmix.vaccine.verification import (
    JunctionCheck,
    junction_check,
    junction_lengths,
    verify_junctions,
)

__all__ = [
    "DesignResult",
    "build_candidates",
    "design_from_peptides",
    "design_vaccine",
    "normalize_alleles",
    "normalize_class2_alleles",
    "order_and_link",
    "verify_junctions",
    "write_design",
]


def _default_predict() -> Predictor:
    try:
        from vaxmix.mhc import predict
    except ImportError as exc:  # pragma: no cover - depends on the mhc stage being installed
        raise VaxmixError(f"no MHC predictor available (vaxmix.mhc.predict: {exc})") from exc
    return predict


def _research_probability(
    described: pd.DataFrame, config: DesignConfig, predict: Predictor, inputs: dict[str, Path]
) -> str:
    """Add the research-only learned immunogenicity column; returns its warning."""
    from vaxmix.vaccine.immunogenicity import research_probability, train_research_model

    model, n_rows, n_pos = train_research_model(
        config.immunogenicity_training, predict, normalize_alleles
    )
    described["immunogenicity_probability_research"] = research_probability(
        model, list(described["best_epitope"]), list(described["best_allele"]), predict
    )
    inputs["immunogenicity_training"] = Path(config.immunogenicity_training)
    return (
        "research only: immunogenicity_probability_research comes from a logistic model fitted "
        f"at run time on {config.immunogenicity_training} ({n_rows} peptides, {n_pos} "
        "immunogenic); it is not used in the ranking and must not be used clinically"
    )


def _replaced_warning(replaced: list[str]) -> list[str]:
    if not replaced:
        return []
    return [
        f"{len(replaced)} selected window(s) were replaced (re-selection without them) because "
        "one of their ends forms a predicted junction binder with every neighbour and linker, "
        f"or they were the lower-value end of a junction binder: {', '.join(replaced)}"
    ]


def _summary(
    pool: CandidatePool,
    chosen: Chosen,
    described: pd.DataFrame,
    tables: RunTables,
    alleles: DesignAlleles,
    check: JunctionCheck,
    config: DesignConfig,
    timings: dict[str, float],
) -> dict:
    """The steps' summary written into ``design.json``."""
    windows, preset, selection = pool.windows, pool.info["preset"], chosen.selection
    return {
        "preset": {"name": preset.name, "source": preset.source, "path": preset.path},
        "clonal_vaf": pool.info["clonal_vaf"],
        "binding_metric": tables.metric,
        "candidates": {"mutations": int(windows["mutation"].nunique()),
                       "windows": int((~windows["dominated"]).sum()),
                       "fallback_windows": int(windows["dominated"].sum()),
                       "fusions": int(windows.loc[windows["kind"] == FUSION,
                                                  "mutation"].nunique())},
        "fusions": {
            "in_run": len(tables.fusion_records),
            "selected": int((described["kind"] == FUSION).sum()),
            "note": "fusion junction long peptides (fusions/ tables) compete with SNV/indel "
            "ones under the same preset, selection, order and junction check; a window must "
            "hold both junction residues (inframe) or a residue of the frameshift before its "
            "first stop (vaxmix.peptides.fusion_regions)",
        },
        "selection": {"status": selection.status, "objective": selection.objective,
                      "solver": "scipy.optimize.milp (HiGHS), two stages: coverage, then value"},
        "partial": len(described) < config.n_peptides or bool(selection.uncovered_alleles),
        "replaced_windows": chosen.replaced,
        "flank_binder_floor": chosen.junctions.attrs["flank_floor"],
        "junction_search_predictions": check.cache.n_predicted,
        "junction_lengths": check.lengths,
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "predictor_models": sorted(check.cache.models),
        "class2": {
            "alleles": alleles.class2,
            "junction_lengths": list(check.classes[-1].lengths) if alleles.class2 else [],
            "epitopes_in_selection": int(described["n_class2_epitopes"].sum()),
            "note": "class II epitopes (MHC_Class_II tables) count in window value and allele "
            "coverage; class II junction peptides are checked with the class II rule",
        },
    }  # fmt: skip


def design_vaccine(
    run: str | Path | RunTables,
    config: DesignConfig | None = None,
    predict: Predictor | None = None,
    predict_class2: Predictor | None = None,
) -> DesignResult:
    """Design one patient's vaccine from a run folder (or its already-read tables).

    Parameters
    ----------
    run
        A ``vaxmix run`` folder, a pVACseq result folder, or :class:`RunTables`.
    config
        Design parameters (defaults: 20 long peptides of 25-29 aa, TESLA preset, BNT122-style
        signal peptide and MITD).
    predict
        ``predict(peptides, alleles) -> DataFrame``; default ``vaxmix.mhc.predict``. Used for
        junction peptides only; selection uses the run's own predictions.
    predict_class2
        Class II predictor for the junction peptides of class II lengths; default
        ``vaxmix.mhc.classii.predict``. Used only when the run has class II molecules (its
        ``MHC_Class_II`` tables) and ``config.class2`` is on.
    """
    timings: dict[str, float] = {}
    t = time.perf_counter()
    config = (config or DesignConfig()).validate()
    predict = predict or _default_predict()
    timings["import_predictor"] = time.perf_counter() - t
    t = time.perf_counter()
    tables = (run if isinstance(run, RunTables)
              else read_run_folder(run, config.top_score_metric))  # fmt: skip
    alleles, tables = design_alleles(tables, config)
    timings["read"] = time.perf_counter() - t
    t = time.perf_counter()
    pool = candidate_pool(tables, config, alleles.all, alleles.warnings)
    timings["candidates"] = time.perf_counter() - t
    lengths, class2_lengths = junction_lengths(tables, config)
    check = junction_check(alleles.class1, lengths, predict, alleles.class2, class2_lengths,
                           predict_class2, config)  # fmt: skip
    chosen = select_and_link(pool.windows, pool.scored, alleles.all, alleles.class2, config,
                             check, timings)  # fmt: skip
    warnings = (pool.warnings + _replaced_warning(chosen.replaced)
                + chosen.selection.warnings + flank_warnings(chosen.junctions))  # fmt: skip
    t = time.perf_counter()
    verification = check.verify(chosen.construct, alleles.all, config)
    timings["verification"] = time.perf_counter() - t
    inputs = {k: Path(v) for k, v in tables.paths.items()}
    described = chosen.described
    if config.immunogenicity_training:
        warnings.append(_research_probability(described, config, predict, inputs))
    described = construct_order(described, chosen.construct)
    summary = _summary(pool, chosen, described, tables, alleles, check, config, timings)
    candidates = candidate_reasons(
        tables.aggregated, tables.class2_aggregated, pool.info["featured"],
        pool.info["eligible"], pool.windows, described, alleles.all, pool.info["preset"],
        config.n_peptides,
        fusion_aggregated=(tables.fusion_aggregated, tables.fusion_class2_aggregated),
    )  # fmt: skip
    return DesignResult(
        chosen.construct, described, chosen.junctions, chosen.order, alleles.all,
        chosen.selection.covered_alleles, chosen.selection.uncovered_alleles, warnings,
        verification, summary, inputs, alleles.class2, candidates,
    )  # fmt: skip


def design_from_peptides(
    records: list[FastaRecord],
    alleles: list[str],
    config: DesignConfig | None = None,
    predict: Predictor | None = None,
    source: Path | None = None,
    predict_class2: Predictor | None = None,
) -> DesignResult:
    """pVACvector-style: order given peptides and choose linkers (no selection).

    Class II names among ``alleles`` (or ``config.class2_alleles``) add the class II junction
    check for ``config.class2_junction_lengths`` (default 12-18).
    """
    config = (config or DesignConfig(signal_peptide="none", trafficking="none")).validate()
    predict = predict or _default_predict()
    given1, given2 = split_given(alleles)
    class2_alleles = (normalize_class2_alleles(list(config.class2_alleles or ()) or given2)
                      if config.class2 else [])  # fmt: skip
    allele_warnings: list[str] = []
    alleles = normalize_alleles(given1, warnings=allele_warnings)
    if len(records) > 34:
        raise InputError(f"{len(records)} peptides given; at most 34 are supported", path=source)
    check = junction_check(
        alleles, list(config.junction_lengths or CLASS1_LENGTHS), predict, class2_alleles,
        list(config.class2_junction_lengths or CLASS2_LENGTHS), predict_class2, config,
    )  # fmt: skip
    all_alleles = alleles + class2_alleles
    t = time.perf_counter()
    peptides = [(r.identifier, r.sequence, f"{source}:{r.line}" if source else "") for r in records]
    construct, junctions, result, check.cache = order_and_link(
        peptides, all_alleles, config, check.predict, check.lengths, check.cache
    )
    ordering_s = time.perf_counter() - t
    t = time.perf_counter()
    verification = check.verify(construct, all_alleles, config)
    selection = pd.DataFrame(
        {"order": range(1, len(result.order) + 1),
         "name": [records[i].identifier for i in result.order],
         "sequence": [records[i].sequence for i in result.order]}
    )  # fmt: skip
    summary = {
        "partial": False,
        "junction_search_predictions": check.cache.n_predicted,
        "junction_lengths": check.lengths,
        "timings_s": {
            "ordering": round(ordering_s, 3),
            "verification": round(time.perf_counter() - t, 3),
        },
        "predictor_models": sorted(check.cache.models),
    }
    inputs = {"peptides_fasta": source} if source else {}
    return DesignResult(
        construct, selection, junctions, result, all_alleles, all_alleles, [],
        allele_warnings + flank_warnings(junctions), verification, summary, inputs,
        class2_alleles,
    )  # fmt: skip
