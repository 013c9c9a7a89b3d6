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

Every name is read by the one allele parser (:func:`vaxmix.common.alleles.parse_allele`); a
chain that is not expressed (WHO suffix N, S or C) is an error here: callers leave such chains
out, with a warning, before pairing (:func:`vaxmix.pipeline.run.resolve_alleles`).

Class I names are left to the caller (they are checked against the class I predictor).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vaxmix.common.alleles import is_class2_name, parse_allele
from vaxmix.common.errors import InputError
from vaxmix.mhc.classii.alleles import normalize_allele

__all__ = ["SplitAlleles", "is_class2_name", "pair_chains", "split_alleles"]

_PAIR_LOCI = {"DQ": ("DQA1", "DQB1"), "DP": ("DPA1", "DPB1")}
_PAIRED_GENES = frozenset(g for pair in _PAIR_LOCI.values() for g in pair)


@dataclass
class SplitAlleles:
    """Class I names (as given) and canonical class II molecules, each in first-seen order."""

    class1: list[str] = field(default_factory=list)
    class2: list[str] = field(default_factory=list)


def pair_chains(chains: list[str]) -> list[str]:
    """Canonical molecules from single class II chains (see the module docstring).

    ``chains`` are chain names in any spelling (``DQA1*01:02``, ``HLA-DQB1*06:02:01``,
    ``DRB1*04:05``).
    """
    molecules: list[str] = []
    by_gene: dict[str, list[str]] = {}
    for chain in chains:
        allele = parse_allele(chain, field="allele")
        if not allele.expressed:
            raise InputError(str(allele.warning), field="allele")
        gene = allele.genes[-1]
        if len(allele.chains) == 2 or gene.startswith("DRB"):
            molecules.append(normalize_allele(chain))
        elif gene == "DRA":
            continue
        elif gene in _PAIRED_GENES:
            names = by_gene.setdefault(gene, [])
            if allele.name not in names:
                names.append(allele.name)
        else:
            raise InputError(f"{chain!r} is not an HLA class II chain (DR, DQ or DP)",
                             field="allele")
    for alpha_gene, beta_gene in _PAIR_LOCI.values():
        alphas, betas = by_gene.get(alpha_gene, []), by_gene.get(beta_gene, [])
        if bool(alphas) != bool(betas):
            lone, partner = (alphas[0], beta_gene) if alphas else (betas[0], alpha_gene)
            raise InputError(
                f"MHC class II chain {lone.removeprefix('HLA-')!r} needs its {partner} partner: "
                f"give the pair (e.g. HLA-DQA1*01:02-DQB1*06:02) or the {partner} typing too",
                field="allele",
            )
        for alpha in alphas:
            for beta in betas:
                molecules.append(normalize_allele(f"{alpha}-{beta.removeprefix('HLA-')}"))
    return list(dict.fromkeys(molecules))


def split_alleles(names: list[str]) -> SplitAlleles:
    """Class I names as given, class II names normalized and chains paired (see module doc)."""
    out = SplitAlleles()
    chains: list[str] = []
    for name in names:
        if not is_class2_name(name):
            out.class1.append(name)
            continue
        allele = parse_allele(name, field="allele")
        if len(allele.chains) == 2 or allele.genes[-1].startswith("DRB"):
            out.class2.append(normalize_allele(name))
        else:
            chains.append(name)
    paired = pair_chains(chains)
    out.class2 = list(dict.fromkeys(out.class2 + paired))
    out.class1 = list(dict.fromkeys(out.class1))
    return out
