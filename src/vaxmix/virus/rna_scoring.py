"""Score each catalog virus from the tumor's RNA: an entry gate, antiviral defense, and ISGs.

Three pieces of evidence, kept separate and explained (domain brief §0.5, §B.4):

1. **Entry gate** — are the virus's obligatory receptors expressed (TPM at or above
   ``receptor_tpm``, default 1 TPM: the expression cut-off pVACseq uses by default for
   ``--expn-val`` and the Human Protein Atlas "detected" floor)? Receptor expression is necessary,
   not sufficient: CXADR level did not predict coxsackie B sensitivity, but CXADR or PVR knockout
   abolished it (Lipatova 2018, R10). So the gate is a filter, never a fine-grained score.
2. **Antiviral defense** — the type I IFN response is a chain (sensor → adaptor → IRF3 → IFNAR →
   JAK-STAT; ``data/gene_sets.toml``). If every gene of one step is lost (below ``loss_tpm``),
   the chain is broken and the tumor is expected to be more permissive (Stojdl 2000, R32;
   Nguyen 2021, R33). Sensor steps depend on the genome (RNA vs DNA).
3. **Baseline ISG signature** — constitutively high ISGs predicted resistance to oncolytic measles
   (Kurokawa 2018, R28). Scored only against a user-supplied reference cohort (mean z-score of the
   signature genes); without one it is reported and left neutral.

The combined score (0–1) is a transparent weighted sum — a heuristic of ours [I], not a
validated predictor; ex vivo killing, when measured, outranks it in panel selection.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
from scipy.special import ndtr

from vaxmix.virus.catalog import Catalog, Virus
from vaxmix.virus.expression import ExpressionProfile

__all__ = [
    "DefenseStep",
    "GeneSets",
    "RnaEvidence",
    "RnaScoringConfig",
    "load_gene_sets",
    "score_rna",
]


@dataclass(frozen=True)
class RnaScoringConfig:
    """Thresholds and weights of the RNA score (documented in docs/virus.md).

    Attributes
    ----------
    receptor_tpm
        A receptor is "expressed" at or above this TPM (default 1.0, pVACseq's ``--expn-val``).
    loss_tpm
        An IFN-pathway gene below this TPM counts as lost.
    weight_gate, weight_defense, weight_isg
        Weights of the three terms; they sum to 1 so the score stays in [0, 1].
    min_cell_fraction
        Single-cell input: a caution is raised when fewer tumor cells express an obligatory
        receptor.
    """

    receptor_tpm: float = 1.0
    loss_tpm: float = 1.0
    weight_gate: float = 0.5
    weight_defense: float = 0.3
    weight_isg: float = 0.2
    min_cell_fraction: float = 0.1


@dataclass(frozen=True)
class DefenseStep:
    """One step of the antiviral response and its state in this tumor."""

    name: str
    genes: tuple[str, ...]
    mode: str
    state: str  # intact | broken | unknown
    lost: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class GeneSets:
    """Pathway steps and the ISG signature, from ``data/gene_sets.toml``."""

    steps: tuple[dict, ...]
    isg_genes: tuple[str, ...]


@dataclass(frozen=True)
class RnaEvidence:
    """RNA-based evidence for one virus, with a plain-language explanation."""

    virus_id: str
    gate: str  # pass | fail | unknown | not_gated
    receptor_tpm: dict[str, float | None]
    receptor_cell_fraction: dict[str, float]
    defense_steps: tuple[DefenseStep, ...]
    defense_broken: bool
    isg_mean_log2tpm: float | None
    isg_z: float | None
    score: float
    reasons: tuple[str, ...] = field(default_factory=tuple)


@cache
def load_gene_sets() -> GeneSets:
    """Load the shipped pathway steps and ISG signature."""
    text = (resources.files("vaxmix.virus") / "data" / "gene_sets.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return GeneSets(tuple(data["steps"]), tuple(data["isg_signature"]["genes"]))


def _assess_step(step: dict, profile: ExpressionProfile, loss_tpm: float) -> DefenseStep:
    genes = tuple(step["genes"])
    values = {g: profile.get(g) for g in genes}
    missing = tuple(g for g, v in values.items() if v is None)
    lost = tuple(g for g, v in values.items() if v is not None and v < loss_tpm)
    expressed = [g for g, v in values.items() if v is not None and v >= loss_tpm]
    if step["mode"] == "any":
        if expressed:
            state = "intact"
        elif not missing:
            state = "broken"
        else:
            state = "unknown"
    else:
        state = "broken" if lost else ("unknown" if missing else "intact")
    return DefenseStep(step["name"], genes, step["mode"], state, lost, missing)


def _isg(
    profile: ExpressionProfile, isg_genes: tuple[str, ...], reference: pd.DataFrame | None
) -> tuple[float | None, float | None]:
    present = [g for g in isg_genes if profile.get(g) is not None]
    if not present:
        return None, None
    log_values = np.log2(np.array([profile.tpm[g] for g in present]) + 1.0)
    mean_log = float(log_values.mean())
    if reference is None:
        return mean_log, None
    z_values = []
    for gene, value in zip(present, log_values, strict=True):
        if gene not in reference.index:
            continue
        cohort = np.log2(reference.loc[gene].to_numpy(float) + 1.0)
        sd = cohort.std(ddof=1)
        if cohort.size >= 3 and sd > 0:
            z_values.append((value - cohort.mean()) / sd)
    return mean_log, (float(np.mean(z_values)) if z_values else None)


def _gate(
    virus: Virus, profile: ExpressionProfile, config: RnaScoringConfig
) -> tuple[str, dict[str, float | None], list[str]]:
    tpm = {r.gene: profile.get(r.gene) for r in virus.receptors}
    reasons: list[str] = []
    if virus.entry_gate == "none":
        reasons.append("entry not gated (no protein receptor known, or receptors redundant)")
        return "not_gated", tpm, reasons
    gating = (
        [r for r in virus.receptors if r.obligatory]
        if virus.entry_gate == "obligatory"
        else list(virus.receptors)
    )
    below = [
        r.gene for r in gating if tpm[r.gene] is not None and tpm[r.gene] < config.receptor_tpm
    ]
    above = [
        r.gene for r in gating if tpm[r.gene] is not None and tpm[r.gene] >= config.receptor_tpm
    ]
    absent = [r.gene for r in gating if tpm[r.gene] is None]

    def show(genes: list[str]) -> str:
        return ", ".join(f"{g} {tpm[g]:.1f} TPM" for g in genes)

    limit = f"{config.receptor_tpm:g} TPM"
    if virus.entry_gate == "obligatory":
        if below:
            reasons.append(f"obligatory receptor below {limit}: {show(below)}")
            return "fail", tpm, reasons
        if absent:
            reasons.append(f"receptor not in expression table: {', '.join(absent)}")
            return "unknown", tpm, reasons
        reasons.append(f"obligatory receptor expressed: {show(above)}")
        return "pass", tpm, reasons
    if above:
        reasons.append(f"at least one receptor expressed: {show(above)}")
        return "pass", tpm, reasons
    if absent:
        reasons.append(f"receptors not in expression table: {', '.join(absent)}")
        return "unknown", tpm, reasons
    reasons.append(f"no receptor reaches {limit}: {show(below)}")
    return "fail", tpm, reasons


def score_rna(
    catalog: Catalog,
    profile: ExpressionProfile,
    config: RnaScoringConfig | None = None,
    reference: pd.DataFrame | None = None,
    cell_fractions: dict[str, float] | None = None,
) -> dict[str, RnaEvidence]:
    """Score every catalog virus from one tumor expression profile.

    Parameters
    ----------
    catalog
        The virus catalog.
    profile
        Tumor TPM per HGNC symbol (:func:`vaxmix.virus.expression.read_expression`).
    config
        Thresholds and weights.
    reference
        Optional reference cohort, TPM with genes (HGNC symbols) as index and samples as
        columns; enables the ISG z-score.
    cell_fractions
        Optional single-cell result: receptor gene → fraction of tumor cells expressing it.

    Returns
    -------
    dict
        Virus ID → :class:`RnaEvidence`.
    """
    config = config or RnaScoringConfig()
    cell_fractions = cell_fractions or {}
    gene_sets = load_gene_sets()
    isg_mean, isg_z = _isg(profile, gene_sets.isg_genes, reference)
    steps_by_acid = {
        acid: tuple(
            _assess_step(step, profile, config.loss_tpm)
            for step in gene_sets.steps
            if acid in step["applies_to"]
        )
        for acid in ("RNA", "DNA")
    }
    results: dict[str, RnaEvidence] = {}
    for virus in catalog:
        gate, tpm, reasons = _gate(virus, profile, config)
        steps = steps_by_acid[virus.nucleic_acid]
        broken = [s for s in steps if s.state == "broken"]
        unknown = [s for s in steps if s.state == "unknown"]
        if broken:
            defense_term = 1.0
            lost = "; ".join(
                f"{s.name} ({', '.join(s.lost)} < {config.loss_tpm:g} TPM)" for s in broken
            )
            reasons.append(f"antiviral response broken at: {lost} → expected permissive")
        elif unknown:
            defense_term = 0.5
            reasons.append(
                "antiviral pathway partly unassessed (genes missing: "
                + ", ".join(g for s in unknown for g in s.missing)
                + ")"
            )
        else:
            defense_term = 0.0
            reasons.append(f"{virus.nucleic_acid}-virus interferon pathway intact (no step lost)")
        if isg_z is not None:
            isg_term = float(1.0 - ndtr(isg_z))  # 1 − Φ(z)
            reasons.append(f"baseline ISG z = {isg_z:+.2f} vs reference cohort")
        else:
            isg_term = 0.5
            if isg_mean is not None:
                reasons.append(
                    f"baseline ISG mean log2(TPM+1) = {isg_mean:.2f} "
                    "(not scored: no reference cohort)"
                )
        gate_term = {"pass": 1.0, "fail": 0.0}.get(gate, 0.5)
        score = (
            config.weight_gate * gate_term
            + config.weight_defense * defense_term
            + config.weight_isg * isg_term
        )
        if gate == "fail":
            score = 0.0
        fractions = {g: cell_fractions[g] for g in tpm if g in cell_fractions}
        for receptor in virus.receptors:
            fraction = fractions.get(receptor.gene)
            if receptor.obligatory and fraction is not None and fraction < config.min_cell_fraction:
                reasons.append(
                    f"single-cell: only {fraction:.0%} of tumor cells express {receptor.gene}"
                )
        results[virus.id] = RnaEvidence(
            virus_id=virus.id,
            gate=gate,
            receptor_tpm=tpm,
            receptor_cell_fraction=fractions,
            defense_steps=steps,
            defense_broken=bool(broken),
            isg_mean_log2tpm=isg_mean,
            isg_z=isg_z,
            score=round(score, 4) if math.isfinite(score) else 0.0,
            reasons=tuple(reasons),
        )
    return results
