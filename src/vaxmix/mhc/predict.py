"""The public predictor: ``predict(peptides, alleles)`` → one row per peptide × allele."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.mhc.alleles import known_alleles, normalize_allele, pseudosequence_table
from vaxmix.mhc.calibration import (
    AFFINITY,
    COMBINED,
    PERCENTILE_FILE,
    PRESENTATION,
    SCORE_KINDS,
    ThresholdCache,
    background_peptides,
    calibrate,
    combined_score,
    per_allele_ranks,
    shipped_thresholds,
)
from vaxmix.mhc.encoding import MAX_LENGTH, MIN_LENGTH
from vaxmix.mhc.model import Ensemble, default_ensemble, load_ensemble, target_to_nm
from vaxmix.mhc.protocol import COLUMNS as BASE_COLUMNS
from vaxmix.mhc.protocol import (
    LabelledModel,
    check_alleles,
    check_peptides,
    check_results,
    empty_result,
)

__all__ = [
    "COLUMNS",
    "LENGTHS",
    "ClassIPredictor",
    "CrossLayout",
    "cross_layout",
    "predict",
    "validate_peptides",
]

#: Class I declares exactly the protocol's columns.
COLUMNS = list(BASE_COLUMNS)
#: Peptide lengths the class I model scores.
LENGTHS = range(MIN_LENGTH, MAX_LENGTH + 1)


def validate_peptides(peptides: Iterable[str], source: str | None = None) -> list[str]:
    """Upper-case peptides; raise :class:`InputError` on lengths outside 8–15 or odd residues
    (:func:`vaxmix.mhc.protocol.check_peptides`; the error names the first bad peptide)."""
    return check_peptides(peptides, LENGTHS, source=source)


def _cache(ensemble: Ensemble, shipped: dict[str, np.ndarray]) -> ThresholdCache:
    def compute(alleles: list[str]) -> np.ndarray:
        table = pseudosequence_table()
        return calibrate(ensemble, [table[a] for a in alleles], background_peptides())

    return ThresholdCache(ensemble, shipped, compute)


@functools.cache
def _default_calibrations() -> ThresholdCache:
    ensemble = default_ensemble()
    return _cache(ensemble, shipped_thresholds("vaxmix.mhc", PERCENTILE_FILE, ensemble.name,
                                             kinds=SCORE_KINDS))


@dataclass(frozen=True)
class CrossLayout:
    """Where each output row (peptide order, then allele order) finds its scores.

    Scores are computed once per distinct peptide and allele; row ``k`` reads them at
    ``[peptide_index[k], allele_index[k]]``.
    """

    unique_peptides: np.ndarray
    unique_alleles: list[str]
    peptide_index: np.ndarray
    allele_index: np.ndarray


def cross_layout(peptides: list[str], alleles: list[str]) -> CrossLayout:
    """The layout of ``peptides`` × ``alleles`` (duplicates kept in the rows, scored once)."""
    unique_peptides, pep_inverse = np.unique(np.array(peptides), return_inverse=True)
    unique_alleles = list(dict.fromkeys(alleles))
    position = {a: i for i, a in enumerate(unique_alleles)}
    allele_of_column = np.array([position[a] for a in alleles])
    return CrossLayout(
        unique_peptides,
        unique_alleles,
        np.repeat(pep_inverse, len(alleles)),
        np.tile(allele_of_column, len(peptides)),
    )


def _score_cross(
    ensemble: Ensemble,
    peptides: np.ndarray,
    allele_hidden: np.ndarray,
    pseudos: list[str],
    device: str,
) -> tuple[np.ndarray, np.ndarray]:
    """(n_peptides, n_alleles) affinity targets and presentation scores, numpy or torch."""
    if device == "cpu":
        return ensemble.score_peptides(peptides, allele_hidden)
    from vaxmix.mhc.encoding import encode_pseudosequences
    from vaxmix.mhc.gpu import TorchEnsemble

    gpu = TorchEnsemble(ensemble, device)
    slots, lengths = gpu.encode(list(peptides))
    affinity, presentation = gpu.score_cross(
        gpu.peptide_hidden_from_slots(slots, lengths),
        gpu.allele_hidden(encode_pseudosequences(pseudos, ensemble.blosum)),
    )
    shape = (len(peptides), len(pseudos))
    return affinity.cpu().numpy().reshape(shape), presentation.cpu().numpy().reshape(shape)


@functools.cache
def _calibrations_for(path: str) -> ThresholdCache:
    return _cache(load_ensemble(path), {})


def predict(
    peptides: Sequence[str],
    alleles: Sequence[str],
    model: str | Path | None = None,
    device: str = "cpu",
) -> pd.DataFrame:
    """Predict MHC class I binding and presentation for every peptide × allele.

    Parameters
    ----------
    peptides
        Peptides of 8–15 standard amino acids (case-insensitive); duplicates are kept.
    alleles
        HLA-A/B/C allele names in any spelling ``mhcgnomes`` reads (``HLA-A*02:01``, ``A0201``,
        ``A*02:01:01:01``); reported under their two-field name ``HLA-A*02:01``.
    model
        Path of an exported ``.npz`` ensemble; ``None`` uses the ensemble shipped in the package.
    device
        ``"cpu"`` (numpy, the default) or a torch device such as ``"cuda"`` for the optional
        GPU path (:mod:`vaxmix.mhc.gpu`; needs PyTorch). Both give the same numbers up to
        float32 rounding.

    Returns
    -------
    pandas.DataFrame
        Rows in peptide order, then allele order, with columns ``peptide``, ``allele``,
        ``affinity_nm`` (predicted IC50, nM), ``percentile`` (rank among the background
        peptides for that allele of the mean of the affinity and presentation percentiles, %;
        lower is better; 0.5 and 2 are the usual strong / weak cut-offs),
        ``presentation_score`` (output of the eluted-ligand head, 0–1) and ``model`` (name and
        version of the predictor). All values are predictions.

    Raises
    ------
    InputError
        For a malformed peptide or allele name.
    UnsupportedAllele
        (an ``InputError``) For an allele the model does not cover: another gene or class, or
        no pseudosequence (the message names the closest known alleles).
    PredictorMismatch
        If the table built does not hold every peptide × allele once (a defect, never expected;
        :func:`vaxmix.mhc.protocol.check_results`).
    """
    clean = check_peptides(peptides, LENGTHS)
    names = check_alleles(alleles, normalize_allele)
    calibrations = _default_calibrations() if model is None else _calibrations_for(str(model))
    ensemble = calibrations.model
    if not clean or not names:
        return empty_result(COLUMNS)
    layout = cross_layout(clean, names)
    table = pseudosequence_table()
    pseudos = [table[a] for a in layout.unique_alleles]
    cross_aff, cross_pres = _score_cross(
        ensemble, layout.unique_peptides, ensemble.allele_hidden(pseudos), pseudos, device
    )
    affinity = cross_aff[layout.peptide_index, layout.allele_index]
    presentation = cross_pres[layout.peptide_index, layout.allele_index]
    tables = list(calibrations.get(layout.unique_alleles).values())  # unique_alleles order
    # percentile: the mean of the two heads' percentiles, re-ranked on the background
    # (calibration module docstring; chosen on held-out cell lines, docs/mhc.md)
    combined = combined_score(
        per_allele_ranks(affinity, layout.allele_index, [t[AFFINITY] for t in tables]),
        per_allele_ranks(presentation, layout.allele_index, [t[PRESENTATION] for t in tables]))
    percentile = per_allele_ranks(combined, layout.allele_index, [t[COMBINED] for t in tables])
    n_pep, n_all = len(clean), len(names)
    result = pd.DataFrame(
        {
            "peptide": np.repeat(np.array(clean, dtype=object), n_all),
            "allele": np.tile(np.array(names, dtype=object), n_pep),
            "affinity_nm": target_to_nm(affinity),
            "percentile": percentile,
            "presentation_score": presentation.astype(np.float64),
            "model": ensemble.name,
        }
    )
    return check_results(result, clean, names, COLUMNS)


@dataclass(frozen=True)
class ClassIPredictor(LabelledModel):
    """The built-in class I model as a :class:`vaxmix.mhc.protocol.Predictor`.

    ``ClassIPredictor()(peptides, alleles)`` is ``predict(peptides, alleles)``; ``model`` (an
    exported ``.npz``, ``None`` for the shipped ensemble) and ``device`` are fixed at
    construction, so the object is the ``predict(peptides, alleles)`` the pipeline and the
    vaccine's junction scan call. The model is loaded on first use of a metadata attribute.
    """

    model: str | Path | None = None
    device: str = "cpu"
    mhc_class: int = 1
    lengths: range = LENGTHS
    columns: tuple[str, ...] = tuple(COLUMNS)

    def _label(self) -> str:
        calibrations = (_default_calibrations() if self.model is None
                        else _calibrations_for(str(self.model)))  # fmt: skip
        return calibrations.model.name

    def supported_alleles(self) -> list[str]:
        """The two-field HLA-A/B/C alleles with a pseudosequence (IPD-IMGT/HLA 3.58)."""
        return known_alleles()

    def check_alleles(self, alleles: Iterable[str]) -> list[str]:
        return check_alleles(alleles, normalize_allele)

    def __call__(self, peptides: Sequence[str], alleles: Sequence[str]) -> pd.DataFrame:
        return predict(peptides, alleles, model=self.model, device=self.device)
