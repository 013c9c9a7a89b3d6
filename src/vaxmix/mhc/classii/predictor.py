"""The public class II predictor: ``predict(peptides, alleles)`` → one row per peptide × allele."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.mhc.calibration import ThresholdCache, per_allele_ranks, shipped_thresholds
from vaxmix.mhc.classii.alleles import known_molecules, normalize_allele, pseudosequence
from vaxmix.mhc.classii.calibration import PERCENTILE_FILE, background_peptides, calibrate
from vaxmix.mhc.classii.encoding import CORE, MAX_LENGTH, MIN_LENGTH
from vaxmix.mhc.classii.model import ClassIIModel, default_model, load_model
from vaxmix.mhc.model import target_to_nm
from vaxmix.mhc.predict import cross_layout
from vaxmix.mhc.protocol import COLUMNS as BASE_COLUMNS
from vaxmix.mhc.protocol import (
    LabelledModel,
    check_alleles,
    check_peptides,
    check_results,
    empty_result,
)

__all__ = ["COLUMNS", "LENGTHS", "ClassIIPredictor", "predict", "validate_peptides"]

#: The protocol's columns with the predicted 9-residue binding core before ``model``.
COLUMNS = [*BASE_COLUMNS[:-1], "core", BASE_COLUMNS[-1]]
#: Peptide lengths the class II model scores (pVACseq's defaults are 12–18).
LENGTHS = range(MIN_LENGTH, MAX_LENGTH + 1)


def validate_peptides(peptides: Iterable[str], source: str | None = None) -> list[str]:
    """Upper-case peptides; raise :class:`InputError` on lengths outside 9–40 or odd residues
    (:func:`vaxmix.mhc.protocol.check_peptides`)."""
    return check_peptides(peptides, LENGTHS, what="class II peptide", source=source)


def _cache(model: ClassIIModel, shipped: dict[str, np.ndarray]) -> ThresholdCache:
    def compute(alleles: list[str]) -> np.ndarray:
        return calibrate(model, [pseudosequence(a) for a in alleles], background_peptides())

    return ThresholdCache(model, shipped, compute)


@functools.cache
def _default_calibrations() -> ThresholdCache:
    model = default_model()
    return _cache(model, shipped_thresholds("vaxmix.mhc.classii", PERCENTILE_FILE, model.name))


@functools.cache
def _calibrations_for(path: str) -> ThresholdCache:
    return _cache(load_model(path), {})


def predict(
    peptides: Sequence[str],
    alleles: Sequence[str],
    model: str | Path | None = None,
) -> pd.DataFrame:
    """Predict MHC class II binding, presentation and binding core for every peptide × allele.

    Parameters
    ----------
    peptides
        Peptides of 9–40 standard amino acids (case-insensitive; pVACseq's class II default
        lengths are 12–18); duplicates are kept.
    alleles
        Class II molecules in any spelling ``mhcgnomes`` reads: DR by beta chain
        (``HLA-DRB1*15:01``, ``DRB1_1501``), DQ/DP as alpha–beta pairs
        (``HLA-DQA1*01:02-DQB1*06:02``, ``DPA1*01:03/DPB1*04:01``). Reported under the canonical
        two-field name (:func:`vaxmix.mhc.classii.alleles.normalize_allele`).
    model
        Path of an exported ``class2_model.npz``; ``None`` uses the model shipped in the package.

    Returns
    -------
    pandas.DataFrame
        Rows in peptide order, then allele order: ``peptide``, ``allele``, ``affinity_nm``
        (predicted IC50, nM), ``percentile`` (rank of the presentation score among the
        background peptides for that allele, %; lower is better), ``presentation_score``
        (0–1), ``core`` (predicted 9-residue binding core) and ``model`` (name and version).
        All values are predictions of that model.

    Raises
    ------
    InputError
        For a malformed peptide or allele name.
    UnsupportedAllele
        (an ``InputError``) For a molecule the model does not cover: not class II, or a chain
        without groove residues (the message names the closest known alleles).
    PredictorMismatch
        If the table built does not hold every peptide × allele once (a defect, never expected;
        :func:`vaxmix.mhc.protocol.check_results`).
    """
    clean = validate_peptides(peptides)
    names = check_alleles(alleles, normalize_allele)
    calibrations = _default_calibrations() if model is None else _calibrations_for(str(model))
    net = calibrations.model
    if not clean or not names:
        return empty_result(COLUMNS)
    layout = cross_layout(clean, names)
    affinity, presentation, core = net.score(
        layout.unique_peptides.tolist(), [pseudosequence(a) for a in layout.unique_alleles]
    )
    n_all = len(names)
    aff = affinity[layout.peptide_index, layout.allele_index]
    pres = presentation[layout.peptide_index, layout.allele_index]
    offsets = core[layout.peptide_index, layout.allele_index]
    thresholds = calibrations.get(layout.unique_alleles)
    percentile = per_allele_ranks(
        pres, layout.allele_index, [thresholds[a] for a in layout.unique_alleles]
    )
    peptide_column = np.repeat(np.array(clean, dtype=object), n_all)
    cores = [p[o : o + CORE] for p, o in zip(peptide_column, offsets.tolist(), strict=True)]
    result = pd.DataFrame(
        {
            "peptide": peptide_column,
            "allele": np.tile(np.array(names, dtype=object), len(clean)),
            "affinity_nm": target_to_nm(aff),
            "percentile": percentile,
            "presentation_score": pres.astype(np.float64),
            "core": np.array(cores, dtype=object),
            "model": net.name,
        }
    )
    return check_results(result, clean, names, COLUMNS)


@dataclass(frozen=True)
class ClassIIPredictor(LabelledModel):
    """The built-in class II model as a :class:`vaxmix.mhc.protocol.Predictor`.

    ``ClassIIPredictor()(peptides, alleles)`` is ``predict(peptides, alleles)``; ``model`` (an
    exported ``class2_model.npz``, ``None`` for the shipped model) is fixed at construction.
    """

    model: str | Path | None = None
    mhc_class: int = 2
    lengths: range = LENGTHS
    columns: tuple[str, ...] = tuple(COLUMNS)

    def _label(self) -> str:
        calibrations = (_default_calibrations() if self.model is None
                        else _calibrations_for(str(self.model)))  # fmt: skip
        return calibrations.model.name

    def supported_alleles(self) -> list[str]:
        """The chains with groove residues: a DR beta chain is a molecule by itself (DRA*01:01
        implied); DQ and DP molecules are any alpha–beta pair of one locus (DQA1 with DQB1,
        DPA1 with DPB1), too many to list, so :meth:`check_alleles` is the membership test."""
        return known_molecules()

    def check_alleles(self, alleles: Iterable[str]) -> list[str]:
        return check_alleles(alleles, normalize_allele)

    def __call__(self, peptides: Sequence[str], alleles: Sequence[str]) -> pd.DataFrame:
        return predict(peptides, alleles, model=self.model)
