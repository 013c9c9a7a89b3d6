"""Per-allele percentile ranks against a fixed background of natural human peptides.

A percentile rank is the percentage of background peptides that score at least as well as the
query for the same allele (NetMHCpan's %rank, Reynisson B et al., Nucleic Acids Res 2020;48:W449):
0.5 % and 2 % are the usual strong/weak binder cut-offs.

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
from importlib import resources

import numpy as np

from vaxmix.mhc.model import Ensemble

__all__ = [
    "BACKGROUND_FILE",
    "PERCENTILE_FILE",
    "RANK_GRID",
    "background_peptides",
    "calibrate",
    "rank_from_table",
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


def calibrate(
    ensemble: Ensemble, pseudos: list[str], peptides: tuple[str, ...], batch: int = 32
) -> np.ndarray:
    """Score thresholds (alleles, 2, len(RANK_GRID)) for affinity target and presentation score.

    Entry ``[a, s, j]`` is the score of kind ``s`` that a background peptide reaches or beats with
    probability ``RANK_GRID[j]`` % for allele ``a``. Alleles are scored ``batch`` at a time with
    :meth:`Ensemble.score_peptides`, so memory stays at a few (peptides × batch) arrays.
    """
    allele_hidden = ensemble.allele_hidden(pseudos)
    out = np.empty((len(pseudos), 2, len(RANK_GRID)), dtype=np.float32)
    quantile_levels = 1.0 - RANK_GRID / 100.0
    for start in range(0, len(pseudos), batch):
        stop = min(len(pseudos), start + batch)
        affinity, presentation = ensemble.score_peptides(peptides, allele_hidden[start:stop])
        out[start:stop, 0] = np.quantile(affinity, quantile_levels, axis=0).T
        out[start:stop, 1] = np.quantile(presentation, quantile_levels, axis=0).T
    return out


def rank_from_table(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Percentile rank of each score given one allele's thresholds (ascending in score)."""
    # thresholds rise as RANK_GRID falls; np.interp needs ascending x.
    return np.interp(scores, thresholds, RANK_GRID)
