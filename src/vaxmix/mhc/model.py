"""NumPy inference of the exported vaxmix MHC class I network ensemble.

The network (trained by :mod:`vaxmix.mhc.training`) is an MLP on the concatenation of the
peptide features and the pseudosequence features. Its first layer is linear, so it splits into a
peptide part and an allele part: ``h1 = relu(P·Wp + A·Wa + b1)``. Inference computes ``P·Wp`` once
per distinct peptide and ``A·Wa`` once per allele, and only the small upper layers run per
peptide × allele pair — the same arithmetic as the concatenated MLP at a fraction of the cost.

Two heads share the hidden layers: binding affinity (sigmoid → ``1 - log(nM)/log(50000)``) and
eluted-ligand presentation (sigmoid → probability-like score). Ensemble members are averaged in
those output spaces.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from vaxmix.mhc.encoding import MIN_LENGTH, N_SLOTS, encode_pseudosequences, peptide_slots

__all__ = ["MODEL_FILE", "Ensemble", "default_ensemble", "load_ensemble"]

MODEL_FILE = "class1_ensemble.npz"
MAX_NM = 50_000.0


def single_threaded_blas() -> threadpool_limits:
    """Context limiting BLAS to one thread for the scoring loops.

    The loops issue many small matrix products (512 × 256 by 256 × 64); a multi-threaded BLAS
    spends more time synchronising its threads than computing them — 5–7× slower here on a
    shared 2-core machine. Parallelism belongs one level up (processes over peptide batches).
    """
    return threadpool_limits(limits=1, user_api="blas")


@dataclass(frozen=True)
class Ensemble:
    """Stacked weights of K ensemble members (float32)."""

    name: str  # "vaxmix-mhc1-<variant> <version>"
    metadata: dict
    blosum: np.ndarray  # (21, 21)
    w_peptide: np.ndarray  # (D_pep, K*H)
    w_allele: np.ndarray  # (D_allele, K*H)
    b1: np.ndarray  # (K*H,)
    w2: np.ndarray  # (K, H, H2)
    b2: np.ndarray  # (K, 1, H2)
    w_out: np.ndarray  # (K, H2, 2)  columns: affinity, presentation
    b_out: np.ndarray  # (K, 1, 2)
    slot_tables: np.ndarray  # (15, 21, K*H): first-layer contribution of each residue per slot
    length_table: np.ndarray  # (8, K*H): contribution of each length 8-15, plus b1
    member_slot_tables: np.ndarray  # (K, 15, 21, H): slot_tables split per member
    member_length_tables: np.ndarray  # (K, 8, H): length_table split per member

    @property
    def n_models(self) -> int:
        return int(self.w2.shape[0])

    def peptide_hidden(self, peptides: list[str] | np.ndarray, chunk: int = 512) -> np.ndarray:
        """First-layer peptide contribution (n, K*H) including the bias.

        The encoding is linear in the residue one-hots, so ``features @ w_peptide`` equals a sum
        of 15 precomputed rows (one per slot) plus a length row: table look-ups instead of a
        (n, 323) x (323, K*H) product. :func:`encode_peptides` gives the same result the slow way.
        """
        slots, lengths = peptide_slots(peptides)
        out = np.empty((len(lengths), self.length_table.shape[1]), dtype=np.float32)
        for start in range(0, len(lengths), chunk):
            stop = min(len(lengths), start + chunk)
            block = out[start:stop]
            np.take(self.length_table, lengths[start:stop] - MIN_LENGTH, axis=0, out=block)
            for slot in range(self.slot_tables.shape[0]):
                block += self.slot_tables[slot][slots[start:stop, slot]]
        return out

    def allele_hidden(self, pseudos: list[str]) -> np.ndarray:
        """First-layer allele contribution (m, K*H).

        Single-thread BLAS here too: a multi-threaded float32 product rounds differently with
        the thread count, which changed IC50s in the third decimal between a 1-thread Dask
        worker and a multi-threaded ``vaxmix run`` of the same patient.
        """
        with single_threaded_blas():
            return encode_pseudosequences(pseudos, self.blosum) @ self.w_allele

    def split_models(self, hidden: np.ndarray) -> np.ndarray:
        """(n, K*H) first-layer contributions → contiguous (K, n, H)."""
        k, h, _ = self.w2.shape
        return np.ascontiguousarray(hidden.reshape(len(hidden), k, h).transpose(1, 0, 2))

    def score_cross(
        self, pep_hidden: np.ndarray, allele_hidden: np.ndarray, chunk: int = 4096
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores of every peptide × allele from first-layer contributions (single-thread BLAS)."""
        with single_threaded_blas():
            return self._score_cross(pep_hidden, allele_hidden, chunk)

    def _score_cross(
        self, pep_hidden: np.ndarray, allele_hidden: np.ndarray, chunk: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores of every peptide × allele, shape (n_peptides, n_alleles) each.

        ``pep_hidden`` and ``allele_hidden`` come from :meth:`peptide_hidden` and
        :meth:`allele_hidden`. Loops over alleles and members and processes peptides in
        cache-sized chunks, so every step is a contiguous broadcast add and one small matrix
        product.
        """
        k, h, h2 = self.w2.shape
        n_pep, n_all = len(pep_hidden), len(allele_hidden)
        pep = self.split_models(pep_hidden)  # (K, n, H)
        alle = self.split_models(allele_hidden)  # (K, m, H)
        logits = np.zeros((n_all, n_pep, 2), dtype=np.float32)
        probs_sum = np.zeros((n_all, n_pep, 2), dtype=np.float32)
        buffer = np.empty((chunk, h), dtype=np.float32)
        upper = np.empty((chunk, h2), dtype=np.float32)
        for a in range(n_all):
            for m in range(k):
                for start in range(0, n_pep, chunk):
                    stop = min(n_pep, start + chunk)
                    rows = stop - start
                    hidden = buffer[:rows]
                    np.add(pep[m, start:stop], alle[m, a], out=hidden)
                    np.maximum(hidden, 0.0, out=hidden)
                    out2 = upper[:rows]
                    np.matmul(hidden, self.w2[m], out=out2)
                    out2 += self.b2[m]
                    np.maximum(out2, 0.0, out=out2)
                    np.matmul(out2, self.w_out[m], out=logits[a, start:stop])
                logits[a] += self.b_out[m]
                np.negative(logits[a], out=logits[a])
                np.exp(logits[a], out=logits[a])
                logits[a] += 1.0
                np.reciprocal(logits[a], out=logits[a])
                probs_sum[a] += logits[a]
        probs_sum /= k
        return probs_sum[:, :, 0].T.copy(), probs_sum[:, :, 1].T.copy()

    def score_peptides(
        self, peptides: list[str] | np.ndarray, allele_hidden: np.ndarray, chunk: int = 512
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores of every peptide × allele from peptide strings (see :meth:`_score_peptides`)."""
        with single_threaded_blas():
            return self._score_peptides(peptides, allele_hidden, chunk)

    def _score_peptides(
        self, peptides: list[str] | np.ndarray, allele_hidden: np.ndarray, chunk: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores of every peptide × allele from peptide strings, shape (n_peptides, n_alleles).

        Same numbers as :meth:`peptide_hidden` followed by :meth:`score_cross`, computed in one
        pass over cache-sized blocks of peptides: each block's first-layer contribution is
        summed from the per-member slot tables and reused for every allele while it is still in
        cache, instead of materialising an (n, K*H) matrix and transposing it.
        """
        slots, lengths = peptide_slots(peptides)
        k, h, h2 = self.w2.shape
        n_pep, n_all = len(lengths), len(allele_hidden)
        alle = self.split_models(allele_hidden)  # (K, m, H)
        probs_sum = np.zeros((n_all, n_pep, 2), dtype=np.float32)
        pep_block = np.empty((chunk, h), dtype=np.float32)
        gathered = np.empty((chunk, h), dtype=np.float32)
        hidden_block = np.empty((chunk, h), dtype=np.float32)
        upper = np.empty((chunk, h2), dtype=np.float32)
        logits = np.empty((chunk, 2), dtype=np.float32)
        length_index = lengths - MIN_LENGTH
        n_slots = self.member_slot_tables.shape[1]
        for start in range(0, n_pep, chunk):
            stop = min(n_pep, start + chunk)
            rows = stop - start
            block_slots = slots[start:stop]
            for m in range(k):
                pep = pep_block[:rows]
                np.take(self.member_length_tables[m], length_index[start:stop], axis=0, out=pep)
                for slot in range(n_slots):
                    np.take(self.member_slot_tables[m, slot], block_slots[:, slot], axis=0,
                            out=gathered[:rows])
                    pep += gathered[:rows]
                for a in range(n_all):
                    hidden = hidden_block[:rows]
                    np.add(pep, alle[m, a], out=hidden)
                    np.maximum(hidden, 0.0, out=hidden)
                    out2 = upper[:rows]
                    np.matmul(hidden, self.w2[m], out=out2)
                    out2 += self.b2[m]
                    np.maximum(out2, 0.0, out=out2)
                    out = logits[:rows]
                    np.matmul(out2, self.w_out[m], out=out)
                    out += self.b_out[m]
                    np.negative(out, out=out)
                    np.exp(out, out=out)
                    out += 1.0
                    np.reciprocal(out, out=out)
                    probs_sum[a, start:stop] += out
        probs_sum /= k
        return probs_sum[:, :, 0].T.copy(), probs_sum[:, :, 1].T.copy()

    def score_pairs(
        self,
        pep_hidden: np.ndarray,
        allele_hidden: np.ndarray,
        pep_index: np.ndarray,
        allele_index: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Affinity target (0..1) and presentation score (0..1) per (peptide, allele) pair.

        Pairs are grouped by allele and scored with :meth:`score_cross`.
        """
        n = len(pep_index)
        affinity = np.empty(n, dtype=np.float32)
        presentation = np.empty(n, dtype=np.float32)
        for a in np.unique(allele_index):
            rows = np.flatnonzero(allele_index == a)
            aff, pres = self.score_cross(pep_hidden[pep_index[rows]], allele_hidden[a : a + 1])
            affinity[rows] = aff[:, 0]
            presentation[rows] = pres[:, 0]
        return affinity, presentation


def target_to_nm(target: np.ndarray) -> np.ndarray:
    """Affinity head output ``1 - log(nM)/log(50000)`` → nM."""
    return np.power(MAX_NM, 1.0 - np.asarray(target, dtype=np.float64))


def load_ensemble(path: str | Path) -> Ensemble:
    """Load an exported ``.npz`` ensemble (written by :func:`vaxmix.mhc.training.export`)."""
    with np.load(path, allow_pickle=False) as data:
        metadata = json.loads(str(data["metadata"]))
        k = int(metadata["n_models"])
        stack = lambda key: np.stack([data[f"m{i}_{key}"] for i in range(k)])  # noqa: E731
        w_peptide = np.concatenate([data[f"m{i}_wp"] for i in range(k)], axis=1)
        w_allele = np.concatenate([data[f"m{i}_wa"] for i in range(k)], axis=1)
        b1 = np.concatenate([data[f"m{i}_b1"] for i in range(k)])
        blosum = data["blosum"].astype(np.float32)
        width = blosum.shape[1]
        per_slot = w_peptide[: N_SLOTS * width].reshape(N_SLOTS, width, -1).astype(np.float64)
        slot_tables = np.einsum("ab,sbh->sah", blosum.astype(np.float64), per_slot)
        length_table = w_peptide[N_SLOTS * width :].astype(np.float64) + b1
        hidden = int(data["m0_w2"].shape[0])
        member_slots = slot_tables.reshape(N_SLOTS, width, k, hidden).transpose(2, 0, 1, 3)
        member_lengths = length_table.reshape(-1, k, hidden).transpose(1, 0, 2)
        return Ensemble(
            name=f"{metadata['name']} {metadata['version']}",
            metadata=metadata,
            blosum=blosum,
            w_peptide=np.ascontiguousarray(w_peptide, dtype=np.float32),
            w_allele=np.ascontiguousarray(w_allele, dtype=np.float32),
            b1=b1.astype(np.float32),
            w2=stack("w2").astype(np.float32),
            b2=stack("b2").astype(np.float32)[:, None, :],
            w_out=stack("wout").astype(np.float32),
            b_out=stack("bout").astype(np.float32)[:, None, :],
            slot_tables=np.ascontiguousarray(slot_tables, dtype=np.float32),
            length_table=np.ascontiguousarray(length_table, dtype=np.float32),
            member_slot_tables=np.ascontiguousarray(member_slots, dtype=np.float32),
            member_length_tables=np.ascontiguousarray(member_lengths, dtype=np.float32),
        )


@functools.cache
def default_ensemble() -> Ensemble:
    """The ensemble shipped in the package (``vaxmix/mhc/data/class1_ensemble.npz``)."""
    with resources.as_file(resources.files("vaxmix.mhc").joinpath("data", MODEL_FILE)) as path:
        return load_ensemble(path)
