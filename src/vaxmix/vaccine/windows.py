"""Long-peptide windows around each mutation, and the predicted epitopes each window holds.

The mutant protein is rebuilt from pVACseq's parsed-VCF row (rules of pVACseq 7.1.5's
``FastaGenerator``, described in ``shared/docs/pvactools-reference.md`` §6a): missense and
in-frame changes replace ``REF`` by ``ALT`` at ``protein_position``; a frameshift uses
``frameshift_amino_acid_sequence``, the full mutant protein from residue 1; a lost stop
(``stop_lost``, a vaxmix addition) appends the read-through residues. Every window of each
allowed length that covers the change is a candidate (the window may slide off-centre); its
epitopes are the patient's predicted MT epitopes that lie wholly inside it. Windows are then
reduced without losing optimality: identical epitope content keeps the best-made window, and a
window dominated by another of the same mutation (no better on any allele, no fewer cysteines)
is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vaxmix.common.aminoacids import is_standard_peptide
from vaxmix.common.errors import InputError
from vaxmix.peptides.regions import MutantRegion
from vaxmix.vaccine.features import manufacturability

__all__ = ["MutantRegion", "candidate_windows", "mutant_region"]

_POSITION = re.compile(r"^(\d+)(?:-(\d+))?$")


def _clip_stop(text: str) -> tuple[str, bool]:
    for i, aa in enumerate(text):
        if aa in "*X":
            return text[:i], True
    return text, False


def mutant_region(row: pd.Series, path: str | None = None) -> MutantRegion | None:
    """Rebuild the mutant protein of one parsed-VCF row; ``None`` when nothing novel remains."""
    line = int(row.get("_line", 0)) or None
    wt = str(row["wildtype_amino_acid_sequence"]).strip().upper()
    kind = str(row["variant_type"])
    match = _POSITION.match(str(row["protein_position"]).strip())
    if match is None:
        raise InputError(
            f"protein_position {row['protein_position']!r} is not N or N-M",
            path=path,
            line=line,
            field="protein_position",
        )
    first = int(match.group(1))
    if kind == "stop_lost":
        return _stop_lost_region(row, wt)
    if kind == "FS":
        mutant = str(row["frameshift_amino_acid_sequence"]).strip().upper()
        mutant, _ = _clip_stop(mutant)
        if not mutant or wt.startswith(mutant):
            return None
        start = next(
            (i for i, (a, b) in enumerate(zip(mutant, wt, strict=False)) if a != b),
            min(len(mutant), len(wt)),
        )
        return MutantRegion(mutant, start, len(mutant)) if start < len(mutant) else None
    change = str(row["amino_acid_change"]).strip().upper()
    if "/" not in change:
        raise InputError(
            f"amino_acid_change {change!r} is not REF/ALT",
            path=path,
            line=line,
            field="amino_acid_change",
        )
    ref, alt = change.split("/", 1)
    ref, _ = _clip_stop(ref)
    alt, stop_gained = _clip_stop(alt)
    ref = "" if ref == "-" else ref
    alt = "" if alt == "-" else alt
    p = first if not ref else first - 1
    if wt[p : p + len(ref)] != ref:
        raise InputError(
            f"reference residues {ref!r} do not match the wild-type protein at {first} "
            f"({wt[p : p + len(ref)]!r}); wrong reference build?",
            path=path,
            line=line,
            field="amino_acid_change",
        )
    tail = "" if stop_gained else wt[p + len(ref) :]
    mutant = wt[:p] + alt + tail
    if alt:
        start, end = p, p + len(alt)
    else:  # deletion: the novel junction is the residue pair around it
        start, end = max(0, p - 1), min(len(mutant), p + 1)
    if mutant == wt or start >= end:
        return None
    return MutantRegion(mutant, start, end)


def _stop_lost_region(row: pd.Series, wt: str) -> MutantRegion | None:
    """Wild type plus the residues read through the lost stop (``*/Y``), or the full read-through
    protein when the row carries one (see :func:`vaxmix.peptides.windows.build_window`)."""
    readthrough = str(row.get("frameshift_amino_acid_sequence") or "").strip().upper()
    if readthrough and readthrough.startswith(wt):
        mutant, _ = _clip_stop(readthrough)
    else:
        _, _, alt = str(row["amino_acid_change"]).strip().upper().partition("/")
        new, _ = _clip_stop(alt)
        mutant = wt + new
    return MutantRegion(mutant, len(wt), len(mutant)) if len(mutant) > len(wt) else None


def _occurrences(sequence: str, peptide: str) -> list[int]:
    found, at = [], sequence.find(peptide)
    while at >= 0:
        found.append(at)
        at = sequence.find(peptide, at + 1)
    return found


@dataclass
class _Occurrences:
    """Where the mutation's eligible epitopes lie in its protein (parallel lists)."""

    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    allele: list[int] = field(default_factory=list)  # index into the design's alleles
    value: list[float] = field(default_factory=list)
    label: list[str] = field(default_factory=list)  # "peptide|allele"


def _epitope_occurrences(
    region: MutantRegion, epitopes: pd.DataFrame, alleles: list[str]
) -> _Occurrences:
    """Every occurrence of a positive-value epitope that overlaps the changed span."""
    occ = _Occurrences()
    allele_pos = {a: i for i, a in enumerate(alleles)}
    for peptide, allele, value in zip(
        epitopes["peptide"], epitopes["allele"], epitopes["value"], strict=True
    ):
        if allele not in allele_pos or value <= 0:
            continue
        for at in _occurrences(region.sequence, peptide):
            if at < region.end and at + len(peptide) > region.start:
                occ.start.append(at)
                occ.end.append(at + len(peptide))
                occ.allele.append(allele_pos[allele])
                occ.value.append(value)
                occ.label.append(f"{peptide}|{allele}")
    return occ


def _window_spans(region: MutantRegion, lengths: range) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of every window of an allowed length overlapping the change by
    ``min(span, 2)`` residues (a protein shorter than a length gives one whole window)."""
    seq = region.sequence
    need = min(region.end - region.start, 2)
    starts_l, lens_l = [], []
    for length in lengths:
        size = min(length, len(seq))
        for s in range(
            max(0, region.start - size + need), min(region.end - need, len(seq) - size) + 1
        ):
            overlap = min(s + size, region.end) - max(s, region.start)
            if overlap >= need:
                starts_l.append(s)
                lens_l.append(size)
        if size < length:
            break
    ws = np.array(starts_l, dtype=int)
    return ws, ws + np.array(lens_l, dtype=int)


def _manufacturable(
    seq: str,
    ws: np.ndarray,
    we: np.ndarray,
    idx: np.ndarray,
    max_cysteines: int | None,
    forbid_n_terminal_qec: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The windows ``idx`` that pass the hard filters, with their cysteine and flag counts."""
    seqs = [seq[ws[i] : we[i]] for i in idx]
    ok = np.array([is_standard_peptide(x) for x in seqs], dtype=bool)
    cys = np.array([x.count("C") for x in seqs], dtype=int)
    qec = np.array([x[:1] in ("Q", "E", "C") for x in seqs], dtype=bool)
    bad = qec + np.array([x.count("DP") + x.count("DG") + x.count("NG") for x in seqs], dtype=int)
    if max_cysteines is not None:
        ok &= cys <= max_cysteines
    if forbid_n_terminal_qec:
        ok &= ~qec
    return idx[ok], cys[ok], bad[ok]


def _dominated(vals: np.ndarray, cys: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Windows for which another is at least as good on every allele, with no more cysteines
    or flags, and strictly better somewhere."""
    ge = (vals[None, :, :] >= vals[:, None, :]).all(axis=2)  # ge[i, j]: j >= i everywhere
    ge &= (cys[None, :] <= cys[:, None]) & (bad[None, :] <= bad[:, None])
    strict = (vals[None, :, :] > vals[:, None, :]).any(axis=2)
    strict |= (cys[None, :] < cys[:, None]) | (bad[None, :] < bad[:, None])
    np.fill_diagonal(ge, False)
    return (ge & strict).any(axis=1)


def _window_rows(
    seq: str,
    ws: np.ndarray,
    we: np.ndarray,
    idx: np.ndarray,
    dominated: np.ndarray,
    values: np.ndarray,
    alleles: list[str],
    inside: np.ndarray,
    labels: list[str],
) -> pd.DataFrame:
    """The kept windows as the candidate table."""
    rows = []
    for i, is_dominated in zip(idx, dominated, strict=True):
        sequence = seq[ws[i] : we[i]]
        rows.append({
            "start": int(ws[i]),
            "length": int(we[i] - ws[i]),
            "sequence": sequence,
            **{f"value:{a}": float(values[i, j]) for j, a in enumerate(alleles)},
            "value": float(values[i].sum()),
            "epitopes": ";".join(sorted({labels[k] for k in np.flatnonzero(inside[i])})),
            **manufacturability(sequence),
            "dominated": bool(is_dominated),
            "_flags": int(sequence[:1] in ("Q", "E", "C"))
            + sequence.count("DP") + sequence.count("DG") + sequence.count("NG"),
        })  # fmt: skip
    return pd.DataFrame(rows)


def candidate_windows(
    region: MutantRegion,
    epitopes: pd.DataFrame,
    alleles: list[str],
    lengths: range,
    *,
    max_cysteines: int | None = None,
    forbid_n_terminal_qec: bool = False,
    preferred_length: int = 27,
    keep_dominated: bool = False,
) -> pd.DataFrame:
    """Enumerate, value and prune the windows of one mutation.

    Parameters
    ----------
    region
        The mutant protein and its changed span.
    epitopes
        Scored epitopes of this mutation (``peptide``, ``allele``, ``value``).
    alleles
        Patient alleles, in output order.
    lengths
        Allowed window lengths (a protein shorter than the minimum gives one whole window).
    max_cysteines, forbid_n_terminal_qec
        Hard manufacturability filters on a window.
    preferred_length
        Tie-break between windows with identical epitope content.
    keep_dominated
        Also return dominated windows (flagged ``dominated``): they are never needed for the
        optimum of the selection alone, but are the fall-backs when a junction check rules
        out the dominating window.

    Returns
    -------
    DataFrame
        One row per kept window: ``start`` (0-based), ``length``, ``sequence``, per-allele
        values ``value:<allele>`` (best epitope value for that allele), ``value`` (their sum),
        ``epitopes`` (``peptide|allele`` list), manufacturability columns.
    """
    occ = _epitope_occurrences(region, epitopes, alleles)
    if not occ.start:
        return pd.DataFrame()
    ws, we = _window_spans(region, lengths)
    if not len(ws):
        return pd.DataFrame()
    os_, oe = np.array(occ.start), np.array(occ.end)
    inside = (os_[None, :] >= ws[:, None]) & (oe[None, :] <= we[:, None])  # windows x occurrences
    values = np.zeros((len(ws), len(alleles)))
    ov, oa = np.array(occ.value), np.array(occ.allele)
    for a in range(len(alleles)):
        cols = oa == a
        if cols.any():
            values[:, a] = np.where(inside[:, cols], ov[cols][None, :], 0.0).max(axis=1)
    idx = np.flatnonzero(values.sum(axis=1) > 0)
    idx, cys, bad = _manufacturable(region.sequence, ws, we, idx, max_cysteines,
                                    forbid_n_terminal_qec)  # fmt: skip
    if not len(idx):
        return pd.DataFrame()
    # Preference among equivalent windows: fewer flags, fewer cysteines, centred, preferred length.
    centre = (region.start + region.end) / 2
    offcentre = np.abs((ws[idx] + we[idx]) / 2 - centre)
    lengthgap = np.abs((we[idx] - ws[idx]) - preferred_length)
    order = np.lexsort((ws[idx], lengthgap, offcentre, cys, bad))
    idx, cys, bad = idx[order], cys[order], bad[order]
    # Same epitope content → keep the preferred window.
    _, first = np.unique(np.packbits(inside[idx], axis=1), axis=0, return_index=True)
    first = np.sort(first)
    idx, cys, bad = idx[first], cys[first], bad[first]
    # Same values, cysteines and flags → interchangeable for the optimiser: keep one.
    signature = np.column_stack([values[idx], cys, bad])
    _, first = np.unique(signature, axis=0, return_index=True)
    first = np.sort(first)
    idx, cys, bad = idx[first], cys[first], bad[first]
    dominated = _dominated(values[idx], cys, bad)
    if not keep_dominated:
        idx, dominated = idx[~dominated], dominated[~dominated]
    return _window_rows(region.sequence, ws, we, idx, dominated, values, alleles, inside,
                        occ.label)  # fmt: skip
