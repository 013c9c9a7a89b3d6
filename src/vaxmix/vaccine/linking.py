"""Order the chosen peptides and link them: per-junction linkers, then the best order.

For every ordered pair of peptides (and signal peptide → peptide, peptide → trafficking domain)
the shortest linker leaving no predicted junction binder is chosen (:func:`.junctions.
choose_linkers`); the pair's cost is (binders, linker length), with binders weighted above any
total linker length, and :func:`.ordering.order` finds the cheapest path. The protein is then
assembled (:func:`.construct.assemble`) and each junction described in ``junctions.tsv``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.vaccine.config import DesignConfig
from vaxmix.vaccine.construct import Construct, assemble, load_elements, resolve_linkers
from vaxmix.vaccine.junctions import BindingCache, JunctionChoice, Predictor, choose_linkers
from vaxmix.vaccine.ordering import OrderResult, order

__all__ = ["JUNCTION_COLUMNS", "flank_warnings", "order_and_link"]

JUNCTION_COLUMNS = [
    "junction", "left", "right", "linker", "linker_sequence", "junction_peptides",
    "predicted_binders", "worst_peptide", "worst_allele", "worst_affinity_nm", "worst_percentile",
]  # fmt: skip

#: (kind, left index, right index): "pp" peptide → peptide, "s" signal → peptide (left -1),
#: "e" peptide → trafficking end (right -1).
JunctionKey = tuple[str, int, int]
Element = tuple[str, str, str]  # (name, sequence, source)


def _element(table: dict[str, tuple[str, str]], name: str, kind: str) -> Element | None:
    if name.lower() == "none":
        return None
    if name not in table:
        raise InputError(
            f"unknown {kind} {name!r}; known: {', '.join(sorted(table))}",
            field=f"--{kind.replace('_', '-')}",
        )
    seq, source = table[name]
    return (name, seq, source) if seq else None


def _candidate_junctions(
    seqs: list[str], signal: Element | None, traffic: Element | None
) -> tuple[list[tuple[str, str]], list[JunctionKey]]:
    """Every junction an order could make: (left, right) sequences and their keys."""
    n = len(seqs)
    pairs: list[tuple[str, str]] = []
    keys: list[JunctionKey] = []
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
    return pairs, keys


def _costs(
    chosen: dict[JunctionKey, JunctionChoice], n: int, big: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Peptide → peptide, start and end costs: binders x ``big`` + linker length."""
    cost = np.zeros((n, n), dtype=np.int64)
    start = np.zeros(n, dtype=np.int64)
    end = np.zeros(n, dtype=np.int64)
    for key, choice in chosen.items():
        c = choice.n_binders * big + len(choice.linker_sequence)
        if key[0] == "pp":
            cost[key[1], key[2]] = c
        elif key[0] == "s":
            start[key[2]] = c
        else:
            end[key[1]] = c
    return cost, start, end


def _path_junctions(
    path: list[int], signal: Element | None, traffic: Element | None
) -> list[JunctionKey]:
    """The junctions of the chosen order, N- to C-terminal."""
    keys: list[JunctionKey] = []
    if signal is not None:
        keys.append(("s", -1, path[0]))
    keys += [("pp", a, b) for a, b in itertools.pairwise(path)]
    if traffic is not None:
        keys.append(("e", path[-1], -1))
    return keys


def _junction_table(
    keys: list[JunctionKey],
    chosen: dict[JunctionKey, JunctionChoice],
    peptides: list[Element],
    signal: Element | None,
    traffic: Element | None,
) -> pd.DataFrame:
    """``junctions.tsv``: one row per junction of the construct."""
    rows = []
    for number, key in enumerate(keys, start=1):
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
    return pd.DataFrame(rows, columns=JUNCTION_COLUMNS)


def _unavoidable(
    chosen: dict[JunctionKey, JunctionChoice], peptides: list[Element]
) -> tuple[list[str], int, int]:
    """Peptides with a binder at one end whatever the neighbour, and the flank floors.

    Binders the signal peptide / trafficking domain bring whatever peptide sits next to them
    (e.g. any residue + IVGIVAGL of the MITD is a 9-mer) are the floors: no selection or order
    removes them, so they do not make a peptide unavoidable.
    """
    n = len(peptides)
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
    return unavoidable, int(floor_s), int(floor_e)


def order_and_link(
    peptides: list[Element],
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
        cache = BindingCache(predict, alleles, config)
    n = len(peptides)
    pairs, keys = _candidate_junctions([p[1] for p in peptides], signal, traffic)
    chosen = dict(zip(keys, choose_linkers(pairs, linker_seqs, cache, lengths), strict=True))
    big = max(len(s) for s in linker_seqs.values()) * (n + 1) + 1
    cost, start, end = _costs(chosen, n, big)
    result = order(
        cost, start, end, exact_limit=config.exact_limit, time_limit_s=config.order_time_limit_s
    )
    path = list(result.order)
    junction_keys = _path_junctions(path, signal, traffic)
    construct = assemble(
        "vaxmix_vaccine",
        [peptides[i] for i in path],
        [(chosen[k].linker, chosen[k].linker_sequence) for k in junction_keys],
        signal,
        traffic,
    )
    junctions = _junction_table(junction_keys, chosen, peptides, signal, traffic)
    unavoidable, floor_s, floor_e = _unavoidable(chosen, peptides)
    junctions.attrs["unavoidable"] = unavoidable
    junctions.attrs["flank_floor"] = {"signal_peptide": floor_s, "trafficking": floor_e}
    junctions.attrs.update({"big": big, "binders": int(result.cost // big)})
    return construct, junctions, result, cache


def flank_warnings(junctions: pd.DataFrame) -> list[str]:
    """Binders the signal peptide or trafficking domain bring with every neighbour."""
    floor = junctions.attrs.get("flank_floor", {})
    return [
        f"{name} junction: {k} predicted binder(s) with every neighbour and linker, intrinsic to "
        f"the {name} element (choose another element, or none, to avoid them)"
        for name, k in floor.items()
        if k
    ]
