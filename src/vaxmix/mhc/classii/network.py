"""PyTorch definition of the class II core-window network (training only).

Window features: BLOSUM rows of the 9 core residues, the *mean* BLOSUM row of the up-to-3
residues of each peptide-flanking region (zero when there is none) and the one-hots of
:mod:`vaxmix.mhc.classii.encoding`. Flanks are encoded as composition, not by position, as in
NetMHCIIpan (Nielsen M et al., BMC Bioinformatics 2010;11:S7): position-wise flanks would let
the network represent the same motif at a shifted register and mislocate the core.

``logit(window) = W3·relu(W2·relu(Wp·x_window + Wa·x_allele + b1) + b2) + b3`` with two output
columns (affinity, presentation); a peptide's logit per head is the maximum over its core
windows (:mod:`vaxmix.mhc.classii.encoding`) — the NNAlign max-over-cores rule, trained end to end.
"""

from __future__ import annotations

import torch
from torch import nn

from vaxmix.mhc.classii.encoding import CORE, FLANK
from vaxmix.mhc.encoding import GAP

__all__ = ["CoreWindowNet", "pep_dim"]


def pep_dim(width: int, n_categories: int) -> int:
    """Window feature width: 9 core residues, mean left/right flank residue, one-hots."""
    return CORE * width + 2 * width + n_categories


class CoreWindowNet(nn.Module):
    """Window MLP with a peptide-window part and an allele part in the first layer."""

    def __init__(
        self,
        blosum: torch.Tensor,  # (21, 21) fixed residue encoding
        n_slots: int,
        n_categories: int,
        allele_dim: int,
        hidden: int,
        hidden2: int,
        dropout: float,
    ):
        super().__init__()
        self.register_buffer("blosum", blosum)
        self.n_slots = n_slots
        self.n_categories = n_categories
        self.pep = nn.Linear(pep_dim(blosum.shape[1], n_categories), hidden, bias=False)
        self.allele = nn.Linear(allele_dim, hidden)
        self.hidden = nn.Linear(hidden, hidden2)
        self.out = nn.Linear(hidden2, 2)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        window_slots: torch.Tensor,  # (W, n_slots) residue indices (int64)
        window_categories: torch.Tensor,  # (W, 3) one-hot column offsets (int64)
        allele_features: torch.Tensor,  # (B, allele_dim), one per sample
        owner: torch.Tensor,  # (W,) sample index of each window
    ) -> torch.Tensor:
        """Pooled logits (B, 2): max over each sample's windows."""
        n = window_slots.shape[0]
        onehot = torch.zeros(n, self.n_categories, dtype=self.blosum.dtype,
                             device=window_slots.device)
        onehot.scatter_(1, window_categories, 1.0)
        rows = self.blosum[window_slots]  # (W, 15, 21)
        core = rows[:, FLANK : FLANK + CORE].reshape(n, -1)
        present = (window_slots != GAP).to(rows.dtype)[..., None]
        flanks = []
        for part in (slice(0, FLANK), slice(FLANK + CORE, None)):
            total = (rows[:, part] * present[:, part]).sum(1)
            flanks.append(total / present[:, part].sum(1).clamp(min=1.0))
        features = torch.cat([core, *flanks, onehot], dim=1)
        pep = self.pep(features)
        h = torch.relu(pep + self.allele(allele_features)[owner])
        h = torch.relu(self.hidden(self.dropout(h)))
        logits = self.out(h)
        pooled = torch.full(
            (allele_features.shape[0], 2), -1e9, dtype=logits.dtype, device=logits.device
        )
        index = owner[:, None].expand(-1, 2)
        return pooled.scatter_reduce(0, index, logits, reduce="amax", include_self=True)

    def wp(self) -> torch.Tensor:
        """First-layer weights (D, hidden): rows for 9×21 core, 21 left, 21 right, 25 one-hot."""
        return self.pep.weight.T
