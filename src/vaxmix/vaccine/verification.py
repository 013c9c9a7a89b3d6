"""The junction check: which classes, predictor, binder rule and k-mer lengths it uses, and the
final re-prediction of every junction-spanning peptide of the finished protein.

The search (:mod:`.junctions`, :mod:`.linking`) and the verification use the same rule, set
once in :class:`~vaxmix.vaccine.config.DesignConfig` (``junction_max_*`` for class I,
``class2_junction_max_*`` for class II); the verification is a fresh predictor call, so the
junction count written to the outputs is a check of the result, not a by-product of the search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vaxmix.common.epitope_lengths import CLASS2_LENGTHS
from vaxmix.vaccine.config import DesignConfig
from vaxmix.vaccine.construct import Construct
from vaxmix.vaccine.junctions import BindingCache, Predictor
from vaxmix.vaccine.mhc_classes import MhcClass, binder_mask, combined_predictor
from vaxmix.vaccine.tables import RunTables

__all__ = ["JunctionCheck", "junction_check", "junction_lengths", "verify_junctions"]


@dataclass
class JunctionCheck:
    """Everything the junction search and verification share."""

    classes: list[MhcClass]
    predict: Predictor  # the class I predictor, or the combined one with class II
    cache: BindingCache
    lengths: list[int]  # all k-mer lengths checked (class I and class II)
    with_class2: bool

    def verify(self, construct: Construct, alleles: list[str], config: DesignConfig) -> dict:
        """:func:`verify_junctions` of ``construct`` under this check's rule."""
        classes = self.classes if self.with_class2 else None
        return verify_junctions(construct, alleles, self.lengths, self.predict, config, classes)


def junction_lengths(tables: RunTables, config: DesignConfig) -> tuple[list[int], list[int]]:
    """Class I and class II junction k-mer lengths: the config's, else the run's epitopes'.

    Without class II epitopes the class II default is pVACseq's class II lengths.
    """
    lengths = sorted(
        int(k) for k in (config.junction_lengths or tables.epitopes["peptide"].str.len().unique())
    )
    class2 = tables.class2_epitopes
    class2_lengths = sorted(int(k) for k in (
        config.class2_junction_lengths
        or (class2["peptide"].str.len().unique() if class2 is not None and len(class2)
            else CLASS2_LENGTHS)
    ))  # fmt: skip
    return lengths, class2_lengths


def junction_check(
    class1_alleles: list[str],
    lengths: list[int],
    predict: Predictor,
    class2_alleles: list[str],
    class2_lengths: list[int],
    predict_class2: Predictor | None,
    config: DesignConfig,
) -> JunctionCheck:
    """Classes, junction predictor, binding cache and all k-mer lengths of the junction check."""
    classes = [MhcClass("class I", predict, tuple(class1_alleles), tuple(lengths),
                        config.junction_max_affinity_nm, config.junction_max_percentile)]
    if not class1_alleles:  # a class II-only patient: only class II junctions are checked
        classes, lengths = [], []
    if not class2_alleles:
        cache = BindingCache(predict, class1_alleles, config)
        return JunctionCheck(classes, predict, cache, sorted(lengths), False)
    if predict_class2 is None:
        from vaxmix.mhc.classii import predict as predict_class2
    classes.append(MhcClass("class II", predict_class2, tuple(class2_alleles),
                            tuple(class2_lengths), config.class2_junction_max_affinity_nm,
                            config.class2_junction_max_percentile))  # fmt: skip
    junction_predict = combined_predictor(classes)
    cache = BindingCache(junction_predict, class1_alleles + class2_alleles,
                         rule=lambda table: binder_mask(table, classes))  # fmt: skip
    return JunctionCheck(classes, junction_predict, cache,
                         sorted(set(lengths) | set(class2_lengths)), True)  # fmt: skip


def _junction_peptides(construct: Construct, lengths: list[int]) -> set[str]:
    """Every k-mer of the protein not wholly inside one non-linker element."""
    protein = construct.protein
    spans = [(e.start - 1, e.end) for e in construct.elements if e.kind != "linker"]
    peptides = set()
    for k in sorted(set(lengths)):
        for i in range(len(protein) - k + 1):
            if not any(s <= i and i + k <= e for s, e in spans):
                peptides.add(protein[i : i + k])
    return peptides


def verify_junctions(
    construct: Construct,
    alleles: list[str],
    lengths: list[int],
    predict: Predictor,
    config: DesignConfig | None = None,
    classes: list[MhcClass] | None = None,
) -> dict:
    """Re-predict every k-mer of the protein not wholly inside one non-linker element.

    This is independent of the search's cache: a fresh predictor call on the finished protein.
    A peptide binds if, for any allele, its affinity <= ``config.junction_max_affinity_nm`` or
    its percentile <= ``config.junction_max_percentile`` (``config`` defaults to
    :class:`DesignConfig`'s; the search used the same rule). With
    ``classes`` (class I and class II), ``predict`` must be their
    :func:`~vaxmix.vaccine.mhc_classes.combined_predictor`, each class's binder rule applies,
    and the binders are also counted per class.
    """
    peptides = _junction_peptides(construct, lengths)
    if not peptides:
        return {"junction_peptides": 0, "predictions": 0, "binders": 0, "binder_peptides": []}
    table = predict(sorted(peptides), alleles)
    config = config or DesignConfig()
    max_affinity_nm = config.junction_max_affinity_nm
    max_percentile = config.junction_max_percentile
    if classes:
        binds = table[binder_mask(table, classes)]
        rule = "; ".join(
            f"{c.name} ({min(c.lengths)}-{max(c.lengths)}-mers): affinity <= "
            f"{c.max_affinity_nm:g} nM or percentile <= {c.max_percentile:g} (any allele)"
            for c in classes
        )
    else:
        aff = pd.to_numeric(table["affinity_nm"], errors="coerce")
        pct = pd.to_numeric(
            table.get("percentile", pd.Series(np.nan, index=table.index)), errors="coerce"
        )
        binds = table[(aff <= max_affinity_nm) | (pct <= max_percentile)]
        rule = (f"affinity <= {max_affinity_nm:g} nM or percentile <= {max_percentile:g} "
                "(any allele)")  # fmt: skip
    models = sorted(str(m) for m in table["model"].dropna().unique()) if "model" in table else []
    out = {
        "junction_peptides": len(peptides),
        "predictions": len(table),
        "binders": int(binds["peptide"].nunique()),
        "binder_peptides": sorted(binds["peptide"].unique().tolist()),
        "rule": rule,
        "model": models,
    }
    if classes:
        out["binders_by_class"] = {
            c.name: int(binds.loc[binds["allele"].isin(c.alleles), "peptide"].nunique())
            for c in classes
        }
    return out
