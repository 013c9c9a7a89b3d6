"""Transparent ranking presets (TOML) and the epitope value they define.

A preset states which predicted epitopes count (eligibility), a list of criteria, each a
threshold on one feature with a multiplicative factor when met or not met, and two continuous
weights (clonality, tumor abundance). The value of an epitope is the product of all of them, so
every number in ``selection.tsv`` can be recomputed by hand from the preset and the features.

Presets shipped in ``vaxmix/vaccine/data/presets/``: ``tesla`` (default), ``tesla-strict`` and
``binding``. A criterion whose evidence is absent from the input either stops the design with an
:class:`InputError` naming the missing column (``missing = "error"``) or is skipped and the skip
is recorded as a warning in the design outputs (``missing = "skip"``) — never silently.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.errors import ConfigError, InputError
from vaxmix.vaccine.features import agretopicity, clonality
from vaxmix.vaccine.tables import EPITOPE_COLUMNS

__all__ = [
    "FEATURE_EVIDENCE",
    "Criterion",
    "Preset",
    "available_presets",
    "epitope_features",
    "load_preset",
    "score_epitopes",
]

_FEATURE_NEEDS: dict[str, tuple[str, ...]] = {
    "affinity_nm": ("affinity_nm",),
    "percentile": ("percentile",),
    "presentation_percentile": ("presentation_percentile",),
    "tumor_abundance_tpm": ("gene_expression_tpm", "rna_vaf"),
    "gene_expression_tpm": ("gene_expression_tpm",),
    "agretopicity": ("wt_affinity_nm",),
    "stability_half_life_h": ("stability_half_life_h",),
    "clonality": ("dna_vaf",),
    "processing_score": ("processing_score",),
}
# feature -> the input columns (pVACseq names) it is computed from: the vaccine's reader's
# columns (vaxmix.vaccine.tables.epitope_columns, pVACseq's default median metric)
FEATURE_EVIDENCE: dict[str, tuple[str, ...]] = {
    feature: tuple(EPITOPE_COLUMNS[name] for name in needs)
    for feature, needs in _FEATURE_NEEDS.items()
}


@dataclass(frozen=True)
class Criterion:
    """One threshold rule: ``feature`` below/above ``threshold`` → ``factor_met`` else unmet."""

    feature: str
    threshold: float
    direction: str  # "below" or "above"
    factor_met: float
    factor_unmet: float
    missing: str  # "error" or "skip"
    wt_absent_is_met: bool = False


@dataclass(frozen=True)
class Preset:
    """A ranking preset loaded from TOML (see the shipped files for documented examples)."""

    name: str
    description: str
    source: str
    max_affinity_nm: float
    max_percentile: float
    clonality_weight: bool
    abundance_half_tpm: float
    criteria: tuple[Criterion, ...] = field(default_factory=tuple)
    path: str = ""


def available_presets() -> list[str]:
    """Names of the presets shipped with vaxmix."""
    folder = resources.files("vaxmix.vaccine") / "data" / "presets"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _number(table: dict, key: str, where: str, path: str, default: float | None = None) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}.{key} must be a number", path=path, field=f"{where}.{key}")
    return float(value)


def load_preset(name_or_path: str | Path) -> Preset:
    """Load a shipped preset by name (``tesla``) or a user's TOML file by path."""
    text_path = str(name_or_path)
    if text_path.endswith(".toml") or Path(text_path).is_file():
        path = Path(text_path)
        if not path.is_file():
            raise ConfigError("preset file not found", path=path)
        raw_bytes = path.read_bytes()
    else:
        if text_path not in available_presets():
            raise ConfigError(
                f"unknown preset {text_path!r}; shipped presets: {', '.join(available_presets())} "
                "(or give a path to a .toml file)",
                field="--preset",
            )
        resource = resources.files("vaxmix.vaccine") / "data" / "presets" / f"{text_path}.toml"
        raw_bytes = resource.read_bytes()
        path = Path(str(resource))
    try:
        raw = tomllib.loads(raw_bytes.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=path) from exc
    p = str(path)
    eligibility = raw.get("eligibility", {})
    weights = raw.get("weights", {})
    criteria = []
    for number, entry in enumerate(raw.get("criterion", []), start=1):
        where = f"criterion[{number}]"
        feature = entry.get("feature")
        if feature not in _FEATURE_NEEDS:
            raise ConfigError(
                f"{where}.feature {feature!r} is not one of {', '.join(sorted(_FEATURE_NEEDS))}",
                path=p,
                field=f"{where}.feature",
            )
        if ("below" in entry) == ("above" in entry):
            raise ConfigError(
                f"{where} needs exactly one of 'below' or 'above'", path=p, field=where
            )
        direction = "below" if "below" in entry else "above"
        missing = entry.get("missing", "error")
        if missing not in ("error", "skip"):
            raise ConfigError(f"{where}.missing must be 'error' or 'skip'", path=p, field=where)
        criteria.append(
            Criterion(
                feature=feature,
                threshold=_number(entry, direction, where, p),
                direction=direction,
                factor_met=_number(entry, "factor_met", where, p, 1.0),
                factor_unmet=_number(entry, "factor_unmet", where, p, 1.0),
                missing=missing,
                wt_absent_is_met=bool(entry.get("wt_absent_is_met", False)),
            )
        )
    return Preset(
        name=str(raw.get("name", path.stem)),
        description=str(raw.get("description", "")),
        source=str(raw.get("source", "")),
        max_affinity_nm=_number(eligibility, "max_affinity_nm", "eligibility", p, 500.0),
        max_percentile=_number(eligibility, "max_percentile", "eligibility", p, 2.0),
        clonality_weight=bool(weights.get("clonality", False)),
        abundance_half_tpm=_number(weights, "abundance_half_tpm", "weights", p, 0.0),
        criteria=tuple(criteria),
        path=p,
    )


def epitope_features(epitopes: pd.DataFrame, clonal_vaf: float) -> pd.DataFrame:
    """Add derived features (abundance, agretopicity, clonality) where their evidence exists."""
    out = epitopes.copy()
    if {"gene_expression_tpm", "rna_vaf"} <= set(out.columns):
        out["tumor_abundance_tpm"] = out["gene_expression_tpm"] * out["rna_vaf"]
    if "wt_affinity_nm" in out:
        out["agretopicity"] = agretopicity(out["affinity_nm"], out["wt_affinity_nm"])
    if "dna_vaf" in out:
        out["clonality"] = clonality(out["dna_vaf"], clonal_vaf)
    return out


def score_epitopes(
    epitopes: pd.DataFrame, preset: Preset, source: str | Path | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Return eligible epitopes with one ``factor_<feature>`` column per criterion and ``value``.

    Parameters
    ----------
    epitopes
        Output of :func:`epitope_features`.
    preset
        The ranking preset.
    source
        The input file, named in the error when required evidence is absent.

    Returns
    -------
    (table, warnings)
        ``warnings`` lists every criterion or weight that could not be applied and how many
        epitopes lacked a value, so the design report can say what the ranking rests on.
    """
    warnings: list[str] = []
    for criterion in preset.criteria:
        needed = _FEATURE_NEEDS[criterion.feature]
        absent = (
            []
            if criterion.feature in epitopes.columns
            else [n for n in needed if n not in epitopes.columns] or [criterion.feature]
        )
        if absent and criterion.missing == "error":
            raise InputError(
                f"preset {preset.name!r} requires {criterion.feature} evidence, but the input has "
                f"no usable {' / '.join(FEATURE_EVIDENCE[criterion.feature])} column; provide it, "
                "or choose a preset that does not need it (e.g. --preset binding)",
                path=source,
                field=FEATURE_EVIDENCE[criterion.feature][0],
            )
        if absent:
            warnings.append(
                f"criterion {criterion.feature} {criterion.direction} {criterion.threshold:g} "
                f"not applied: input has no {' / '.join(FEATURE_EVIDENCE[criterion.feature])}"
            )
    affinity = epitopes["affinity_nm"]
    eligible = affinity <= preset.max_affinity_nm
    if "percentile" in epitopes and preset.max_percentile >= 0:
        eligible |= epitopes["percentile"] <= preset.max_percentile
    table = epitopes.loc[eligible].copy()
    value = np.ones(len(table))
    for criterion in preset.criteria:
        if criterion.feature not in table.columns:
            continue
        feature = table[criterion.feature].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            met = (
                feature < criterion.threshold
                if criterion.direction == "below"
                else (feature > criterion.threshold)
            )
        unknown = np.isnan(feature)
        if criterion.wt_absent_is_met and "wt_peptide" in table:
            no_wt = table["wt_peptide"].isin(["", "NA"]).to_numpy()
            met |= unknown & no_wt
            unknown &= ~no_wt
        if unknown.any():
            warnings.append(
                f"{int(unknown.sum())} of {len(table)} eligible epitopes have no "
                f"{criterion.feature} value; counted as not meeting it"
            )
        factor = np.where(met, criterion.factor_met, criterion.factor_unmet)
        table[f"factor_{criterion.feature}"] = factor
        value *= factor
    if preset.clonality_weight:
        if "clonality" in table:
            weight = table["clonality"].fillna(1.0).to_numpy()
            table["weight_clonality"] = weight
            value *= weight
        else:
            warnings.append("clonality weight not applied: input has no Tumor DNA VAF")
    if preset.abundance_half_tpm > 0:
        if "tumor_abundance_tpm" in table:
            abundance = table["tumor_abundance_tpm"].fillna(0.0).to_numpy()
            weight = abundance / (abundance + preset.abundance_half_tpm)
            table["weight_abundance"] = weight
            value *= weight
        else:
            warnings.append("abundance weight not applied: input has no expression / RNA VAF")
    table["value"] = value
    if not math.isfinite(float(value.sum())):
        raise InputError("epitope values are not finite; check the numeric columns", path=source)
    return table, warnings
