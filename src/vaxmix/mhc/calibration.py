"""Per-allele percentile ranks against a fixed background of natural human peptides.

A percentile rank is the percentage of background peptides that score at least as well as the
query for the same allele (NetMHCpan's %rank, Reynisson B et al., Nucleic Acids Res 2020;48:W449):
0.5 % and 2 % are the usual strong/weak binder cut-offs.

Three rank tables are kept per allele: one for each head (affinity, presentation) and one for
their combination, the mean of the two head percentiles (:func:`combined_score`), which is what
:func:`vaxmix.mhc.predict` reports as ``percentile`` since model 1.2.0 (it ranked held-out
cell-line ligands best in internal validation, docs/mhc.md). The combined table re-ranks that
mean against the same background, so the reported value is again a percentile.

Background set (shipped as ``data/background_peptides.txt.gz``): 100,000 distinct peptides,
25,000 of each length 8, 9, 10, 11, drawn with ``numpy.random.default_rng(20191001)`` from the
*background* half of the windows of the MAPTAC class II ligands (Abelin et al. 2019; see
:func:`vaxmix.mhc.training.data.natural_windows`). These are natural human protein fragments that
never serve as training decoys. Score → rank tables for the training alleles are precomputed
and shipped (``data/class1_percentiles.npz``); any other allele is calibrated on first use
against the same background (about half a second) and cached for the process.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Callable, Mapping, Sequence
from importlib import resources

import numpy as np

from vaxmix.mhc.model import Ensemble

__all__ = [
    "AFFINITY",
    "BACKGROUND_FILE",
    "COMBINED",
    "PERCENTILE_FILE",
    "PRESENTATION",
    "RANK_GRID",
    "SCORE_KINDS",
    "ThresholdCache",
    "background_peptides",
    "calibrate",
    "combined_score",
    "per_allele_ranks",
    "rank_from_table",
    "shipped_thresholds",
]

BACKGROUND_FILE = "background_peptides.txt.gz"
PERCENTILE_FILE = "class1_percentiles.npz"
#: Percentile ranks (descending) at which score thresholds are stored; dense near the top.
RANK_GRID = np.unique(np.concatenate([np.geomspace(0.001, 100.0, 801), np.linspace(0, 100, 201)]))[
    ::-1
].astype(np.float64)


@functools.cache
def background_peptides() -> tuple[str, ...]:
    """The shipped background peptide set (see module docstring)."""
    blob = resources.files("vaxmix.mhc").joinpath("data", BACKGROUND_FILE).read_bytes()
    return tuple(gzip.decompress(blob).decode("ascii").split())


#: rows of a threshold table, and their number
AFFINITY, PRESENTATION, COMBINED = 0, 1, 2
SCORE_KINDS = 3


def combined_score(rank_affinity: np.ndarray, rank_presentation: np.ndarray) -> np.ndarray:
    """Score (higher is better) of the mean of the two head percentiles."""
    return -0.5 * (rank_affinity + rank_presentation)


def calibrate(
    ensemble: Ensemble, pseudos: list[str], peptides: tuple[str, ...], batch: int = 32
) -> np.ndarray:
    """Score thresholds (alleles, 3, len(RANK_GRID)): affinity target, presentation score and
    :func:`combined_score`.

    Entry ``[a, s, j]`` is the score of kind ``s`` that a background peptide reaches or beats with
    probability ``RANK_GRID[j]`` % for allele ``a``. Alleles are scored ``batch`` at a time with
    :meth:`Ensemble.score_peptides`, so memory stays at a few (peptides × batch) arrays.
    """
    allele_hidden = ensemble.allele_hidden(pseudos)
    out = np.empty((len(pseudos), SCORE_KINDS, len(RANK_GRID)), dtype=np.float32)
    quantile_levels = 1.0 - RANK_GRID / 100.0
    for start in range(0, len(pseudos), batch):
        stop = min(len(pseudos), start + batch)
        affinity, presentation = ensemble.score_peptides(peptides, allele_hidden[start:stop])
        out[start:stop, AFFINITY] = np.quantile(affinity, quantile_levels, axis=0).T
        out[start:stop, PRESENTATION] = np.quantile(presentation, quantile_levels, axis=0).T
        combined = np.empty_like(affinity, dtype=np.float64)
        for j in range(stop - start):
            combined[:, j] = combined_score(
                rank_from_table(affinity[:, j], out[start + j, AFFINITY]),
                rank_from_table(presentation[:, j], out[start + j, PRESENTATION]))
        out[start:stop, COMBINED] = np.quantile(combined, quantile_levels, axis=0).T
    return out


def rank_from_table(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Percentile rank of each score given one allele's thresholds (ascending in score)."""
    # thresholds rise as RANK_GRID falls; np.interp needs ascending x.
    return np.interp(scores, thresholds, RANK_GRID)


def per_allele_ranks(
    scores: np.ndarray, allele_index: np.ndarray, tables: Sequence[np.ndarray]
) -> np.ndarray:
    """Percentile of each score, ranked with the threshold table of its row's allele.

    ``allele_index[k]`` is the position in ``tables`` of row ``k``'s allele.
    """
    percentile = np.empty(len(scores), dtype=np.float64)
    for i, thresholds in enumerate(tables):
        rows = allele_index == i
        percentile[rows] = rank_from_table(scores[rows], thresholds)
    return percentile


def shipped_thresholds(
    package: str, filename: str, model_name: str, kinds: int | None = None
) -> dict[str, np.ndarray]:
    """Threshold tables shipped in ``package/data/filename`` when they belong to ``model_name``
    and (``kinds``) hold that many score kinds per allele; tables of another model or layout,
    e.g. after retraining, are ignored and recomputed on demand."""
    ref = resources.files(package).joinpath("data", filename)
    if not ref.is_file():
        return {}
    with resources.as_file(ref) as path, np.load(path, allow_pickle=False) as data:
        if str(data["model"]) != model_name or (
                kinds is not None and data["thresholds"].shape[1] != kinds):
            return {}
        return dict(zip(data["alleles"].tolist(), data["thresholds"], strict=True))


class ThresholdCache:
    """Per-allele threshold tables of one model: shipped ones, the rest computed on first use.

    Holds state (the tables computed so far), hence a class; one per model per process.
    """

    def __init__(
        self,
        model: object,
        shipped: Mapping[str, np.ndarray],
        compute: Callable[[list[str]], Sequence[np.ndarray]],
    ) -> None:
        self.model = model
        self.tables = dict(shipped)
        self._compute = compute

    def get(self, alleles: list[str]) -> dict[str, np.ndarray]:
        """Tables of ``alleles`` (calibrating the ones not seen yet against the background)."""
        missing = [a for a in alleles if a not in self.tables]
        if missing:
            self.tables.update(zip(missing, self._compute(missing), strict=True))
        return {a: self.tables[a] for a in alleles}
