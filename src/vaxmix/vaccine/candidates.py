"""Candidate long peptides: score the run's epitopes, then cut windows around each mutation.

Every predicted epitope (class I, class II when the design covers class II, and gene-fusion
junction epitopes) gets its features and a value under the design's preset (:mod:`.presets`);
epitopes of other alleles, of value 0, or whose mutant k-mer is a reference (self) peptide are
not counted. Each mutation's protein is rebuilt (:func:`.windows.mutant_region`, or
:func:`vaxmix.peptides.fusion_regions.fusion_mutant_region` for a fusion) and its candidate
windows enumerated and pruned (:func:`.windows.candidate_windows`); in minimal-epitope mode each
eligible epitope is its own candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.peptides.regions import MutantRegion
from vaxmix.ranking import estimate_vaf_clonal
from vaxmix.vaccine.alleles import spell_allele
from vaxmix.vaccine.config import DesignConfig
from vaxmix.vaccine.features import manufacturability, tcr_contact_hydrophobic_fraction
from vaxmix.vaccine.presets import epitope_features, load_preset, score_epitopes
from vaxmix.vaccine.tables import RunTables
from vaxmix.vaccine.windows import candidate_windows, mutant_region

__all__ = ["FUSION", "SNV_INDEL", "CandidatePool", "build_candidates", "candidate_pool"]

#: ``kind`` of a candidate: a fusion junction (``fusions/`` tables) or an SNV/indel.
FUSION, SNV_INDEL = "fusion", "snv/indel"


@dataclass
class CandidatePool:
    """The candidate windows of a design and the scored epitopes they were built from."""

    windows: pd.DataFrame
    scored: pd.DataFrame
    warnings: list[str]
    info: dict  # clonal_vaf, preset, eligible (all scored epitopes), featured (all epitopes)


def mutation_keys(epitopes: pd.DataFrame) -> pd.Series:
    """The variant key (pVACseq's aggregated ``ID``); a fusion's is its Index (pVACfuse's ID)."""
    cols = ["chromosome", "start", "stop", "reference", "alt"]
    if all(c in epitopes for c in cols):
        key = epitopes[cols[0]].astype(str)
        for column in cols[1:]:
            key = key + "-" + epitopes[column].astype(str)
    else:
        key = epitopes["variant_index"]
    if "kind" in epitopes:
        key = key.where(epitopes["kind"] != FUSION, epitopes["variant_index"])
    return key


def _run_epitopes(tables: RunTables) -> tuple[pd.DataFrame, pd.Series | list]:
    """All epitopes of the run in one table, and the per-variant DNA VAFs (SNV/indels only)."""
    epitopes = tables.epitopes.assign(kind=SNV_INDEL)
    if tables.class2_epitopes is not None and len(tables.class2_epitopes):
        epitopes = pd.concat([epitopes, tables.class2_epitopes.assign(kind=SNV_INDEL)],
                             ignore_index=True, sort=False)  # fmt: skip
    per_variant_vaf = (
        epitopes.drop_duplicates("variant_index")["dna_vaf"] if "dna_vaf" in epitopes else []
    )  # the SNV/indel VAFs only: a fusion has no DNA VAF
    if tables.fusion_epitopes is not None and len(tables.fusion_epitopes):
        # scored by the same preset; evidence a fusion lacks (gene TPM x RNA VAF, DNA VAF,
        # stability) counts as for an SNV/indel without it (see docs/fusions.md)
        epitopes = pd.concat([epitopes, tables.fusion_epitopes], ignore_index=True, sort=False)
    return epitopes, per_variant_vaf


def _counted_epitopes(
    scored: pd.DataFrame, alleles: list[str], warnings: list[str]
) -> pd.DataFrame:
    """The scored epitopes that count: the design's alleles, value > 0, not a self peptide."""
    scored = scored[scored["allele"].isin(alleles) & (scored["value"] > 0)].copy()
    matched = (scored["reference_match"].fillna(False).astype(bool)
               if "reference_match" in scored else pd.Series(False, index=scored.index))
    if matched.any():
        self_peptides = scored.loc[matched, "peptide"].nunique()
        scored = scored[~matched].copy()
        warnings.append(
            f"{self_peptides} epitope(s) whose mutated k-mer occurs in the reference proteome "
            "(Reference Match) are not counted: a self peptide is neither foreign nor safe to "
            "boost"
        )
    scored["mutation"] = mutation_keys(scored)
    scored["tcr_hydrophobic_fraction"] = [
        tcr_contact_hydrophobic_fraction(p) for p in scored["peptide"]
    ]
    return scored


def _windows_of(
    region: MutantRegion, group: pd.DataFrame, alleles: list[str], config: DesignConfig
) -> pd.DataFrame:
    """The candidates of one mutation: long-peptide windows, or its epitopes (minimal mode)."""
    if config.mode == "minimal":
        return _epitope_windows(region.sequence, group, alleles, config)
    return candidate_windows(
        region, group, alleles, range(config.min_length, config.max_length + 1),
        max_cysteines=config.max_cysteines_per_peptide,
        forbid_n_terminal_qec=config.forbid_n_terminal_qec,
        keep_dominated=config.repair_rounds > 0,
    )  # fmt: skip


def _context(mutation: str, region: MutantRegion, group: pd.DataFrame, reach: int) -> tuple:
    """What a mutation's windows depend on: another transcript with the same one adds none."""
    lo = max(0, region.start - reach)
    return (
        mutation,
        region.sequence[lo : region.end + reach],
        region.start - lo,
        region.end - lo,
        tuple(sorted(zip(group["peptide"], group["allele"], group["value"].round(9), strict=True))),
    )


def _mutation_windows(
    scored: pd.DataFrame, tables: RunTables, config: DesignConfig, alleles: list[str]
) -> tuple[list[pd.DataFrame], int]:
    """Candidate windows of every mutation (one frame each), and the groups of unknown Index."""
    from vaxmix.peptides.fusion_regions import fusion_mutant_region

    vpath = str(tables.paths.get("variants", ""))
    frames = []
    unknown_index = 0
    seen_contexts: set[tuple] = set()
    for (kind, mutation, vindex), group in scored.groupby(
        ["kind", "mutation", "variant_index"], sort=True
    ):
        if kind == FUSION:  # the fusion protein up to its first stop; the junction is foreign
            region = fusion_mutant_region(tables.fusion_records[vindex])
        elif vindex not in tables.variants.index:
            unknown_index += 1
            continue
        else:
            region = mutant_region(tables.variants.loc[vindex], vpath)
        if region is None:
            continue
        context = _context(mutation, region, group, config.max_length)
        if context in seen_contexts:  # another transcript with the same protein context
            continue
        seen_contexts.add(context)
        windows = _windows_of(region, group, alleles, config)
        if windows.empty:
            continue
        windows.insert(0, "mutation", mutation)
        windows.insert(1, "variant_index", vindex)
        windows.insert(2, "kind", kind)
        windows.insert(3, "protein_start", windows["start"] + 1)
        frames.append(windows.drop(columns=["start"]))
    return frames, unknown_index


def build_candidates(
    tables: RunTables, config: DesignConfig, alleles: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], dict]:
    """Score the run's epitopes and enumerate the candidate windows of every mutation.

    ``alleles`` may include class II molecules: their epitopes (``tables.class2_epitopes``)
    are scored with the same preset and count in the windows' values like class I epitopes.

    Returns
    -------
    (windows, scored, warnings, info)
    """
    preset = load_preset(config.preset)
    epitopes, per_variant_vaf = _run_epitopes(tables)
    # the tiers' clonal VAF (pVACseq's estimate, vaxmix.ranking) on the same DNA VAFs and
    # the same purity: the design's --purity, else the one the run's tiers used
    purity = config.purity if config.purity is not None else tables.tumor_purity
    if config.purity is not None and tables.tumor_purity not in (None, config.purity):
        warnings_before = [f"design purity {config.purity:g} differs from the run's tumor "
                           f"purity {tables.tumor_purity:g}: the vaccine's clonality and the "
                           "tiers' use different clonal VAFs"]  # fmt: skip
    else:
        warnings_before = []
    clonal_vaf = estimate_vaf_clonal(per_variant_vaf, purity)
    featured = epitope_features(epitopes, clonal_vaf)
    scored, warnings = score_epitopes(featured, preset, tables.paths.get("all_epitopes"))
    warnings = warnings_before + warnings
    spelled = {raw: spell_allele(raw) for raw in scored["allele"].unique()}
    scored["allele"] = scored["allele"].map(spelled)
    eligible = scored.assign(mutation=mutation_keys(scored))  # kept for per-variant reasons
    scored = _counted_epitopes(scored, alleles, warnings)
    frames, unknown_index = _mutation_windows(scored, tables, config, alleles)
    if unknown_index:
        warnings.append(
            f"{unknown_index} epitope group(s) name an Index absent from the variants table; "
            "skipped"
        )
    spelled_all = {raw: spell_allele(raw) for raw in featured["allele"].unique()}
    info = {"clonal_vaf": clonal_vaf, "preset": preset, "eligible": eligible,
            "featured": featured.assign(allele=featured["allele"].map(spelled_all),
                                        aa_change=featured.get("mutation", ""),
                                        mutation=mutation_keys(featured))}  # fmt: skip
    if not frames:
        return pd.DataFrame(), scored, warnings, info
    windows = pd.concat(frames, ignore_index=True)
    # identical windows from several transcripts of one mutation: keep one
    windows = windows.drop_duplicates(["mutation", "sequence"], keep="first").reset_index(drop=True)
    return windows, scored, warnings, info


def candidate_pool(
    tables: RunTables, config: DesignConfig, alleles: list[str], allele_warnings: list[str]
) -> CandidatePool:
    """:func:`build_candidates` with the allele and fusion-value warnings; an error when no
    candidate is left."""
    windows, scored, warnings, info = build_candidates(tables, config, alleles)
    warnings[:0] = allele_warnings
    warnings += fusion_value_warnings(info["eligible"], alleles, info["preset"].name)
    if windows.empty:
        raise InputError(
            f"no candidate long peptide: no epitope of alleles {', '.join(alleles)} is eligible "
            f"under preset {info['preset'].name!r} with positive value"
            + (f" ({'; '.join(warnings)})" if warnings else ""),
            path=tables.paths.get("all_epitopes"),
        )
    return CandidatePool(windows, scored, warnings, info)


def fusion_value_warnings(eligible: pd.DataFrame, alleles: list[str], preset: str) -> list[str]:
    """Say so when fusions have eligible epitopes but none with value (e.g. no abundance).

    A fusion carries no gene TPM x RNA VAF (its expression is FFPM, another unit), so a preset
    with an abundance weight gives its epitopes value 0, as for an SNV/indel without RNA data.
    """
    if "kind" not in eligible:
        return []
    mine = eligible[(eligible["kind"] == FUSION) & eligible["allele"].isin(alleles)]
    if mine.empty:
        return []
    best = mine.groupby("mutation")["value"].max()
    zero = int((best <= 0).sum())
    if not zero:
        return []
    return [
        f"{zero} of {len(best)} fusion(s) with eligible epitopes have value 0 under preset "
        f"{preset!r} (a fusion has no gene TPM x RNA VAF or DNA VAF evidence; its expression is "
        "FFPM), so they cannot be selected; see vaccine/candidates.tsv, or use a preset "
        "without an abundance weight (e.g. --preset binding) to let fusions compete"
    ]


def _epitope_windows(
    sequence: str, group: pd.DataFrame, alleles: list[str], config: DesignConfig
) -> pd.DataFrame:
    """Minimal-epitope mode: each distinct eligible MT epitope is its own candidate."""
    rows = []
    for peptide, sub in group.groupby("peptide", sort=True):
        at = sequence.find(peptide)
        if at < 0:
            continue
        best = sub.groupby("allele")["value"].max()
        flags = manufacturability(peptide)
        if (
            config.max_cysteines_per_peptide is not None
            and flags["cysteine_count"] > config.max_cysteines_per_peptide
        ):
            continue
        rows.append({
            "start": at, "length": len(peptide), "sequence": peptide,
            **{f"value:{a}": float(best.get(a, 0.0)) for a in alleles},
            "value": float(best.sum()),
            "epitopes": ";".join(f"{peptide}|{a}" for a in sorted(best.index)),
            **flags, "_flags": 0, "dominated": False,
        })  # fmt: skip
    return pd.DataFrame(rows)
