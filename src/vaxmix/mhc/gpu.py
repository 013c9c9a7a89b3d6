"""Optional GPU scoring path (PyTorch, the ``gpu``/``train`` extra) for very large batches.

Same arithmetic as :meth:`vaxmix.mhc.model.Ensemble.score_pairs` (the exported float32 weights),
run as batched matrix products on a CUDA device: the peptide encoding happens on the device
from residue indices, the first layer once per distinct peptide and once per allele, the upper
layers per pair. Results match the numpy path to float32 rounding (TF32 is disabled).
"""

from __future__ import annotations

import numpy as np

from vaxmix.mhc.encoding import MIN_LENGTH, N_SLOTS, peptide_slots
from vaxmix.mhc.model import Ensemble

__all__ = ["TorchEnsemble"]


class TorchEnsemble:
    """An :class:`Ensemble` moved to a torch device."""

    def __init__(self, ensemble: Ensemble, device: str = "cuda") -> None:
        import torch

        torch.backends.cuda.matmul.allow_tf32 = False
        self.torch = torch
        self.device = torch.device(device)
        as_tensor = lambda a: torch.tensor(a, device=self.device)  # noqa: E731
        self.blosum = as_tensor(ensemble.blosum)
        self.w_peptide = as_tensor(ensemble.w_peptide)
        self.w_allele = as_tensor(ensemble.w_allele)
        self.b1 = as_tensor(ensemble.b1)
        self.w2, self.b2 = as_tensor(ensemble.w2), as_tensor(ensemble.b2)
        self.w_out, self.b_out = as_tensor(ensemble.w_out), as_tensor(ensemble.b_out)
        self.k, self.h = ensemble.w2.shape[0], ensemble.w2.shape[1]

    def peptide_hidden_from_slots(self, slots, lengths):  # noqa: ANN001, ANN201 - torch tensors
        """First-layer peptide contribution from residue indices (n, 15) and lengths (n,)."""
        torch = self.torch
        n = slots.shape[0]
        features = torch.cat(
            [self.blosum[slots].reshape(n, -1),
             torch.nn.functional.one_hot(lengths - MIN_LENGTH, 8).float()], dim=1)
        return features @ self.w_peptide + self.b1

    def encode(self, peptides: list[str]):  # noqa: ANN201
        """Residue indices and lengths of ``peptides`` on the device."""
        slots, lengths = peptide_slots(peptides)
        assert slots.shape[1] == N_SLOTS
        return (self.torch.tensor(slots, device=self.device),
                self.torch.tensor(lengths, device=self.device))

    def allele_hidden(self, allele_features: np.ndarray):  # noqa: ANN201
        return self.torch.tensor(allele_features, device=self.device) @ self.w_allele

    def score_cross(self, pep_hidden, allele_hidden, chunk: int = 1 << 20):  # noqa: ANN001, ANN201
        """Affinity target and presentation score for every peptide × allele (peptide-major)."""
        torch = self.torch
        n_pep, n_all = pep_hidden.shape[0], allele_hidden.shape[0]
        total = n_pep * n_all
        affinity = torch.empty(total, device=self.device)
        presentation = torch.empty(total, device=self.device)
        pep_per_chunk = max(1, chunk // n_all)
        with torch.no_grad():
            for start in range(0, n_pep, pep_per_chunk):
                stop = min(n_pep, start + pep_per_chunk)
                hidden = torch.relu(pep_hidden[start:stop, None, :] + allele_hidden[None, :, :])
                m = (stop - start) * n_all
                hidden = hidden.reshape(m, self.k, self.h).transpose(0, 1)  # (K, m, H)
                upper = torch.relu(torch.baddbmm(self.b2, hidden, self.w2))
                probs = torch.sigmoid(torch.baddbmm(self.b_out, upper, self.w_out)).mean(0)
                affinity[start * n_all : stop * n_all] = probs[:, 0]
                presentation[start * n_all : stop * n_all] = probs[:, 1]
        return affinity, presentation
