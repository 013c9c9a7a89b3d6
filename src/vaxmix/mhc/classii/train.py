"""Train the class II predictor with PyTorch and export it as numpy arrays (``.npz``).

Run ``python -m vaxmix.mhc.classii.train --out DIR`` (needs ``torch``; the mhcnuggets 2.4.1 wheel
is fetched with ``pip download`` into ``--cache`` unless ``--wheel`` is given). Every step:

* an affinity batch — inequality-aware squared loss on the affinity head (target
  ``1 - log(nM)/log(50000)``; :func:`vaxmix.mhc.training.network.inequality_mse`);
* a ligand batch — binary cross-entropy on the presentation head: MAPTAC ligands as positives,
  ``decoys_per_ligand`` residue-shuffled copies as negatives (:mod:`vaxmix.mhc.classii.data`).

A fixed number of epochs (no early stopping) keeps runs short and reproducible on one CPU core;
the held-out figures come from ``benchmarks/mhc2_eval.py``. The output folder holds
``class2_model.npz`` (weights + metadata) and ``class2_percentiles.npz`` (rank tables).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.mhc.classii.alleles import pseudosequence
from vaxmix.mhc.classii.encoding import N_CATEGORIES, N_SLOTS, window_codes
from vaxmix.mhc.encoding import blosum_table, encode_pseudosequences
from vaxmix.mhc.training.data import to_target

logger = logging.getLogger(__name__)

__all__ = ["TrainConfig", "export_model", "main", "train_model"]

MODEL_NAME = "vaxmix-mhc2"
MODEL_VERSION = "1.0"


@dataclass
class TrainConfig:
    """Hyper-parameters (recorded in the exported metadata)."""

    epochs: int = 15
    batch_size: int = 512
    hidden: int = 128
    hidden2: int = 64
    dropout: float = 0.1
    learning_rate: float = 1e-3
    decoys_per_ligand: int = 1
    presentation_weight: float = 0.3
    seed: int = 20261123
    threads: int = 2
    exclude_alleles: list[str] = field(default_factory=list)


def _window_rows(
    peptide_index: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Window rows of the given peptides and the batch-local owner of each window."""
    counts = starts[peptide_index + 1] - starts[peptide_index]
    owner = np.repeat(np.arange(len(peptide_index)), counts)
    first = np.repeat(starts[peptide_index] - np.cumsum(counts) + counts, counts)
    rows = first + np.arange(int(counts.sum()))
    return rows, owner


def train_model(
    affinity: pd.DataFrame,
    ligands: pd.DataFrame,
    config: TrainConfig,
    log: bool = True,
) -> dict[str, np.ndarray]:
    """Train one network; return its weights as float32 numpy arrays (see :func:`export_model`).

    ``affinity`` has columns allele, peptide, nm, inequality; ``ligands`` allele, peptide.
    """
    import torch

    from vaxmix.mhc.classii.data import shuffled_decoys
    from vaxmix.mhc.classii.network import CoreWindowNet
    from vaxmix.mhc.training.network import inequality_mse

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = np.random.default_rng(config.seed)
    affinity = affinity[~affinity["allele"].isin(config.exclude_alleles)]
    ligands = ligands[~ligands["allele"].isin(config.exclude_alleles)]
    decoys = shuffled_decoys(ligands["peptide"].to_numpy(), config.decoys_per_ligand, config.seed)
    el_peptides = np.concatenate([ligands["peptide"].to_numpy(), decoys])
    el_alleles = np.concatenate(
        [ligands["allele"].to_numpy(), np.repeat(ligands["allele"].to_numpy(),
                                                 config.decoys_per_ligand)]
    )
    el_label = np.concatenate([np.ones(len(ligands)), np.zeros(len(decoys))]).astype(np.float32)

    peptides, inverse = np.unique(
        np.concatenate([affinity["peptide"].to_numpy(), el_peptides]).astype(str),
        return_inverse=True,
    )
    aff_pep, el_pep = inverse[: len(affinity)], inverse[len(affinity):]
    alleles, allele_inverse = np.unique(
        np.concatenate([affinity["allele"].to_numpy(), el_alleles]).astype(str),
        return_inverse=True,
    )
    aff_all, el_all = allele_inverse[: len(affinity)], allele_inverse[len(affinity):]
    blosum = blosum_table()
    allele_x = torch.tensor(encode_pseudosequences([pseudosequence(a) for a in alleles], blosum))
    slots, cats, _owner, starts = window_codes(peptides)
    n_cat = sum(N_CATEGORIES)
    slots_t = torch.from_numpy(slots.astype(np.int64))
    cats_t = torch.from_numpy(cats.astype(np.int64))
    target = torch.tensor(to_target(affinity["nm"].to_numpy()))
    inequality = torch.tensor(affinity["inequality"].to_numpy().astype(np.int64))
    label = torch.tensor(el_label)

    net = CoreWindowNet(torch.tensor(blosum), N_SLOTS, n_cat, allele_x.shape[1], config.hidden,
                        config.hidden2, config.dropout)
    optimizer = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
    bce = torch.nn.BCEWithLogitsLoss()

    def forward(peptide_index: np.ndarray, allele_index: np.ndarray) -> torch.Tensor:
        rows, owner = _window_rows(peptide_index, starts)
        rows_t = torch.from_numpy(rows)
        return net(slots_t[rows_t], cats_t[rows_t], allele_x[torch.from_numpy(allele_index)],
                   torch.from_numpy(owner))

    n_aff, n_el = len(aff_pep), len(el_pep)
    steps = max(1, n_aff // config.batch_size)  # one pass over the affinity rows per epoch
    for epoch in range(config.epochs):
        started, total = time.time(), 0.0
        aff_order, el_order = rng.permutation(n_aff), rng.permutation(n_el)
        net.train()
        for step in range(steps):
            a = aff_order[(np.arange(config.batch_size) + step * config.batch_size) % n_aff]
            e = el_order[(np.arange(config.batch_size) + step * config.batch_size) % n_el]
            loss = inequality_mse(
                torch.sigmoid(forward(aff_pep[a], aff_all[a])[:, 0]),
                target[a], inequality[a],
            ) + config.presentation_weight * bce(forward(el_pep[e], el_all[e])[:, 1], label[e])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach())
        if log:
            logger.info("epoch %d/%d loss %.4f (%.0f s)", epoch + 1, config.epochs,
                        total / steps, time.time() - started)
    net.eval()
    return {
        "wp": net.wp().detach().numpy().copy(),
        "wa": net.allele.weight.detach().numpy().T.copy(),
        "b1": net.allele.bias.detach().numpy().copy(),
        "w2": net.hidden.weight.detach().numpy().T.copy(),
        "b2": net.hidden.bias.detach().numpy().copy(),
        "wout": net.out.weight.detach().numpy().T.copy(),
        "bout": net.out.bias.detach().numpy().copy(),
        "blosum": blosum,
        "training_alleles": np.array(sorted(set(alleles.tolist()))),
    }


def export_model(weights: dict[str, np.ndarray], path: Path, metadata: dict) -> None:
    """Write weights and JSON metadata to one compressed ``.npz`` (atomically)."""
    from vaxmix.common.atomic import atomic_write

    arrays = {k: v.astype(np.float32) if v.dtype.kind == "f" else v for k, v in weights.items()}
    arrays["metadata"] = np.array(json.dumps(metadata))
    with atomic_write(path, mode="wb") as handle:
        np.savez_compressed(handle, **arrays)


def main(argv: list[str] | None = None) -> int:
    """Command line: data → network → model, background and percentile files in ``--out``."""
    parser = argparse.ArgumentParser(description="Train the vaxmix MHC class II predictor.")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--wheel", type=Path, help="mhcnuggets-2.4.1 wheel (else downloaded)")
    parser.add_argument("--cache", type=Path, default=Path(".cache/vaxmix-train"))
    parser.add_argument("--maptac", type=Path, required=True,
                        help="abelin_2019_maptac_class2.csv(.gz) from pirl-unc/hitlist")
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--seed", type=int, default=TrainConfig.seed)
    parser.add_argument("--threads", type=int, default=TrainConfig.threads)
    args = parser.parse_args(argv)

    from vaxmix.common.atomic import staged_output
    from vaxmix.common.provenance import package_versions, sha256_file
    from vaxmix.mhc.classii.calibration import build_background, build_percentiles
    from vaxmix.mhc.classii.data import load_affinity, load_maptac
    from vaxmix.mhc.training import log_progress
    from vaxmix.mhc.training.run import download_mhcnuggets_wheel

    log_progress()  # a command line: show the epochs on stderr
    wheel = args.wheel or download_mhcnuggets_wheel(args.cache)
    affinity, ligands = load_affinity(wheel), load_maptac(args.maptac)
    config = TrainConfig(epochs=args.epochs, seed=args.seed, threads=args.threads)
    started = time.time()
    weights = train_model(affinity, ligands, config)
    metadata = {
        "schema": "vaxmix.mhc2-model/1",
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "config": asdict(config),
        "inputs": {
            "mhcnuggets_wheel": {"name": wheel.name, "sha256": sha256_file(wheel)},
            "maptac_class2": {"name": args.maptac.name, "sha256": sha256_file(args.maptac)},
        },
        "rows": {"affinity": len(affinity), "ligands": len(ligands)},
        "maptac_alpha_assumption": {
            "HLA-DPB1*06:01": "HLA-DPA1*01:03", "HLA-DQB1*06:04": "HLA-DQA1*01:02",
        },
        "train_seconds": round(time.time() - started, 1),
        "package_versions": package_versions(),
    }
    with staged_output(args.out) as out:
        out = Path(out)
        export_model(weights, out / "class2_model.npz", metadata)
        build_background(ligands["peptide"].to_numpy(), out / "class2_background.txt.gz")
        build_percentiles(out / "class2_model.npz", out / "class2_percentiles.npz",
                          sorted(set(affinity["allele"]) | set(ligands["allele"])),
                          background=out / "class2_background.txt.gz")
    logger.info("model and percentiles → %s", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
