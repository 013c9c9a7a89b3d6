"""pVACseq's tiers for an aggregated (one-per-variant) row, with the reasons a row misses Pass.

The decision follows pVACtools 7.1.5 (``PvacseqUpdateTiers``; Hundal et al. 2020,
doi:10.1186/s13073-020-00814-x), restated in ``docs/pipeline.md``. Each test is computed once;
the first rule that matches gives the tier, and every failed test is listed in ``Tier Reasons``
so a reviewer sees *why* a candidate is not Pass (pVACseq reports only the tier). A reason
quotes the values the test used, and names a score that was missing (so not tested).

Missing read counts: pVACseq lets a missing DNA VAF pass the clonal test and a missing Allele
Expr pass the expression test. vaxmix does not, unless ``allow_missing_vaf``: a row whose DNA
VAF is NA fails the clonal test, and one whose RNA VAF is NA although the VCF carries RNA
read counts fails the allele-expression test, each with a reason that says the value is missing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vaxmix.ranking.anchors import anchor_positions
from vaxmix.ranking.config import RankingConfig
from vaxmix.ranking.thresholds import binding_threshold

__all__ = ["TIER_ORDER", "TierTests", "assign_tier", "estimate_vaf_clonal", "tier_tests"]

#: Sort order of tiers in the aggregated report (best first).
TIER_ORDER: tuple[str, ...] = (
    "Pass", "PoorBinder", "PoorImmunogenicity", "PoorPresentation", "RefMatch",
    "PoorTranscript", "LowExpr", "Anchor", "Subclonal", "ProbPos", "Poor", "NoExpr",
)  # fmt: skip


def _num(value: object) -> float | None:
    """A number from a table cell; ``None`` for NA/blank/non-numeric."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    text = str(value).strip()
    if text in ("", "NA", "nan", "None", "NaN"):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def estimate_vaf_clonal(dna_vafs: Iterable[object], tumor_purity: float | None = None) -> float:
    """The clonal VAF: purity / 2 when given, else the largest DNA VAF below 0.6 capped at 0.5
    (0.6 when there is none), as pVACseq estimates it."""
    if tumor_purity is not None:
        return tumor_purity / 2
    values = [v for v in (_num(x) for x in dna_vafs) if v is not None and v < 0.6]
    if not values:
        return 0.6
    return min(max(values), 0.5)


@dataclass(frozen=True)
class TierTests:
    """Outcome of every tier test, and a text per failed test."""

    binding: bool
    immunogenicity: bool
    presentation: bool
    scores: bool
    allele_expr: bool
    clonal: bool
    transcript: bool
    anchor: bool
    refmatch: bool
    probpos: bool
    lowexpr: bool
    no_expr: bool
    reasons: tuple[str, ...]


def _fmt(value: float) -> str:
    return f"{value:g}"


def _quote(tests: list[tuple[str, float | None, float]]) -> str:
    """``IC50 MT 812 not < 500, IC50 %ile MT NA (not tested)``: the values a test used."""
    parts = []
    for name, value, cut in tests:
        if value is None:
            parts.append(f"{name} NA (not tested)")
        else:
            parts.append(f"{name} {_fmt(value)} {'<' if value < cut else 'not <'} {_fmt(cut)}")
    return ", ".join(parts)


def _passes(values: list[tuple[float | None, float]], strategy: str) -> bool:
    tested = [v < cut for v, cut in values if v is not None]
    if not tested:
        return True
    return all(tested) if strategy == "conservative" else any(tested)


def transcript_passes(mane: object, canonical: object, tsl: object, config: RankingConfig) -> bool:
    """MANE Select, canonical, or TSL ≤ the maximum (``Not Supported`` TSL passes; NA fails)."""
    checks = []
    if "mane_select" in config.transcript_prioritization:
        checks.append(str(mane) in ("True", "Not Run"))
    if "canonical" in config.transcript_prioritization:
        checks.append(str(canonical) == "True")
    if "tsl" in config.transcript_prioritization:
        tsl_text = str(tsl)
        level = _num(tsl_text)
        checks.append(
            tsl_text == "Not Supported"
            or (level is not None and level <= config.maximum_transcript_support_level)
        )
    return any(checks) if checks else True


def tier_tests(row: Mapping[str, object], config: RankingConfig, vaf_clonal: float) -> TierTests:
    """Run every tier test on an aggregated row (pVACseq aggregated column names)."""
    b = binding_threshold(str(row.get("Allele", "")), config)
    pct = config.percentile_threshold
    ic50_mt, ic50_wt = _num(row.get("IC50 MT")), _num(row.get("IC50 WT"))
    ic50_pct, im_pct = _num(row.get("IC50 %ile MT")), _num(row.get("IM %ile MT"))
    pres_pct = _num(row.get("Pres %ile MT"))
    strategy = config.percentile_strategy
    reasons: list[str] = []
    binding = _passes([(ic50_mt, b), (ic50_pct, pct)], strategy)
    if not binding:
        reasons.append("binding: " + _quote([("IC50 MT", ic50_mt, b),
                                             ("IC50 %ile MT", ic50_pct, pct)]))
    immunogenicity = _passes([(im_pct, pct)], strategy)
    if not immunogenicity:
        reasons.append("immunogenicity: " + _quote([("IM %ile MT", im_pct, pct)]))
    presentation = _passes([(pres_pct, pct)], strategy)
    if not presentation:
        reasons.append("presentation: " + _quote([("Pres %ile MT", pres_pct, pct)]))
    scores = _passes([(ic50_mt, b), (ic50_pct, pct), (im_pct, pct), (pres_pct, pct)], strategy)
    allele_expr = _num(row.get("Allele Expr"))
    allele_cut = config.trna_vaf * config.expn_val * 10
    rna_vaf = _num(row.get("RNA VAF"))
    rna_missing = (rna_vaf is None and "tumor_rna" not in config.unmeasured
                   and not config.allow_missing_vaf)  # fmt: skip
    allele_expr_pass = not rna_missing and (allele_expr is None or allele_expr > allele_cut)
    if rna_missing:
        reasons.append("expression: RNA VAF missing (NA), so Allele Expr is unknown; a missing "
                       "VAF does not pass (allow_missing_vaf)")
    elif not allele_expr_pass:
        reasons.append(f"expression: Allele Expr {_fmt(allele_expr)} not > {allele_cut:g}")
    dna_vaf = _num(row.get("DNA VAF"))
    if dna_vaf is None:
        clonal = config.allow_missing_vaf
        if not clonal:
            reasons.append("subclonal: DNA VAF missing (NA); a missing VAF does not pass "
                           "(allow_missing_vaf)")
    else:
        clonal = dna_vaf >= vaf_clonal / 2
        if not clonal:
            reasons.append(f"subclonal: DNA VAF {_fmt(dna_vaf)} < {vaf_clonal / 2:g} "
                           "(clonal VAF / 2)")
    transcript = transcript_passes(row.get("MANE Select"), row.get("Canonical"), row.get("TSL"),
                                   config)  # fmt: skip
    if not transcript:
        reasons.append(
            f"transcript: not MANE Select, not canonical, TSL {row.get('TSL')} > "
            f"{config.maximum_transcript_support_level}"
        )
    anchor = True
    positions_text = str(row.get("Pos", "NA"))
    peptide = str(row.get("Best Peptide", ""))
    if positions_text not in ("NA", "", "None", "nan") and peptide:
        positions = [int(p) for p in positions_text.replace(" ", "").split(",") if p]
        anchors = anchor_positions(str(row.get("Allele", "")), len(peptide),
                                   config.allele_specific_anchors,
                                   config.anchor_contribution_threshold)
        if 0 < len(positions) <= 2 and set(positions) <= anchors:
            if ic50_wt is None or ic50_wt < b:
                anchor = False
                reasons.append(f"anchor: mutation only at anchor position(s) {positions_text}")
    refmatch = str(row.get("Ref Match", "False")) in ("False", "NA", "", "nan", "Not Run")
    if not refmatch:
        reasons.append("reference match: the peptide occurs in the reference proteome")
    probpos = str(row.get("Prob Pos", "None")) in ("None", "", "nan")
    if not probpos:
        reasons.append(f"problematic positions: {row.get('Prob Pos')}")
    rna_expr = _num(row.get("RNA Expr"))
    rna_depth = _num(row.get("RNA Depth"))
    lowexpr = (allele_expr is not None and allele_expr > 0) or (
        rna_expr == 0
        and rna_depth is not None
        and rna_depth > config.trna_cov
        and rna_vaf is not None
        and rna_vaf > config.trna_vaf
    )
    no_expr = rna_expr == 0 or rna_vaf == 0
    return TierTests(
        binding=binding, immunogenicity=immunogenicity, presentation=presentation,
        scores=scores, allele_expr=allele_expr_pass, clonal=clonal, transcript=transcript,
        anchor=anchor, refmatch=refmatch, probpos=probpos, lowexpr=lowexpr, no_expr=no_expr,
        reasons=tuple(reasons),
    )  # fmt: skip


def assign_tier(
    row: Mapping[str, object], config: RankingConfig, vaf_clonal: float
) -> tuple[str, str]:
    """``(tier, reasons)`` of an aggregated row; reasons are ``"; "``-joined failed tests."""
    t = tier_tests(row, config, vaf_clonal)
    others = t.allele_expr and t.clonal and t.transcript and t.anchor and t.refmatch and t.probpos
    if t.scores and others:
        tier = "Pass"
    elif not t.binding and t.immunogenicity and t.presentation and others:
        tier = "PoorBinder"
    elif not t.immunogenicity and t.binding and t.presentation and others:
        tier = "PoorImmunogenicity"
    elif not t.presentation and t.binding and t.immunogenicity and others:
        tier = "PoorPresentation"
    elif not t.refmatch and t.scores and t.allele_expr and t.clonal and t.transcript and (
        t.anchor and t.probpos
    ):
        tier = "RefMatch"
    elif not t.probpos and t.scores and t.allele_expr and t.clonal and t.transcript and (
        t.anchor and t.refmatch
    ):
        tier = "ProbPos"
    elif (
        t.binding and t.allele_expr and t.clonal and not t.transcript and t.refmatch and t.probpos
    ):
        tier = "PoorTranscript"
    elif not t.anchor and t.scores and t.allele_expr and t.clonal and t.transcript and (
        t.refmatch and t.probpos
    ):
        tier = "Anchor"
    elif not t.clonal and t.scores and t.allele_expr and t.transcript and t.anchor and (
        t.refmatch and t.probpos
    ):
        tier = "Subclonal"
    elif (
        t.scores and t.clonal and t.transcript and t.anchor and t.refmatch and t.probpos
        and t.lowexpr
    ):
        tier = "LowExpr"
    elif t.no_expr and not t.lowexpr:
        tier = "NoExpr"
    else:
        tier = "Poor"
    return tier, "; ".join(t.reasons) if tier != "Pass" else ""
