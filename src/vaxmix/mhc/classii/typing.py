"""Split a patient's HLA names into class I alleles and class II molecules.

Typing tools report class II genes chain by chain (arcasHLA JSON ``{"DQA1": [...], "DQB1":
[...]}``, HLA-HD ``DQA1<TAB>allele<TAB>allele``), while a class II *molecule* is an alpha–beta
pair. The rules here:

* DRB1/DRB3/DRB4/DRB5 chains are molecules by themselves (with the monomorphic DRA*01:01);
  a DRA chain alone adds nothing.
* DQA1 and DQB1 chains are paired in every combination (the cis pairs and the trans pairs: a
  heterozygote can express up to four DQ molecules, Kwok WW et al., J Immunol 1993;150:2263);
  the same for DPA1 × DPB1. A DQ or DP chain without any chain of its partner gene is an
  error (the molecule is unknown), naming the chain and the partner it needs.
* Names already written as pairs (``HLA-DQA1*01:02-DQB1*06:02``, ``DPA1*01:03/DPB1*04:01``)
  and DR beta names go through :func:`vaxmix.mhc.classii.alleles.normalize_allele`.

Class I names are left to the caller (they are checked against the class I predictor).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vaxmix.common.errors import InputError
from vaxmix.mhc.classii.alleles import normalize_allele

__all__ = ["SplitAlleles", "is_class2_name", "pair_chains", "split_alleles"]

_CLASS2_PREFIX = re.compile(r"^(?:HLA-)?D[RPQ]", re.IGNORECASE)
_PAIR_LOCI = {"DQ": ("DQA1", "DQB1"), "DP": ("DPA1", "DPB1")}


@dataclass
class SplitAlleles:
    """Class I names (as given) and canonical class II molecules, each in first-seen order."""

    class1: list[str] = field(default_factory=list)
    class2: list[str] = field(default_factory=list)


def is_class2_name(name: str) -> bool:
    """True for HLA-DR/DQ/DP names (chains or pairs), in any common spelling."""
    return bool(_CLASS2_PREFIX.match(str(name).strip()))


_GENE = re.compile(r"^(DRA|DRB\d|DQA1|DQB1|DPA1|DPB1)")


def _locus(chain: str) -> str:
    body = chain.strip().upper().removeprefix("HLA-")
    match = _GENE.match(body)
    return match.group(1) if match else body.split("*")[0]


def _is_pair(name: str) -> bool:
    body = name.strip().upper().removeprefix("HLA-")
    return "/" in body or "-" in body


def pair_chains(chains: list[str]) -> list[str]:
    """Canonical molecules from single class II chains (see the module docstring).

    ``chains`` are chain names in any spelling (``DQA1*01:02``, ``HLA-DQB1*06:02:01``,
    ``DRB1*04:05``).
    """
    molecules: list[str] = []
    by_gene: dict[str, list[str]] = {}
    for chain in chains:
        gene = _locus(chain)
        if gene.startswith("DRB"):
            molecules.append(normalize_allele(chain))
        elif gene == "DRA":
            continue
        else:
            short = chain.strip().upper().removeprefix("HLA-")
            by_gene.setdefault(gene, [])
            if short not in by_gene[gene]:
                by_gene[gene].append(short)
    for alpha_gene, beta_gene in _PAIR_LOCI.values():
        alphas, betas = by_gene.get(alpha_gene, []), by_gene.get(beta_gene, [])
        if bool(alphas) != bool(betas):
            lone, partner = (alphas[0], beta_gene) if alphas else (betas[0], alpha_gene)
            raise InputError(
                f"MHC class II chain {lone!r} needs its {partner} partner: give the pair "
                f"(e.g. HLA-DQA1*01:02-DQB1*06:02) or the {partner} typing too",
                field="allele",
            )
        for alpha in alphas:
            for beta in betas:
                molecules.append(normalize_allele(f"HLA-{alpha}-{beta}"))
    for gene, names in by_gene.items():
        if gene not in {g for pair in _PAIR_LOCI.values() for g in pair}:
            raise InputError(f"{names[0]!r} is not an HLA class II chain (DR, DQ or DP)",
                             field="allele")
    return list(dict.fromkeys(molecules))


def split_alleles(names: list[str]) -> SplitAlleles:
    """Class I names as given, class II names normalized and chains paired (see module doc)."""
    out = SplitAlleles()
    chains: list[str] = []
    for name in names:
        if not is_class2_name(name):
            out.class1.append(name)
        elif _is_pair(name) or _locus(name).startswith("DRB"):
            out.class2.append(normalize_allele(name))
        else:
            chains.append(name)
    paired = pair_chains(chains)
    out.class2 = list(dict.fromkeys(out.class2 + paired))
    out.class1 = list(dict.fromkeys(out.class1))
    return out
