"""Single-cell receptor fractions from an AnnData file."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import anndata
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from vaxmix.common.errors import InputError
from vaxmix.virus.singlecell import receptor_cell_fractions


def _write(tmp_path, matrix, var_names, cell_types):
    # anndata 0.12 cannot write pandas 3's Arrow-backed strings: build with object strings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pd.option_context("future.infer_string", False):
            return _build(tmp_path, matrix, var_names, cell_types)


def _build(tmp_path, matrix, var_names, cell_types):
    adata = anndata.AnnData(
        X=sparse.csr_matrix(np.asarray(matrix, dtype=np.float32)),
        obs=pd.DataFrame(
            {"cell_type": pd.Categorical(cell_types)},
            index=pd.Index([f"c{i}" for i in range(len(cell_types))], dtype=object),
        ),
        var=pd.DataFrame(index=pd.Index(var_names, dtype=object)),
    )
    path = tmp_path / "tumor.h5ad"
    adata.write_h5ad(path)
    return path


def test_fractions_among_tumor_cells(tmp_path):
    # 4 tumor cells, 1 fibroblast; PVR counted in 3/4 tumor cells, ICAM1 (as CD54) in 1/4
    matrix = [
        [1, 0, 5],
        [2, 0, 0],
        [0, 3, 1],
        [4, 0, 0],
        [9, 9, 9],
    ]
    path = _write(tmp_path, matrix, ["PVR", "CD54", "GAPDH"], ["tumor"] * 4 + ["fibroblast"])
    fractions, n_cells = receptor_cell_fractions(path, ["PVR", "ICAM1", "CD55"], "cell_type")
    assert n_cells == 4
    assert fractions == {"ICAM1": pytest.approx(0.25), "PVR": pytest.approx(0.75)}


def test_no_tumor_cells_is_an_error(tmp_path):
    path = _write(tmp_path, [[1]], ["PVR"], ["fibroblast"])
    with pytest.raises(InputError, match="no tumor cells"):
        receptor_cell_fractions(path, ["PVR"], "cell_type")


def test_panel_with_single_cell_and_reference_cohort(tmp_path):
    from importlib import resources

    from vaxmix.virus.run import PanelInputs, run_panel

    example = resources.files("vaxmix.virus") / "data" / "example"
    # PVR in 1 of 20 tumor cells: below the 10 % caution threshold
    matrix = [[1 if i == 0 else 0, 1] for i in range(20)]
    h5ad = _write(tmp_path, matrix, ["PVR", "ICAM1"], ["malignant"] * 20)
    cohort = tmp_path / "cohort.tsv"
    cohort.write_text(
        "gene\ts1\ts2\ts3\n"
        + "".join(f"{g}\t1\t10\t100\n" for g in ("IFIT1", "MX1", "ISG15", "OAS1", "IFI27", "RSAD2"))
    )
    inputs = PanelInputs(
        indication="glioblastoma",
        expression=Path(str(example / "expression.tsv")),
        reference_expression=cohort,
        single_cell=h5ad,
        cell_type_column="cell_type",
    )
    run = run_panel(inputs, tmp_path / "out", plots=False)
    pv = run.rna["PVSRIPO"]
    assert pv.receptor_cell_fraction == {"PVR": 0.05}
    assert any("only 5% of tumor cells express PVR" in r for r in pv.reasons)
    assert pv.isg_z is not None
    document = json.loads((tmp_path / "out" / "panel.json").read_text())
    assert document["single_cell"]["tumor_cells"] == 20
    assert {i["role"] for i in document["provenance"]["inputs"]} >= {
        "single_cell",
        "reference_expression",
    }
