"""The records of the mRNA stage: fixed elements, design settings and the designed mRNA.

They live apart from the design search so that every step (DP, repair, QC, writers) can take
them without importing the search: :mod:`vaxmix.mrna.design` builds an :class:`MrnaDesign`,
:mod:`vaxmix.mrna.qc` measures one, :mod:`vaxmix.mrna.writers` writes one, and the imports go one
way (records <- qc, repair <- design <- writers/commands).
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources

from vaxmix.mrna.constraints import ConstraintConfig, Violation

__all__ = ["DesignConfig", "Elements", "MrnaDesign", "default_elements"]


@dataclass(frozen=True)
class Elements:
    """Fixed parts of the mRNA (RNA alphabet) and where each comes from."""

    five_utr: str
    kozak: str
    stop: str
    three_utr: str
    poly_a: str
    cap_note: str
    citations: dict[str, str] = field(default_factory=dict)


def default_elements() -> Elements:
    """BNT162b2's published elements (package data ``elements_bnt162b2.toml``)."""
    text = resources.files("vaxmix.mrna").joinpath("data/elements_bnt162b2.toml").read_text()
    data = tomllib.loads(text)
    return Elements(
        five_utr=data["five_utr"]["sequence"],
        kozak=data["kozak"]["sequence"],
        stop=data["stop"]["sequence"],
        three_utr=data["three_utr"]["sequence"],
        poly_a=data["poly_a"]["sequence"],
        cap_note=data["cap"]["note"],
        citations={k: v["citation"] for k, v in data.items()},
    )


@dataclass(frozen=True)
class DesignConfig:
    """Design settings; every default is documented in ``docs/mrna.md``.

    Attributes
    ----------
    cai_weight
        λ, kcal/mol per unit of ``−ln w`` summed over codons (0 = MFE only).
    fold_context
        ``"full"`` designs the CDS inside 5′UTR…3′UTR; ``"cds"`` folds the CDS alone
        (LinearDesign's problem, used by the benchmark).
    max_span, max_loop
        DP limits: base-pair span and interior-loop size.
    u_penalty
        kcal/mol per U in the CDS (uridine depletion; 0 = off).
    m1psi
        Also report energies with every U as N1-methylpseudouridine (ViennaRNA modified-base
        soft constraints, Dutta et al. 2024 parameters). Reporting only; the DP uses U.
    gc_rounds, gc_step
        DP rounds of the GC-window Lagrangian controller and its subgradient step
        (kcal/mol per G/C per window per unit of GC excess).
    min_codon_weight
        Codons with relative adaptiveness below this are not considered (speed).
    seed
        Recorded for reproducibility; the design is deterministic (no random choices).
    """

    codon_table: str = "h_sapiens_9606"
    cai_weight: float = 0.8
    fold_context: str = "full"
    max_span: int = 150
    max_loop: int = 20
    u_penalty: float = 0.0
    m1psi: bool = False
    gc_rounds: int = 4
    gc_step: float = 0.3
    min_codon_weight: float = 0.0
    max_repair_steps: int = 600
    seed: int = 0
    constraints: ConstraintConfig = field(default_factory=ConstraintConfig)
    elements: Elements = field(default_factory=default_elements)

    def parameters(self) -> dict:
        """JSON-ready parameters for provenance."""
        out = asdict(self)
        out.pop("elements")
        return out


@dataclass
class MrnaDesign:
    """A designed mRNA with its segments, QC and the record of how it was made."""

    protein: str
    cds: str
    mrna: str
    segments: list[tuple[str, int, int, str]]
    violations: list[Violation]
    fixed_element_findings: list[Violation]
    qc: dict
    config: DesignConfig
    timings: dict[str, float]
    dp_structure: str
    protein_elements: list[dict] = field(default_factory=list)

    @property
    def template_dna(self) -> str:
        """The DNA template (coding strand) of the whole mRNA."""
        return self.mrna.replace("U", "T")

    @property
    def all_constraints_met(self) -> bool:
        """True when no hard constraint is broken; always the same as ``not violations``."""
        return not self.violations

    @property
    def cds_span(self) -> tuple[int, int]:
        """0-based half-open CDS span (stop included) in the mRNA."""
        for name, start, end, _ in self.segments:
            if name == "CDS":
                return start, end
        raise KeyError("CDS")
