"""Train the ensemble with PyTorch and export it to numpy arrays.

Each member sees, every epoch:

* all affinity rows outside its validation clusters (inequality-aware squared loss on the
  affinity head);
* fresh synthetic random negatives (``random_negative_fraction`` × affinity rows; 8–11-mers
  drawn with the amino-acid composition of the affinity peptides) labelled ``> 20,000 nM`` on
  random alleles — composition-matched synthetic peptides rather than human peptides, so that
  the affinity head does not learn "human peptide = non-binder";
* the mono-allelic ligands (MAPTAC; since model 1.2.0 also the immunotype table, see
  :mod:`vaxmix.mhc.training.data`) outside the member's validation positives as censored affinities
  ``< ligand_affinity_nm`` (500 nM, the usual binder threshold; mass-spectrometry hits used as
  censored affinity measurements as in MHCflurry, O'Donnell et al., Cell Syst 2018;7:129), so
  the affinity head — whose percentile :func:`vaxmix.mhc.predict` reports — learns the
  eluted-ligand motifs of those alleles (model 1.1.0 onwards);
* optionally (``multiallelic_weight`` > 0; not in the shipped recipe, see docs/mhc.md) the
  multi-allelic ligands of cell lines of known genotype, as multiple-instance rows: the
  sample's best allele must reach ``< multiallelic_affinity_nm`` on the affinity head and,
  against ``multiallelic_decoy_ratio`` natural decoys per ligand (equal numbers per length
  8–11, scored on the same genotype), the maximum presentation logit over the genotype is
  trained with cross-entropy — the use of multi-allelic mass spectrometry in MHCflurry 2.0
  (O'Donnell TJ et al., Cell Syst 2020;11:42) and, with pseudo-labels, NetMHCpan-4.1's
  NNAlign_MA (Reynisson B et al., Nucleic Acids Res 2020;48:W449), where a ligand only has to
  be explained by one allele of the sample; or (``multiallelic_assign_percentile``) pseudo-
  labelled with an existing model (:func:`assign_multiallelic`);
* presentation rows (binary cross-entropy on the presentation head): the mono-allelic ligands
  and measured strong binders (≤ 500 nM, ``=`` or ``<``) of every allele as positives, and, per
  allele, ``decoy_ratio`` × positives natural decoys drawn fresh from the decoy pool with equal
  numbers per length 8–14. Equal numbers per length follow NetMHCpan's eluted-ligand negatives
  (Jurtz V et al., J Immunol 2017;199:3360), so that the head learns each allele's length
  preference; decoys of exactly the ligands' lengths would hide it.

Validation: clusters whose id falls in the member's 1/20 slice (peptides sharing an 8-mer stay
together) and 5 % of the presentation positives; early stopping on the summed validation losses.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from vaxmix.common.aminoacids import AMINO_ACIDS
from vaxmix.mhc.encoding import MIN_LENGTH, blosum_table, peptide_slots, slot_map
from vaxmix.mhc.training.data import to_target
from vaxmix.mhc.training.network import PanAlleleNet, inequality_mse

logger = logging.getLogger(__name__)

__all__ = [
    "TrainConfig",
    "export_ensemble",
    "ligand_affinity_rows",
    "load_dataset",
    "train_ensemble",
    "train_member",
]


@dataclass
class TrainConfig:
    """Hyper-parameters of one training run (recorded in the exported model's metadata)."""

    n_models: int = 4
    epochs: int = 40
    patience: int = 4
    batch_size: int = 2048
    hidden: int = 256
    hidden2: int = 64
    dropout: float = 0.2
    learning_rate: float = 1e-3
    #: multiply the learning rate by this after an epoch without validation improvement
    #: (None: constant rate, the 1.1.0 recipe)
    lr_plateau_factor: float | None = None
    random_negative_fraction: float = 0.2
    decoy_ratio: float = 10.0
    binder_nm: float = 500.0
    presentation_weight: float = 0.5
    #: MAPTAC ligands also enter the affinity head as "< ligand_affinity_nm" (None: not at all)
    ligand_affinity_nm: float | None = 500.0
    seed: int = 20260101
    device: str = "auto"
    threads: int = 1
    max_rows: int | None = None  # subsample affinity rows (quick CPU runs only)
    exclude_alleles: list[str] = field(default_factory=list)  # leave-allele-out folds
    exclude_ligand_alleles: list[str] = field(default_factory=list)  # hold out their ligands
    exclude_clusters_mod: tuple[int, int] | None = None  # (k, fold): drop cluster % k == fold
    #: weight of the multi-allelic ligand losses (0: not used, the default: they lowered the
    #: held-out cell-line AUC in internal validation, docs/mhc.md)
    multiallelic_weight: float = 0.0
    #: multi-allelic ligands: the best allele of the sample must reach "< this nM" (None: not)
    multiallelic_affinity_nm: float | None = 500.0
    multiallelic_decoy_ratio: float = 2.0
    exclude_samples: list[str] = field(default_factory=list)  # hold out whole cell lines
    #: pseudo-label the cell-line ligands: a ligand whose best allele of the genotype has a
    #: percentile <= this (and every other allele > 2 %) joins that allele's mono-allelic
    #: ligands (None: not used)
    multiallelic_assign_percentile: float | None = None


def load_dataset(path: Path) -> dict[str, np.ndarray]:
    """Read the ``.npz`` written by :func:`vaxmix.mhc.training.dataset.build_dataset`."""
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class _Encoder:
    """Peptide slots → features on the training device (BLOSUM rows + length one-hot)."""

    def __init__(self, device: torch.device) -> None:
        self.table = torch.tensor(blosum_table(), device=device)
        self.device = device
        self.slot_maps = {
            length: torch.tensor(slot_map(length), device=device) for length in range(8, 16)
        }

    def slots(self, peptides: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        slots, lengths = peptide_slots(list(peptides))
        return (
            torch.tensor(slots, device=self.device),
            torch.tensor(lengths - MIN_LENGTH, device=self.device),
        )

    def random_slots(
        self, n: int, composition: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Slots of ``n`` random 8–11-mers with residues drawn from ``composition``."""
        codes = torch.multinomial(composition, n * 11, replacement=True, generator=generator)
        codes = codes.reshape(n, 11)
        lengths = torch.randint(8, 12, (n,), device=self.device, generator=generator)
        slots = torch.full((n, 15), len(AMINO_ACIDS), dtype=torch.long, device=self.device)
        for length in range(8, 12):
            rows = torch.nonzero(lengths == length).squeeze(1)
            slot_map = self.slot_maps[length]
            slots[rows[:, None], slot_map[None, :]] = codes[rows, :length]
        return slots, lengths - MIN_LENGTH

    def features(self, slots: torch.Tensor, length_index: torch.Tensor) -> torch.Tensor:
        n = slots.shape[0]
        residues = self.table[slots].reshape(n, -1)
        length = torch.nn.functional.one_hot(length_index, 8).to(residues.dtype)
        return torch.cat([residues, length], dim=1)


def _composition(peptides: np.ndarray) -> np.ndarray:
    counts = np.zeros(len(AMINO_ACIDS))
    joined = "".join(peptides.tolist())
    for i, aa in enumerate(AMINO_ACIDS):
        counts[i] = joined.count(aa)
    return counts / counts.sum()


def _pseudo_features(pseudos: np.ndarray) -> np.ndarray:
    from vaxmix.mhc.encoding import encode_pseudosequences

    return encode_pseudosequences(list(pseudos), blosum_table())


def ligand_affinity_rows(
    positive_is_validation: np.ndarray, n_ligands: int, ligand_affinity_nm: float | None
) -> np.ndarray:
    """Indices of the eluted ligands that also train the affinity head as ``< nM`` rows.

    Positives are ordered ligands first, then measured strong binders; only ligands outside the
    member's validation positives are used, so early stopping never sees its own training rows.
    """
    if ligand_affinity_nm is None:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(~positive_is_validation[:n_ligands])


class _MultiAllelic:
    """Multi-allelic ligands and their decoys for one member (multiple-instance losses)."""

    def __init__(self, data: dict[str, np.ndarray], config: TrainConfig, encoder: _Encoder,
                 decoy_slots: torch.Tensor, decoy_len: torch.Tensor, rng: np.random.Generator,
                 generator: torch.Generator, device: torch.device) -> None:
        self.config, self.generator, self.device = config, generator, device
        peptides = data.get("ma_peptide", np.zeros(0, dtype="U15"))
        samples = data.get("ma_samples", np.zeros(0, dtype="U16")).tolist()
        keep = ~np.isin(data.get("ma_sample", np.zeros(0, dtype=np.int32)),
                        [samples.index(s) for s in config.exclude_samples if s in samples])
        excluded = set(config.exclude_alleles) | set(config.exclude_ligand_alleles)
        alleles = data["alleles"].tolist()
        self.active = config.multiallelic_weight > 0 and bool(keep.any())
        self.n_train = 0
        if not self.active:
            return
        genotypes = data["ma_genotypes"]
        if excluded:  # a sample with a left-out allele (or its ligands) is not used at all
            bad = [i for i, g in enumerate(genotypes) if {alleles[a] for a in g} & excluded]
            keep &= ~np.isin(data["ma_sample"], bad)
        rows = np.flatnonzero(keep)
        n_slots = max(len(set(g.tolist())) for g in genotypes)
        self.slots, self.lengths = encoder.slots(peptides[rows])
        self.genotype = torch.tensor(genotypes[data["ma_sample"][rows]][:, :n_slots],
                                     device=device, dtype=torch.long)
        self.encoder = encoder
        validation = rng.random(len(rows)) < 0.05
        self.train_index = np.flatnonzero(~validation)
        self.n_train = len(self.train_index)
        self.decoy_slots, self.decoy_len = decoy_slots, decoy_len
        self.decoy_by_length = [torch.nonzero(decoy_len == n - MIN_LENGTH).squeeze(1)
                                for n in range(8, 12)]
        self.target = float(to_target(np.array([config.multiallelic_affinity_nm or 500.0]))[0])
        self.validation = self.batch(np.flatnonzero(validation))

    def batch(self, index: np.ndarray) -> tuple[torch.Tensor, ...]:
        """Ligands ``index`` plus ``multiallelic_decoy_ratio`` decoys each on the same genotype."""
        idx = torch.tensor(index, device=self.device, dtype=torch.long)
        per_length = int(np.ceil(self.config.multiallelic_decoy_ratio * len(index) / 4))
        picks = torch.cat([pool[torch.randint(0, len(pool), (per_length,), device=self.device,
                                              generator=self.generator)]
                           for pool in self.decoy_by_length])
        owner = idx[torch.randint(0, len(idx), (len(picks),), device=self.device,
                                  generator=self.generator)]
        slots = torch.cat([self.slots[idx], self.decoy_slots[picks]])
        lengths = torch.cat([self.lengths[idx], self.decoy_len[picks]])
        genotype = torch.cat([self.genotype[idx], self.genotype[owner]])
        labels = torch.cat([torch.ones(len(idx), device=self.device),
                            torch.zeros(len(picks), device=self.device)])
        return slots, lengths, genotype, labels

    def epoch_rows(self) -> np.ndarray:
        order = torch.randperm(self.n_train, device=self.device, generator=self.generator)
        return self.train_index[order.cpu().numpy()]

    def step_rows(self, epoch_rows: np.ndarray, step: int, steps: int) -> tuple[torch.Tensor, ...]:
        size = int(np.ceil(len(epoch_rows) / steps))
        return self.batch(epoch_rows[step * size : (step + 1) * size])

    def loss(self, model: PanAlleleNet, allele_features: torch.Tensor,
             batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Multiple-instance losses: best allele of the genotype per peptide."""
        slots, lengths, genotype, labels = batch
        n, k = genotype.shape
        features = self.encoder.features(slots, lengths)
        logits = model(features.repeat_interleave(k, dim=0), allele_features,
                       genotype.reshape(-1)).reshape(n, k, 2)
        best = logits.max(dim=1).values
        loss = torch.nn.functional.binary_cross_entropy_with_logits(best[:, 1], labels)
        if self.config.multiallelic_affinity_nm is not None:
            ligand = labels > 0
            affinity = torch.sigmoid(best[ligand, 0])
            loss = loss + inequality_mse(
                affinity, torch.full_like(affinity, self.target),
                torch.full((len(affinity),), 2, dtype=torch.long, device=self.device))
        return loss


def assign_multiallelic(
    data: dict[str, np.ndarray], config: TrainConfig, model: Path | None = None
) -> dict[str, np.ndarray]:
    """Dataset with unambiguous cell-line ligands added to the mono-allelic ligands.

    Each ligand of a sample outside ``config.exclude_samples`` is scored on its genotype with
    ``model`` (default: the shipped predictor); when exactly one allele ranks it at or below
    ``multiallelic_assign_percentile`` and every other allele above 2 % it is assigned to that
    allele — pseudo-labelling with an existing model, as NNAlign_MA does during training
    (Alvarez B et al., Mol Cell Proteomics 2019;18:2459). Ambiguous and unexplained ligands
    (likely contaminants) are left out.
    """
    from vaxmix.mhc.predict import predict

    limit = config.multiallelic_assign_percentile
    if limit is None or "ma_peptide" not in data or not len(data["ma_peptide"]):
        return data
    samples = data["ma_samples"].tolist()
    names = data["alleles"].tolist()
    peptides, alleles = [], []
    for index, sample in enumerate(samples):
        if sample in config.exclude_samples:
            continue
        genotype = sorted(set(data["ma_genotypes"][index].tolist()))
        if {names[a] for a in genotype} & set(config.exclude_alleles):
            continue
        ligands = data["ma_peptide"][data["ma_sample"] == index]
        frame = predict(list(ligands), [names[a] for a in genotype], model=model)
        ranks = frame["percentile"].to_numpy().reshape(len(ligands), len(genotype))
        order = np.sort(ranks, axis=1)
        best = np.argmin(ranks, axis=1)
        clear = (order[:, 0] <= limit) & ((order[:, 1] > 2.0) if len(genotype) > 1 else True)
        peptides.append(ligands[clear])
        alleles.append(np.array(genotype)[best[clear]])
    if not peptides:
        return data
    out = dict(data)
    out["el_peptide"] = np.concatenate([data["el_peptide"], *peptides])
    out["el_allele"] = np.concatenate([data["el_allele"], *alleles]).astype(np.int32)
    return out


def train_member(
    data: dict[str, np.ndarray], config: TrainConfig, member: int, log: list[str]
) -> dict[str, np.ndarray]:
    """Train ensemble member ``member``; return its weights as numpy arrays (export layout)."""
    seed = config.seed + 1000 * member
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    device = _device(config.device)
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    if device.type == "cpu":
        torch.set_num_threads(config.threads)
    encoder = _Encoder(device)
    alleles = data["alleles"].tolist()
    excluded = [alleles.index(a) for a in config.exclude_alleles if a in alleles]
    el_excluded = [alleles.index(a) for a in config.exclude_ligand_alleles if a in alleles]

    # --- affinity rows: training / validation split by peptide cluster
    keep = ~np.isin(data["ba_allele"], excluded)
    if config.exclude_clusters_mod is not None:
        k, fold = config.exclude_clusters_mod
        keep &= data["ba_cluster"] % k != fold
    rows = np.flatnonzero(keep)
    if config.max_rows is not None and len(rows) > config.max_rows:
        rows = np.sort(rng.choice(rows, config.max_rows, replace=False))
    # 1/20 of the peptide clusters, drawn independently of any cluster-fold assignment
    cluster_draw = np.random.default_rng(seed + 17).random(int(data["ba_cluster"].max()) + 1)
    val_mask = cluster_draw[data["ba_cluster"][rows]] < 0.05
    ba_train = torch.tensor(rows[~val_mask], device=device)
    ba_val = torch.tensor(rows[val_mask], device=device)
    ba_slots, ba_len = encoder.slots(data["ba_peptide"])
    ba_allele = torch.tensor(data["ba_allele"], device=device, dtype=torch.long)
    ba_target = torch.tensor(data["ba_target"], device=device)
    ba_ineq = torch.tensor(data["ba_inequality"], device=device, dtype=torch.long)
    composition = torch.tensor(_composition(data["ba_peptide"]), device=device, dtype=torch.float)
    train_alleles = torch.tensor(
        np.unique(data["ba_allele"][rows[~val_mask]]), device=device, dtype=torch.long
    )
    negative_target = float(to_target(np.array([20_000.0]))[0])

    # --- presentation positives: mono-allelic ligands + measured strong binders
    strong = rows[(data["ba_nm"][rows] <= config.binder_nm) & (data["ba_inequality"][rows] != 1)]
    el_keep = ~np.isin(data["el_allele"], excluded + el_excluded)
    pos_peptide = np.concatenate([data["el_peptide"][el_keep], data["ba_peptide"][strong]])
    pos_allele = np.concatenate([data["el_allele"][el_keep], data["ba_allele"][strong]])
    pos_val = rng.random(len(pos_peptide)) < 0.05
    lig_index = ligand_affinity_rows(pos_val, int(el_keep.sum()), config.ligand_affinity_nm)
    lig_target_value = float(to_target(np.array([config.ligand_affinity_nm or 500.0]))[0])
    pos_slots, pos_len = encoder.slots(pos_peptide)
    pos_allele_t = torch.tensor(pos_allele, device=device, dtype=torch.long)
    decoy_slots, decoy_len = encoder.slots(data["decoy_peptide"])
    decoy_by_length = [torch.nonzero(decoy_len == length - MIN_LENGTH).squeeze(1)
                       for length in range(8, 15)]
    allele_features = torch.tensor(_pseudo_features(data["pseudos"]), device=device)
    multi = _MultiAllelic(data, config, encoder, decoy_slots, decoy_len, rng, generator, device)

    def presentation_batch(positive_index: np.ndarray) -> tuple[torch.Tensor, ...]:
        """Positives plus fresh natural decoys: ``decoy_ratio`` per positive and allele,
        equal numbers per length 8–14."""
        counts = np.bincount(pos_allele[positive_index], minlength=len(alleles))
        per_length = np.ceil(config.decoy_ratio * counts / 7).astype(np.int64)
        decoy_allele = torch.tensor(np.repeat(np.arange(len(alleles)), per_length * 7),
                                    device=device)
        picks = []
        for allele in np.flatnonzero(per_length):
            for pool in decoy_by_length:
                picks.append(pool[torch.randint(0, len(pool), (int(per_length[allele]),),
                                                device=device, generator=generator)])
        decoy_index = torch.cat(picks)
        index = torch.tensor(positive_index, device=device)
        slots = torch.cat([pos_slots[index], decoy_slots[decoy_index]])
        lengths = torch.cat([pos_len[index], decoy_len[decoy_index]])
        allele_ids = torch.cat([pos_allele_t[index], decoy_allele])
        labels = torch.cat([torch.ones(len(index), device=device),
                            torch.zeros(len(decoy_index), device=device)])
        return slots, lengths, allele_ids, labels

    val_el = presentation_batch(np.flatnonzero(pos_val))
    model = PanAlleleNet(
        ba_slots.shape[1] * 21 + 8, allele_features.shape[1], config.hidden, config.hidden2,
        config.dropout,
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    scheduler = (None if config.lr_plateau_factor is None else
                 torch.optim.lr_scheduler.ReduceLROnPlateau(
                     optimizer, factor=config.lr_plateau_factor, patience=0, threshold=1e-4,
                     threshold_mode="abs"))
    bce = torch.nn.BCEWithLogitsLoss()
    best, best_state, stale = np.inf, None, 0
    for epoch in range(config.epochs):
        started = time.time()
        model.train()
        n_neg = int(config.random_negative_fraction * len(ba_train))
        neg_slots, neg_len = encoder.random_slots(n_neg, composition, generator)
        neg_allele = train_alleles[
            torch.randint(0, len(train_alleles), (n_neg,), device=device, generator=generator)
        ]
        lig = torch.tensor(lig_index, device=device, dtype=torch.long)
        a_slots = torch.cat([ba_slots[ba_train], pos_slots[lig], neg_slots])
        a_len = torch.cat([ba_len[ba_train], pos_len[lig], neg_len])
        a_allele = torch.cat([ba_allele[ba_train], pos_allele_t[lig], neg_allele])
        a_target = torch.cat([ba_target[ba_train],
                              torch.full((len(lig),), lig_target_value, device=device),
                              torch.full((n_neg,), negative_target, device=device)])
        a_ineq = torch.cat([ba_ineq[ba_train],
                            torch.full((len(lig),), 2, dtype=torch.long, device=device),
                            torch.ones(n_neg, dtype=torch.long, device=device)])
        if config.presentation_weight > 0:
            p_slots, p_len, p_allele, p_label = presentation_batch(np.flatnonzero(~pos_val))
        else:  # affinity-only recipe (held-out affinity folds on a CPU budget)
            p_slots, p_len, p_allele, p_label = (t[:0] for t in val_el)
        n_a, n_p = a_slots.shape[0], p_slots.shape[0]
        steps = int(np.ceil(n_a / config.batch_size))
        perm_a = torch.randperm(n_a, device=device, generator=generator)
        perm_p = torch.randperm(n_p, device=device, generator=generator)
        p_batch = int(np.ceil(n_p / steps))
        epoch_rows = multi.epoch_rows() if multi.active else None
        for step in range(steps):
            ia = perm_a[step * config.batch_size : (step + 1) * config.batch_size]
            ip = perm_p[step * p_batch : (step + 1) * p_batch]
            logits_a = model(encoder.features(a_slots[ia], a_len[ia]), allele_features,
                             a_allele[ia])
            loss = inequality_mse(torch.sigmoid(logits_a[:, 0]), a_target[ia], a_ineq[ia])
            if len(ip):
                logits_p = model(encoder.features(p_slots[ip], p_len[ip]), allele_features,
                                 p_allele[ip])
                loss = loss + config.presentation_weight * bce(logits_p[:, 1], p_label[ip])
            if multi.active:
                loss = loss + config.multiallelic_weight * multi.loss(
                    model, allele_features, multi.step_rows(epoch_rows, step, steps))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            logits = model(encoder.features(ba_slots[ba_val], ba_len[ba_val]), allele_features,
                           ba_allele[ba_val])
            loss_a = float(inequality_mse(torch.sigmoid(logits[:, 0]), ba_target[ba_val],
                                          ba_ineq[ba_val]))
            logits = model(encoder.features(val_el[0], val_el[1]), allele_features, val_el[2])
            loss_p = float(bce(logits[:, 1], val_el[3]))
            loss_m = float(multi.loss(model, allele_features, multi.validation)) \
                if multi.active else 0.0
        total = loss_a + config.presentation_weight * loss_p + config.multiallelic_weight * loss_m
        log.append(
            f"member {member} epoch {epoch + 1}: val affinity {loss_a:.4f} presentation "
            f"{loss_p:.4f} multi-allelic {loss_m:.4f} ({time.time() - started:.1f}s, "
            f"{n_a} + {n_p} + {multi.n_train} rows)"
        )
        logger.info(log[-1])
        if scheduler is not None:
            scheduler.step(total)
        if total < best - 1e-4:
            best, stale = total, 0
            best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
            if stale >= config.patience:
                break
    assert best_state is not None
    return {
        "wp": best_state["peptide.weight"].numpy().T.copy(),
        "b1": best_state["peptide.bias"].numpy().copy(),
        "wa": best_state["allele.weight"].numpy().T.copy(),
        "w2": best_state["layer2.weight"].numpy().T.copy(),
        "b2": best_state["layer2.bias"].numpy().copy(),
        "wout": best_state["out.weight"].numpy().T.copy(),
        "bout": best_state["out.bias"].numpy().copy(),
    }


def _train_member_job(
    args: tuple[dict[str, np.ndarray], TrainConfig, int, bool],
) -> tuple[dict[str, np.ndarray], list[str]]:
    data, config, member, progress = args
    if progress:  # a spawned worker starts without the parent's logging set-up
        from vaxmix.mhc.training import log_progress

        log_progress()
    log: list[str] = []
    return train_member(data, config, member, log), log


def train_ensemble(
    data: dict[str, np.ndarray], config: TrainConfig, log: list[str], jobs: int = 1
) -> list[dict[str, np.ndarray]]:
    """Train ``config.n_models`` members with seeds ``seed + 1000 * k``.

    ``jobs`` > 1 trains members in that many worker processes (each with ``config.threads``
    threads); every member depends only on its seed, so the weights are those of a sequential
    run with the same thread count.
    """
    if jobs <= 1 or config.n_models <= 1:
        return [train_member(data, config, k, log) for k in range(config.n_models)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, config.n_models), mp_context=context) as pool:
        results = list(pool.map(_train_member_job,
                                [(data, config, k, logger.isEnabledFor(logging.INFO))
                                 for k in range(config.n_models)]))
    for _, member_log in results:
        log.extend(member_log)
    return [member for member, _ in results]


def export_ensemble(
    members: list[dict[str, np.ndarray]],
    path: Path,
    name: str,
    version: str,
    config: TrainConfig,
    data_provenance: dict,
    extra: dict | None = None,
) -> None:
    """Write the ensemble to ``path`` (``.npz``, float32) with its metadata."""
    from vaxmix.common.atomic import atomic_write

    metadata = {
        "schema": "vaxmix.mhc-model/1",
        "name": name,
        "version": version,
        "n_models": len(members),
        "config": asdict(config),
        "training_data": data_provenance,
        "torch": torch.__version__,
        **(extra or {}),
    }
    arrays: dict[str, np.ndarray] = {
        "blosum": blosum_table(),
        "metadata": np.array(json.dumps(metadata)),
    }
    for k, member in enumerate(members):
        for key, value in member.items():
            arrays[f"m{k}_{key}"] = value.astype(np.float32)
    with atomic_write(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)
