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

from vaxmix.mhc.encoding import encode_peptides, encode_pseudosequences

__all__ = ["MODEL_FILE", "Ensemble", "default_ensemble", "load_ensemble"]

MODEL_FILE = "class1_ensemble.npz"
MAX_NM = 50_000.0


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

    @property
    def n_models(self) -> int:
        return int(self.w2.shape[0])

    def peptide_hidden(self, peptides: list[str] | np.ndarray) -> np.ndarray:
        """First-layer peptide contribution (n, K*H) including the bias."""
        return encode_peptides(peptides, self.blosum) @ self.w_peptide + self.b1

    def allele_hidden(self, pseudos: list[str]) -> np.ndarray:
        """First-layer allele contribution (m, K*H)."""
        return encode_pseudosequences(pseudos, self.blosum) @ self.w_allele

    def score_pairs(
        self,
        pep_hidden: np.ndarray,
        allele_hidden: np.ndarray,
        pep_index: np.ndarray,
        allele_index: np.ndarray,
        chunk: int = 8192,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Affinity target (0..1) and presentation score (0..1) per (peptide, allele) pair."""
        k, h, _ = self.w2.shape
        n = len(pep_index)
        affinity = np.empty(n, dtype=np.float32)
        presentation = np.empty(n, dtype=np.float32)
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            hidden = pep_hidden[pep_index[start:stop]]
            hidden += allele_hidden[allele_index[start:stop]]
            np.maximum(hidden, 0.0, out=hidden)
            hidden = hidden.reshape(stop - start, k, h).transpose(1, 0, 2)  # (K, n, H)
            upper = np.matmul(hidden, self.w2)
            upper += self.b2
            np.maximum(upper, 0.0, out=upper)
            logits = np.matmul(upper, self.w_out) + self.b_out  # (K, n, 2)
            probs = 1.0 / (1.0 + np.exp(-logits))
            mean = probs.mean(axis=0)
            affinity[start:stop] = mean[:, 0]
            presentation[start:stop] = mean[:, 1]
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
        return Ensemble(
            name=f"{metadata['name']} {metadata['version']}",
            metadata=metadata,
            blosum=data["blosum"].astype(np.float32),
            w_peptide=np.ascontiguousarray(w_peptide, dtype=np.float32),
            w_allele=np.ascontiguousarray(w_allele, dtype=np.float32),
            b1=b1.astype(np.float32),
            w2=stack("w2").astype(np.float32),
            b2=stack("b2").astype(np.float32)[:, None, :],
            w_out=stack("wout").astype(np.float32),
            b_out=stack("bout").astype(np.float32)[:, None, :],
        )


@functools.cache
def default_ensemble() -> Ensemble:
    """The ensemble shipped in the package (``vaxmix/mhc/data/class1_ensemble.npz``)."""
    with resources.as_file(resources.files("vaxmix.mhc").joinpath("data", MODEL_FILE)) as path:
        return load_ensemble(path)
