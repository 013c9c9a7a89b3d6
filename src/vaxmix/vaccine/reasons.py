"""Why each candidate variant is, or is not, in the vaccine: one row and one reason per variant.

The ranking tiers (pVACseq's Pass, Poor, ...) and the vaccine's window value (the ranking
preset, e.g. TESLA's factors and weights) are different rules, so a Pass variant can be left out
while a Poor one is in. A reviewer must see which step kept each variant out, with the numbers
that step used; this module states that per variant, keyed by the variant itself
(``chrom-start-stop-ref-alt``, pVACseq's aggregated ``ID``), so one variant whose best class I
and class II peptides lie on different transcripts is one row, not two.

The order of the checks follows the design (:func:`vaxmix.vaccine.candidates.build_candidates`):
an epitope row of the design's alleles → eligible by affinity or percentile → positive value
(not a reference-proteome match) → a long-peptide window → chosen by the selection.
"""

from __future__ import annotations

import math

import pandas as pd

from vaxmix.vaccine.presets import Preset

__all__ = ["REASON_COLUMNS", "candidate_reasons"]

REASON_COLUMNS = [
    "variant", "gene", "aa_change", "class1_index", "class1_tier", "class2_index", "class2_tier",
    "in_vaccine", "long_peptide", "reason", "kind",
]  # fmt: skip
#: ``kind`` values: SNV/indel variants (the run's tables) and gene fusions (``fusions/``).
SNV_INDEL, FUSION = "snv/indel", "fusion"


def _num(value: object, digits: int = 3) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "NA"
    if not math.isfinite(number):
        return "NA"
    return f"{number:.0f}" if abs(number) >= 100 else f"{number:.{digits}g}"


def _variants(
    aggregated: pd.DataFrame | None, class2_aggregated: pd.DataFrame | None
) -> pd.DataFrame:
    """One row per variant ID from the class I and class II aggregated tables, class I order."""
    parts = []
    for frame, suffix in ((aggregated, "1"), (class2_aggregated, "2")):
        if frame is None or frame.empty or "ID" not in frame.columns:
            continue
        part = pd.DataFrame({
            "variant": frame["ID"].astype(str),
            "gene": frame.get("Gene", pd.Series("", index=frame.index)).astype(str),
            "aa_change": frame.get("AA Change", pd.Series("", index=frame.index)).astype(str),
            f"class{suffix}_index": frame.get("Index", pd.Series("", index=frame.index)),
            f"class{suffix}_tier": frame.get("Tier", pd.Series("", index=frame.index)),
        }).drop_duplicates("variant")  # fmt: skip
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=REASON_COLUMNS[:7])
    merged = parts[0]
    if len(parts) == 2:
        merged = merged.merge(parts[1], on="variant", how="outer", sort=False,
                              suffixes=("", "_c2"))  # fmt: skip
        for column in ("gene", "aa_change"):
            merged[column] = merged[column].fillna(merged.pop(f"{column}_c2"))
    for column in REASON_COLUMNS[3:7]:
        if column not in merged:
            merged[column] = ""
    return merged[REASON_COLUMNS[:7]].fillna("").reset_index(drop=True)


def _zero_value_reason(rows: pd.DataFrame, preset: Preset) -> str:
    """Why every eligible epitope of a variant has value 0 (a weight of 0), quoting the inputs."""
    parts = []
    if "weight_abundance" in rows and (rows["weight_abundance"] == 0).all():
        abundance = rows.get("tumor_abundance_tpm")
        if abundance is None or abundance.isna().all():
            missing = [
                name for name, column in (("gene TPM", "gene_expression_tpm"),
                                          ("RNA VAF", "rna_vaf"))
                if column not in rows or rows[column].isna().all()
            ]  # fmt: skip
            parts.append(
                "tumor abundance (gene TPM x RNA VAF) unknown"
                + (f" (no {' / '.join(missing)})" if missing else "")
                + f", so its weight A/(A+{preset.abundance_half_tpm:g}) is 0"
            )
        else:
            parts.append(f"tumor abundance {_num(abundance.max())} TPM gives weight 0")
    if "weight_clonality" in rows and (rows["weight_clonality"] == 0).all():
        vaf = rows["dna_vaf"].max() if "dna_vaf" in rows else float("nan")
        parts.append(f"clonality weight 0 (DNA VAF {_num(vaf)})")
    if not parts:
        parts.append("a preset factor of 0")
    return (f"value 0 under preset {preset.name!r} for all {len(rows)} eligible epitope(s): "
            + "; ".join(parts))  # fmt: skip


def _reason(
    key: str,
    featured: pd.DataFrame,
    eligible: pd.DataFrame,
    windows: pd.DataFrame,
    selection: pd.DataFrame,
    alleles: set[str],
    preset: Preset,
    n_peptides: int,
) -> tuple[str, str, str]:
    """(in_vaccine, long_peptide, reason) of the variant ``key``."""
    chosen = selection[selection["mutation"] == key]
    if len(chosen):
        first = chosen.iloc[0]
        covered = str(first.get("alleles_covered", "")).replace(",", ", ")
        return ("yes", ", ".join(chosen["name"].astype(str)), (
            f"in the vaccine as long peptide {first['order']} of {len(selection)} "
            f"({first['name']}): window value {_num(first['value'])} from "
            f"{first.get('n_epitopes', '?')} epitope(s); best {first.get('best_epitope', '')} "
            f"on {first.get('best_allele', '')} ({_num(first.get('best_affinity_nm'))} nM); "
            f"covers {covered or 'no allele'}"
        ))  # fmt: skip
    rows = featured[featured["mutation"] == key]
    if rows.empty:
        return "no", "", "no predicted epitope of this variant in the run's all-epitopes tables"
    rows = rows[rows["allele"].isin(alleles)]
    if rows.empty:
        return "no", "", "its predicted epitopes are all on alleles outside the design's alleles"
    good = eligible[(eligible["mutation"] == key) & eligible["allele"].isin(alleles)]
    if good.empty:
        best = rows.sort_values("affinity_nm", kind="stable").iloc[0]
        percentile = (f", percentile {_num(best['percentile'])} > {preset.max_percentile:g}"
                      if "percentile" in rows and preset.max_percentile >= 0 else "")
        return "no", "", (
            f"no epitope eligible under preset {preset.name!r} (needs IC50 <= "
            f"{preset.max_affinity_nm:g} nM or percentile <= {preset.max_percentile:g}): best "
            f"{best['peptide']} on {best['allele']} {_num(best['affinity_nm'])} nM{percentile}"
        )  # fmt: skip
    if "reference_match" in good:
        self_match = good["reference_match"].fillna(False).astype(bool)
        if self_match.all():
            return "no", "", (
                f"all {len(good)} eligible epitope(s) occur in the reference proteome "
                "(Reference Match): self peptides are not counted"
            )
        good = good[~self_match]
    positive = good[good["value"] > 0]
    if positive.empty:
        return "no", "", _zero_value_reason(good, preset)
    mine = windows[windows["mutation"] == key] if "mutation" in windows else windows.iloc[0:0]
    if mine.empty:
        fusion = "kind" in positive and (positive["kind"] == FUSION).any()
        return "no", "", (
            f"{len(positive)} epitope(s) with positive value, but no long-peptide window: the "
            + ("fusion protein has no foreign residue (junction) before its first stop codon"
               if fusion else "mutant protein region could not be built from variants.tsv")
            + ", or every window breaks the cysteine / N-terminal Q/E/C rules"
        )  # fmt: skip
    best = float(mine["value"].max())
    if len(selection) and len(selection) >= n_peptides:
        lowest = float(selection["value"].min())
        return "no", "", (
            f"not chosen: best window value {_num(best)} (preset {preset.name!r}); the vaccine "
            f"holds at most {n_peptides} long peptides and the lowest chosen value is "
            f"{_num(lowest)} (selection covers alleles first, then maximises total value)"
        )
    return "no", "", (
        f"not chosen by the exact selection although {len(selection)} < {n_peptides} peptides: "
        f"best window value {_num(best)}; its windows were ruled out (junction binder repair, "
        "or the total cysteine cap); see design warnings"
    )


def candidate_reasons(
    aggregated: pd.DataFrame | None,
    class2_aggregated: pd.DataFrame | None,
    featured: pd.DataFrame,
    eligible: pd.DataFrame,
    windows: pd.DataFrame,
    selection: pd.DataFrame,
    alleles: list[str],
    preset: Preset,
    n_peptides: int,
    fusion_aggregated: tuple[pd.DataFrame | None, pd.DataFrame | None] = (None, None),
) -> pd.DataFrame:
    """One row per candidate variant: in the vaccine or not, and the reason with its numbers.

    Parameters
    ----------
    aggregated, class2_aggregated
        The run's aggregated tables (pVACseq columns ``ID``, ``Index``, ``Gene``, ``AA Change``,
        ``Tier``); variants come from these, class I rank order first.
    featured
        Every epitope row with its features, design-spelled ``allele`` and ``mutation`` key.
    eligible
        The preset's eligible epitopes with ``value`` (before the allele / value / self filters).
    windows
        Candidate windows (``mutation``, ``value``); ``selection`` the described selection
        (``mutation``, ``name``, ``order``, ``value``...).
    fusion_aggregated
        ``fusions/MHC_Class_I`` and ``MHC_Class_II`` aggregated tables (``ID`` = fusion Index,
        pVACfuse's tiers): one row per fusion after the SNV/indel rows, ``kind`` = ``fusion``.
    """
    table = _variants(aggregated, class2_aggregated).assign(kind=SNV_INDEL)
    fusions = _variants(*fusion_aggregated)
    if len(fusions):
        for suffix in ("1", "2"):  # a fusion's Index is its ID
            has_tier = fusions[f"class{suffix}_tier"] != ""
            fusions.loc[has_tier, f"class{suffix}_index"] = fusions.loc[has_tier, "variant"]
        table = pd.concat([table, fusions.assign(kind=FUSION)], ignore_index=True)
    known = set(table["variant"])
    extra = [k for k in dict.fromkeys(featured["mutation"].astype(str)) if k not in known]
    if extra:  # variants with epitopes but no aggregated row (no aggregated table given)
        genes = featured.drop_duplicates("mutation").set_index("mutation")
        kinds = (featured.drop_duplicates("mutation").set_index("mutation")["kind"]
                 if "kind" in featured else None)  # fmt: skip
        table = pd.concat([table, pd.DataFrame({
            "variant": extra,
            "kind": [str(kinds.at[k]) if kinds is not None else SNV_INDEL for k in extra],
            "gene": [str(genes.at[k, "gene"]) if "gene" in genes else "" for k in extra],
            "aa_change": [str(genes.at[k, "aa_change"]) if "aa_change" in genes else ""
                          for k in extra],
        })], ignore_index=True).fillna("")  # fmt: skip
    allele_set = set(alleles)
    decided = [
        _reason(str(k), featured, eligible, windows, selection, allele_set, preset, n_peptides)
        for k in table["variant"]
    ]
    table["in_vaccine"] = [d[0] for d in decided]
    table["long_peptide"] = [d[1] for d in decided]
    table["reason"] = [d[2] for d in decided]
    return table[REASON_COLUMNS]
