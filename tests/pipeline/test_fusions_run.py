"""`vaxmix run --fusions`: tables in fusions/, pVACfuse filters and tiers, bad input exits 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vaxmix.cli import main
from vaxmix.common.errors import InputError
from vaxmix.common.provenance import sha256_file
from vaxmix.pipeline import PipelineConfig, example_patient_files, run_pipeline
from vaxmix.pipeline.fusion_args import FusionConfig
from vaxmix.pipeline.fusions import (
    _aggregate,
    _binding_coverage_filter,
    _top_score,
)
from vaxmix.ranking.config import RankingConfig

DATA = Path(__file__).parents[1] / "variants" / "data" / "fusions"
ARRIBA = DATA / "arriba_fusions_subset.tsv"


def _run(tmp_path, predictor, fusions: Path, **config) -> tuple[Path, object]:
    out = tmp_path / "run"
    with example_patient_files() as (vcf, hla):
        cfg = PipelineConfig(
            vcf=vcf,
            sample="HCC1395_TUMOR_DNA",
            hla_file=hla,
            lengths=(8, 9),
            class2_lengths=(15,),
            **config,
        )
        result = run_pipeline(
            cfg, out, predict=predictor, predict_class2=predictor, fusions=FusionConfig(fusions)
        )
    return out, result


def test_run_writes_fusion_tables_beside_snv_tables(tmp_path, predictor):
    out, result = _run(tmp_path, predictor, ARRIBA)
    assert (out / "all_epitopes.tsv").is_file()  # the SNV/indel tables are still there
    for folder in ("MHC_Class_I", "MHC_Class_II", "combined"):
        for stem in ("all_epitopes", "filtered", "aggregated"):
            assert (out / "fusions" / folder / f"{stem}.tsv").is_file(), (folder, stem)
    fusions = pd.read_csv(out / "fusions" / "fusions.tsv", sep="\t", dtype=str)
    assert len(fusions) == 6 and fusions["fusion_read_support"].iloc[0] == "315"
    table = pd.read_csv(
        out / "fusions" / "MHC_Class_I" / "all_epitopes.tsv", sep="\t", keep_default_na=False
    )
    expected = pd.read_csv(DATA / "pvacfuse_arriba_epitopes.tsv", sep="\t")
    class1 = expected[expected["Length"].isin([8, 9])]
    # every (fusion, length, epitope) of pVACfuse, once per class I allele of the patient
    assert len(table) == 3 * len(class1)
    assert set(zip(table["Index"], table["Epitope Seq"], strict=True)) == set(
        zip(class1["Index"], class1["Epitope Seq"], strict=True)
    )
    for column in (
        "Index",
        "Junction Position",
        "Epitope Seq",
        "Read Support",
        "Expression",
        "Median IC50 Score",
        "Variant Type",
        "Sub-peptide Position",
    ):
        assert column in table.columns, column
    assert set(table["Expression"]) == {"NA"}  # Arriba has no FFPM without STAR-Fusion
    run = json.loads((out / "run.json").read_text())
    assert run["fusions"]["inputs"]["sha256"] == sha256_file(ARRIBA)
    assert run["fusions"]["parameters"]["read_support"] == 5
    assert run["fusions"]["counts"]["fusions"] == 6
    assert run["fusions"]["counts"]["MHC_Class_I"]["all_epitopes_rows"] == len(table)
    assert result.counts["fusions"]["MHC_Class_II"]["lengths"] == [15]
    assert "fusions/MHC_Class_I/aggregated.tsv" in result.files
    agg = pd.read_csv(out / "fusions" / "MHC_Class_I" / "aggregated.tsv", sep="\t")
    assert set(agg["ID"]) == set(class1["Index"])  # one row per fusion with epitopes


def test_agfusion_folder_run(tmp_path, predictor):
    out, result = _run(tmp_path, predictor, DATA / "agfusion")
    assert result.counts["fusions"]["fusions"] == 2
    run = json.loads((out / "run.json").read_text())
    assert set(run["fusions"]["inputs"]["sha256"]) == {
        "ABCA12-214978607_EXTL2-100874375/ABCA12-EXTL2.exons.txt",
        "ABCA12-214978607_EXTL2-100874375/ABCA12-EXTL2_protein.fa",
        "AMD1-110875215_REV3L-111368028/AMD1-REV3L.exons.txt",
        "AMD1-110875215_REV3L-111368028/AMD1-REV3L_protein.fa",
    }


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """Hand-made all-epitopes rows: (Index, allele, epitope, ic50, percentile, reads, expr)."""
    out = []
    for index, allele, epitope, ic50, pct, reads, expr in rows:
        out.append(
            {
                "Chromosome": "1 / 2",
                "Start": f"{index[0]}0 / 20",
                "Stop": "NA",
                "Transcript": "T1-T2",
                "Gene Name": "A-B",
                "Variant Type": "inframe_fusion",
                "Index": index,
                "HLA Allele": allele,
                "Sub-peptide Position": 1,
                "Epitope Seq": epitope,
                "Median IC50 Score": ic50,
                "Best IC50 Score": ic50,
                "Median Percentile": pct,
                "Best Percentile": pct,
                "Median IC50 Percentile": np.nan,
                "Best IC50 Percentile": np.nan,
                "Median Immunogenicity Percentile": np.nan,
                "Best Immunogenicity Percentile": np.nan,
                "Median Presentation Percentile": pct,
                "Best Presentation Percentile": pct,
                "Read Support": reads,
                "Expression": expr,
                "Junction Position": 5,
            }
        )
    return pd.DataFrame(out)


def test_filters_follow_pvacfuse_rules_by_hand():
    frame = _frame(
        [
            ("1.A-B.T1-T2.inframe_fusion.5", "HLA-A*02:01", "AAAAAAAA", 50.0, 0.5, 3, np.nan),
            ("2.C-D.T3-T4.inframe_fusion.5", "HLA-A*02:01", "CCCCCCCC", 499.0, 1.9, np.nan, np.nan),
            ("2.C-D.T3-T4.inframe_fusion.5", "HLA-A*02:01", "DDDDDDDD", 100.0, 1.0, np.nan, np.nan),
            ("3.E-F.T5-T6.inframe_fusion.5", "HLA-A*02:01", "EEEEEEEE", 501.0, 0.1, 10, 2.0),
            ("4.G-H.T7-T8.inframe_fusion.5", "HLA-A*02:01", "GGGGGGGG", 20.0, 2.5, 10, 2.0),
            ("5.I-J.T9-T0.inframe_fusion.5", "HLA-A*02:01", "IIIIIIII", 20.0, 0.5, 10, 0.05),
        ]
    )
    ranking, fusion = RankingConfig(), FusionConfig(Path("x"))
    kept = _binding_coverage_filter(frame, ranking, fusion)
    # 1: 3 reads < 5; 3: IC50 501 > 500; 4: percentile 2.5 > 2 (conservative); 5: FFPM < 0.1.
    # 2: NA read support and expression pass, as in pVACtools' Filter
    assert list(kept["Epitope Seq"]) == ["CCCCCCCC", "DDDDDDDD"]
    best = _top_score(kept, ranking)
    assert list(best["Epitope Seq"]) == ["DDDDDDDD"]  # one line per fusion: the best binder
    exploratory = RankingConfig(percentile_strategy="exploratory")
    assert "GGGGGGGG" in set(_binding_coverage_filter(frame, exploratory, fusion)["Epitope Seq"])
    tiers = dict(
        zip(
            *(_aggregate(frame, ["HLA-A*02:01"], ranking, fusion)[c] for c in ("ID", "Tier")),
            strict=True,
        )
    )
    assert tiers == {
        "1.A-B.T1-T2.inframe_fusion.5": "LowReadSupport",
        "2.C-D.T3-T4.inframe_fusion.5": "Pass",
        "3.E-F.T5-T6.inframe_fusion.5": "PoorBinder",
        "4.G-H.T7-T8.inframe_fusion.5": "PoorPresentation",
        "5.I-J.T9-T0.inframe_fusion.5": "LowExpr",
    }


@pytest.mark.parametrize(
    "breakage, expected",
    [
        ("column", "field peptide_sequence"),
        ("marker", "line 2, field peptide_sequence"),
        ("agfusion", "exons"),
    ],
)
def test_bad_fusion_input_exits_2(tmp_path, capsys, breakage, expected):
    if breakage == "agfusion":
        bad = tmp_path / "agfusion"
        shutil.copytree(DATA / "agfusion", bad)
        next(bad.glob("AMD1*/*.exons.txt")).unlink()
    else:
        bad = tmp_path / "fusions.tsv"
        text = ARRIBA.read_text()
        bad.write_text(
            text.replace("peptide_sequence", "peptide")
            if breakage == "column"
            else text.replace("GGTC|mgrc", "GGTCmgrc")
        )
    out = tmp_path / "out"
    with example_patient_files() as (vcf, hla):
        code = main(
            [
                "run",
                str(vcf),
                "--sample",
                "HCC1395_TUMOR_DNA",
                "--hla-file",
                str(hla),
                "--fusions",
                str(bad),
                "--out",
                str(out),
            ]
        )
    err = capsys.readouterr().err
    assert code == 2
    assert str(bad if breakage != "agfusion" else next(bad.glob("AMD1*"))) in err
    assert expected in err
    assert "Traceback" not in err
    assert not out.exists()


def test_starfusion_without_fusions_is_an_error(tmp_path, capsys):
    with example_patient_files() as (vcf, hla):
        code = main(
            [
                "run",
                str(vcf),
                "--hla-file",
                str(hla),
                "--starfusion-file",
                str(ARRIBA),
                "--out",
                str(tmp_path / "o"),
            ]
        )
    assert code == 2 and "--fusions" in capsys.readouterr().err


def test_unscored_epitope_is_an_error_not_a_dropped_row(tmp_path, predictor):
    from vaxmix.peptides.fusion_windows import fusion_epitopes
    from vaxmix.variants.fusions import read_fusions

    # only the fusion stage's call "forgets" its first peptide (the SNV stage's own call is
    # checked by vaxmix.mhc.protocol.check_results before the fusions are reached)
    fusion_peptides = {e.epitope for e in fusion_epitopes(read_fusions(ARRIBA), (8, 9, 15), None)}

    def partial(peptides, alleles):
        peptides = list(peptides)
        forget = bool(peptides) and peptides[0] in fusion_peptides
        return predictor(peptides[1:] if forget else peptides, alleles)

    with pytest.raises(InputError, match="no score for") as err:
        _run(tmp_path, partial, ARRIBA)
    assert err.value.path == str(ARRIBA)
