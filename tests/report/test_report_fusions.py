"""The report's "Gene fusions" section: fusion candidates as a kind of their own.

The run folder is a copy of the real ``vaxmix design`` output (``designed_run_copy``,
tests/conftest.py) plus a ``fusions/`` folder written by the real
fusion stage (:mod:`vaxmix.pipeline.fusions`) from one hand-made inframe fusion scored by a
fake predictor whose only binder is known by construction: ``YLWRSIQDV`` (spans the junction
``...AYLW | RSIQDV...``) binds HLA-A*02:01 at 20 nM; every other (peptide, molecule) is 20000 nM.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from vaxmix.common.runfolder import read_marker, write_marker
from vaxmix.pipeline.fusion_args import FusionConfig
from vaxmix.pipeline.fusions import fusion_run_record, run_fusions, write_fusion_outputs
from vaxmix.ranking.config import RankingConfig
from vaxmix.report.build import render_report
from vaxmix.report.loaders import load_run
from vaxmix.variants.fusions import INFRAME, FusionRecord

LEFT, RIGHT = "KPE" * 5 + "AYLW", "RSIQDV" + "KPE" * 5
BINDER, ALLELE, MODEL = "YLWRSIQDV", "HLA-A*02:01", "fake-model 1.0"
INDEX = f"1.GENEA--GENEB.T1--T2.inframe.{len(LEFT)}"


def fake_predict(peptides, alleles) -> pd.DataFrame:
    rows = [
        (p, a, 20.0 if (p, a) == (BINDER, ALLELE) else 20000.0,
         0.1 if (p, a) == (BINDER, ALLELE) else 90.0, 0.5, MODEL)
        for p in peptides for a in alleles
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["peptide", "allele", "affinity_nm", "percentile",
                                       "presentation_score", "model"])  # fmt: skip


def add_fusions(run: Path) -> Path:
    """Write fusions/ (class I only) into ``run`` and list it in run.json and the marker."""
    record = FusionRecord(
        index=INDEX, genes="GENEA--GENEB", transcripts="T1--T2", fusion_type=INFRAME,
        junction=len(LEFT), peptide=LEFT + RIGHT, chromosome="chr1", start="100", stop="200",
        read_support=42, expression=None, source="test", line=2, coding_length=None,
    )  # fmt: skip
    config = FusionConfig(run / "fusions.tsv")
    result = run_fusions(
        config, RankingConfig(),
        ((9,), [ALLELE, "HLA-B*07:02"], fake_predict), ((), [], None), records=[record],
    )  # fmt: skip
    write_fusion_outputs(result, run, run)
    meta = json.loads((run / "run.json").read_text())
    meta["fusions"] = dataclasses.asdict(fusion_run_record(config, result))
    (run / "run.json").write_text(json.dumps(meta))
    marker = read_marker(run)
    assert marker is not None
    write_marker(run, marker["command"], [*marker["parts"], "fusions"])
    return run


def _section(html: str) -> str:
    match = re.search(r'<section id="fusions">(.*?)</section>', html, re.S)
    assert match, "no Gene fusions section"
    return match.group(1)


def test_fusion_section_shows_the_aggregated_rows_with_the_model(designed_run_copy):
    run = add_fusions(designed_run_copy)
    html = render_report(load_run(run))
    section = _section(html)
    assert 'href="#fusions"' in html
    assert f"predictions</strong> of {MODEL}" in section
    rows = re.findall(r'<tr data-kind="fusion">(.*?)</tr>', section, re.S)
    assert len(rows) == 1  # one fusion, one class
    cells = dict(re.findall(r'<td class="col-([^" ]+)[^"]*">(.*?)</td>', rows[0]))
    # by hand: the only binder is YLWRSIQDV on A*02:01 at 20 nM; the junction sits after the
    # left part; read support as given; no FFPM (Arriba without STAR-Fusion) shown as NA
    assert cells["ID"] == INDEX
    assert cells["Best-Peptide"] == BINDER
    assert cells["Allele"] == ALLELE
    assert cells["IC50-MT"] == "20"
    assert cells["pctile-MT"] == "0.1"
    assert cells["Junction-Position"] == str(len(LEFT))
    assert cells["Read-Support"] == "42"
    assert cells["Expr"] == "NA"
    aggregated = pd.read_csv(run / "fusions/MHC_Class_I/aggregated.tsv", sep="\t", dtype=str)
    assert cells["Tier"] == aggregated["Tier"].iloc[0] == "Pass"
    assert "MHC_Class_II" not in section  # the run predicted no class II fusion epitope
    assert "Gene fusions" in html and "fusions/MHC_Class_I/aggregated.tsv" in html  # checksum


def test_no_fusion_section_without_fusions(designed_run_copy):
    html = render_report(load_run(designed_run_copy))
    assert 'id="fusions"' not in html and 'href="#fusions"' not in html


def test_vaccine_reasons_show_the_kind(designed_run_copy):
    run = add_fusions(designed_run_copy)
    # the design's own candidates.tsv, plus a row for the fusion in the writer's columns
    path = run / "vaccine" / "candidates.tsv"
    candidates = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    assert set(candidates["in_vaccine"]) <= {"yes", "no"}  # the writer's spelling
    fusion = dict.fromkeys(candidates.columns, "") | {
        "variant": INDEX, "gene": "GENEA--GENEB", "kind": "fusion", "in_vaccine": "yes",
        "long_peptide": "F1", "reason": "selected",
    }  # fmt: skip
    pd.concat([candidates, pd.DataFrame([fusion])]).to_csv(path, sep="\t", index=False)
    html = render_report(load_run(run))
    table = re.search(r'id="vaccine-candidates-table">(.*?)</table>', html, re.S)
    assert table and "<th>Kind</th>" in table.group(1)
    assert f'data-variant="{INDEX}" data-in-vaccine="yes" data-kind="fusion"' in table.group(1)
    first = candidates.iloc[0]
    assert (f'data-variant="{first["variant"]}" data-in-vaccine="{first["in_vaccine"]}" '
            f'data-kind="{first["kind"]}"') in table.group(1)


def test_fusion_table_without_required_column_is_refused(designed_run_copy):
    from vaxmix.common.errors import InputError

    run = add_fusions(designed_run_copy)
    path = run / "fusions/MHC_Class_I/aggregated.tsv"
    table = pd.read_csv(path, sep="\t", dtype=str).drop(columns=["Best Peptide"])
    table.to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError, match="Best Peptide"):
        load_run(run)
