"""Built-in pan-allele MHC class I binding and presentation predictor (numpy inference).

Public entry point: :func:`predict` (one row per peptide × allele with ``affinity_nm``,
``percentile``, ``presentation_score`` and ``model``). See docs/mhc.md for the model card.
"""

from vaxmix.mhc.predict import COLUMNS, predict

__all__ = ["COLUMNS", "predict"]
