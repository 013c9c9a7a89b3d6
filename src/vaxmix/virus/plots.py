"""Figures: dose-response curves with their 4PL fits, and a receptor-expression heatmap.

Matplotlib with the non-interactive Agg backend (no display needed); each figure is written as
both PNG and SVG.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.virus.assay import AssayResult
from vaxmix.virus.catalog import Catalog
from vaxmix.virus.expression import ExpressionProfile
from vaxmix.virus.fit import four_pl

__all__ = ["plot_dose_response", "plot_receptor_heatmap"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, stem: Path) -> list[Path]:  # noqa: ANN001 - matplotlib Figure
    import matplotlib

    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    # SVG text as <text> (not glyph paths): smaller files, faster to write, still searchable
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(paths[0], dpi=110, bbox_inches="tight")
        fig.savefig(paths[1], bbox_inches="tight", metadata={"Date": None})
    return paths


def plot_dose_response(assay: AssayResult, stem: Path) -> list[Path]:
    """One panel per virus: points (wells) and fitted curves per sample; dashed = failed fit."""
    plt = _pyplot()
    viruses = list(dict.fromkeys(assay.curves["virus_id"]))
    n = max(len(viruses), 1)
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False)
    treated = assay.wells[assay.wells["control"] == "none"]
    colours = plt.get_cmap("tab10")
    samples = list(dict.fromkeys(treated["sample_id"]))
    for ax, virus in zip(axes.flat, viruses, strict=False):
        for (plate_id, sample, v), fit in assay.fits.items():
            if v != virus:
                continue
            colour = colours(samples.index(sample) % 10)
            rows = treated[
                (treated["plate_id"] == plate_id)
                & (treated["sample_id"] == sample)
                & (treated["virus_id"] == virus)
            ]
            x = np.log10(rows["dose"].to_numpy(float))
            ax.scatter(x, rows["viability"], s=12, color=colour, alpha=0.7)
            if fit.converged:
                grid = np.linspace(x.min(), x.max(), 200)
                style = "-" if fit.ok else "--"
                label = (
                    f"{sample}: EC50 {'>' if fit.ec50_censored == '>' else ''}10^{fit.log_ec50:.2f}"
                )
                ax.plot(
                    grid,
                    four_pl(grid, fit.bottom, fit.top, fit.hill, fit.log_ec50_relative),
                    style,
                    color=colour,
                    label=label,
                )
            else:
                ax.plot([], [], "x", color=colour, label=f"{sample}: fit failed")
        ax.axhline(50, color="grey", lw=0.6, ls=":")
        unit = treated.loc[treated["virus_id"] == virus, "dose_unit"].iloc[0]
        ax.set_title(virus)
        ax.set_xlabel(f"log10 dose ({unit})")
        ax.set_ylabel("viability (% of mock)")
        ax.set_ylim(-10, 130)
        ax.legend(fontsize=7, loc="lower left")
    for ax in list(axes.flat)[len(viruses) :]:
        ax.axis("off")
    fig.suptitle("Ex vivo dose-response with 4PL fits (dashed: flagged fit)", fontsize=10)
    fig.tight_layout()
    paths = _save(fig, stem)
    plt.close(fig)
    return paths


def plot_receptor_heatmap(
    catalog: Catalog, profile: ExpressionProfile, stem: Path, receptor_tpm: float = 1.0
) -> list[Path]:
    """Viruses × receptor genes, coloured by log2(TPM + 1); obligatory receptors outlined."""
    plt = _pyplot()
    genes = sorted({r.gene for v in catalog for r in v.receptors})
    viruses = [v for v in catalog if v.receptors]
    values = np.full((len(viruses), len(genes)), np.nan)
    for i, virus in enumerate(viruses):
        for receptor in virus.receptors:
            tpm = profile.get(receptor.gene)
            if tpm is not None:
                values[i, genes.index(receptor.gene)] = math.log2(tpm + 1.0)
    fig, ax = plt.subplots(figsize=(0.45 * len(genes) + 2.5, 0.35 * len(viruses) + 1.5))
    image = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", aspect="auto")
    obligatory, below = [], []
    for i, virus in enumerate(viruses):
        for receptor in virus.receptors:
            j = genes.index(receptor.gene)
            if receptor.obligatory:
                obligatory.append((j, i))
            tpm = profile.get(receptor.gene)
            if tpm is not None and tpm < receptor_tpm:
                below.append((j, i))
    # one collection per marker kind: far faster to render than a patch or text per cell
    if obligatory:
        ax.scatter(
            *zip(*obligatory, strict=True),
            marker="s",
            s=90,
            facecolors="none",
            edgecolors="red",
            linewidths=1.2,
        )
    if below:
        ax.scatter(*zip(*below, strict=True), marker="x", s=25, color="white", linewidths=1.0)
    ax.set_xticks(range(len(genes)), genes, rotation=90, fontsize=7)
    ax.set_yticks(range(len(viruses)), [v.id for v in viruses], fontsize=7)
    fig.colorbar(image, ax=ax, label="log2(TPM + 1)")
    ax.set_title(
        f"Tumor receptor expression (red: obligatory; ×: < {receptor_tpm:g} TPM)", fontsize=9
    )
    paths = _save(fig, stem)
    plt.close(fig)
    return paths


def curves_for_report(assay: AssayResult) -> pd.DataFrame:
    """The curve table as the report stage shows it (rounded, one row per curve)."""
    return assay.curves.round(4)
