"""Evaluate the class II predictor: held-out affinity, leave-allele-out, MAPTAC, HCC1395, speed.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/mhc2_eval.py \\
        --wheel mhcnuggets-2.4.1-py2.py3-none-any.whl \\
        --maptac ../shared/data/maptac-abelin2019/abelin_2019_maptac_class2.csv.gz \\
        [--hcc1395 ../pvac/results/MHC_Class_II/HCC1395_TUMOR_DNA.MHC_II.all_epitopes.tsv \\
         --vcf ../pvac/annotated.expression.vcf.gz]

1. Peptide-cluster split: affinity peptides sharing any 9-mer form one cluster; clusters whose
   id % 5 == 0 are held out (about 20 % of rows). One model is trained on the rest (with the
   MAPTAC ligands of the non-held-out MAPTAC alleles) and scored on the held-out rows:
   ROC AUC of binder (< 500 nM, ``=`` or ``<``) vs non-binder (≥ 500 nM, ``=`` or ``>``), and
   Spearman on ``=`` rows.
2. MAPTAC held-out alleles (:data:`HELD_OUT_MAPTAC`): excluded from that model entirely (no
   affinity rows, no ligands); their ligands vs 4 length-matched residue-shuffled decoys each
   (a seed the training never uses), ROC AUC per allele.
3. Leave-allele-out: affinity alleles with ≥ 300 rows go into 5 folds; per fold a model is
   trained without those alleles (affinity and ligands) and scored on them.
4. HCC1395 (optional): the shipped model on pVACseq's class II all_epitopes table (DRB1*04:05,
   15-mers, mutant peptides): ROC AUC of our percentile against NetMHCIIpanEL MT %rank < 2,
   Spearman with NetMHCIIpan MT IC50. Evaluation only: that table is never trained on.
5. Speed of the shipped model (numpy, one thread).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu, spearmanr

HELD_OUT_MAPTAC = ("HLA-DRB1*07:01", "HLA-DRB1*12:01", "HLA-DPA1*01:03-DPB1*06:01")


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC via the Mann–Whitney U statistic (ties count one half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    return float(mannwhitneyu(pos, neg).statistic / (len(pos) * len(neg)))


def affinity_metrics(frame: pd.DataFrame, predicted_nm: np.ndarray) -> dict[str, float]:
    """AUC at 500 nM and Spearman (``=`` rows) of predicted vs measured affinity."""
    nm, ineq = frame["nm"].to_numpy(), frame["inequality"].to_numpy()
    binder = (nm < 500) & (ineq != 1)
    non_binder = (nm >= 500) & (ineq != 2)
    keep = binder | non_binder
    auc = roc_auc(-np.log(predicted_nm[keep]), binder[keep].astype(int))
    exact = ineq == 0
    rho = float(spearmanr(np.log(predicted_nm[exact]), np.log(nm[exact])).statistic)
    return {"n": int(keep.sum()), "auc500": auc, "spearman": rho, "n_exact": int(exact.sum())}


def train_export(affinity: pd.DataFrame, ligands: pd.DataFrame, config, path: Path):
    from vaxmix.mhc.classii.model import load_model
    from vaxmix.mhc.classii.train import export_model, train_model

    weights = train_model(affinity, ligands, config, log=False)
    export_model(weights, path, {"name": "vaxmix-mhc2-eval", "version": path.stem})
    return load_model(path)


def predict_pairs(
    model, peptides: np.ndarray, alleles: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Affinity nM and presentation score for (peptide, allele) pairs."""
    from vaxmix.mhc.classii.alleles import pseudosequence
    from vaxmix.mhc.model import target_to_nm

    nm = np.empty(len(peptides))
    pres = np.empty(len(peptides))
    for allele in np.unique(alleles):
        rows = np.flatnonzero(alleles == allele)
        aff, pr, _core = model.score(list(peptides[rows]), [pseudosequence(allele)])
        nm[rows], pres[rows] = target_to_nm(aff[:, 0]), pr[:, 0]
    return nm, pres


def peptide_set_parity(vcf: Path, shipped: Path) -> None:
    """vaxmix's class II candidates vs pVACseq's MHC_Class_II all_epitopes rows (same lengths)."""
    import warnings

    from vaxmix.peptides.enumerate import enumerate_epitopes
    from vaxmix.variants.vcf import read_vep_vcf

    table = pd.read_csv(shipped, sep="\t", dtype=str, keep_default_na=False)
    lengths = tuple(sorted({int(v) for v in table["Peptide Length"]}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read = read_vep_vcf(vcf, sample="HCC1395_TUMOR_DNA", normal_sample="HCC1395_NORMAL_DNA")
    started = time.time()
    ours = enumerate_epitopes(read.table, lengths).table
    elapsed = time.time() - started
    key = ["Index", "Peptide Length", "Sub-peptide Position", "MT Epitope Seq", "WT Epitope Seq",
           "Mutation Position"]
    theirs = table.loc[table["HLA Allele"] == table["HLA Allele"].iloc[0], key].astype(str)
    mine = ours[key].astype(str)
    a = set(map(tuple, mine.to_numpy()))
    b = set(map(tuple, theirs.to_numpy()))
    print(f"\n[4a] HCC1395 class II peptide set (lengths {lengths}): vaxmix {len(a)} rows, "
          f"pVACseq {len(b)} rows per allele; shared {len(a & b)}, only vaxmix {len(a - b)}, "
          f"only pVACseq {len(b - a)} (enumerated in {elapsed:.2f} s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, required=True)
    parser.add_argument("--maptac", type=Path, required=True)
    parser.add_argument("--hcc1395", type=Path)
    parser.add_argument("--vcf", type=Path, help="pVACseq's HCC1395 annotated.expression.vcf.gz")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--work", type=Path, default=Path("/tmp/vaxmix-mhc2-eval"))
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-cluster", action="store_true", help="only leave-allele-out")
    parser.add_argument("--folds", type=int, default=5, help="leave-allele-out folds to run")
    args = parser.parse_args()

    from vaxmix.mhc.classii.data import load_affinity, load_maptac, shuffled_decoys
    from vaxmix.mhc.classii.model import default_model
    from vaxmix.mhc.classii.train import TrainConfig
    from vaxmix.mhc.training.dataset import peptide_clusters

    args.work.mkdir(parents=True, exist_ok=True)
    config = TrainConfig(threads=1)
    if args.epochs:
        config.epochs = args.epochs
    print(f"config: {config}")
    affinity, ligands = load_affinity(args.wheel), load_maptac(args.maptac)
    print(f"affinity rows {len(affinity)} ({affinity['allele'].nunique()} alleles); "
          f"MAPTAC ligands {len(ligands)}")

    if not args.skip_training and not args.skip_cluster:
        # 1 + 2: peptide-cluster split, MAPTAC held-out alleles
        peptides = affinity["peptide"].unique()
        cluster = dict(zip(peptides, peptide_clusters(peptides, k=9), strict=True))
        test = affinity["peptide"].map(cluster).to_numpy() % 5 == 0
        held = affinity["allele"].isin(HELD_OUT_MAPTAC).to_numpy()
        config.exclude_alleles = list(HELD_OUT_MAPTAC)
        started = time.time()
        model = train_export(affinity[~test], ligands, config, args.work / "cluster.npz")
        print(f"\n[1] peptide-cluster split (9-mer clusters, 1/5 held out; trained in "
              f"{time.time() - started:.0f} s)")
        held_rows = affinity[test & ~held]
        nm, _ = predict_pairs(
            model, held_rows["peptide"].to_numpy(), held_rows["allele"].to_numpy()
        )
        print("  all held-out rows:", affinity_metrics(held_rows, nm))
        for prefix in ("HLA-DRB", "HLA-DQ", "HLA-DP"):
            sub = held_rows["allele"].str.startswith(prefix).to_numpy()
            if sub.sum() > 50:
                print(f"  {prefix}*: ", affinity_metrics(held_rows[sub], nm[sub]))

        print("\n[2] MAPTAC ligands vs 4 length-matched shuffled decoys, alleles never trained on")
        for allele in HELD_OUT_MAPTAC:
            lig = ligands.loc[ligands["allele"] == allele, "peptide"].to_numpy()
            decoys = shuffled_decoys(lig, 4, seed=777)
            peps = np.concatenate([lig, decoys])
            _, pres = predict_pairs(model, peps, np.full(len(peps), allele))
            labels = np.r_[np.ones(len(lig)), np.zeros(len(decoys))]
            top = np.argsort(-pres)[: len(lig)]
            print(f"  {allele}: ligands {len(lig)}, AUC {roc_auc(pres, labels):.3f}, "
                  f"PPV@n {labels[top].mean():.3f}")

    if not args.skip_training:

        # 3: leave-allele-out
        counts = affinity["allele"].value_counts()
        eligible = sorted(counts[counts >= 300].index)
        print(f"\n[3] leave-allele-out: {len(eligible)} alleles with >= 300 rows in 5 folds")
        per_allele = []
        for fold in range(args.folds):
            out_alleles = eligible[fold::5]
            config.exclude_alleles = out_alleles
            model = train_export(affinity, ligands, config, args.work / f"lao{fold}.npz")
            for allele in out_alleles:
                rows = affinity[affinity["allele"] == allele]
                nm, _ = predict_pairs(model, rows["peptide"].to_numpy(), rows["allele"].to_numpy())
                metrics = affinity_metrics(rows, nm)
                per_allele.append({"allele": allele, "fold": fold, **metrics})
                print(f"  fold {fold} {allele}: {metrics}", flush=True)
        table = pd.DataFrame(per_allele)
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"  median AUC500 {table['auc500'].median():.3f}, median Spearman "
              f"{table['spearman'].median():.3f}; DQ/DP alleles: "
              f"{table[~table['allele'].str.startswith('HLA-DRB')]['auc500'].median():.3f}")

    if args.hcc1395 and args.hcc1395.is_file():
        from vaxmix.mhc.classii import predict

        if args.vcf and args.vcf.is_file():
            peptide_set_parity(args.vcf, args.hcc1395)
        frame = pd.read_csv(args.hcc1395, sep="\t", low_memory=False)
        frame = frame.dropna(subset=["NetMHCIIpanEL MT Percentile"])
        peptides, alleles = frame["MT Epitope Seq"].to_numpy(), frame["HLA Allele"].to_numpy()
        ours = []
        for allele in np.unique(alleles):
            rows = alleles == allele
            unique = np.unique(peptides[rows])
            result = predict(list(unique), [allele]).set_index("peptide")
            ours.append(result.loc[peptides[rows]].assign(row=np.flatnonzero(rows)))
        merged = pd.concat(ours).sort_values("row")
        el = frame["NetMHCIIpanEL MT Percentile"].to_numpy(dtype=float)
        positive = (el < 2).astype(int)
        print(f"\n[4] HCC1395 class II ({len(frame)} rows, alleles {sorted(set(alleles))}, "
              f"lengths {sorted(set(frame['Peptide Length']))}); NetMHCIIpanEL %rank < 2: "
              f"{positive.sum()}")
        auc = roc_auc(-merged["percentile"].to_numpy(), positive)
        print(f"  AUC (our percentile vs EL<2): {auc:.3f}")
        print(f"  AUC (our affinity vs EL<2):   "
              f"{roc_auc(-merged['affinity_nm'].to_numpy(), positive):.3f}")
        print(f"  Spearman %rank vs EL %rank:   "
              f"{spearmanr(merged['percentile'], el).statistic:.3f}")
        ic50 = frame["NetMHCIIpan MT IC50 Score"].to_numpy(dtype=float)
        ok = np.isfinite(ic50)
        print(f"  Spearman IC50 vs NetMHCIIpan IC50: "
              f"{spearmanr(merged['affinity_nm'].to_numpy()[ok], ic50[ok]).statistic:.3f}")

    # 5: speed
    from vaxmix.mhc.classii import predict

    rng = np.random.default_rng(5)
    alphabet = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
    peptides = ["".join(rng.choice(alphabet, 15)) for _ in range(20_000)]
    alleles = ["HLA-DRB1*01:01", "HLA-DRB1*04:05", "HLA-DRB1*15:01",
               "HLA-DQA1*05:01-DQB1*02:01", "HLA-DPA1*01:03-DPB1*04:01"]
    model = default_model()
    predict(peptides[:100], alleles)  # warm caches (percentile tables)
    started = time.time()
    result = predict(peptides, alleles)
    elapsed = time.time() - started
    print(f"\n[5] speed: {len(result)} predictions (15-mers x 5 alleles) in {elapsed:.2f} s = "
          f"{len(result) / elapsed:,.0f} /s on one thread ({model.name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
