"""Reading a run folder: which binding columns the vaccine stage takes (pVACseq's
--top-score-metric), worked out from the fixture's own columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


def test_top_score_metric_of_a_pvacseq_folder(tmp_path, hcc_dir):
    """A pVACseq folder is read with the metric pVACseq ranked it with (log/inputs.yml), a
    request may choose one where the folder names none, and a contradiction is refused."""
    import shutil

    from vaxmix.common.errors import InputError
    from vaxmix.vaccine.tables import read_run_folder

    folder = Path(shutil.copytree(hcc_dir, tmp_path / "pvacseq"))
    epitopes = pd.read_csv(folder / "all_epitopes.tsv", sep="\t")
    first = epitopes.iloc[0]
    assert read_run_folder(folder).metric == "median"
    median = read_run_folder(folder).epitopes.iloc[0]["affinity_nm"]
    assert median == pytest.approx(first["Median MT IC50 Score"])
    lowest = read_run_folder(folder, "lowest")
    assert lowest.metric == "lowest"
    assert lowest.epitopes.iloc[0]["affinity_nm"] == pytest.approx(first["Best MT IC50 Score"])
    (folder / "log").mkdir()
    (folder / "log" / "inputs.yml").write_text("top_score_metric: lowest\nn_threads: 8\n")
    assert read_run_folder(folder).metric == "lowest"
    with pytest.raises(InputError) as caught:
        read_run_folder(folder, "median")
    assert caught.value.field == "--top-score-metric" and "log/inputs.yml" in str(caught.value)


def test_design_metric_must_agree_with_the_runs(tmp_path):
    """A vaxmix run records its metric (run.json parameters.ranking.top_score_metric)."""
    from types import SimpleNamespace

    from vaxmix.common.errors import InputError
    from vaxmix.vaccine.tables import resolve_metric

    run = SimpleNamespace(parameters={"ranking": {"top_score_metric": "lowest"}})
    assert resolve_metric(run, tmp_path, None) == "lowest"
    assert resolve_metric(run, tmp_path, "lowest") == "lowest"
    with pytest.raises(InputError, match="ranked with --top-score-metric lowest"):
        resolve_metric(run, tmp_path, "median")
    assert resolve_metric(None, tmp_path, None) == "median"  # pVACseq's default
