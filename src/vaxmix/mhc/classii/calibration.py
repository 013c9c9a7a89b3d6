"""Class II percentile ranks against a fixed background set.

A percentile rank is the percentage of background peptides whose presentation score for the
same allele is at least the query's (NetMHCIIpan's %rank, Reynisson B et al., Nucleic Acids Res
2020;48:W449; pVACseq's class II cut-offs are on this scale).

Background (``data/class2_background.txt.gz``, built by :func:`build_background`): 10,000
peptides, about 1,430 of each length 12–18 (pVACseq's class II defaults,
:data:`vaxmix.common.epitope_lengths.CLASS2_LENGTHS`; the shipped file was built with them),
each a random window of a residue-shuffled MAPTAC class II ligand
(``numpy.random.default_rng(20190901)``). No human
proteome ships offline; shuffled ligands give natural amino-acid composition without binding
motifs. Thresholds for the training alleles are precomputed (``data/class2_percentiles.npz``);
any other allele is calibrated on first use (well under a second) and cached for the process.
"""

from __future__ import annotations

import functools
import gzip
from importlib import resources
from pathlib import Path

import numpy as np

from vaxmix.common.epitope_lengths import CLASS2_LENGTHS
from vaxmix.mhc.calibration import RANK_GRID, rank_from_table
from vaxmix.mhc.classii.model import ClassIIModel, load_model

__all__ = [
    "BACKGROUND_FILE",
    "PERCENTILE_FILE",
    "background_peptides",
    "build_background",
    "build_percentiles",
    "calibrate",
    "rank_from_table",
]

BACKGROUND_FILE = "class2_background.txt.gz"
PERCENTILE_FILE = "class2_percentiles.npz"
BACKGROUND_SEED = 20190901
BACKGROUND_SIZE = 10_000


def build_background(ligands: np.ndarray, out: Path, seed: int = BACKGROUND_SEED) -> int:
    """Write the background set (see module docstring) from MAPTAC ligand sequences."""
    from vaxmix.common.atomic import atomic_write

    rng = np.random.default_rng(seed)
    pool = np.array(sorted({p for p in ligands if len(p) >= max(CLASS2_LENGTHS)}))
    chosen = rng.choice(pool, size=BACKGROUND_SIZE, replace=True)
    lengths = rng.choice(np.array(CLASS2_LENGTHS), size=BACKGROUND_SIZE)
    peptides = []
    for ligand, length in zip(chosen, lengths, strict=True):
        residues = np.frombuffer(ligand.encode("ascii"), dtype=np.uint8).copy()
        rng.shuffle(residues)
        start = rng.integers(0, len(residues) - length + 1)
        peptides.append(residues[start : start + length].tobytes().decode("ascii"))
    with atomic_write(out, mode="wb") as handle:
        handle.write(gzip.compress(("\n".join(peptides) + "\n").encode("ascii"), mtime=0))
    return len(peptides)


def _read_background(path: Path) -> tuple[str, ...]:
    return tuple(gzip.decompress(Path(path).read_bytes()).decode("ascii").split())


@functools.cache
def background_peptides() -> tuple[str, ...]:
    """The shipped background peptide set."""
    ref = resources.files("vaxmix.mhc.classii").joinpath("data", BACKGROUND_FILE)
    return tuple(gzip.decompress(ref.read_bytes()).decode("ascii").split())


def calibrate(model: ClassIIModel, pseudos: list[str], peptides: tuple[str, ...]) -> np.ndarray:
    """Presentation-score thresholds (alleles, len(RANK_GRID)), ascending in score.

    Entry ``[a, j]`` is the score a background peptide reaches or beats with probability
    ``RANK_GRID[j]`` % for allele ``a``.
    """
    _affinity, presentation, _core = model.score(list(peptides), pseudos)
    levels = 1.0 - RANK_GRID / 100.0
    return np.quantile(presentation, levels, axis=0).T.astype(np.float32)


def build_percentiles(
    model_path: Path, out: Path, alleles: list[str], background: Path | None = None
) -> None:
    """Precompute thresholds for ``alleles`` and save them with the model's name."""
    from vaxmix.common.atomic import atomic_write
    from vaxmix.mhc.classii.alleles import pseudosequence

    model = load_model(model_path)
    peptides = _read_background(background) if background else background_peptides()
    thresholds = calibrate(model, [pseudosequence(a) for a in alleles], peptides)
    with atomic_write(out, mode="wb") as handle:
        np.savez_compressed(handle, model=np.array(model.name), alleles=np.array(alleles),
                            thresholds=thresholds)
