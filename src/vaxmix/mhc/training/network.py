"""PyTorch network and inequality-aware loss (training only; inference is numpy)."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["PanAlleleNet", "inequality_mse"]


class PanAlleleNet(nn.Module):
    """MLP on [peptide features ; pseudosequence features] with affinity and presentation heads.

    The first layer is written as two linear maps (peptide, allele) whose outputs are added —
    mathematically one linear layer on the concatenation, and the split that numpy inference
    exploits (:mod:`vaxmix.mhc.model`).
    """

    def __init__(self, pep_dim: int, allele_dim: int, hidden: int, hidden2: int, dropout: float):
        super().__init__()
        self.peptide = nn.Linear(pep_dim, hidden)
        self.allele = nn.Linear(allele_dim, hidden, bias=False)
        self.layer2 = nn.Linear(hidden, hidden2)
        self.out = nn.Linear(hidden2, 2)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self, pep: torch.Tensor, allele_features: torch.Tensor, allele_index: torch.Tensor
    ) -> torch.Tensor:
        """Logits (n, 2): column 0 affinity, column 1 presentation.

        ``allele_features`` holds every allele's pseudosequence features once; its first-layer
        product is computed once per batch and indexed per row (as inference does).
        """
        allele_hidden = self.allele(allele_features)[allele_index]
        h = torch.relu(self.peptide(pep) + allele_hidden)
        h = self.dropout(h)
        h = torch.relu(self.layer2(h))
        return self.out(self.dropout(h))


def inequality_mse(
    pred: torch.Tensor, target: torch.Tensor, inequality: torch.Tensor
) -> torch.Tensor:
    """Squared error that only penalises violations of censored values.

    ``inequality`` 0: ``=``; 1: measured nM is a lower bound ("> nM"), so the target
    ``1 - log(nM)/log(50000)`` is an upper bound and only ``pred > target`` is penalised;
    2: measured nM is an upper bound ("< nM"), only ``pred < target`` is penalised.
    Same idea as MHCflurry's MSEWithInequalities (O'Donnell et al., Cell Syst 2018).
    """
    diff = pred - target
    diff = torch.where(inequality == 1, torch.clamp(diff, min=0.0), diff)
    diff = torch.where(inequality == 2, torch.clamp(diff, max=0.0), diff)
    return (diff * diff).mean()
