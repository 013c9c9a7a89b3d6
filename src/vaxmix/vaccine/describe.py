"""The chosen peptides as the designer reads them: a name, a source, the best epitope's evidence.

Names are ``GENE_CHANGE`` from pVACseq's Index (``TP53_175R-H``), ``GENE_fusionPOS`` for a
pVACfuse fusion, with ``_2``, ``_3``... on a repeat; the evidence columns of ``selection.tsv``
are those of each window's highest-value epitope.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from vaxmix.vaccine.candidates import FUSION, SNV_INDEL
from vaxmix.vaccine.construct import Construct
from vaxmix.vaccine.features import processing_proxy

__all__ = ["construct_order", "describe_selection", "peptide_name", "peptide_sources"]


def peptide_name(row: pd.Series, scored: pd.DataFrame, used: set[str]) -> str:
    """A unique readable name for one chosen window (added to ``used``)."""
    sub = scored[scored["variant_index"] == row["variant_index"]]
    gene = str(sub["gene"].iloc[0]) if "gene" in sub and len(sub) else "var"
    change = str(row["variant_index"]).rsplit(".", 1)[-1]  # e.g. "1255D/N" of pVACseq's Index
    if row.get("kind") == FUSION:  # pVACfuse's Index ends with the junction position
        change = f"fusion{change}"
        # Arriba's intergenic partners read "GENE(distance),GENE(distance)": keep the genes
        gene = re.sub(r"\([^)]*\)", "", gene).replace(",", "+")
    base = f"{gene}_{change}".replace("/", "-").replace(" ", "")
    name, k = base, 2
    while name in used:
        name, k = f"{base}_{k}", k + 1
    used.add(name)
    return name


def _best_epitope(window: pd.Series, scored: pd.DataFrame) -> tuple[pd.Series, list[list[str]]]:
    """The window's highest-value epitope (then the tightest binder), and its epitope labels."""
    labels = [x.split("|") for x in window["epitopes"].split(";") if x]
    inside = {(x[0], x[1]) for x in labels}
    sub = scored[(scored["variant_index"] == window["variant_index"])]
    sub = sub[[(p, a) in inside for p, a in zip(sub["peptide"], sub["allele"], strict=True)]]
    return sub.sort_values(["value", "affinity_nm"], ascending=[False, True]).iloc[0], labels


def _evidence(window: pd.Series, best: pd.Series) -> dict:
    """The best epitope's evidence columns of ``selection.tsv``."""
    at = window["sequence"].find(best["peptide"])
    after = window["sequence"][at + len(best["peptide"]) : at + len(best["peptide"]) + 1]
    processing = best.get("processing_score", np.nan)
    has_processing = bool(pd.notna(processing))
    return {
        "best_epitope": best["peptide"], "best_allele": best["allele"],
        "best_affinity_nm": best["affinity_nm"],
        "best_percentile": best.get("percentile", np.nan),
        "agretopicity": best.get("agretopicity", np.nan),
        "tumor_abundance_tpm": best.get("tumor_abundance_tpm", np.nan),
        "gene_expression_tpm": best.get("gene_expression_tpm", np.nan),
        "rna_vaf": best.get("rna_vaf", np.nan), "dna_vaf": best.get("dna_vaf", np.nan),
        "clonality": best.get("clonality", np.nan),
        "processing": processing if has_processing else processing_proxy(best.peptide, after),
        "processing_source": "MHCflurryEL processing score" if has_processing
        else "C-terminal heuristic proxy",
        "tcr_hydrophobic_fraction": round(best["tcr_hydrophobic_fraction"], 3),
    }  # fmt: skip


def describe_selection(
    selected: pd.DataFrame,
    scored: pd.DataFrame,
    alleles: list[str],
    class2_alleles: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Add the evidence of each chosen window's best epitope, for the designer to check."""
    rows = []
    used: set[str] = set()
    for _, w in selected.iterrows():
        best, labels = _best_epitope(w, scored)
        rows.append({
            "name": peptide_name(w, scored, used), "kind": w.get("kind", SNV_INDEL),
            **_evidence(w, best),
            "alleles_covered": ",".join(a for a in alleles if w[f"value:{a}"] > 0),
            "n_epitopes": len(labels),
            "n_class2_epitopes": sum(x[1] in class2_alleles for x in labels),
        })  # fmt: skip
    extra = pd.DataFrame(rows, index=selected.index)
    return pd.concat(
        [extra, selected.drop(columns=["_flags", "dominated", "kind"], errors="ignore")], axis=1
    )


def peptide_sources(described: pd.DataFrame) -> list[tuple[str, str, str]]:
    """``(name, sequence, source)`` of each described window, for ordering and the construct."""
    return [
        (r["name"], r["sequence"],
         ("fusion " if r["kind"] == FUSION else "")
         + f"{r['variant_index']} residues {r['protein_start']}-"
         f"{r['protein_start'] + r['length'] - 1} of the "
         + ("fusion protein (spans the junction)" if r["kind"] == FUSION
            else "mutant protein"))
        for _, r in described.iterrows()
    ]  # fmt: skip


def construct_order(described: pd.DataFrame, construct: Construct) -> pd.DataFrame:
    """The described peptides in construct order, numbered 1..N in an ``order`` column."""
    position = {e.name: i for i, e in enumerate(construct.elements, start=1) if e.kind == "peptide"}
    described = described.copy()
    described.insert(0, "order", [position[n] for n in described["name"]])
    described = described.sort_values("order", kind="stable")
    described["order"] = range(1, len(described) + 1)
    return described
