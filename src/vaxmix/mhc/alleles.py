"""Allele names → pseudosequences, from the shipped IPD-IMGT/HLA-derived table.

Names are read by :func:`vaxmix.common.alleles.parse_allele` (so ``A0201``, ``HLA-A02:01``,
``A*02:01:01:01`` and ``HLA-A*02:01`` are one allele) and reduced to two fields, the protein
level at which the pseudosequence is defined. An allele missing from the table raises
:class:`~vaxmix.common.alleles.UnsupportedAllele` (an ``InputError``) naming the closest known
alleles.
"""

from __future__ import annotations

import functools
from importlib import resources

from vaxmix.common.alleles import MAX_NAME_LENGTH, UnsupportedAllele, parse_allele
from vaxmix.common.errors import InputError
from vaxmix.mhc.protocol import closest_names

__all__ = ["known_alleles", "normalize_allele", "pseudosequence", "pseudosequence_table"]

TABLE_NAME = "class1_pseudosequences.tsv"


@functools.cache
def pseudosequence_table() -> dict[str, str]:
    """The shipped table ``{"HLA-A*02:01": "YFAMYGEKVAHTHVDTLYVRYHYYTWAVLAYTWY", ...}``."""
    text = resources.files("vaxmix.mhc").joinpath("data", TABLE_NAME).read_text()
    table: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("allele\t"):
            continue
        allele, pseudo = line.split("\t")[:2]
        table[allele] = pseudo
    return table


def known_alleles() -> list[str]:
    """Every allele with a pseudosequence, sorted."""
    return sorted(pseudosequence_table())


def _closest(name: str) -> list[str]:
    return closest_names(name, known_alleles())


def normalize_allele(name: str) -> str:
    """Return the two-field ``HLA-X*nn:nn`` name of ``name`` that keys the table.

    Names are read by :func:`vaxmix.common.alleles.parse_allele`, the one allele parser.

    Raises
    ------
    InputError
        If the name cannot be parsed, is not resolved to at least two fields, or is not
        expressed at the cell surface (WHO suffix N, S or C: a null allele is never predicted as
        the expressed allele of the same two fields); the message names the closest known
        alleles.
    UnsupportedAllele
        (an :class:`InputError`) For a name the class I model does not cover: HLA-E/-F/-G,
        other species, a class II name, or an allele without a pseudosequence.
    """
    text = str(name).strip()
    try:
        allele = parse_allele(text, field="allele")
    except UnsupportedAllele:
        raise
    except InputError as exc:
        close = _closest(text[:MAX_NAME_LENGTH])
        hint = f"; closest known: {', '.join(close)}" if close else ""
        raise InputError(f"cannot read MHC allele name {text[:80]!r}: {exc.message}{hint}",
                         field="allele") from None  # fmt: skip
    if allele.mhc_class != 1:
        raise UnsupportedAllele(f"{text!r} is an HLA class II name; the class I predictor takes "
                         "HLA-A/B/C alleles (class II: vaxmix.mhc.classii)", field="allele")
    if not allele.expressed:
        raise InputError(str(allele.warning), field="allele")
    normalized = allele.name
    if normalized in pseudosequence_table():
        return normalized
    close = _closest(normalized)
    hint = f"; closest known: {', '.join(close)}" if close else ""
    raise UnsupportedAllele(
        f"no class I pseudosequence for allele {name!r} (read as {normalized}); vaxmix covers "
        f"two-field HLA-A/B/C alleles of IPD-IMGT/HLA 3.58{hint}",
        field="allele",
    )


def pseudosequence(name: str) -> str:
    """The 34-residue pseudosequence of ``name`` (any spelling that mhcgnomes reads)."""
    return pseudosequence_table()[normalize_allele(name)]
