"""Design configuration: one dataclass, validated, loadable from a TOML file.

Every option is documented on its field. ``vaxmix design --config FILE`` reads a TOML table
``[design]`` with the same keys; command-line options override it.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from vaxmix.common.errors import ConfigError

__all__ = ["DEFAULT_LINKERS", "DesignConfig", "load_config"]

DEFAULT_LINKERS: tuple[str, ...] = ("none", "AAY", "GGS", "HHHH", "GPGPG", "GS10")


@dataclass(frozen=True)
class DesignConfig:
    """Parameters of one vaccine design.

    Attributes
    ----------
    n_peptides
        Maximum number of long peptides (1-34; BNT122 and mRNA-4157 use up to 20 and 34).
    min_length, max_length
        Long-peptide window lengths (default 25-29; the BNT122 design uses 27-mers).
    mode
        ``"long"`` (long peptides) or ``"minimal"`` (string of beads of minimal epitopes).
    preset
        Ranking preset name or TOML path (``tesla``, ``tesla-strict``, ``binding``).
    alleles
        Patient alleles; default: those of the run.
    junction_lengths
        k-mer lengths checked at junctions; default: the epitope lengths of the run (8-11 for a
        FASTA input).
    linkers
        Linker catalogue names or literal sequences the ordering may use at each junction.
    signal_peptide, trafficking
        Catalogue names of the N-terminal signal peptide and C-terminal trafficking domain
        (``none`` for neither).
    elements
        Path of a user element catalogue (TOML), default: the shipped one.
    junction_max_affinity_nm, junction_max_percentile
        A junction peptide is a binder if affinity <= this or %rank <= this, for any allele.
        Defaults: 500 nM (pVACvector's ``--binding-threshold``) or rank <= 0.5 % (NetMHCpan's
        strong-binder rank, Reynisson et al., Nucleic Acids Res 2020;48:W449), so that alleles
        whose predicted affinities run high (no training data, e.g. B*82:02) are still guarded.
        Rank <= 2 (weak binders too) flags ~2 % of all k-mers per allele, which over 3-6
        alleles and hundreds of junction k-mers leaves few safe orders.
    max_cysteines_per_peptide, max_total_cysteines, forbid_n_terminal_qec
        Manufacturability constraints on the selected windows.
    purity
        Tumour purity (0-1) for clonality; default: the purity the run's tiers used
        (``vaxmix run --tumor-purity``), else estimated from the DNA VAFs (pVACseq's rule).
    top_score_metric
        Which binding columns of the epitope tables are read (pVACseq's
        ``--top-score-metric``: ``median`` or ``lowest``). Default: the run's (run.json, or a
        pVACseq folder's ``log/inputs.yml``), else pVACseq's default ``median``. A value that
        contradicts the run's is refused: the tiers and the vaccine would rank on different
        numbers.
    exact_limit
        Largest number of peptides ordered exactly by Held-Karp (at most 18); beyond it the
        subtour-cut MILP is tried within ``order_time_limit_s``.
    order_time_limit_s
        Time limit of that MILP; if it runs out, the local-search order is kept and the gap to
        the lower bound is reported.
    immunogenicity_training
        Research option: a labelled peptide file (e.g. the academic-use PRIME2.0 data, which
        must not be redistributed) to fit a logistic immunogenicity model at run time; adds a
        ``immunogenicity_probability_research`` column that is **not** used in the ranking.
    repair_rounds
        How many times windows whose ends form a junction binder with every neighbour and
        linker are replaced by re-running the selection without them.
    class2
        Use the run's MHC class II epitopes (``MHC_Class_II/all_epitopes.tsv``) when present:
        they count in each window's value and allele coverage, and junction peptides of the
        class II lengths are checked against the class II molecules.
    class2_alleles
        Class II molecules; default: those of the run.
    class2_junction_lengths
        Class II k-mer lengths checked at junctions; default: the run's class II lengths.
    class2_junction_max_affinity_nm, class2_junction_max_percentile
        A class II junction peptide is a (strong) binder if affinity <= this or %rank <= this,
        for any class II molecule. Defaults: NetMHCIIpan-4's strong-binder thresholds, 50 nM
        and rank <= 1 % (Reynisson B et al., Nucleic Acids Res 2020;48:W449).
    """

    n_peptides: int = 20
    min_length: int = 25
    max_length: int = 29
    mode: str = "long"
    preset: str = "tesla"
    alleles: tuple[str, ...] | None = None
    junction_lengths: tuple[int, ...] | None = None
    linkers: tuple[str, ...] = DEFAULT_LINKERS
    signal_peptide: str = "sec_BNT122"
    trafficking: str = "MITD_BNT122"
    elements: str | None = None
    junction_max_affinity_nm: float = 500.0
    junction_max_percentile: float = 0.5
    max_cysteines_per_peptide: int | None = 2
    max_total_cysteines: int | None = None
    forbid_n_terminal_qec: bool = False
    purity: float | None = None
    top_score_metric: str | None = None
    exact_limit: int = 16
    order_time_limit_s: float = 10.0
    repair_rounds: int = 5
    immunogenicity_training: str | None = None
    class2: bool = True
    class2_alleles: tuple[str, ...] | None = None
    class2_junction_lengths: tuple[int, ...] | None = None
    class2_junction_max_affinity_nm: float = 50.0
    class2_junction_max_percentile: float = 1.0

    def validate(self) -> DesignConfig:
        """Raise :class:`ConfigError` naming the option at fault; return self."""
        if not 1 <= self.n_peptides <= 34:
            raise ConfigError(f"must be 1-34, got {self.n_peptides}", field="n_peptides")
        if not 8 <= self.min_length <= self.max_length <= 60:
            raise ConfigError(
                "need 8 <= min_length <= max_length <= 60, "
                f"got {self.min_length}-{self.max_length}",
                field="min_length/max_length",
            )
        if self.mode not in ("long", "minimal"):
            raise ConfigError(f"mode must be 'long' or 'minimal', got {self.mode!r}", field="mode")
        if self.junction_lengths is not None and (
            not self.junction_lengths
            or min(self.junction_lengths) < 8
            or max(self.junction_lengths) > 15
        ):
            raise ConfigError("junction lengths must be within 8-15", field="junction_lengths")
        if self.class2_junction_lengths is not None and (
            not self.class2_junction_lengths
            or min(self.class2_junction_lengths) < 9
            or max(self.class2_junction_lengths) > 40
        ):
            raise ConfigError("class II junction lengths must be within 9-40",
                              field="class2_junction_lengths")
        if not self.linkers:
            raise ConfigError("at least one linker (e.g. none) is needed", field="linkers")
        if self.top_score_metric not in (None, "median", "lowest"):
            raise ConfigError(f"top_score_metric must be median or lowest, got "
                              f"{self.top_score_metric!r}", field="top_score_metric")  # fmt: skip
        if self.purity is not None and not 0 < self.purity <= 1:
            raise ConfigError(f"purity must be in (0, 1], got {self.purity}", field="purity")
        if not 1 <= self.exact_limit <= 18:
            raise ConfigError("exact_limit must be 1-18", field="exact_limit")
        if self.order_time_limit_s <= 0 or self.repair_rounds < 0:
            raise ConfigError(
                "order_time_limit_s must be > 0 and repair_rounds >= 0",
                field="order_time_limit_s/repair_rounds",
            )
        return self

    def to_dict(self) -> dict:
        """JSON-ready parameters for provenance."""
        return asdict(self)


def load_config(path: str | Path, **overrides: object) -> DesignConfig:
    """Read ``[design]`` from a TOML file, apply non-None ``overrides``, validate."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8")).get("design", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read design configuration: {exc}", path=path) from exc
    known = {f.name for f in fields(DesignConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"unknown option(s) {unknown}", path=path, field=unknown[0])
    for key in ("alleles", "junction_lengths", "linkers", "class2_alleles",
                "class2_junction_lengths"):
        if key in raw and raw[key] is not None:
            raw[key] = tuple(raw[key])
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return DesignConfig(**raw).validate()
    except TypeError as exc:
        raise ConfigError(str(exc), path=path) from exc
