"""MHC class II: allele pairs, IPD-IMGT/HLA pseudosequences and a built-in pan-allele predictor.

``vaxmix.mhc.classii.predict(peptides, alleles)`` returns one row per peptide × allele with the
predicted affinity, presentation percentile and 9-residue binding core (docs/mhc_class2.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["normalize_allele", "predict"]


def predict(peptides, alleles, model=None) -> pd.DataFrame:  # noqa: ANN001
    """See :func:`vaxmix.mhc.classii.predictor.predict` (imported lazily to keep imports light;
    the model as a :class:`vaxmix.mhc.protocol.Predictor` is
    :class:`vaxmix.mhc.classii.predictor.ClassIIPredictor`)."""
    from vaxmix.mhc.classii.predictor import predict as _predict

    return _predict(peptides, alleles, model=model)


def normalize_allele(name: str) -> str:
    """See :func:`vaxmix.mhc.classii.alleles.normalize_allele`."""
    from vaxmix.mhc.classii.alleles import normalize_allele as _normalize

    return _normalize(name)
