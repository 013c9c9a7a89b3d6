"""Predicted 9-residue binding cores of the class II peptides the report shows.

A class II peptide binds with a 9-residue core in the open-ended groove (Jones EY et al., Nat
Rev Immunol 2006;6:271); the vaxmix class II predictor reports it (docs/mhc_class2.md). When the
run's class II tables carry a core column, the report shows it as written. When they do not, the
report recomputes the core for the few peptides it shows, but only when that is the same
prediction the run made: the tables name the shipped model (name and version) and the run did not
use a custom ``--class2-model``. Otherwise no core is shown, rather than one from another model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaxmix.common.runrecord import RunRecord

__all__ = ["core_source", "recompute_cores"]


def core_source(run: RunRecord, models: list[str]) -> str | None:
    """The shipped class II model's name if it can reproduce the run's cores, else ``None``.

    Parameters
    ----------
    run
        The run's record (run.json); a non-empty ``parameters.class2_model`` (a custom
        model) rules it out.
    models
        The class II model names the run's tables or ``run.json`` record.
    """
    if run.parameters.get("class2_model") or not models:
        return None
    from vaxmix.mhc.classii.model import default_model  # numpy only; loads in ~30 ms

    name = default_model().name
    return name if set(models) == {name} else None


def _pseudosequence(allele: str, table: dict[str, str], dr_alpha: str) -> str | None:
    """15 alpha + 19 beta groove residues of a canonical or pVACseq-spelled molecule.

    ``HLA-DRB1*04:05`` / ``DRB1*04:05`` pair with DRA*01:01; ``HLA-DQA1*01:02-DQB1*06:02`` is
    alpha-beta. Names are read by the one allele parser (:mod:`vaxmix.common.alleles`, whose
    standard-spelling path costs no import); an unreadable name, a class I or not-expressed
    allele, or an unknown chain gives ``None``.
    """
    from vaxmix.common.alleles import parse_allele
    from vaxmix.common.errors import InputError

    try:
        parsed = parse_allele(allele)
    except InputError:
        return None
    if parsed.mhc_class != 2 or not parsed.expressed:
        return None
    if len(parsed.chains) == 2:
        alpha, beta = parsed.chains
    elif parsed.genes[0].startswith("DRB"):
        alpha, beta = dr_alpha, parsed.chains[0]
    else:
        return None
    if alpha not in table or beta not in table:
        return None
    return table[alpha] + table[beta]


def recompute_cores(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """``{(peptide, allele): core}`` predicted by the shipped class II model.

    Pairs whose allele has no groove residues in the shipped IPD-IMGT/HLA table, or whose peptide
    is shorter than a core, are left out.
    """
    from vaxmix.mhc.classii.alleles import DR_ALPHA, chain_table
    from vaxmix.mhc.classii.encoding import CORE
    from vaxmix.mhc.classii.model import default_model

    by_allele: dict[str, set[str]] = {}
    for peptide, allele in pairs:
        if peptide and len(peptide) >= CORE and peptide.isalpha():
            by_allele.setdefault(allele, set()).add(peptide.upper())
    table, model = chain_table(), default_model()
    cores: dict[tuple[str, str], str] = {}
    for allele, peptide_set in by_allele.items():
        pseudo = _pseudosequence(allele, table, DR_ALPHA)
        if pseudo is None:
            continue
        peptides = sorted(peptide_set)
        _affinity, _presentation, offsets = model.score(peptides, [pseudo])
        for peptide, offset in zip(peptides, offsets[:, 0].tolist(), strict=True):
            cores[(peptide, allele)] = peptide[offset : offset + CORE]
    return cores
