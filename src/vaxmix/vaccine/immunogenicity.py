"""Research option: a learned, calibrated immunogenicity probability and its evaluation tools.

Nothing here is trained on anything shipped: :func:`fit_logistic` fits an L2-regularised
logistic regression at run time on data the user provides (the benchmark uses the
academic-use PRIME2.0 tested peptides, which must never be shipped or used for the default
ranking). Features, in the spirit of PRIME (Schmidt et al., Cell Rep Med 2021;2:100194,
doi:10.1016/j.xcrm.2021.100194; Gfeller et al., Cell Syst 2023;14:72-83): predicted
presentation strength plus the amino-acid composition of TCR-facing positions 4..L-1,
their hydrophobic fraction (Chowell et al. 2015), GRAVY and peptide length.

Logistic regression is fitted by minimising the penalised log-loss (scipy L-BFGS), whose
probabilities are calibrated in the log-loss sense; :func:`reliability` gives the reliability
curve to check that on held-out folds. :func:`roc_auc` and :func:`average_precision` are the
usual rank metrics (AUC = Mann-Whitney U / (n_pos n_neg); AP = mean precision at each positive).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import rankdata

from vaxmix.common.aminoacids import AMINO_ACIDS
from vaxmix.common.epitope_lengths import CLASS1_LENGTHS
from vaxmix.common.errors import InputError
from vaxmix.vaccine.features import KYTE_DOOLITTLE, tcr_contact_hydrophobic_fraction
from vaxmix.vaccine.junctions import Predictor

__all__ = [
    "average_precision",
    "binding_feature",
    "fit_logistic",
    "grouped_folds",
    "load_training_table",
    "peptide_features",
    "predict_logistic",
    "reliability",
    "research_probability",
    "roc_auc",
    "train_research_model",
]



def peptide_features(peptides: Sequence[str]) -> np.ndarray:
    """Sequence features: TCR-position composition (20), hydrophobic fraction, GRAVY, length.

    Length is one-hot over 8, 9, 10, 11 (longer peptides share the 11 column).
    """
    out = np.zeros((len(peptides), len(AMINO_ACIDS) + 2 + len(CLASS1_LENGTHS)))
    index = {aa: i for i, aa in enumerate(AMINO_ACIDS)}
    for row, peptide in enumerate(peptides):
        core = peptide[3:-1]
        for aa in core:
            out[row, index[aa]] += 1.0 / len(core)
        out[row, 20] = tcr_contact_hydrophobic_fraction(peptide)
        out[row, 21] = np.mean([KYTE_DOOLITTLE[aa] for aa in peptide])
        length = min(max(len(peptide), CLASS1_LENGTHS[0]), CLASS1_LENGTHS[-1])
        out[row, 22 + CLASS1_LENGTHS.index(length)] = 1.0
    return out


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Fit an L2-penalised logistic regression on standardised features.

    Returns
    -------
    (weights, intercept, mean, scale)
        Feature standardisation is part of the model.
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    yy = y.astype(float)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        margin = z @ w + b
        # log(1 + exp(m)) - y m, computed stably
        value = np.logaddexp(0.0, margin) - yy * margin
        p = 1.0 / (1.0 + np.exp(-margin))
        grad_w = z.T @ (p - yy) + l2 * w
        grad_b = float(np.sum(p - yy))
        return float(value.sum() + 0.5 * l2 * w @ w), np.concatenate([grad_w, [grad_b]])

    result = minimize(loss, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B")
    return result.x[:-1], float(result.x[-1]), mean, scale


def predict_logistic(
    model: tuple[np.ndarray, float, np.ndarray, np.ndarray], x: np.ndarray
) -> np.ndarray:
    """Probabilities from a model of :func:`fit_logistic`."""
    w, b, mean, scale = model
    return 1.0 / (1.0 + np.exp(-(((x - mean) / scale) @ w + b)))


def grouped_folds(groups: Sequence[str], k: int = 5, seed: int = 0) -> np.ndarray:
    """Fold number per row; rows of one group (e.g. one peptide) share a fold (no leakage)."""
    unique = sorted(set(groups))
    rng = np.random.default_rng(seed)
    fold_of = dict(zip(unique, rng.permutation(len(unique)) % k, strict=True))
    return np.array([fold_of[g] for g in groups])


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (ties count one half), via the rank-sum statistic."""
    y = np.asarray(y).astype(bool)
    ranks = rankdata(score)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(y: np.ndarray, score: np.ndarray) -> float:
    """Average precision: mean over positives of the precision at their rank (ties broken
    pessimistically, all tied rows counted together)."""
    y = np.asarray(y).astype(bool)
    score = np.asarray(score, dtype=float)
    order = np.argsort(-score, kind="stable")
    ys, ss = y[order], score[order]
    # precision evaluated at the end of each tie block
    ends = np.r_[np.flatnonzero(np.diff(ss) != 0), len(ss) - 1]
    tp_cum = np.cumsum(ys)
    ap, prev_tp = 0.0, 0
    for end in ends:
        tp = int(tp_cum[end])
        if tp > prev_tp:
            ap += (tp - prev_tp) * tp / (end + 1)
        prev_tp = tp
    return ap / max(int(y.sum()), 1)


def reliability(
    y: np.ndarray, p: np.ndarray, bins: int = 10
) -> list[tuple[float, float, float, int]]:
    """Reliability curve by quantile bins: (bin upper edge, mean predicted, observed rate, n)."""
    order = np.argsort(p, kind="stable")
    out = []
    for chunk in np.array_split(order, bins):
        if len(chunk):
            out.append(
                (
                    float(p[chunk].max()),
                    float(p[chunk].mean()),
                    float(np.mean(y[chunk])),
                    len(chunk),
                )
            )
    return out


def load_training_table(path: str | Path) -> pd.DataFrame:
    """Read a user's labelled peptides (CSV/TSV, optionally gzipped) for the research model.

    Accepted column names: ``peptide``/``Mutant``, ``allele``/``Allele``,
    ``immunogenic``/``Immunogenicity`` (0/1). PRIME2.0's file also has ``Random``; rows with
    ``Random == 1`` (random negatives, not tested) are dropped.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("immunogenicity training file not found", path=path)
    sep = "\t" if ".tsv" in path.name else ","
    frame = pd.read_csv(path, sep=sep)
    names = {"peptide": ("peptide", "Mutant"), "allele": ("allele", "Allele"),
             "label": ("immunogenic", "Immunogenicity")}  # fmt: skip
    out = {}
    for key, options in names.items():
        column = next((c for c in options if c in frame.columns), None)
        if column is None:
            raise InputError(f"needs a column {' or '.join(options)}", path=path, line=1, field=key)
        out[key] = frame[column]
    table = pd.DataFrame(out)
    if "Random" in frame.columns:
        table = table[frame["Random"] == 0]
    table = table[table["peptide"].astype(str).str.len().between(8, 14)]
    table["peptide"] = table["peptide"].astype(str).str.upper()
    if not set(table["label"].unique()) <= {0, 1} or table["label"].nunique() < 2:
        raise InputError("labels must be 0/1 with both classes present", path=path, field="label")
    return table.reset_index(drop=True)


def binding_feature(
    peptides: Sequence[str], alleles: Sequence[str], predict: Predictor
) -> np.ndarray:
    """``-log10(%rank)`` of each (peptide, allele) pair from ``predict`` (per-allele calls)."""
    frame = pd.DataFrame({"peptide": list(peptides), "allele": list(alleles)})
    out = np.full(len(frame), np.nan)
    for allele, sub in frame.groupby("allele"):
        pred = predict(sorted(sub["peptide"].unique()), [allele])
        lookup = dict(zip(pred["peptide"], pred["percentile"], strict=True))
        out[sub.index.to_numpy()] = [lookup[p] for p in sub["peptide"]]
    return -np.log10(np.clip(out, 1e-3, 100.0))


def train_research_model(
    path: str | Path, predict: Predictor, normalize: Callable[[list[str]], list[str]]
) -> tuple:
    """Fit the research model on a user's file: features = binding + sequence features.

    ``normalize`` maps the file's allele names to the predictor's (e.g. mhcgnomes-based).
    Returns ``(model, n_rows, n_positive)``.
    """
    table = load_training_table(path)
    names = {a: normalize([a])[0] for a in table["allele"].astype(str).unique()}
    alleles = [names[a] for a in table["allele"].astype(str)]
    x = np.hstack([
        binding_feature(table["peptide"], alleles, predict)[:, None],
        peptide_features(list(table["peptide"])),
    ])  # fmt: skip
    y = table["label"].to_numpy().astype(int)
    return fit_logistic(x, y, l2=10.0), len(y), int(y.sum())


def research_probability(
    model: tuple,
    peptides: Sequence[str],
    alleles: Sequence[str],
    predict: Predictor,
) -> np.ndarray:
    """Probabilities of the research model for (peptide, allele) pairs."""
    x = np.hstack([
        binding_feature(peptides, alleles, predict)[:, None],
        peptide_features(list(peptides)),
    ])  # fmt: skip
    return predict_logistic(model, x)
