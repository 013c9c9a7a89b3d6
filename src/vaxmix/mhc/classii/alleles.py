"""Class II allele names → 34-residue pseudosequences, from the shipped IPD-IMGT/HLA table.

A class II molecule is a pair of chains. Accepted spellings (all read by the one allele parser,
:func:`vaxmix.common.alleles.parse_allele`):

* DR, beta chain only — ``HLA-DRB1*15:01``, ``DRB1*15:01``, ``DRB1_1501``, ``DRB3*01:01:02``:
  the alpha chain is DRA*01:01 (DRA is practically monomorphic in the groove);
  ``HLA-DRA*01:01-DRB1*03:01`` is the same molecule.
* DQ and DP, alpha and beta — ``HLA-DQA1*01:02-DQB1*06:02`` (pVACseq/IEDB),
  ``DPA1*01:03/DPB1*04:01``, ``HLA-DQA10501-DQB10201`` (NetMHCIIpan).

Names are reduced to two fields. The canonical name is ``HLA-DRB1*15:01`` for DR and
``HLA-DQA1*01:02-DQB1*06:02`` for DQ/DP (pVACseq's spelling). The pseudosequence is the 15 alpha
residues followed by the 19 beta residues (:mod:`vaxmix.mhc.classii.pseudosequences`).
"""

from __future__ import annotations

import functools
from importlib import resources

from vaxmix.common.alleles import MAX_NAME_LENGTH, UnsupportedAllele, parse_allele
from vaxmix.common.errors import InputError
from vaxmix.mhc.protocol import closest_names

__all__ = [
    "CHAIN_TABLE",
    "chain_table",
    "known_molecules",
    "normalize_allele",
    "pseudosequence",
]

CHAIN_TABLE = "class2_chains.tsv"
DR_ALPHA = "HLA-DRA*01:01"
_ALPHA_GENES = {"DQB1": "DQA1", "DPB1": "DPA1"}


@functools.cache
def chain_table() -> dict[str, str]:
    """``{"HLA-DRB1*01:01": "WLFLECYDLQRATYHVGFT", "HLA-DRA*01:01": "QEFFIASGAAVDAIM", ...}``."""
    text = resources.files("vaxmix.mhc.classii").joinpath("data", CHAIN_TABLE).read_text()
    table: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("allele\t"):
            continue
        allele, _chain, residues = line.split("\t")[:3]
        table[allele] = residues
    return table


def known_molecules() -> list[str]:
    """Every chain allele in the table (DR beta names are complete molecules by themselves)."""
    return sorted(chain_table())


def _gene(chain: str) -> str:
    return chain.split("-", 1)[-1].split("*")[0]


def _error(name: str, why: str, probe: str, kind: type[InputError] = InputError) -> InputError:
    close = closest_names(probe, known_molecules())
    hint = f"; closest known: {', '.join(close)}" if close else ""
    return kind(f"MHC class II allele {name!r}: {why}{hint}", field="allele")


def _chains(name: str) -> tuple[str, str]:
    """(alpha, beta) two-field chain names of ``name``, read by the one allele parser."""
    text = str(name).strip()
    try:
        allele = parse_allele(text, field="allele")
    except UnsupportedAllele as exc:
        raise UnsupportedAllele(f"MHC class II allele {text[:80]!r}: {exc.message}",
                                field="allele") from None  # fmt: skip
    except InputError as exc:
        raise _error(name, exc.message, text[:MAX_NAME_LENGTH]) from None
    if allele.mhc_class != 2:
        raise _error(name, "not an HLA class II beta chain (DRB1/3/4/5, DQB1, DPB1)", allele.name,
                     UnsupportedAllele)
    if not allele.expressed:
        raise _error(name, str(allele.warning), allele.name)
    if len(allele.chains) == 2:
        alpha, beta = allele.chains
        return alpha, beta
    beta = allele.chains[0]
    gene = _gene(beta)
    if gene in _ALPHA_GENES:
        raise _error(
            name,
            f"{gene} needs its {_ALPHA_GENES[gene]} partner, e.g. "
            f"HLA-{_ALPHA_GENES[gene]}*NN:NN-{beta.removeprefix('HLA-')}",
            beta,
        )
    if not gene.startswith("DRB"):
        raise _error(name, "not an HLA class II beta chain (DRB1/3/4/5, DQB1, DPB1)", beta)
    return DR_ALPHA, beta


def normalize_allele(name: str) -> str:
    """Canonical two-field name: ``HLA-DRB1*15:01`` or ``HLA-DQA1*01:02-DQB1*06:02``.

    Raises
    ------
    InputError
        If the name cannot be parsed, pairs chains of different loci, or is not expressed (WHO
        suffix N, S or C); the message names close alleles.
    UnsupportedAllele
        (an :class:`InputError`) For a name the class II model does not cover: not a class II
        molecule, or a chain without groove residues in the table.
    """
    alpha, beta = _chains(name)
    table = chain_table()
    for chain in (alpha, beta):
        if chain not in table:
            raise _error(name, f"no IPD-IMGT/HLA 3.58 sequence for chain {chain}", chain,
                         UnsupportedAllele)
    a_gene, b_gene = _gene(alpha), _gene(beta)
    if b_gene.startswith("DRB"):
        if a_gene != "DRA":
            raise _error(name, f"{b_gene} pairs with DRA, not {a_gene}", beta)
        return beta
    if _ALPHA_GENES.get(b_gene) != a_gene:
        raise _error(name, f"{b_gene} pairs with {_ALPHA_GENES.get(b_gene)}, not {a_gene}", beta)
    return f"{alpha}-{beta.removeprefix('HLA-')}"


def pseudosequence(name: str) -> str:
    """34 residues (15 alpha + 19 beta; "X" where IPD-IMGT/HLA gives no residue)."""
    canonical = normalize_allele(name)
    table = chain_table()
    if "-" in canonical.removeprefix("HLA-"):
        alpha, beta = canonical.removeprefix("HLA-").split("-")
        return table[f"HLA-{alpha}"] + table[f"HLA-{beta}"]
    return table[DR_ALPHA] + table[canonical]
