"""Build the shipped background peptide set and the per-allele percentile tables."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from vaxmix.mhc.alleles import pseudosequence_table
from vaxmix.mhc.calibration import calibrate
from vaxmix.mhc.model import load_ensemble
from vaxmix.mhc.training.data import natural_windows

__all__ = ["BACKGROUND_SEED", "build_background", "build_percentiles"]

BACKGROUND_SEED = 20191001
PER_LENGTH = 25_000


def build_background(class2_path: Path, out: Path) -> int:
    """Sample 25,000 distinct peptides of each length 8–11 from the background windows."""
    from vaxmix.common.atomic import atomic_write

    rng = np.random.default_rng(BACKGROUND_SEED)
    windows = natural_windows(class2_path, "background", range(8, 12))
    lengths = np.char.str_len(windows)
    chosen = []
    for length in range(8, 12):
        pool = windows[lengths == length]
        chosen.append(np.sort(rng.choice(pool, PER_LENGTH, replace=False)))
    peptides = np.concatenate(chosen)
    with atomic_write(out, "wb") as handle:
        handle.write(gzip.compress(("\n".join(peptides) + "\n").encode("ascii"), mtime=0))
    return len(peptides)


def build_percentiles(
    model_path: Path, background: tuple[str, ...], alleles: list[str], out: Path
) -> None:
    """Precompute threshold tables for ``alleles`` and write them beside the model."""
    from vaxmix.common.atomic import atomic_write

    ensemble = load_ensemble(model_path)
    table = pseudosequence_table()
    thresholds = calibrate(ensemble, [table[a] for a in alleles], background)
    with atomic_write(out, "wb") as handle:
        np.savez_compressed(
            handle,
            model=np.array(ensemble.name),
            alleles=np.array(alleles),
            thresholds=thresholds.astype(np.float32),
        )
