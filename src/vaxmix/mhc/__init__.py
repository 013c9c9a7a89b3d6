"""Built-in pan-allele MHC class I binding and presentation predictor (numpy inference).

Public entry point: :func:`predict` (one row per peptide × allele with ``affinity_nm``,
``percentile``, ``presentation_score`` and ``model``). See docs/mhc.md for the model card.
The contract every predictor meets (class I here, class II in :mod:`vaxmix.mhc.classii`) is
:class:`vaxmix.mhc.protocol.Predictor`; :class:`ClassIPredictor` is this model as one.
"""

from vaxmix.mhc.predict import COLUMNS, ClassIPredictor, predict
from vaxmix.mhc.protocol import Predictor, check_results

__all__ = ["COLUMNS", "ClassIPredictor", "Predictor", "check_results", "predict"]
