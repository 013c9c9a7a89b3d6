"""Held-out evaluation of the training recipe (trains fold models; use a GPU if there is one).

Modes (both write an ``.npz``/print figures; none of these runs reads the evaluation files):

``affinity``
    5 peptide-cluster folds (peptides sharing an 8-mer stay on one side) and leave-allele-out
    folds (every affinity row and ligand of the allele removed from training). Writes held-out
    predictions (``heldout_affinity.npz``) that ``mhc_eval.py --heldout`` turns into AUC at
    500 nM and Spearman.
``ligands``
    Internal validation of the presentation head on MAPTAC ligands: two folds, each removing the
    ligands of four alleles from training (their affinity data stay, as for an allele without
    eluted-ligand data); the held-out ligands (8–11-mers not in the affinity data) are scored
    against 4 decoys per ligand, equal numbers per length, drawn from the shipped background
    peptides (never used in training). Used to choose the recipe; prints AUC and PPV per allele.

``samples``
    Internal validation of the multi-allelic recipe: two folds that each remove whole cell lines
    (HeLa + SK-MEL-37; JY + Raji + HAP1) from the multi-allelic training ligands; each held-out
    line's 8–11-mer ligands (minus any peptide that the fold trained on as a ligand; at most 5,000
    drawn at random) are scored against 4 shipped background peptides per ligand (equal numbers
    of 8-, 9-, 10- and 11-mers, so length preference counts), by the best
    per-allele percentile over the line's genotype — the shape of the immunopeptidome benchmark,
    on cell lines that are not in it. A recipe without multi-allelic data trains once.

Usage::

    python benchmarks/mhc_heldout.py --dataset .device/train_class1.npz --mode affinity --out DIR
    python benchmarks/mhc_heldout.py --dataset ... --mode ligands --set presentation_weight=1.0
    python benchmarks/mhc_heldout.py --dataset ... --mode member-ligands --model NPZ --out DIR
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from vaxmix.mhc.calibration import background_peptides
from vaxmix.mhc.model import load_ensemble, target_to_nm
from vaxmix.mhc.training.train import (
    TrainConfig,
    assign_multiallelic,
    export_ensemble,
    load_dataset,
    train_member,
)

LEAVE_OUT = ["HLA-B*45:01", "HLA-C*06:02", "HLA-A*24:02", "HLA-B*27:05"]
MAX_SAMPLE_LIGANDS = 5_000  # per held-out cell line; 4 decoys each, equal numbers per length
SAMPLE_FOLDS = [["HeLa", "SK-MEL-37"], ["JY", "Raji", "HAP1"]]
LIGAND_FOLDS = [
    ["HLA-A*11:01", "HLA-B*45:01", "HLA-C*06:02", "HLA-A*32:01"],
    ["HLA-A*02:01", "HLA-B*07:02", "HLA-B*52:01", "HLA-C*03:03"],
]


def _fit(data: dict, config: TrainConfig, log: list[str], keep: Path | None = None):
    """Train one member; ``keep``: also save it there (reused if it already exists)."""
    if keep is not None and keep.is_file():
        return load_ensemble(keep)
    member = train_member(data, config, 0, log)
    with tempfile.TemporaryDirectory() as tmp:
        path = keep or Path(tmp) / "m.npz"
        export_ensemble([member], path, "fold", "0", config, {})
        return load_ensemble(path)


def _score(ensemble, peptides: np.ndarray, pseudo_rows: list[str]) -> tuple[np.ndarray, ...]:
    unique_p, inv_p = np.unique(peptides, return_inverse=True)
    unique_a, inv_a = np.unique(np.array(pseudo_rows), return_inverse=True)
    return ensemble.score_pairs(ensemble.peptide_hidden(unique_p),
                                ensemble.allele_hidden(list(unique_a)), inv_p, inv_a)


def affinity_mode(data: dict, config: TrainConfig, out: Path, log: list[str]) -> None:
    alleles = data["alleles"]
    parts = {k: [] for k in ["fold_kind", "allele", "nm", "inequality", "predicted_nm"]}

    def collect(kind: str, rows: np.ndarray, ensemble) -> None:
        pseudos = [str(data["pseudos"][a]) for a in data["ba_allele"][rows]]
        affinity, _ = _score(ensemble, data["ba_peptide"][rows], pseudos)
        parts["fold_kind"].append(np.full(len(rows), kind))
        parts["allele"].append(alleles[data["ba_allele"][rows]])
        parts["nm"].append(data["ba_nm"][rows])
        parts["inequality"].append(data["ba_inequality"][rows])
        parts["predicted_nm"].append(target_to_nm(affinity))

    for fold in range(5):
        ensemble = _fit(data, replace(config, exclude_clusters_mod=(5, fold)), log)
        collect("peptide-cluster 5-fold", np.flatnonzero(data["ba_cluster"] % 5 == fold),
                ensemble)
        print(f"cluster fold {fold} done", flush=True)
    for allele in LEAVE_OUT:
        ensemble = _fit(data, replace(config, exclude_alleles=[allele]), log)
        index = int(np.flatnonzero(alleles == allele)[0])
        collect("leave-allele-out", np.flatnonzero(data["ba_allele"] == index), ensemble)
        print(f"leave-out {allele} done", flush=True)
    np.savez_compressed(out / "heldout_affinity.npz",
                        **{k: np.concatenate(v) for k, v in parts.items()})


def _auc(scores: np.ndarray, labels: np.ndarray) -> float:
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def ligand_mode(data: dict, config: TrainConfig, out: Path, log: list[str]) -> dict:
    rng = np.random.default_rng(5)
    background = np.array(background_peptides())
    bg_len = np.char.str_len(background)
    alleles = data["alleles"]
    affinity_pairs = set(zip(data["ba_allele"].tolist(), data["ba_peptide"].tolist(),
                             strict=True))
    results = {}
    saved: dict[str, np.ndarray] = {}
    for fold in LIGAND_FOLDS:
        ensemble = _fit(data, replace(config, exclude_ligand_alleles=fold), log)
        for allele in fold:
            index = int(np.flatnonzero(alleles == allele)[0])
            ligands = [p for a, p in zip(data["el_allele"], data["el_peptide"], strict=True)
                       if a == index and 8 <= len(p) <= 11 and (a, p) not in affinity_pairs]
            per_length = int(np.ceil(4 * len(ligands) / 4))
            decoys = np.concatenate([rng.choice(background[bg_len == n], per_length,
                                                replace=False) for n in range(8, 12)])
            peptides = np.concatenate([np.array(ligands), decoys])
            labels = np.arange(len(peptides)) < len(ligands)
            affinity, presentation = _score(ensemble, peptides,
                                            [str(data["pseudos"][index])] * len(peptides))
            key = allele.replace("*", "").replace(":", "")
            saved[f"{key}_labels"], saved[f"{key}_lengths"] = labels, np.char.str_len(peptides)
            saved[f"{key}_presentation"], saved[f"{key}_affinity"] = presentation, affinity
            top = np.argsort(-presentation, kind="stable")[: len(ligands)]
            results[allele] = {
                "ligands": len(ligands),
                "AUC presentation": _auc(presentation, labels),
                "PPV presentation": float(labels[top].mean()),
                "AUC affinity": _auc(affinity, labels),
            }
            print(allele, json.dumps(results[allele]), flush=True)
    np.savez_compressed(out / "heldout_ligand_scores.npz", **saved)
    means = {k: float(np.mean([r[k] for r in results.values()]))
             for k in ["AUC presentation", "PPV presentation", "AUC affinity"]}
    print("mean", json.dumps(means), flush=True)
    return {"per_allele": results, "mean": means}


def _select_members(model: Path, members: list[int]):
    """Members ``members`` of an exported ensemble, renumbered from 0, as an ensemble."""
    with np.load(model, allow_pickle=False) as z:
        meta = json.loads(str(z["metadata"]))
        arrays = {"blosum": z["blosum"],
                  "metadata": np.array(json.dumps({**meta, "n_models": len(members)}))}
        for new, old in enumerate(members):
            arrays.update({f"m{new}_{k.split('_', 1)[1]}": z[k] for k in z.files
                           if k.startswith(f"m{old}_")})  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "subset.npz"
        np.savez(path, **arrays)
        return load_ensemble(path)


def sample_mode(data: dict, config: TrainConfig, out: Path, log: list[str], tag: str,
                fixed=None) -> dict:
    """``fixed``: score this ensemble on every fold instead of training one per fold."""
    from vaxmix.mhc.calibration import calibrate, rank_from_table

    rng = np.random.default_rng(11)
    background = background_peptides()
    bg = np.array(background)
    bg_len = np.char.str_len(bg)
    samples = data["ma_samples"].tolist()
    results: dict[str, dict] = {}
    single = None
    for fold in SAMPLE_FOLDS:
        if fixed is not None:
            ensemble = fixed
        elif single is None:
            uses = config.multiallelic_weight > 0 or config.multiallelic_assign_percentile
            name = "-".join(fold) if uses else "none"
            fold_config = replace(config, exclude_samples=fold)
            ensemble = _fit(assign_multiallelic(data, fold_config), fold_config, log,
                            out / f"samples_{tag}_{name}.npz")
            single = None if uses else ensemble
        else:
            ensemble = single
        # the same ligands for every recipe: none that the fold's multi-allelic recipe sees
        held = np.isin(data["ma_sample"], [samples.index(s) for s in fold])
        trained = set(data["el_peptide"].tolist()) | set(data["ma_peptide"][~held].tolist())
        for sample in fold:
            index = samples.index(sample)
            genotype = sorted(set(data["ma_genotypes"][index].tolist()))
            pseudos = [str(data["pseudos"][a]) for a in genotype]
            ligands = np.array(sorted(set(data["ma_peptide"][data["ma_sample"] == index].tolist())
                                      - trained))
            if len(ligands) > MAX_SAMPLE_LIGANDS:
                ligands = np.sort(rng.choice(ligands, MAX_SAMPLE_LIGANDS, replace=False))
            decoys = np.concatenate([rng.choice(bg[bg_len == n], len(ligands), replace=False)
                                     for n in range(8, 12)])
            peptides = np.concatenate([ligands, decoys])
            labels = np.arange(len(peptides)) < len(ligands)
            tables = calibrate(ensemble, pseudos, background)
            affinity, presentation = ensemble.score_peptides(
                tuple(peptides.tolist()), ensemble.allele_hidden(pseudos))
            rank_a = np.column_stack([rank_from_table(affinity[:, j], tables[j, 0])
                                      for j in range(len(pseudos))]).min(axis=1)
            rank_p = np.column_stack([rank_from_table(presentation[:, j], tables[j, 1])
                                      for j in range(len(pseudos))]).min(axis=1)
            row = {"ligands": int(labels.sum())}
            for name, score in [("affinity percentile", -rank_a),
                                ("presentation percentile", -rank_p),
                                ("mean of both percentiles", -(rank_a + rank_p))]:
                top = np.argsort(-score, kind="stable")[: len(ligands)]
                row[f"AUC {name}"] = _auc(score, labels)
                row[f"PPV {name}"] = float(labels[top].mean())
            results[sample] = row
            print(sample, json.dumps(row), flush=True)
    keys = [k for k in next(iter(results.values())) if k != "ligands"]
    means = {k: float(np.mean([r[k] for r in results.values()])) for k in keys}
    print("mean", json.dumps(means), flush=True)
    return {"per_sample": results, "mean": means}


def member_ligand_mode(data: dict, model: Path, member: int) -> dict:
    """Score member ``member`` of an exported ensemble on its own validation ligands."""
    with np.load(model, allow_pickle=False) as z:
        cfg = json.loads(str(z["metadata"]))["config"]
    # the member's validation positives, drawn exactly as train_member draws them
    rng = np.random.default_rng(cfg["seed"] + 1000 * member)
    strong = (data["ba_nm"] <= cfg["binder_nm"]) & (data["ba_inequality"] != 1)
    positives = np.concatenate([data["el_peptide"], data["ba_peptide"][strong]])
    pos_val = rng.random(len(positives)) < 0.05
    n_el = len(data["el_peptide"])
    ensemble = _select_members(model, [member])
    background = np.array(background_peptides())
    bg_len = np.char.str_len(background)
    affinity_pairs = set(zip(data["ba_allele"].tolist(), data["ba_peptide"].tolist(),
                             strict=True))
    seen = set(positives[~pos_val].tolist())
    rng = np.random.default_rng(3)
    results = {}
    for allele in np.unique(data["el_allele"]):
        rows = np.flatnonzero(pos_val[:n_el] & (data["el_allele"] == allele))
        ligands = np.array(sorted({p for p in data["el_peptide"][rows]
                                   if 8 <= len(p) <= 11 and (allele, p) not in affinity_pairs
                                   and p not in seen}))
        lengths = np.char.str_len(ligands)
        decoys = np.concatenate([rng.choice(background[bg_len == n], 4 * (lengths == n).sum(),
                                            replace=False) for n in range(8, 12)])
        peptides = np.concatenate([ligands, decoys])
        labels = np.arange(len(peptides)) < len(ligands)
        affinity, presentation = _score(ensemble, peptides,
                                        [str(data["pseudos"][allele])] * len(peptides))
        name = str(data["alleles"][allele])
        results[name] = {"ligands": len(ligands), "AUC affinity": _auc(affinity, labels),
                         "AUC presentation": _auc(presentation, labels)}
        print(name, json.dumps(results[name]), flush=True)
    means = {k: float(np.mean([r[k] for r in results.values()]))
             for k in ["AUC affinity", "AUC presentation"]}
    print("mean", json.dumps(means), flush=True)
    return {"per_allele": results, "mean": means}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--mode", required=True,
                        choices=["affinity", "ligands", "member-ligands", "samples"])
    parser.add_argument("--model", type=Path, default=None, help="exported .npz (member-ligands)")
    parser.add_argument("--member", type=int, default=0, help="ensemble member (member-ligands)")
    parser.add_argument("--members", type=int, default=None,
                        help="samples mode with --model: score its first N members only")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--set", action="append", default=[],
                        help="override a TrainConfig field, e.g. presentation_weight=1.0")
    parser.add_argument("--tag", default="default")
    args = parser.parse_args()
    config = TrainConfig()
    for item in args.set:
        key, value = item.split("=", 1)
        current = getattr(config, key)
        parsed = (None if value.lower() == "none" else
                  (float(value) if "." in value else int(value)) if current is None
                  else type(current)(value))
        config = replace(config, **{key: parsed})
    data = load_dataset(args.dataset)
    args.out.mkdir(parents=True, exist_ok=True)
    log: list[str] = []
    started = time.time()
    if args.mode == "affinity":
        affinity_mode(data, config, args.out, log)
        result = {}
    elif args.mode == "member-ligands":
        if args.model is None:
            parser.error("--mode member-ligands needs --model")
        result = member_ligand_mode(data, args.model, args.member)
    elif args.mode == "samples":
        fixed = None
        if args.model is not None:
            with np.load(args.model) as z:
                count = args.members or json.loads(str(z["metadata"]))["n_models"]
            fixed = _select_members(args.model, list(range(count)))
        result = sample_mode(data, config, args.out, log, args.tag, fixed)
    else:
        result = ligand_mode(data, config, args.out, log)
    summary = {"mode": args.mode, "tag": args.tag, "overrides": args.set, "result": result,
               "seconds": round(time.time() - started, 1), "log": log}
    (args.out / f"heldout_{args.mode}_{args.tag}.json").write_text(json.dumps(summary, indent=1))
    print(f"{args.mode} {args.tag}: {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
