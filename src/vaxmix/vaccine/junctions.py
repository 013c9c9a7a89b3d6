"""Junction-spanning peptides and their predicted binding, evaluated lazily per linker.

When two vaccine elements are joined (possibly through a linker), every k-mer that is not wholly
inside one of them is a new peptide the patient's cells may present: a junctional epitope. For
each ordered pair of elements this module finds the shortest linker, from a configurable set,
that leaves no junction peptide predicted to bind any patient allele (the rule of
:class:`~vaxmix.vaccine.config.DesignConfig`: affinity <= ``junction_max_affinity_nm`` or
%rank <= ``junction_max_percentile``; with class II molecules, a per-class rule from
:mod:`vaxmix.vaccine.mhc_classes`); if no linker achieves that,
the linker with the fewest binders (then the shortest) is kept. Linkers are tried in order of
length and only unresolved pairs are predicted again, so most pairs cost one prediction round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vaxmix.common.errors import VaxmixError
from vaxmix.mhc.protocol import PredictFn as Predictor
from vaxmix.vaccine.config import DesignConfig

__all__ = [
    "BindingCache",
    "JunctionChoice",
    "Predictor",
    "choose_linkers",
    "junction_peptides",
]


def junction_peptides(left: str, linker: str, right: str, lengths: Iterable[int]) -> list[str]:
    """All k-mers of ``left + linker + right`` not wholly inside ``left`` or inside ``right``.

    Only the last ``k-1`` residues of ``left`` and the first ``k-1`` of ``right`` can take part,
    so the peptides of a junction do not depend on the rest of the elements.
    """
    joined = left + linker + right
    lt, ll = len(left), len(linker)
    out: list[str] = []
    for k in sorted(set(lengths)):
        first = max(0, lt - k + 1)
        last = min(lt + ll - 1, len(joined) - k)
        out.extend(joined[i : i + k] for i in range(first, last + 1))
    return out


class BindingCache:
    """Best predicted binding of each peptide over the patient's alleles, predicted once.

    Parameters
    ----------
    predict
        ``predict(peptides, alleles) -> DataFrame[peptide, allele, affinity_nm, percentile, ...]``
        (``vaxmix.mhc.predict`` by default in the callers).
    alleles
        Patient alleles.
    config
        The design's configuration (defaults when ``None``): a peptide binds if, for any
        allele, affinity <= ``config.junction_max_affinity_nm`` or percentile <=
        ``config.junction_max_percentile`` (a NaN percentile never qualifies). The thresholds
        have no default of their own, so the search and the verification
        (:func:`vaxmix.vaccine.verification.verify_junctions`) apply one rule.
    rule
        Optional per-row binder rule ``rule(table) -> bool array`` replacing the two thresholds
        (e.g. per MHC class, :func:`vaxmix.vaccine.mhc_classes.binder_mask`).
    """

    def __init__(
        self,
        predict: Predictor,
        alleles: Sequence[str],
        config: DesignConfig | None = None,
        rule: Callable[[pd.DataFrame], np.ndarray] | None = None,
    ) -> None:
        config = config or DesignConfig()
        self.predict = predict
        self.alleles = list(alleles)
        self.max_affinity_nm = config.junction_max_affinity_nm
        self.max_percentile = config.junction_max_percentile
        self.rule = rule
        self.best: dict[str, tuple[float, float, str, str]] = {}
        self.n_predicted = 0
        self.models: set[str] = set()

    def ensure(self, peptides: Iterable[str]) -> None:
        """Predict every peptide not yet cached (one call for all of them)."""
        todo = sorted({p for p in peptides if p not in self.best})
        if not todo:
            return
        table = self.predict(todo, self.alleles)
        missing = {"peptide", "allele", "affinity_nm"} - set(table.columns)
        if missing:
            raise VaxmixError(f"predictor output lacks column(s) {sorted(missing)}")
        table = table.copy()
        if "percentile" not in table:
            table["percentile"] = np.nan
        if "model" in table:
            self.models.update(str(m) for m in table["model"].dropna().unique())
        self.n_predicted += len(table)
        aff = pd.to_numeric(table["affinity_nm"], errors="coerce").to_numpy(dtype=float)
        pct = pd.to_numeric(table["percentile"], errors="coerce").to_numpy(dtype=float)
        if self.rule is not None:
            binds = np.asarray(self.rule(table), dtype=bool)
        else:
            with np.errstate(invalid="ignore"):
                binds = (aff <= self.max_affinity_nm) | (pct <= self.max_percentile)
        table["_binds"] = binds
        table["_aff"] = np.where(np.isnan(aff), np.inf, aff)
        table = table.sort_values(["peptide", "_binds", "_aff"], ascending=[True, False, True])
        first = table.drop_duplicates("peptide", keep="first")
        first_pct = pd.to_numeric(first["percentile"], errors="coerce")
        for peptide, a, p, allele, b in zip(
            first["peptide"],
            first["_aff"],
            first_pct,
            first["allele"],
            first["_binds"],
            strict=True,
        ):
            self.best[peptide] = (float(a), float(p), str(allele), "binder" if b else "")
        lost = [p for p in todo if p not in self.best]
        if lost:
            raise VaxmixError(
                f"predictor returned no rows for {len(lost)} peptide(s), e.g. {lost[0]}"
            )

    def binds(self, peptide: str) -> bool:
        """True when the cached best prediction of ``peptide`` meets the binder rule."""
        return self.best[peptide][3] == "binder"


@dataclass(frozen=True)
class JunctionChoice:
    """The chosen linker of one ordered pair and what its junction peptides look like."""

    linker: str
    linker_sequence: str
    n_binders: int
    n_peptides: int
    worst_peptide: str
    worst_allele: str
    worst_affinity_nm: float
    worst_percentile: float


def _summarise(name: str, seq: str, peptides: list[str], cache: BindingCache) -> JunctionChoice:
    binders = sum(cache.binds(p) for p in set(peptides))
    if peptides:
        worst = min(set(peptides), key=lambda p: (not cache.binds(p), cache.best[p][0], p))
        aff, pct, allele, _ = cache.best[worst]
    else:
        worst, aff, pct, allele = "", float("inf"), float("nan"), ""
    return JunctionChoice(name, seq, binders, len(set(peptides)), worst, allele, aff, pct)


def choose_linkers(
    pairs: Sequence[tuple[str, str]],
    linkers: dict[str, str],
    cache: BindingCache,
    lengths: Iterable[int],
) -> list[JunctionChoice]:
    """For each ordered (left, right) pair, the linker minimising (binders, linker length).

    Linkers are tried shortest first (ties in the given order); a pair stops at the first
    linker with zero binders, which is then optimal for that pair. Pairs still holding binders
    after every linker keep the one with the fewest binders, then the shortest.
    """
    lengths = sorted(set(lengths))
    order = sorted(linkers.items(), key=lambda kv: len(kv[1]))
    best: list[JunctionChoice | None] = [None] * len(pairs)
    open_pairs = list(range(len(pairs)))
    for name, seq in order:
        if not open_pairs:
            break
        peptides = {
            i: junction_peptides(pairs[i][0], seq, pairs[i][1], lengths) for i in open_pairs
        }
        cache.ensure(p for group in peptides.values() for p in group)
        still_open = []
        for i in open_pairs:
            choice = _summarise(name, seq, peptides[i], cache)
            current = best[i]
            if current is None or choice.n_binders < current.n_binders:
                best[i] = choice
            if best[i].n_binders > 0:  # type: ignore[union-attr]
                still_open.append(i)
        open_pairs = still_open
    return [b for b in best if b is not None]
