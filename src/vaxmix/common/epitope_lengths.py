"""Default epitope lengths of the two MHC classes, defined once for every stage.

pVACseq's defaults (``pvacseq run -e1 8,9,10,11 -e2 12,13,14,15,16,17,18``; pVACtools docs,
"pVACseq > Usage"): class I molecules present mostly 8–11-mers (9-mers dominate eluted
ligand data); class II molecules bind a 9-residue core with flanks, and 12–18-mers are the
range pVACseq predicts. The pipeline's defaults, the class II calibration background, the
vaccine's junction scan and the CLI help all read these tuples.
"""

from __future__ import annotations

__all__ = ["CLASS1_LENGTHS", "CLASS2_LENGTHS"]

#: Class I epitope lengths predicted by default (pVACseq ``-e1``).
CLASS1_LENGTHS: tuple[int, ...] = (8, 9, 10, 11)
#: Class II epitope lengths predicted by default (pVACseq ``-e2``).
CLASS2_LENGTHS: tuple[int, ...] = (12, 13, 14, 15, 16, 17, 18)
