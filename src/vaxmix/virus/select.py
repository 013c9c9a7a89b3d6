"""Choose up to four viruses for one patient, with a reason for every pick and every rejection.

Ranking follows the domain brief (§0.5–0.6, §B.4): **killing of the patient's own tumor cells
ex vivo comes first**, tumor-RNA evidence second, and clinical evidence per indication only
breaks ties and adds cautions. Selection is greedy over that ranking with **non-redundant
primary entry receptors**, so that the panel covers different entry routes — as the reported
Enteromix mix does (ICAM1/CD55 for CVA21, FcRn for echovirus 7, PVR for poliovirus) and so
that one lost receptor cannot make the whole panel fail.

Tiers (higher wins; the score orders viruses within a tier):

=====  ==============================================================  =======================
tier   evidence                                                         score
=====  ==============================================================  =======================
3      tumor cells sensitive ex vivo (50 % kill, activity ≥ threshold)  2 + activity (+ sel.)
2      intermediate ex vivo killing                                     1 + activity (+ sel.)
1      not tested ex vivo; RNA entry gate passed or unknown            RNA score (0–1)
=====  ==============================================================  =======================

Rejected outright: pre-existing neutralising antibodies at or above the threshold (serology);
resistant ex vivo; not selective (kills the patient's normal cells at least
as readily: log10 selectivity ≤ 0); RNA entry gate failed and no ex vivo data; no patient data
at all; excluded by the user. A small bonus by clinical evidence level (approved +0.05 …
preclinical +0.01, clinically negative −0.05) breaks ties. Weights are ours [I], recorded in
the output.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.virus.assay import AssayResult
from vaxmix.virus.catalog import INDICATIONS, Catalog, Virus
from vaxmix.virus.rna_scoring import RnaEvidence

__all__ = ["PanelConfig", "PanelPick", "PanelRejection", "VirusPanel", "select_panel"]

_EVIDENCE_BONUS = {
    "approved": 0.05,
    "phase3": 0.04,
    "phase2": 0.03,
    "phase1": 0.02,
    "preclinical": 0.01,
    "claims_only": 0.0,
    "none": 0.0,
    "negative": -0.05,
}
_CALL_RANK = {"resistant": 0, "intermediate": 1, "sensitive": 2}
_INDICATION_LABEL = {
    "colorectal": "colorectal cancer",
    "glioblastoma": "glioblastoma",
    "melanoma": "melanoma",
    "uveal_melanoma": "uveal melanoma",
}


@dataclass(frozen=True)
class PanelConfig:
    """Selection settings.

    Attributes
    ----------
    max_viruses
        Panel size limit (the reported Enteromix mix has four).
    selectivity_weight
        Score added per log10 unit of selectivity (capped at 2 log10).
    exclude
        Virus IDs the user excludes (e.g. no clinical-grade product).
    max_nab_titer
        A reciprocal neutralising-antibody titre at or above this rejects the virus (CALM phase 2
        excluded anti-CVA21 titres >= 1:16 [R20]).
    """

    max_viruses: int = 4
    selectivity_weight: float = 0.1
    exclude: tuple[str, ...] = ()
    max_nab_titer: float = 16.0


@dataclass(frozen=True)
class PanelPick:
    """A virus chosen for the panel, with why."""

    rank: int
    virus_id: str
    name: str
    primary_receptor: str
    tier: int
    score: float
    evidence_level: str
    reasons: tuple[str, ...]
    cautions: tuple[str, ...]


@dataclass(frozen=True)
class PanelRejection:
    """A catalog virus not chosen, with why."""

    virus_id: str
    name: str
    tier: int
    score: float | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class VirusPanel:
    """The personalised virus panel: picks, rejections and what inputs were missing."""

    indication: str
    picks: tuple[PanelPick, ...]
    rejections: tuple[PanelRejection, ...]
    missing_inputs: tuple[str, ...]
    config: PanelConfig
    catalog_version: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        """JSON-ready dictionary (without schema/provenance, added by the writer)."""
        return {
            "indication": self.indication,
            "catalog_version": self.catalog_version,
            "config": asdict(self.config),
            "picks": [asdict(p) for p in self.picks],
            "rejections": [asdict(r) for r in self.rejections],
            "missing_inputs": list(self.missing_inputs),
            "notes": list(self.notes),
        }


def _fmt_dose(value: float, unit: str) -> str:
    """MOI as a number; dilutions of stock as a power of ten (10^-5.20 dilution)."""
    if unit.upper() == "MOI":
        return f"MOI {value:.3g}"
    return f"10^{math.log10(value):.2f} {unit}"


def _ex_vivo_summary(virus_id: str, assay: AssayResult) -> dict | None:
    curves = assay.curves
    if curves.empty:
        return None
    tumor = curves[(curves["virus_id"] == virus_id) & (curves["sample_type"] == "tumor")]
    if tumor.empty:
        return None
    worst = min(tumor["call"], key=lambda c: _CALL_RANK[c])
    activity = float(tumor["activity"].mean())
    lines = []
    for _, row in tumor.iterrows():
        if row["ec50_censored"] == ">":
            ec50 = f"EC50 > {_fmt_dose(row['dose_max'], row['dose_unit'])} (no 50 % kill in range)"
        elif row["ec50_censored"] == "<":
            ec50 = f"EC50 < {_fmt_dose(row['dose_min'], row['dose_unit'])}"
        elif row["ec50"] is not None and pd.notna(row["ec50"]):
            ci = ""
            if pd.notna(row["ec50_ci_low"]) and pd.notna(row["ec50_ci_high"]):
                low = _fmt_dose(row["ec50_ci_low"], row["dose_unit"])
                high = _fmt_dose(row["ec50_ci_high"], row["dose_unit"])
                ci = f" [95 % CI {low} – {high}]"
            ec50 = f"EC50 {_fmt_dose(row['ec50'], row['dose_unit'])}{ci}"
        else:
            ec50 = "EC50 not estimable"
        flags = f"; flags: {row['flags']}" if row["flags"] else ""
        lines.append(
            f"ex vivo ({row['sample_id']}, plate {row['plate_id']}): {row['call']}, {ec50}, "
            f"activity 1−AUC = {row['activity']:.2f}{flags}"
        )
    sel = assay.selectivity
    selectivity = None
    bound = ""
    if not sel.empty:
        rows = sel[(sel["virus_id"] == virus_id) & sel["log10_selectivity"].notna()]
        if not rows.empty:
            best = rows.loc[rows["log10_selectivity"].astype(float).idxmin()]
            selectivity, bound = float(best["log10_selectivity"]), best["selectivity_bound"]
            lines.append(
                f"selectivity vs normal cells {best['normal_sample']}: "
                "log10(EC50 normal / EC50 tumor) "
                f"{bound}{selectivity:.2f}, ΔAUC {best['delta_auc']:+.2f}"
            )
        elif (sel["virus_id"] == virus_id).any():
            lines.append("selectivity not estimable (tumor EC50 censored)")
    flags = ";".join(tumor["flags"])
    return {
        "call": worst,
        "activity": activity,
        "selectivity": selectivity,
        "selectivity_bound": bound,
        "lines": lines,
        "reference_failed": "reference_line_not_killed" in flags,
    }


# One ranked candidate: (tier, score, virus, reasons, cautions).
_Candidate = tuple[int, float, Virus, list[str], list[str]]


def select_panel(
    catalog: Catalog,
    indication: str,
    rna: dict[str, RnaEvidence] | None = None,
    assay: AssayResult | None = None,
    config: PanelConfig | None = None,
    serology: dict[str, float] | None = None,
) -> VirusPanel:
    """Select up to ``config.max_viruses`` viruses for one patient.

    Parameters
    ----------
    catalog
        Candidate viruses.
    indication
        One of ``colorectal``, ``glioblastoma``, ``melanoma``, ``uveal_melanoma``.
    rna
        Per-virus RNA evidence (:func:`vaxmix.virus.rna_scoring.score_rna`), or ``None``.
    assay
        Ex vivo assay results (:func:`vaxmix.virus.assay.analyse_plates`), or ``None``.
    config
        Panel size, selectivity weight, exclusions, antibody threshold.
    serology
        Virus ID → reciprocal neutralising-antibody titre
        (:func:`vaxmix.virus.serology.read_serology`); ``None`` when not measured.
    """
    config = config or PanelConfig()
    _check_request(catalog, indication, config)
    missing = _missing_inputs(catalog, rna, assay, serology)
    label = _INDICATION_LABEL[indication]
    candidates: list[_Candidate] = []
    rejections: list[PanelRejection] = []
    for virus in catalog:
        outcome = _assess_virus(virus, indication, label, rna, assay, config, serology)
        if isinstance(outcome, PanelRejection):
            rejections.append(outcome)
        else:
            candidates.append(outcome)
    candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
    picks = _pick_panel(candidates, indication, config, rejections)
    order = {c[2].id: i for i, c in enumerate(candidates)}
    rejections.sort(key=lambda r: (r.tier == 0, order.get(r.virus_id, 10**6), r.virus_id))
    return VirusPanel(
        indication,
        tuple(picks),
        tuple(rejections),
        tuple(missing),
        config,
        catalog.version,
        _panel_notes(serology, config),
    )


def _check_request(catalog: Catalog, indication: str, config: PanelConfig) -> None:
    """Stop on an unknown indication or an exclusion naming no catalog virus.

    Both are user typos that would otherwise silently select a panel for nothing (or keep a
    virus the user meant to exclude), so they are input errors before any scoring.
    """
    if indication not in INDICATIONS:
        raise InputError(
            f"unknown indication {indication!r}; use one of {', '.join(INDICATIONS)}",
            field="indication",
        )
    unknown = [v for v in config.exclude if v not in catalog]
    if unknown:
        raise InputError(
            f"excluded virus(es) not in catalog: {', '.join(unknown)}", field="exclude"
        )


def _missing_inputs(
    catalog: Catalog,
    rna: dict[str, RnaEvidence] | None,
    assay: AssayResult | None,
    serology: dict[str, float] | None,
) -> list[str]:
    """Name every patient input the panel was chosen without.

    The panel reports what it did not see (no plate, no RNA, no serology, no matched normal,
    untested viruses) so a reader never takes an RNA-only ranking for a measured one.
    """
    missing: list[str] = []
    if assay is None:
        missing.append("ex vivo assay plate (viruses ranked on RNA evidence only)")
    if rna is None:
        missing.append("tumor expression table (no receptor gate, no IFN-pathway score)")
    if serology is None:
        missing.append("serology (neutralising antibody titres): not assessed")
    if assay is not None:
        tested = set(assay.curves["virus_id"]) if not assay.curves.empty else set()
        if not (assay.curves["sample_type"] == "normal").any() if not assay.curves.empty else True:
            missing.append("patient-matched normal cells on the plate (no selectivity)")
        untested = [v.id for v in catalog if v.id not in tested]
        if untested:
            missing.append(f"ex vivo data for {len(untested)} catalog viruses (ranked on RNA only)")
    return missing


def _assess_virus(
    virus: Virus,
    indication: str,
    label: str,
    rna: dict[str, RnaEvidence] | None,
    assay: AssayResult | None,
    config: PanelConfig,
    serology: dict[str, float] | None,
) -> _Candidate | PanelRejection:
    """Rank one virus for the patient, or say why it is rejected.

    The gates run in a fixed order (user exclusion, neutralising antibodies, ex vivo result,
    else RNA, else no data), so each rejection names the first reason that applies.
    """
    cautions: list[str] = list(virus.cautions)
    evidence = virus.evidence[indication]
    bonus = _EVIDENCE_BONUS[evidence.level]
    ev_text = f"clinical evidence in {label}: {evidence.level.replace('_', ' ')}" + (
        f" — {evidence.note}" if evidence.note else ""
    )
    if evidence.level == "negative":
        cautions.append(f"no positive clinical evidence in {label}: {evidence.note}")
    elif evidence.level in ("none", "claims_only"):
        cautions.append(f"no peer-reviewed clinical evidence in {label}")
    if virus.id in config.exclude:
        return PanelRejection(virus.id, virus.name, 0, None, ("excluded by the user",))
    reasons: list[str] = []
    titre = (serology or {}).get(virus.id)
    if titre is not None and titre >= config.max_nab_titer:
        return PanelRejection(
            virus.id,
            virus.name,
            0,
            None,
            (
                f"pre-existing neutralising antibodies 1:{titre:g} >= 1:"
                f"{config.max_nab_titer:g} (CALM exclusion threshold, R20): "
                "intravenous virus would be neutralised",
            ),
        )
    if titre is not None:
        reasons.append(f"neutralising antibody titre 1:{titre:g} (< 1:{config.max_nab_titer:g})")
    ex = _ex_vivo_summary(virus.id, assay) if assay is not None else None
    rna_ev = rna.get(virus.id) if rna is not None else None
    if ex is not None:
        ranked = _rank_ex_vivo(virus, ex, rna_ev, config, reasons, cautions)
    elif rna_ev is not None:
        ranked = _rank_rna_only(virus, rna_ev, reasons)
    else:
        ranked = PanelRejection(
            virus.id,
            virus.name,
            0,
            None,
            ("no patient data: not tested ex vivo and no expression table",),
        )
    if isinstance(ranked, PanelRejection):
        return ranked
    tier, score = ranked
    reasons.append(ev_text)
    if virus.enteromix_component:
        reasons.append("component of the reported Enteromix mix (developer statements, R1)")
    return (tier, round(score + bonus, 4), virus, reasons, cautions)


def _rna_lines(rna_ev: RnaEvidence | None) -> list[str]:
    """The RNA evidence's reasons, prefixed so a reader can tell them from ex vivo lines."""
    return [f"RNA: {line}" for line in rna_ev.reasons] if rna_ev else []


def _rank_ex_vivo(
    virus: Virus,
    ex: dict,
    rna_ev: RnaEvidence | None,
    config: PanelConfig,
    reasons: list[str],
    cautions: list[str],
) -> tuple[int, float] | PanelRejection:
    """Tier and score a virus tested on the patient's cells (appends to reasons/cautions).

    A measured ex vivo result outranks any RNA prediction: resistant or non-selective viruses
    are rejected here, and a failed RNA gate only becomes a caution.
    """
    rna_lines = _rna_lines(rna_ev)
    reasons.extend(ex["lines"])
    if ex["reference_failed"]:
        cautions.append(
            "reference line (e.g. Vero) not killed on the plate: virus stock may be inactive"
        )
    if ex["call"] == "resistant":
        return PanelRejection(
            virus.id,
            virus.name,
            0,
            None,
            ("patient's tumor cells resistant ex vivo", *ex["lines"], *rna_lines),
        )
    if ex["selectivity"] is not None and ex["selectivity"] <= 0 and ex["selectivity_bound"] != ">=":
        return PanelRejection(
            virus.id,
            virus.name,
            0,
            None,
            (
                "not selective: kills the patient's normal cells "
                "at least as readily as the tumor",
                *ex["lines"],
            ),
        )
    tier = 3 if ex["call"] == "sensitive" else 2
    score = (tier - 1) + ex["activity"]
    if ex["selectivity"] is not None:
        score += config.selectivity_weight * min(max(ex["selectivity"], 0.0), 2.0)
    if rna_ev is not None and rna_ev.gate == "fail":
        cautions.append(
            "RNA entry gate failed, yet tumor cells were killed ex vivo "
            "(ex vivo result takes precedence)"
        )
    reasons.extend(rna_lines)
    return tier, score


def _rank_rna_only(
    virus: Virus, rna_ev: RnaEvidence, reasons: list[str]
) -> tuple[int, float] | PanelRejection:
    """Tier 1 for a virus not tested ex vivo: rank it on tumor RNA (appends to reasons).

    A failed receptor gate rejects it, since nothing measured says the virus can enter.
    """
    rna_lines = _rna_lines(rna_ev)
    if rna_ev.gate == "fail":
        return PanelRejection(
            virus.id,
            virus.name,
            0,
            0.0,
            ("RNA entry gate failed: " + rna_ev.reasons[0], *rna_lines[1:], "not tested ex vivo"),
        )
    reasons.append("not tested ex vivo: ranked on tumor RNA only")
    reasons.extend(rna_lines)
    return 1, rna_ev.score


def _pick_panel(
    candidates: list[_Candidate],
    indication: str,
    config: PanelConfig,
    rejections: list[PanelRejection],
) -> list[PanelPick]:
    """Take the ranked candidates in order, one virus per entry receptor, up to the panel size.

    Viruses sharing a receptor compete for the same cells, so only the best of each is kept;
    every candidate not picked is appended to ``rejections`` with the reason.
    """
    picks: list[PanelPick] = []
    used_receptors: dict[str, str] = {}
    for tier, score, virus, reasons, cautions in candidates:
        receptor = virus.primary_receptor
        if receptor and receptor in used_receptors:
            rejections.append(
                PanelRejection(
                    virus.id,
                    virus.name,
                    tier,
                    score,
                    (
                        f"redundant entry receptor {receptor} "
                        f"(already covered by {used_receptors[receptor]})",
                        *reasons,
                    ),
                )
            )
            continue
        if len(picks) >= config.max_viruses:
            rejections.append(
                PanelRejection(
                    virus.id,
                    virus.name,
                    tier,
                    score,
                    (
                        f"ranked below the {config.max_viruses} picks "
                        f"(tier {tier}, score {score:.2f})",
                        *reasons,
                    ),
                )
            )
            continue
        if receptor:
            used_receptors[receptor] = virus.id
        picks.append(
            PanelPick(
                len(picks) + 1,
                virus.id,
                virus.name,
                receptor,
                tier,
                score,
                virus.evidence[indication].level,
                tuple(reasons),
                tuple(dict.fromkeys(cautions)),
            )
        )
    return picks


def _panel_notes(serology: dict[str, float] | None, config: PanelConfig) -> tuple[str, str]:
    """The panel's fixed caveats: the score is a heuristic, and what serology did."""
    return (
        "Scores are a transparent heuristic (tiers: ex vivo sensitive > ex vivo intermediate "
        "> RNA only); "
        "RNA scores are predictions, not measurements.",
        "Serology: "
        + (
            "not supplied; check neutralising titres before IV dosing."
            if serology is None
            else f"titres >= 1:{config.max_nab_titer:g} rejected."
        ),
    )
