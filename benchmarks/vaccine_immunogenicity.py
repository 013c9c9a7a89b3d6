"""Cross-validated learned immunogenicity on PRIME2.0's tested peptides (research only).

Data: ``shared/data/prime2-immunogenicity/train_2023_PRIME2.0.no-tesla.csv.gz`` (Gfeller et al.,
Cell Syst 2023, Table S4, via github.com/annadiarov/nimbus; TESLA peptides removed). **Academic
use only**: this script trains nothing that ships; it reports how a logistic regression on
vaxmix features would do, by 5-fold cross-validation grouped by peptide, beside the file's own
score columns (NetMHCpan, MHCflurry, MixMHCpred, HLAthena %rank and PRIME1.0, lower = better).

Rows: the experimentally tested peptides (``Random == 0``), 8-14-mers; alleles that
``vaxmix.mhc.predict`` cannot handle are skipped and counted.

Usage: ``python benchmarks/vaccine_immunogenicity.py [--data FILE] [--plot out.png]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.errors import VaxmixError
from vaxmix.mhc import predict
from vaxmix.vaccine.immunogenicity import (
    average_precision,
    fit_logistic,
    grouped_folds,
    peptide_features,
    predict_logistic,
    reliability,
    roc_auc,
)

DATA = Path("/work/shared/data/prime2-immunogenicity/train_2023_PRIME2.0.no-tesla.csv.gz")
FILE_COLUMNS = ["NetMHCpan", "MHCflurry", "MixMHCpred", "HLAthena", "PRIME1.0"]


def allele_name(short: str) -> str:
    return f"HLA-{short[0]}*{short[1:3]}:{short[3:5]}"


def vaxmix_percentiles(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    out = np.full(len(frame), np.nan)
    skipped = 0
    for allele, sub in frame.groupby("Allele"):
        try:
            pred = predict(sorted(sub["Mutant"].unique()), [allele_name(allele)])
        except VaxmixError:
            skipped += len(sub)
            continue
        lookup = dict(zip(pred["peptide"], pred["percentile"], strict=True))
        out[sub.index.to_numpy()] = [lookup[p] for p in sub["Mutant"]]
    return out, skipped


def cross_validate(x: np.ndarray, y: np.ndarray, groups: list[str], l2: float) -> np.ndarray:
    folds = grouped_folds(groups, 5, seed=0)
    prob = np.zeros(len(y))
    for k in range(5):
        test = folds == k
        model = fit_logistic(x[~test], y[~test], l2)
        prob[test] = predict_logistic(model, x[test])
    return prob


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--plot", type=Path, help="write the reliability curve as PNG")
    parser.add_argument("--l2", type=float, default=10.0)
    args = parser.parse_args()
    raw = pd.read_csv(args.data)
    frame = raw[(raw["Random"] == 0) & raw["Mutant"].str.len().between(8, 14)].reset_index(
        drop=True
    )
    percentile, skipped = vaxmix_percentiles(frame)
    keep = ~np.isnan(percentile)
    frame, percentile = frame[keep].reset_index(drop=True), percentile[keep]
    y = frame["Immunogenicity"].to_numpy().astype(int)
    print(f"rows: {len(frame)} tested peptide-allele pairs ({y.sum()} immunogenic, "
          f"{len(y) - y.sum()} not), {frame['Allele'].nunique()} alleles; skipped {skipped} rows "
          "(allele unsupported)")  # fmt: skip
    binding = -np.log10(np.clip(percentile, 1e-3, 100))[:, None]
    seq = peptide_features(list(frame["Mutant"]))
    groups = list(frame["Mutant"])
    rows = []
    for name, column in [(c, -frame[c].to_numpy()) for c in FILE_COLUMNS]:
        rows.append(
            (f"file column {name} (-%rank)", roc_auc(y, column), average_precision(y, column))
        )
    rows.append(("vaxmix.mhc percentile alone (-%rank)", roc_auc(y, -percentile),
                 average_precision(y, -percentile)))  # fmt: skip
    prob_seq = cross_validate(seq, y, groups, args.l2)
    rows.append(("CV logistic: sequence features only", roc_auc(y, prob_seq),
                 average_precision(y, prob_seq)))  # fmt: skip
    prob = cross_validate(np.hstack([binding, seq]), y, groups, args.l2)
    rows.append(("CV logistic: vaxmix binding + sequence", roc_auc(y, prob),
                 average_precision(y, prob)))  # fmt: skip
    print(f"prevalence (AUPRC of a random score): {y.mean():.3f}")
    print(f"{'score':45s} {'AUC':>6s} {'AUPRC':>6s}")
    for name, auc_value, ap in rows:
        print(f"{name:45s} {auc_value:6.3f} {ap:6.3f}")
    print(f"Brier score of the CV probabilities: {np.mean((prob - y) ** 2):.4f} "
          f"(constant prevalence: {np.mean((y.mean() - y) ** 2):.4f})")  # fmt: skip
    print("reliability (out-of-fold, deciles): upper edge, mean predicted, observed, n")
    curve = reliability(y, prob, 10)
    for edge, mean_p, observed, n in curve:
        print(f"  {edge:.3f}  {mean_p:.3f}  {observed:.3f}  {n}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(4, 4))
        ax.plot([0, 1], [0, 1], "k:", lw=1)
        ax.plot([c[1] for c in curve], [c[2] for c in curve], "o-")
        ax.set_xlabel("mean predicted probability")
        ax.set_ylabel("observed immunogenic fraction")
        ax.set_title("PRIME2.0 tested peptides, 5-fold CV (research only)", fontsize=8)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        print(f"reliability plot: {args.plot}")
    print("NOTE: academic-use data; research evaluation only, nothing trained here ships.")


if __name__ == "__main__":
    main()
