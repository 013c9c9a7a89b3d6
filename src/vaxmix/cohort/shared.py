"""Cohort view: neoantigens and variants found in several patients, and their HLA coverage.

A *shared neoantigen* is the same mutant epitope (``MT Epitope Seq``) with the same HLA allele
in the **filtered** table (the candidates that passed that patient's binding, expression and
coverage filters, as ``vaxmix run`` wrote them) of at least ``min_patients`` patients — the
basis of an off-the-shelf panel such as KRAS G12D epitopes for HLA-A*11:01 carriers.

*HLA coverage* of a recurrent epitope is the share of the cohort's patients that carry at
least one allele the epitope was found with (from each patient's typing in run.json): the
patients such an off-the-shelf peptide could serve, before their own tumor is checked for the
mutation. This is a cohort count, not a population frequency.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vaxmix.common.runfolder import CLASS2_FOLDER, RunFolder
from vaxmix.common.runrecord import RunRecord
from vaxmix.common.schemas import binding_columns

__all__ = ["hla_coverage", "load_cohort_tables", "recurrent_variants", "shared_neoantigens"]

#: MHC class -> its folder in a run folder (class I at the top, pVACseq's MHC_Class_II).
_CLASS_FOLDERS = {"I": "", "II": CLASS2_FOLDER}


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, na_values=[])


def load_cohort_tables(
    run_dirs: dict[str, Path],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:
    """Filtered rows, aggregated rows (both with ``patient_id`` and ``mhc_class``) and each
    patient's alleles (class I then class II, from run.json)."""
    filtered, aggregated = [], []
    alleles: dict[str, list[str]] = {}
    for patient, run_dir in run_dirs.items():
        layout = RunFolder(run_dir)
        run = RunRecord.from_json(layout.run_json)
        alleles[patient] = [*run.alleles, *run.class2_alleles]
        for stem, sink in (("filtered", filtered), ("aggregated", aggregated)):
            for mhc_class, part in _CLASS_FOLDERS.items():
                if layout.table(stem, part).is_file():
                    table = _read(layout.table(stem, part))
                    table.insert(0, "mhc_class", mhc_class)
                    table.insert(0, "patient_id", patient)
                    sink.append(table)
    empty = pd.DataFrame(columns=["patient_id", "mhc_class"])
    return (pd.concat(filtered, ignore_index=True) if filtered else empty,
            pd.concat(aggregated, ignore_index=True) if aggregated else empty, alleles)  # fmt: skip


def _change(gene: str, position: str, mutation: str) -> str:
    """``KRAS G12D`` for a substitution (Mutation ``G/D``, position ``12``), else raw parts."""
    wt, _, mt = mutation.partition("/")
    if len(wt) == 1 and len(mt) == 1 and wt.isalpha() and mt.isalpha():
        return f"{gene} {wt}{position}{mt}"
    return f"{gene} {position} {mutation}"


def _join(values: pd.Series) -> str:
    return ",".join(sorted(set(values)))


def shared_neoantigens(
    filtered: pd.DataFrame, alleles: dict[str, list[str]], min_patients: int = 2
) -> pd.DataFrame:
    """MT epitope + allele pairs in the filtered tables of ``min_patients`` or more patients.

    Columns: mhc_class, mt_epitope, allele, n_patients, patient_fraction (of all patients with
    results), patients, genes, mutations, variants, best_ic50_nm, median_ic50_nm (median over
    patients of each patient's best), best_percentile, allele_carriers (patients typed with
    the allele), carriers_with_epitope (n_patients / allele_carriers).
    """
    columns = ["mhc_class", "mt_epitope", "allele", "n_patients", "patient_fraction",
               "patients", "genes", "mutations", "variants", "best_ic50_nm", "median_ic50_nm",
               "best_percentile", "allele_carriers", "carriers_with_epitope"]  # fmt: skip
    if filtered.empty or "MT Epitope Seq" not in filtered.columns:
        return pd.DataFrame(columns=columns)
    table = filtered.copy()
    binding = binding_columns()  # the one binding rule (vaxmix.common.schemas); one model: =Best
    table["ic50"] = pd.to_numeric(table[binding["mt_ic50"]], errors="coerce")
    table["pct"] = pd.to_numeric(table[binding["mt_percentile"]], errors="coerce")
    table["mutation"] = [_change(g, p, m) for g, p, m in
                         zip(table["Gene Name"], table["Protein Position"], table["Mutation"],
                             strict=True)]  # fmt: skip
    table["variant"] = (table["Chromosome"] + ":" + table["Start"] + "-" + table["Stop"] + " "
                        + table["Reference"] + ">" + table["Variant"])  # fmt: skip
    key = ["mhc_class", "MT Epitope Seq", "HLA Allele"]
    counts = table.groupby(key)["patient_id"].nunique()
    keep = counts[counts >= min_patients].index
    table = table.set_index(key).loc[keep].reset_index() if len(keep) else table.iloc[:0]
    if table.empty:
        return pd.DataFrame(columns=columns)
    per_patient = table.groupby([*key, "patient_id"])["ic50"].min().groupby(key).median()
    grouped = table.groupby(key).agg(
        n_patients=("patient_id", "nunique"), patients=("patient_id", _join),
        genes=("Gene Name", _join), mutations=("mutation", _join), variants=("variant", _join),
        best_ic50_nm=("ic50", "min"), best_percentile=("pct", "min"),
    )  # fmt: skip
    grouped["median_ic50_nm"] = per_patient
    out = grouped.reset_index().rename(columns={"MT Epitope Seq": "mt_epitope",
                                                "HLA Allele": "allele"})  # fmt: skip
    n_total = max(len(alleles), 1)
    out["patient_fraction"] = (out["n_patients"] / n_total).round(4)
    out["allele_carriers"] = [sum(a in set(v) for v in alleles.values()) for a in out["allele"]]
    out["carriers_with_epitope"] = (out["n_patients"] / out["allele_carriers"].clip(lower=1)
                                    ).round(4)  # fmt: skip
    out = out.sort_values(["n_patients", "best_ic50_nm", "mt_epitope", "allele"],
                          ascending=[False, True, True, True], kind="mergesort")  # fmt: skip
    return out[columns].reset_index(drop=True)


def recurrent_variants(aggregated: pd.DataFrame, min_patients: int = 2) -> pd.DataFrame:
    """Variants (aggregated ``ID``) ranked in ``min_patients`` or more patients, with each
    patient's tier (``P1:Pass;P2:Poor``)."""
    columns = ["mhc_class", "variant_id", "gene", "aa_change", "n_patients", "patients",
               "tiers"]  # fmt: skip
    if aggregated.empty or "ID" not in aggregated.columns:
        return pd.DataFrame(columns=columns)
    rows = []
    for (mhc_class, variant), group in aggregated.groupby(["mhc_class", "ID"], sort=True):
        patients = sorted(set(group["patient_id"]))
        if len(patients) < min_patients:
            continue
        tiers = ";".join(f"{p}:{t}" for p, t in
                         zip(group["patient_id"], group["Tier"], strict=True))  # fmt: skip
        rows.append((mhc_class, variant, _join(group["Gene"]), _join(group["AA Change"]),
                     len(patients), ",".join(patients), tiers))  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["n_patients", "variant_id"], ascending=[False, True],
                           kind="mergesort").reset_index(drop=True)  # fmt: skip


def hla_coverage(shared: pd.DataFrame, alleles: dict[str, list[str]]) -> pd.DataFrame:
    """Per recurrent epitope: its alleles and the cohort patients carrying one of them.

    The last row (``mt_epitope`` = ``ALL``) is the whole set of recurrent epitopes together.
    """
    columns = ["mhc_class", "mt_epitope", "alleles", "n_patients_with_epitope",
               "patients_covered", "coverage"]  # fmt: skip
    n_total = len(alleles)
    if shared.empty or not n_total:
        return pd.DataFrame(columns=columns)
    rows = []
    every: set[str] = set()
    for (mhc_class, peptide), group in shared.groupby(["mhc_class", "mt_epitope"], sort=True):
        hla = set(group["allele"])
        every |= hla
        covered = sum(bool(hla & set(v)) for v in alleles.values())
        found = {p for cell in group["patients"] for p in cell.split(",")}
        rows.append((mhc_class, peptide, ",".join(sorted(hla)), len(found), covered,
                     round(covered / n_total, 4)))  # fmt: skip
    covered = sum(bool(every & set(v)) for v in alleles.values())
    found = {p for cell in shared["patients"] for p in cell.split(",")}
    out = pd.DataFrame(rows, columns=columns).sort_values(
        ["coverage", "mt_epitope"], ascending=[False, True], kind="mergesort")
    total = pd.DataFrame([("I+II", "ALL", ",".join(sorted(every)), len(found), covered,
                           round(covered / n_total, 4))], columns=columns)  # fmt: skip
    return pd.concat([out, total], ignore_index=True)
