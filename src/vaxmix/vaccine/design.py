"""``design_vaccine``: run folder → selected long peptides → junction-safe order → construct.

Steps (each its own module): read the run's tables (:mod:`.tables`), derive features and score
every predicted epitope with a transparent preset (:mod:`.presets`), enumerate and prune the
long-peptide windows of each mutation (:mod:`.windows`), choose up to N of them exactly
(:mod:`.selection`), choose per-junction linkers and the order (:mod:`.junctions`,
:mod:`.ordering`), assemble the protein (:mod:`.construct`), and finally **re-predict every
junction-spanning peptide of the finished protein** so that the junction count written to the
outputs is a check of the result, not a by-product of the search.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.atomic import atomic_write, replace_folder
from vaxmix.common.errors import InputError, VaxmixError
from vaxmix.common.provenance import package_versions, sha256_file
from vaxmix.vaccine.config import DesignConfig
from vaxmix.vaccine.construct import (
    Construct,
    assemble,
    load_elements,
    resolve_linkers,
    write_construct,
)
from vaxmix.vaccine.features import (
    clonal_vaf_estimate,
    processing_proxy,
    tcr_contact_hydrophobic_fraction,
)
from vaxmix.vaccine.junctions import BindingCache, Predictor, choose_linkers
from vaxmix.vaccine.mhc_classes import MhcClass, binder_mask, combined_predictor
from vaxmix.vaccine.ordering import OrderResult, order
from vaxmix.vaccine.presets import epitope_features, load_preset, score_epitopes
from vaxmix.vaccine.reasons import candidate_reasons
from vaxmix.vaccine.selection import select_windows
from vaxmix.vaccine.sequences import FastaRecord
from vaxmix.vaccine.tables import RunTables, read_run_folder
from vaxmix.vaccine.windows import candidate_windows, mutant_region

__all__ = [
    "DesignResult",
    "design_from_peptides",
    "design_vaccine",
    "normalize_alleles",
    "verify_junctions",
    "write_design",
]

SCHEMA = "vaxmix.vaccine_design/1"
JUNCTION_COLUMNS = [
    "junction", "left", "right", "linker", "linker_sequence", "junction_peptides",
    "predicted_binders", "worst_peptide", "worst_allele", "worst_affinity_nm", "worst_percentile",
]  # fmt: skip


@dataclass
class DesignResult:
    """Everything one design produced; :func:`write_design` writes it to ``vaccine/``."""

    construct: Construct
    selection: pd.DataFrame
    junctions: pd.DataFrame
    order: OrderResult
    alleles: list[str]
    covered_alleles: list[str]
    uncovered_alleles: list[str]
    warnings: list[str]
    verification: dict
    summary: dict = field(default_factory=dict)
    inputs: dict[str, Path] = field(default_factory=dict)
    class2_alleles: list[str] = field(default_factory=list)  # the class II part of ``alleles``
    candidates: pd.DataFrame | None = None  # one row per variant: in the vaccine or not, why

    @property
    def partial(self) -> bool:
        """True when fewer peptides than requested, or some allele is uncovered."""
        return bool(self.summary.get("partial"))


def normalize_alleles(
    alleles: list[str] | tuple[str, ...],
    field_name: str = "--alleles",
    warnings: list[str] | None = None,
) -> list[str]:
    """Class I names → two-field ``HLA-A*02:01`` names, read by the one allele parser.

    (:func:`vaxmix.common.alleles.parse_allele`.) A null (or secreted/cytoplasmic) allele is
    left out with a warning appended to ``warnings``, or is an error when ``warnings`` is None;
    genes and species the models do not cover raise
    :class:`~vaxmix.common.alleles.UnsupportedAllele`.
    """
    from vaxmix.common.alleles import parse_allele

    out = []
    for name in alleles:
        if not name.strip():
            continue
        allele = parse_allele(name, field=field_name)
        if allele.mhc_class != 1:
            raise InputError(f"{name.strip()!r} is a class II name, not a class I allele",
                             field=field_name)  # fmt: skip
        if not allele.expressed:
            if warnings is None:
                raise InputError(str(allele.warning), field=field_name)
            warnings.append(str(allele.warning))
            continue
        out.append(allele.name)
    if not out:
        raise InputError("no expressed allele given", field=field_name)
    return list(dict.fromkeys(out))


def normalize_class2_alleles(alleles: list[str] | tuple[str, ...]) -> list[str]:
    """Canonical class II molecule names (``HLA-DRB1*15:01``, ``HLA-DQA1*01:02-DQB1*06:02``).

    Single DQ/DP chains are paired (:func:`vaxmix.mhc.classii.typing.split_alleles`).
    """
    from vaxmix.mhc.classii.typing import split_alleles

    return split_alleles([a for a in alleles if a.strip()]).class2


def _spell_allele(raw: str) -> str:
    """One allele of an epitope table in the spelling the design uses (unchanged if unknown)."""
    from vaxmix.mhc.classii.typing import is_class2_name

    try:
        if is_class2_name(raw):
            return normalize_class2_alleles([raw])[0]
        return normalize_alleles([raw], "HLA Allele")[0]
    except InputError:
        return raw


def _junction_classes(
    class1_alleles: list[str],
    lengths: list[int],
    predict: Predictor,
    class2_alleles: list[str],
    class2_lengths: list[int],
    predict_class2: Predictor | None,
    config: DesignConfig,
) -> tuple[list[MhcClass], Predictor, BindingCache, list[int]]:
    """Classes, junction predictor, binding cache and all k-mer lengths of the junction check."""
    classes = [MhcClass("class I", predict, tuple(class1_alleles), tuple(lengths),
                        config.junction_max_affinity_nm, config.junction_max_percentile)]
    if not class1_alleles:  # a class II-only patient: only class II junctions are checked
        classes, lengths = [], []
    if not class2_alleles:
        cache = BindingCache(predict, class1_alleles, config.junction_max_affinity_nm,
                             config.junction_max_percentile)  # fmt: skip
        return classes, predict, cache, sorted(lengths)
    if predict_class2 is None:
        from vaxmix.mhc.classii import predict as predict_class2
    classes.append(MhcClass("class II", predict_class2, tuple(class2_alleles),
                            tuple(class2_lengths), config.class2_junction_max_affinity_nm,
                            config.class2_junction_max_percentile))  # fmt: skip
    junction_predict = combined_predictor(classes)
    cache = BindingCache(junction_predict, class1_alleles + class2_alleles,
                         rule=lambda table: binder_mask(table, classes))  # fmt: skip
    return classes, junction_predict, cache, sorted(set(lengths) | set(class2_lengths))


def _split_given(alleles: list[str] | tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Allele names as given → (class I names, class II names)."""
    from vaxmix.mhc.classii.typing import is_class2_name

    return ([a for a in alleles if not is_class2_name(a)],
            [a for a in alleles if is_class2_name(a)])  # fmt: skip


def _default_predict() -> Predictor:
    try:
        from vaxmix.mhc import predict
    except ImportError as exc:  # pragma: no cover - depends on the mhc stage being installed
        raise VaxmixError(f"no MHC predictor available (vaxmix.mhc.predict: {exc})") from exc
    return predict


# --------------------------------------------------------------------------------- candidates
#: ``kind`` of a candidate: a fusion junction (``fusions/`` tables) or an SNV/indel.
FUSION, SNV_INDEL = "fusion", "snv/indel"


def _mutation_keys(epitopes: pd.DataFrame) -> pd.Series:
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
    source = tables.paths.get("all_epitopes")
    clonal_vaf = clonal_vaf_estimate(per_variant_vaf, config.purity)
    featured = epitope_features(epitopes, clonal_vaf)
    scored, warnings = score_epitopes(featured, preset, source)
    spelled = {raw: _spell_allele(raw) for raw in scored["allele"].unique()}
    scored["allele"] = scored["allele"].map(spelled)
    eligible = scored.assign(mutation=_mutation_keys(scored))  # kept for per-variant reasons
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
    scored["mutation"] = _mutation_keys(scored)
    scored["tcr_hydrophobic_fraction"] = [
        tcr_contact_hydrophobic_fraction(p) for p in scored["peptide"]
    ]
    variants = tables.variants
    vpath = str(tables.paths.get("variants", ""))
    lengths = range(config.min_length, config.max_length + 1)
    frames = []
    unknown_index = 0
    seen_contexts: set[tuple] = set()
    for (kind, mutation, vindex), group in scored.groupby(
        ["kind", "mutation", "variant_index"], sort=True
    ):
        if kind == FUSION:  # the fusion protein up to its first stop; the junction is foreign
            from vaxmix.peptides.fusion_regions import fusion_mutant_region

            region = fusion_mutant_region(tables.fusion_records[vindex])
        elif vindex not in variants.index:
            unknown_index += 1
            continue
        else:
            region = mutant_region(variants.loc[vindex], vpath)
        if region is None:
            continue
        lo = max(0, region.start - config.max_length)
        context = (
            mutation,
            region.sequence[lo : region.end + config.max_length],
            region.start - lo,
            region.end - lo,
            tuple(
                sorted(zip(group["peptide"], group["allele"], group["value"].round(9), strict=True))
            ),
        )
        if context in seen_contexts:  # another transcript with the same protein context
            continue
        seen_contexts.add(context)
        if config.mode == "minimal":
            windows = _epitope_windows(region.sequence, group, alleles, config)
        else:
            windows = candidate_windows(
                region, group, alleles, lengths,
                max_cysteines=config.max_cysteines_per_peptide,
                forbid_n_terminal_qec=config.forbid_n_terminal_qec,
                keep_dominated=config.repair_rounds > 0,
            )  # fmt: skip
        if windows.empty:
            continue
        windows.insert(0, "mutation", mutation)
        windows.insert(1, "variant_index", vindex)
        windows.insert(2, "kind", kind)
        windows.insert(3, "protein_start", windows["start"] + 1)
        frames.append(windows.drop(columns=["start"]))
    if unknown_index:
        warnings.append(
            f"{unknown_index} epitope group(s) name an Index absent from the variants table; "
            "skipped"
        )
    spelled_all = {raw: _spell_allele(raw) for raw in featured["allele"].unique()}
    info = {"clonal_vaf": clonal_vaf, "preset": preset, "eligible": eligible,
            "featured": featured.assign(allele=featured["allele"].map(spelled_all),
                                        aa_change=featured.get("mutation", ""),
                                        mutation=_mutation_keys(featured))}  # fmt: skip
    if not frames:
        return pd.DataFrame(), scored, warnings, info
    windows = pd.concat(frames, ignore_index=True)
    # identical windows from several transcripts of one mutation: keep one
    windows = windows.drop_duplicates(["mutation", "sequence"], keep="first").reset_index(drop=True)
    return windows, scored, warnings, info


def _fusion_value_warnings(eligible: pd.DataFrame, alleles: list[str], preset: str) -> list[str]:
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
    from vaxmix.vaccine.features import manufacturability

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


# ----------------------------------------------------------------------------------- ordering
def order_and_link(
    peptides: list[tuple[str, str, str]],
    alleles: list[str],
    config: DesignConfig,
    predict: Predictor,
    lengths: list[int],
    cache: BindingCache | None = None,
) -> tuple[Construct, pd.DataFrame, OrderResult, BindingCache]:
    """Choose linkers and order for ``(name, sequence, source)`` peptides; assemble the protein.

    ``junctions.attrs["unavoidable"]`` lists the peptides whose N- or C-terminal junction holds
    a predicted binder with every possible neighbour and every linker: no order can fix those.
    """
    catalogue = load_elements(config.elements)
    linkers = resolve_linkers(list(config.linkers), catalogue)
    linker_seqs = {name: seq for name, (seq, _) in linkers.items()}
    signal = _element(catalogue.signal_peptides, config.signal_peptide, "signal_peptide")
    traffic = _element(catalogue.trafficking, config.trafficking, "trafficking")
    if cache is None:
        cache = BindingCache(
            predict, alleles, config.junction_max_affinity_nm, config.junction_max_percentile
        )
    n = len(peptides)
    seqs = [p[1] for p in peptides]
    pairs: list[tuple[str, str]] = []
    keys: list[tuple[str, int, int]] = []
    for i in range(n):
        for j in range(n):
            if i != j:
                pairs.append((seqs[i], seqs[j]))
                keys.append(("pp", i, j))
    if signal is not None:
        for j in range(n):
            pairs.append((signal[1], seqs[j]))
            keys.append(("s", -1, j))
    if traffic is not None:
        for i in range(n):
            pairs.append((seqs[i], traffic[1]))
            keys.append(("e", i, -1))
    choices = choose_linkers(pairs, linker_seqs, cache, lengths)
    max_link = max(len(s) for s in linker_seqs.values())
    big = max_link * (n + 1) + 1
    cost = np.zeros((n, n), dtype=np.int64)
    start = np.zeros(n, dtype=np.int64)
    end = np.zeros(n, dtype=np.int64)
    chosen = {}
    for key, choice in zip(keys, choices, strict=True):
        c = choice.n_binders * big + len(choice.linker_sequence)
        chosen[key] = choice
        if key[0] == "pp":
            cost[key[1], key[2]] = c
        elif key[0] == "s":
            start[key[2]] = c
        else:
            end[key[1]] = c
    result = order(
        cost, start, end, exact_limit=config.exact_limit, time_limit_s=config.order_time_limit_s
    )
    path = list(result.order)
    junction_keys: list[tuple[str, int, int]] = []
    if signal is not None:
        junction_keys.append(("s", -1, path[0]))
    junction_keys += [("pp", a, b) for a, b in itertools.pairwise(path)]
    if traffic is not None:
        junction_keys.append(("e", path[-1], -1))
    construct = assemble(
        "vaxmix_vaccine",
        [peptides[i] for i in path],
        [(chosen[k].linker, chosen[k].linker_sequence) for k in junction_keys],
        signal,
        traffic,
    )
    rows = []
    for number, key in enumerate(junction_keys, start=1):
        c = chosen[key]
        left = signal[0] if key[0] == "s" and signal else peptides[key[1]][0]
        right = traffic[0] if key[0] == "e" and traffic else peptides[key[2]][0]
        rows.append({
            "junction": number, "left": left, "right": right, "linker": c.linker,
            "linker_sequence": c.linker_sequence, "junction_peptides": c.n_peptides,
            "predicted_binders": c.n_binders, "worst_peptide": c.worst_peptide,
            "worst_allele": c.worst_allele, "worst_affinity_nm": round(c.worst_affinity_nm, 2),
            "worst_percentile": c.worst_percentile,
        })  # fmt: skip
    junctions = pd.DataFrame(rows, columns=JUNCTION_COLUMNS)
    # Binders the signal peptide / trafficking domain bring whatever peptide sits next to them
    # (e.g. any residue + IVGIVAGL of the MITD is a 9-mer): no selection or order removes them.
    floor_s = min((c.n_binders for k, c in chosen.items() if k[0] == "s"), default=0)
    floor_e = min((c.n_binders for k, c in chosen.items() if k[0] == "e"), default=0)
    n_side = np.full(n, np.iinfo(np.int64).max)
    c_side = np.full(n, np.iinfo(np.int64).max)
    for key, choice in chosen.items():
        excess = choice.n_binders - (floor_s if key[0] == "s" else floor_e if key[0] == "e" else 0)
        if key[2] >= 0:
            n_side[key[2]] = min(n_side[key[2]], excess)
        if key[1] >= 0:
            c_side[key[1]] = min(c_side[key[1]], excess)
    unavoidable = [peptides[i][0] for i in range(n) if n > 1 and (n_side[i] > 0 or c_side[i] > 0)]
    junctions.attrs["unavoidable"] = unavoidable
    junctions.attrs["flank_floor"] = {"signal_peptide": int(floor_s), "trafficking": int(floor_e)}
    result_cost_binders = result.cost // big
    junctions.attrs.update({"big": big, "binders": int(result_cost_binders)})
    return construct, junctions, result, cache


def _flank_warnings(junctions: pd.DataFrame) -> list[str]:
    floor = junctions.attrs.get("flank_floor", {})
    return [
        f"{name} junction: {k} predicted binder(s) with every neighbour and linker, intrinsic to "
        f"the {name} element (choose another element, or none, to avoid them)"
        for name, k in floor.items()
        if k
    ]


def _element(
    table: dict[str, tuple[str, str]], name: str, kind: str
) -> tuple[str, str, str] | None:
    if name.lower() == "none":
        return None
    if name not in table:
        raise InputError(
            f"unknown {kind} {name!r}; known: {', '.join(sorted(table))}",
            field=f"--{kind.replace('_', '-')}",
        )
    seq, source = table[name]
    return (name, seq, source) if seq else None


def verify_junctions(
    construct: Construct,
    alleles: list[str],
    lengths: list[int],
    predict: Predictor,
    max_affinity_nm: float = 500.0,
    max_percentile: float = 2.0,
    classes: list[MhcClass] | None = None,
) -> dict:
    """Re-predict every k-mer of the protein not wholly inside one non-linker element.

    This is independent of the search's cache: a fresh predictor call on the finished protein.
    With ``classes`` (class I and class II), ``predict`` must be their
    :func:`~vaxmix.vaccine.mhc_classes.combined_predictor`, each class's binder rule applies,
    and the binders are also counted per class.
    """
    protein = construct.protein
    spans = [(e.start - 1, e.end) for e in construct.elements if e.kind != "linker"]
    peptides = set()
    for k in sorted(set(lengths)):
        for i in range(len(protein) - k + 1):
            if not any(s <= i and i + k <= e for s, e in spans):
                peptides.add(protein[i : i + k])
    if not peptides:
        return {"junction_peptides": 0, "predictions": 0, "binders": 0, "binder_peptides": []}
    table = predict(sorted(peptides), alleles)
    aff = pd.to_numeric(table["affinity_nm"], errors="coerce")
    pct = pd.to_numeric(
        table.get("percentile", pd.Series(np.nan, index=table.index)), errors="coerce"
    )
    rule = (f"affinity <= {max_affinity_nm:g} nM or percentile <= {max_percentile:g} "
            "(any allele)")  # fmt: skip
    if classes:
        binds = table[binder_mask(table, classes)]
        rule = "; ".join(
            f"{c.name} ({min(c.lengths)}-{max(c.lengths)}-mers): affinity <= "
            f"{c.max_affinity_nm:g} nM or percentile <= {c.max_percentile:g} (any allele)"
            for c in classes
        )
    else:
        binds = table[(aff <= max_affinity_nm) | (pct <= max_percentile)]
    models = sorted(str(m) for m in table["model"].dropna().unique()) if "model" in table else []
    out = {
        "junction_peptides": len(peptides),
        "predictions": len(table),
        "binders": int(binds["peptide"].nunique()),
        "binder_peptides": sorted(binds["peptide"].unique().tolist()),
        "rule": rule,
        "model": models,
    }
    if classes:
        out["binders_by_class"] = {
            c.name: int(binds.loc[binds["allele"].isin(c.alleles), "peptide"].nunique())
            for c in classes
        }
    return out


# ------------------------------------------------------------------------------- public API
def _peptide_name(row: pd.Series, scored: pd.DataFrame, used: set[str]) -> str:
    sub = scored[scored["variant_index"] == row["variant_index"]]
    gene = str(sub["gene"].iloc[0]) if "gene" in sub and len(sub) else "var"
    change = str(row["variant_index"]).rsplit(".", 1)[-1]  # e.g. "1255D/N" of pVACseq's Index
    if row.get("kind") == FUSION:  # pVACfuse's Index ends with the junction position
        change = f"fusion{change}"
        # Arriba's intergenic partners read "GENE(distance),GENE(distance)": keep the genes
        gene = re.sub(r"\([^)]*\)", "", gene).replace(",", "+")
    base = f"{gene}_{change}".replace("/", "-").replace(" ", "")
    name, k = base, 2
    while name in used:
        name, k = f"{base}_{k}", k + 1
    used.add(name)
    return name


def _describe_selection(
    selected: pd.DataFrame,
    scored: pd.DataFrame,
    alleles: list[str],
    class2_alleles: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Add the evidence of each chosen window's best epitope, for the designer to check."""
    rows = []
    used: set[str] = set()
    for _, w in selected.iterrows():
        labels = [x.split("|") for x in w["epitopes"].split(";") if x]
        sub = scored[(scored["variant_index"] == w["variant_index"])]
        sub = sub[
            [
                (p, a) in {(x[0], x[1]) for x in labels}
                for p, a in zip(sub["peptide"], sub["allele"], strict=True)
            ]
        ]
        best = sub.sort_values(["value", "affinity_nm"], ascending=[False, True]).iloc[0]
        at = w["sequence"].find(best["peptide"])
        after = w["sequence"][at + len(best["peptide"]) : at + len(best["peptide"]) + 1]
        processing = best.get("processing_score", np.nan)
        has_processing = bool(pd.notna(processing))
        rows.append({
            "name": _peptide_name(w, scored, used), "kind": w.get("kind", SNV_INDEL),
            "best_epitope": best["peptide"], "best_allele": best["allele"],
            "best_affinity_nm": best["affinity_nm"],
            "best_percentile": best.get("percentile", np.nan),
            "agretopicity": best.get("agretopicity", np.nan),
            "tumor_abundance_tpm": best.get("tumor_abundance_tpm", np.nan),
            "gene_expression_tpm": best.get("gene_expression_tpm", np.nan),
            "rna_vaf": best.get("rna_vaf", np.nan), "dna_vaf": best.get("dna_vaf", np.nan),
            "clonality": best.get("clonality", np.nan),
            "processing": processing if has_processing else processing_proxy(best.peptide, after),
            "processing_source": "MHCflurryEL processing score" if has_processing
            else "C-terminal heuristic proxy",
            "tcr_hydrophobic_fraction": round(best["tcr_hydrophobic_fraction"], 3),
            "alleles_covered": ",".join(a for a in alleles if w[f"value:{a}"] > 0),
            "n_epitopes": len(labels),
            "n_class2_epitopes": sum(x[1] in class2_alleles for x in labels),
        })  # fmt: skip
    extra = pd.DataFrame(rows, index=selected.index)
    return pd.concat(
        [extra, selected.drop(columns=["_flags", "dominated", "kind"], errors="ignore")], axis=1
    )


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
    t0 = time.perf_counter()
    config = (config or DesignConfig()).validate()
    predict = predict or _default_predict()
    timings["import_predictor"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tables = run if isinstance(run, RunTables) else read_run_folder(run)
    given1, given2 = _split_given(config.alleles or ())  # mixed, as `vaxmix run` takes them
    given2 = list(config.class2_alleles or ()) or given2
    class1_given = given1 or tables.alleles  # empty for a class II-only run
    allele_warnings: list[str] = []
    class1_alleles = normalize_alleles(class1_given, warnings=allele_warnings) \
        if class1_given else []
    class2_alleles: list[str] = []
    if config.class2 and (given2 or tables.class2_epitopes is not None):
        class2_alleles = normalize_class2_alleles(given2 or tables.class2_alleles)
    if not class1_alleles and not class2_alleles:
        raise InputError("no alleles given", field="--alleles")
    if not class2_alleles:
        tables = dataclasses.replace(tables, class2_epitopes=None)
    alleles = class1_alleles + class2_alleles
    timings["read"] = time.perf_counter() - t0
    t = time.perf_counter()
    windows, scored, warnings, info = build_candidates(tables, config, alleles)
    warnings[:0] = allele_warnings
    warnings += _fusion_value_warnings(info["eligible"], alleles, info["preset"].name)
    timings["candidates"] = time.perf_counter() - t
    if windows.empty:
        raise InputError(
            f"no candidate long peptide: no epitope of alleles {', '.join(alleles)} is eligible "
            f"under preset {info['preset'].name!r} with positive value"
            + (f" ({'; '.join(warnings)})" if warnings else ""),
            path=tables.paths.get("all_epitopes"),
        )
    t = time.perf_counter()
    lengths = sorted(
        int(k) for k in (config.junction_lengths or tables.epitopes["peptide"].str.len().unique())
    )
    class2_lengths = sorted(int(k) for k in (
        config.class2_junction_lengths
        or (tables.class2_epitopes["peptide"].str.len().unique()
            if tables.class2_epitopes is not None and len(tables.class2_epitopes)
            else range(12, 19))
    ))  # fmt: skip
    classes, junction_predict, cache, lengths = _junction_classes(
        class1_alleles, lengths, predict, class2_alleles, class2_lengths, predict_class2, config
    )
    forbidden: set[tuple[str, str]] = set()
    replaced: list[str] = []
    timings["selection"] = timings["ordering"] = 0.0
    for _round in range(config.repair_rounds + 1):
        t = time.perf_counter()
        # dominated windows join the pool only for mutations whose window was ruled out
        repaired = {m for m, _ in forbidden}
        usable = ~windows["dominated"] | windows["mutation"].isin(repaired)
        keys = zip(windows["mutation"], windows["sequence"], strict=True)
        usable &= np.array([k not in forbidden for k in keys], dtype=bool)
        pool = windows[usable].reset_index(drop=True)
        selection = select_windows(
            pool, alleles, config.n_peptides, max_total_cysteines=config.max_total_cysteines
        )
        timings["selection"] += time.perf_counter() - t
        described = _describe_selection(
            selection.selected, scored, alleles, frozenset(class2_alleles)
        )
        peptides = [
            (r["name"], r["sequence"],
             ("fusion " if r["kind"] == FUSION else "")
             + f"{r['variant_index']} residues {r['protein_start']}-"
             f"{r['protein_start'] + r['length'] - 1} of the "
             + ("fusion protein (spans the junction)" if r["kind"] == FUSION
                else "mutant protein"))
            for _, r in described.iterrows()
        ]  # fmt: skip
        t = time.perf_counter()
        construct, junctions, result, cache = order_and_link(
            peptides, alleles, config, junction_predict, lengths, cache
        )
        timings["ordering"] += time.perf_counter() - t
        unavoidable = set(junctions.attrs["unavoidable"])
        floor = junctions.attrs["flank_floor"]
        if junctions["predicted_binders"].sum() <= sum(floor.values()):
            break
        if not unavoidable:
            # the binders come from the set as a whole (the order is already optimal): rule out
            # the lower-value peptide of each junction that still holds a binder
            value_of = dict(zip(described["name"], described["value"], strict=True))
            for _, j in junctions[junctions["predicted_binders"] > 0].iterrows():
                if j["left"] not in value_of and j["predicted_binders"] <= floor["signal_peptide"]:
                    continue
                if j["right"] not in value_of and j["predicted_binders"] <= floor["trafficking"]:
                    continue
                ends = [n for n in (j["left"], j["right"]) if n in value_of]
                if ends:
                    unavoidable.add(min(ends, key=lambda n: (value_of[n], n)))
        if _round == config.repair_rounds:
            break
        for _, r in described.iterrows():
            if r["name"] in unavoidable:
                forbidden.add((r["mutation"], r["sequence"]))
                replaced.append(f"{r['name']} ({r['sequence']})")
    if replaced:
        warnings.append(
            f"{len(replaced)} selected window(s) were replaced (re-selection without them) because "
            "one of their ends forms a predicted junction binder with every neighbour and linker, "
            f"or they were the lower-value end of a junction binder: {', '.join(replaced)}"
        )
    warnings += selection.warnings + _flank_warnings(junctions)
    t = time.perf_counter()
    verification = verify_junctions(
        construct,
        alleles,
        lengths,
        junction_predict,
        config.junction_max_affinity_nm,
        config.junction_max_percentile,
        classes=classes if class2_alleles else None,
    )
    timings["verification"] = time.perf_counter() - t
    inputs = {k: Path(v) for k, v in tables.paths.items()}
    if config.immunogenicity_training:
        from vaxmix.vaccine.immunogenicity import research_probability, train_research_model

        model, n_rows, n_pos = train_research_model(
            config.immunogenicity_training, predict, normalize_alleles
        )
        described["immunogenicity_probability_research"] = research_probability(
            model, list(described["best_epitope"]), list(described["best_allele"]), predict
        )
        inputs["immunogenicity_training"] = Path(config.immunogenicity_training)
        warnings.append(
            "research only: immunogenicity_probability_research comes from a logistic model fitted "
            f"at run time on {config.immunogenicity_training} ({n_rows} peptides, {n_pos} "
            "immunogenic); it is not used in the ranking and must not be used clinically"
        )
    position = {e.name: i for i, e in enumerate(construct.elements, start=1) if e.kind == "peptide"}
    described.insert(0, "order", [position[n] for n in described["name"]])
    described = described.sort_values("order", kind="stable")
    described["order"] = range(1, len(described) + 1)
    preset = info["preset"]
    partial = len(described) < config.n_peptides or bool(selection.uncovered_alleles)
    summary = {
        "preset": {"name": preset.name, "source": preset.source, "path": preset.path},
        "clonal_vaf": info["clonal_vaf"],
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
        "partial": partial,
        "replaced_windows": replaced,
        "flank_binder_floor": junctions.attrs["flank_floor"],
        "junction_search_predictions": cache.n_predicted,
        "junction_lengths": lengths,
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "predictor_models": sorted(cache.models),
        "class2": {
            "alleles": class2_alleles,
            "junction_lengths": list(classes[-1].lengths) if class2_alleles else [],
            "epitopes_in_selection": int(described["n_class2_epitopes"].sum()),
            "note": "class II epitopes (MHC_Class_II tables) count in window value and allele "
            "coverage; class II junction peptides are checked with the class II rule",
        },
    }  # fmt: skip
    candidates = candidate_reasons(
        tables.aggregated, tables.class2_aggregated, info["featured"], info["eligible"],
        windows, described, alleles, preset, config.n_peptides,
        fusion_aggregated=(tables.fusion_aggregated, tables.fusion_class2_aggregated),
    )  # fmt: skip
    return DesignResult(
        construct, described, junctions, result, alleles, selection.covered_alleles,
        selection.uncovered_alleles, warnings, verification, summary, inputs, class2_alleles,
        candidates,
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
    given1, given2 = _split_given(alleles)
    class2_alleles = (normalize_class2_alleles(list(config.class2_alleles or ()) or given2)
                      if config.class2 else [])  # fmt: skip
    allele_warnings: list[str] = []
    alleles = normalize_alleles(given1, warnings=allele_warnings)
    if len(records) > 34:
        raise InputError(f"{len(records)} peptides given; at most 34 are supported", path=source)
    classes, junction_predict, cache, lengths = _junction_classes(
        alleles, list(config.junction_lengths or range(8, 12)), predict, class2_alleles,
        list(config.class2_junction_lengths or range(12, 19)), predict_class2, config,
    )  # fmt: skip
    all_alleles = alleles + class2_alleles
    t = time.perf_counter()
    peptides = [(r.identifier, r.sequence, f"{source}:{r.line}" if source else "") for r in records]
    construct, junctions, result, cache = order_and_link(
        peptides, all_alleles, config, junction_predict, lengths, cache
    )
    warnings = allele_warnings + _flank_warnings(junctions)
    ordering_s = time.perf_counter() - t
    t = time.perf_counter()
    verification = verify_junctions(
        construct,
        all_alleles,
        lengths,
        junction_predict,
        config.junction_max_affinity_nm,
        config.junction_max_percentile,
        classes=classes if class2_alleles else None,
    )
    selection = pd.DataFrame(
        {"order": range(1, len(result.order) + 1),
         "name": [records[i].identifier for i in result.order],
         "sequence": [records[i].sequence for i in result.order]}
    )  # fmt: skip
    summary = {
        "partial": False,
        "junction_search_predictions": cache.n_predicted,
        "junction_lengths": lengths,
        "timings_s": {
            "ordering": round(ordering_s, 3),
            "verification": round(time.perf_counter() - t, 3),
        },
        "predictor_models": sorted(cache.models),
    }
    inputs = {"peptides_fasta": source} if source else {}
    return DesignResult(
        construct,
        selection,
        junctions,
        result,
        all_alleles,
        all_alleles,
        [],
        warnings,
        verification,
        summary,
        inputs,
        class2_alleles,
    )


def write_design(result: DesignResult, out_dir: str | Path, config: DesignConfig) -> Path:
    """Write ``vaccine/`` (selection, candidates, junctions, construct, design.json) atomically.

    The folder is replaced as a whole, so no file of an earlier design survives in it.
    """
    out_dir = Path(out_dir)
    with replace_folder(out_dir / "vaccine") as stage:
        result.selection.to_csv(stage / "selection.tsv", sep="\t", index=False, float_format="%.6g")
        result.junctions.to_csv(stage / "junctions.tsv", sep="\t", index=False, float_format="%.6g")
        write_construct(result.construct, stage)
        if result.candidates is not None:
            result.candidates.to_csv(stage / "candidates.tsv", sep="\t", index=False)
        order_info = result.order
        doc = {
            "schema": SCHEMA,
            "inputs": {
                k: {"path": str(p), "sha256": sha256_file(p)} for k, p in result.inputs.items()
            },
            "parameters": config.to_dict(),
            "alleles": result.alleles,
            "class2_alleles": result.class2_alleles,
            "covered_alleles": result.covered_alleles,
            "uncovered_alleles": result.uncovered_alleles,
            "warnings": result.warnings,
            "n_peptides": len(result.selection),
            "construct_length": len(result.construct.protein),
            "ordering": {
                "method": order_info.method,
                "cost": order_info.cost,
                "lower_bound": order_info.lower_bound,
                "proven_optimal": order_info.proven_optimal,
                "junction_binders": int(result.junctions["predicted_binders"].sum()),
                "total_linker_length": int(result.junctions["linker_sequence"].str.len().sum()),
            },
            "verification": result.verification,
            "predictions_note": "binding values are predictions by the model(s) named in "
            "verification.model / predictor_models; selection uses the run's own predictions",
            **result.summary,
            "versions": package_versions(),
        }
        with atomic_write(stage / "design.json") as handle:
            json.dump(_finite(doc), handle, indent=2, default=_json_default, allow_nan=False)
            handle.write("\n")
    return out_dir / "vaccine"


def _finite(value: object) -> object:
    """Replace NaN/inf floats by None so the JSON is strict."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    return value


def _json_default(value: object) -> object:
    if isinstance(value, np.integer | np.floating):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
