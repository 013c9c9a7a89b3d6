"""ViennaRNA MFE folds of a designed sequence, shared by the start-region repair and the QC.

Energies are ViennaRNA MFEs (Turner 2004, 37 °C; Lorenz et al., Algorithms Mol Biol 2011;6:26).
The optional N1-methylpseudouridine fold uses ViennaRNA's modified-base soft constraints with the
Dutta et al. 2024 m1Ψ set (PCCP 26:992, doi:10.1039/D3CP02442C) on every U.
"""

from __future__ import annotations

__all__ = ["fold_mfe"]


def fold_mfe(seq: str, dangles: int, m1psi: bool = False) -> tuple[str, float]:
    """ViennaRNA MFE structure and energy (kcal/mol) of ``seq`` at 37 °C."""
    import RNA

    md = RNA.md()
    md.dangles = dangles
    fc = RNA.fold_compound(seq, md)
    if m1psi:
        sites = [k + 1 for k, c in enumerate(seq) if c == "U"]
        if sites:
            fc.sc_mod_json(RNA.parameter_set_rna_mod_n1methylpseudouridine_dutta, sites)
    structure, mfe = fc.mfe()
    return structure, float(mfe)
