"""Select, order and link; re-select without windows that make junction binders.

A chosen window can hold a predicted junction binder with every neighbour and linker (it is
*unavoidable*), or the binders come from the set as a whole; then the offending window (the
lower-value end of each binder junction) is ruled out and the selection is solved again, up to
``config.repair_rounds`` times. Dominated windows of a mutation whose window was ruled out join
the pool, so the mutation can stay in with another window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vaxmix.vaccine.config import DesignConfig
from vaxmix.vaccine.construct import Construct
from vaxmix.vaccine.describe import describe_selection, peptide_sources
from vaxmix.vaccine.linking import order_and_link
from vaxmix.vaccine.ordering import OrderResult
from vaxmix.vaccine.selection import SelectionResult, select_windows
from vaxmix.vaccine.verification import JunctionCheck

__all__ = ["Chosen", "select_and_link"]


@dataclass
class Chosen:
    """The last round's selection, its described peptides, order, junctions and protein."""

    selection: SelectionResult
    described: pd.DataFrame
    construct: Construct
    junctions: pd.DataFrame
    order: OrderResult
    replaced: list[str] = field(default_factory=list)  # "NAME (SEQUENCE)" ruled out


def _pool(windows: pd.DataFrame, forbidden: set[tuple[str, str]]) -> pd.DataFrame:
    """Windows usable this round: not ruled out; dominated ones only for repaired mutations."""
    repaired = {m for m, _ in forbidden}
    usable = ~windows["dominated"] | windows["mutation"].isin(repaired)
    keys = zip(windows["mutation"], windows["sequence"], strict=True)
    usable &= np.array([k not in forbidden for k in keys], dtype=bool)
    return windows[usable].reset_index(drop=True)


def _lower_value_ends(junctions: pd.DataFrame, described: pd.DataFrame) -> set[str]:
    """The lower-value peptide of each junction that still holds a binder beyond the flanks'.

    Used when no peptide is unavoidable: the order is already optimal, so the binders come
    from the set as a whole.
    """
    floor = junctions.attrs["flank_floor"]
    value_of = dict(zip(described["name"], described["value"], strict=True))
    out: set[str] = set()
    for _, j in junctions[junctions["predicted_binders"] > 0].iterrows():
        if j["left"] not in value_of and j["predicted_binders"] <= floor["signal_peptide"]:
            continue
        if j["right"] not in value_of and j["predicted_binders"] <= floor["trafficking"]:
            continue
        ends = [n for n in (j["left"], j["right"]) if n in value_of]
        if ends:
            out.add(min(ends, key=lambda n: (value_of[n], n)))
    return out


def _to_rule_out(junctions: pd.DataFrame, described: pd.DataFrame) -> set[str] | None:
    """Names of the peptides to rule out, or None when no junction holds a removable binder."""
    floor = junctions.attrs["flank_floor"]
    if junctions["predicted_binders"].sum() <= sum(floor.values()):
        return None
    unavoidable = set(junctions.attrs["unavoidable"])
    return unavoidable or _lower_value_ends(junctions, described)


def select_and_link(
    windows: pd.DataFrame,
    scored: pd.DataFrame,
    alleles: list[str],
    class2_alleles: list[str],
    config: DesignConfig,
    check: JunctionCheck,
    timings: dict[str, float],
) -> Chosen:
    """Choose up to ``config.n_peptides`` windows, order and link them, repairing binders.

    ``timings["selection"]`` and ``timings["ordering"]`` add up the rounds' times.
    """
    forbidden: set[tuple[str, str]] = set()
    replaced: list[str] = []
    timings["selection"] = timings["ordering"] = 0.0
    for round_ in range(config.repair_rounds + 1):
        t = time.perf_counter()
        selection = select_windows(
            _pool(windows, forbidden), alleles, config.n_peptides,
            max_total_cysteines=config.max_total_cysteines,
        )  # fmt: skip
        timings["selection"] += time.perf_counter() - t
        described = describe_selection(
            selection.selected, scored, alleles, frozenset(class2_alleles)
        )
        t = time.perf_counter()
        construct, junctions, result, check.cache = order_and_link(
            peptide_sources(described), alleles, config, check.predict, check.lengths,
            check.cache,
        )  # fmt: skip
        timings["ordering"] += time.perf_counter() - t
        rule_out = _to_rule_out(junctions, described)
        if rule_out is None or round_ == config.repair_rounds:
            break
        for _, r in described.iterrows():
            if r["name"] in rule_out:
                forbidden.add((r["mutation"], r["sequence"]))
                replaced.append(f"{r['name']} ({r['sequence']})")
    return Chosen(selection, described, construct, junctions, result, replaced)
