"""pVACfuse 7.1.5 parity on its full shipped examples (AGFusion folders and Arriba fusions.tsv).

The wheel is fetched and cached like the HCC1395 parity tests (``pvactools_example`` in
conftest.py), then pVACfuse's example inputs and results are read straight from the zip.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path

import pytest

from vaxmix.peptides.fusion_windows import fusion_epitopes
from vaxmix.variants.fusions import read_fusions

pytestmark = pytest.mark.network

PREFIX = "pvactools/tools/pvacfuse/example_data/"
PVACTOOLS_WHEEL = "pvactools-7.1.5-py3-none-any.whl"  # as in conftest.py


@pytest.fixture(scope="module")
def pvacfuse_example(pvactools_example, tmp_path_factory) -> Path:
    """pVACfuse's example_data folder, extracted from the cached, sha256-checked wheel."""
    del pvactools_example  # requested so that conftest downloads and sha256-checks the wheel
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vaxmix" / "pvactools"
    out = tmp_path_factory.mktemp("pvacfuse_example")
    with zipfile.ZipFile(cache / PVACTOOLS_WHEEL) as archive:
        for member in archive.namelist():
            if member.startswith(PREFIX) and not member.endswith(".png"):
                target = out / member.removeprefix(PREFIX)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text()), delimiter="\t"))


@pytest.mark.parametrize(
    "source, results", [("agfusion", "agfusion_results"), ("arriba_fusions.tsv", "arriba_results")]
)
def test_records_equal_pvacfuse_fusion_table(pvacfuse_example, source, results):
    records = read_fusions(pvacfuse_example / source)
    table = _rows(pvacfuse_example / results / "MHC_Class_I" / "8" / "Test.fa.tsv")
    mine = [
        (
            r.index,
            r.chromosome,
            r.start,
            r.stop,
            r.genes,
            r.transcripts,
            r.peptide,
            r.fusion_type,
            str(r.junction),
            "NA" if r.read_support is None else str(r.read_support),
        )
        for r in records
    ]
    theirs = [
        (
            t["index"],
            t["chromosome_name"],
            t["start"],
            t["stop"],
            t["gene_name"],
            t["transcript_name"],
            t["fusion_amino_acid_sequence"],
            t["variant_type"],
            t["protein_position"],
            t["fusion_read_support"],
        )
        for t in table
    ]
    assert mine == theirs


@pytest.mark.parametrize(
    "source, results", [("agfusion", "agfusion_results"), ("arriba_fusions.tsv", "arriba_results")]
)
@pytest.mark.parametrize("mhc_class, lengths", [("I", (8, 9, 10)), ("II", (15,))])
def test_epitopes_equal_pvacfuse_all_epitopes(
    pvacfuse_example, source, results, mhc_class, lengths
):
    records = read_fusions(pvacfuse_example / source)
    got = {(e.index, e.length, e.position, e.epitope) for e in fusion_epitopes(records, lengths)}
    table = _rows(
        pvacfuse_example
        / results
        / f"MHC_Class_{mhc_class}"
        / f"Test.MHC_{mhc_class}.all_epitopes.tsv"
    )
    expected = {
        (t["Index"], len(t["Epitope Seq"]), int(t["Sub-peptide Position"]), t["Epitope Seq"])
        for t in table
    }
    assert got == expected
    assert len(got) > 500


@pytest.mark.parametrize("results", ["agfusion_results", "arriba_results"])
@pytest.mark.parametrize("folder", ["MHC_Class_I", "MHC_Class_II", "combined"])
def test_filter_aggregate_tiers_replay_pvacfuse(pvacfuse_example, results, folder):
    """pVACfuse's own scores (its all_epitopes) through vaxmix's filters, top-score choice,
    aggregation and tiers give pVACfuse's filtered and aggregated tables, row for row."""
    import pandas as pd

    from vaxmix.pipeline.fusion_args import FusionConfig
    from vaxmix.pipeline.fusions import (
        _aggregate,
        _binding_coverage_filter,
        _top_score,
    )
    from vaxmix.ranking.config import RankingConfig

    base = pvacfuse_example / results / folder
    name = {"MHC_Class_I": "MHC_I", "MHC_Class_II": "MHC_II", "combined": "Combined"}[folder]
    read = {"sep": "\t", "na_values": "NA", "keep_default_na": False}
    scores = pd.read_csv(base / f"Test.{name}.all_epitopes.tsv", dtype={"Index": str}, **read)
    scores["Junction Position"] = scores["Index"].str.rsplit(".", n=1).str[1].astype(int)
    ranking, fusion = RankingConfig(), FusionConfig(Path("unused"))
    filtered = _top_score(_binding_coverage_filter(scores, ranking, fusion), ranking)
    shipped = pd.read_csv(base / f"Test.{name}.filtered.tsv", dtype={"Index": str}, **read)
    key = ["Index", "HLA Allele", "Epitope Seq"]
    assert filtered[key].values.tolist() == shipped[key].values.tolist()
    alleles = sorted(set(scores["HLA Allele"]))
    aggregated = _aggregate(scores, alleles, ranking, fusion)
    shipped = pd.read_csv(base / f"Test.{name}.all_epitopes.aggregated.tsv", dtype={"ID": str},
                          **read)  # fmt: skip
    columns = ["ID", "Best Peptide", "Allele", "Num Included Peptides", "Num Passing Peptides",
               "Tier"]  # fmt: skip
    if folder == "combined":  # known difference, see docs/fusions.md ("combined" counts)
        columns = [c for c in columns if not c.startswith("Num ")]
    assert aggregated[columns].values.tolist() == shipped[columns].values.tolist()
