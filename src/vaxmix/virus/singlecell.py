"""Single-cell input: the fraction of tumor cells that express each receptor gene.

Bulk TPM can hide a receptor carried by a minority of cells (or by stroma, not tumor). From an
AnnData ``.h5ad`` (read with :mod:`anndata`; loaded in memory, because anndata 0.12's backed
sparse matrices fail with current scipy), this counts, among the cells labelled tumor, those
with a non-zero count for each receptor.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from vaxmix.common.errors import InputError
from vaxmix.virus.genes import GeneTable, load_gene_table

__all__ = ["receptor_cell_fractions"]

_ROWS_PER_BLOCK = 20_000
_GENE_NAME_COLUMNS = (
    "gene_symbols",
    "gene_symbol",
    "feature_name",
    "gene_name",
    "symbol",
    "gene_ids",
)


def receptor_cell_fractions(
    path: str | Path,
    receptors: Iterable[str],
    cell_type_column: str | None = None,
    tumor_labels: Iterable[str] = ("tumor", "malignant", "cancer"),
    genes: GeneTable | None = None,
    layer: str | None = None,
) -> tuple[dict[str, float], int]:
    """Fraction of tumor cells with a non-zero count, per receptor gene.

    Parameters
    ----------
    path
        ``.h5ad`` file; genes in ``var_names`` or one of the usual ``var`` columns
        (symbols or Ensembl IDs).
    receptors
        HGNC symbols to measure.
    cell_type_column
        ``obs`` column holding cell labels; ``None`` uses every cell (a sorted tumor sample).
    tumor_labels
        Labels (case-insensitive) counted as tumor cells.
    layer
        Use this layer instead of ``X`` (e.g. raw ``counts``).

    Returns
    -------
    tuple
        (symbol → fraction, number of tumor cells)
    """
    import anndata

    genes = genes or load_gene_table()
    path = Path(path)
    try:
        adata = anndata.read_h5ad(path)
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(f"cannot read AnnData file: {exc}", path=path) from exc
    try:
        if cell_type_column is None:
            cell_mask = np.ones(adata.n_obs, dtype=bool)
        else:
            if cell_type_column not in adata.obs.columns:
                raise InputError("cell-type column not in obs", path=path, field=cell_type_column)
            labels = {label.lower() for label in tumor_labels}
            cell_mask = adata.obs[cell_type_column].astype(str).str.lower().isin(labels).to_numpy()
        n_cells = int(cell_mask.sum())
        if n_cells == 0:
            raise InputError(
                f"no tumor cells (labels {', '.join(tumor_labels)})",
                path=path,
                field=cell_type_column,
            )
        candidates = [list(adata.var_names)] + [
            list(adata.var[c].astype(str)) for c in _GENE_NAME_COLUMNS if c in adata.var.columns
        ]
        wanted = set(receptors)
        columns: dict[str, int] = {}
        for names in candidates:
            for index, name in enumerate(names):
                symbol = genes.resolve(name)
                if symbol in wanted and symbol not in columns:
                    columns[symbol] = index
        if not columns:
            raise InputError(
                "none of the receptor genes found in var", path=path, field="var_names"
            )
        order = sorted(columns)
        idx = [columns[s] for s in order]
        matrix = adata.layers[layer] if layer else adata.X
        counts = np.zeros(len(idx), dtype=np.int64)
        # row blocks keep the boolean/column selection cheap on large sparse matrices
        for start in range(0, adata.n_obs, _ROWS_PER_BLOCK):
            stop = min(start + _ROWS_PER_BLOCK, adata.n_obs)
            rows = cell_mask[start:stop]
            if not rows.any():
                continue
            block = matrix[start:stop]
            block = block[rows][:, idx]
            counts += np.asarray((block > 0).sum(axis=0)).ravel().astype(np.int64)
        return {s: float(c) / n_cells for s, c in zip(order, counts, strict=True)}, n_cells
    finally:
        del adata
