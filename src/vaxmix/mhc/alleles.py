"""Allele names → pseudosequences, from the shipped IPD-IMGT/HLA-derived table.

Names are normalised with ``mhcgnomes`` (so ``A0201``, ``HLA-A02:01``, ``A*02:01:01:01`` and
``HLA-A*02:01`` are one allele) and reduced to two fields, the protein level at which the
pseudosequence is defined. An allele missing from the table raises
:class:`~vaxmix.common.errors.InputError` naming the closest known alleles.
"""

from __future__ import annotations

import difflib
import functools
from importlib import resources

from vaxmix.common.errors import InputError

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


def _closest(name: str, n: int = 5) -> list[str]:
    names = known_alleles()
    close = difflib.get_close_matches(name, names, n=n, cutoff=0.6)
    if not close and "*" in name:  # same gene and allele group first
        prefix = name.split(":")[0]
        close = [a for a in names if a.startswith(prefix)][:n]
    return close


def normalize_allele(name: str) -> str:
    """Return the two-field ``HLA-X*nn:nn`` name of ``name`` that keys the table.

    Raises
    ------
    InputError
        If the name cannot be parsed, is not a class I HLA-A/B/C allele resolved to at least two
        fields, or has no pseudosequence; the message names the closest known alleles.
    """
    import mhcgnomes

    text = name.strip()
    try:
        parsed = mhcgnomes.parse(text)
    except Exception:  # mhcgnomes raises its own ParseError subclasses
        parsed = None
    restrict = getattr(parsed, "restrict_allele_fields", None)
    if parsed is None or restrict is None:
        close = _closest(text)
        hint = f"; closest known: {', '.join(close)}" if close else ""
        raise InputError(f"cannot read MHC allele name {name!r}{hint}", field="allele")
    normalized = restrict(2).to_string()
    if normalized.endswith("G") or normalized.endswith("P"):
        normalized = normalized[:-1]
    if normalized in pseudosequence_table():
        return normalized
    close = _closest(normalized)
    hint = f"; closest known: {', '.join(close)}" if close else ""
    raise InputError(
        f"no class I pseudosequence for allele {name!r} (read as {normalized}); vaxmix covers "
        f"two-field HLA-A/B/C alleles of IPD-IMGT/HLA 3.58{hint}",
        field="allele",
    )


def pseudosequence(name: str) -> str:
    """The 34-residue pseudosequence of ``name`` (any spelling that mhcgnomes reads)."""
    return pseudosequence_table()[normalize_allele(name)]
