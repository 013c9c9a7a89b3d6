"""Fusion readers and junction windows against pVACfuse 7.1.5's own output and hand-worked rules."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from vaxmix.common.errors import InputError
from vaxmix.peptides.fusion_windows import fusion_epitopes, fusion_window, trim_invalid
from vaxmix.variants.fusions import (
    FusionRecord,
    read_agfusion_dir,
    read_arriba_tsv,
    read_fusions,
)

DATA = Path(__file__).parent / "data" / "fusions"
ARRIBA = DATA / "arriba_fusions_subset.tsv"
AGFUSION = DATA / "agfusion"


def _expected(name: str) -> set[tuple[str, int, int, str]]:
    with open(DATA / f"pvacfuse_{name}_epitopes.tsv") as handle:
        return {
            (r["Index"], int(r["Length"]), int(r["Sub-peptide Position"]), r["Epitope Seq"])
            for r in csv.DictReader(handle, delimiter="\t")
        }


def _record(peptide: str, junction: int, fusion_type: str) -> FusionRecord:
    return FusionRecord(
        "1.A-B.T1-T2.x.0",
        "A-B",
        "T1-T2",
        fusion_type,
        junction,
        peptide,
        "1 / 2",
        "10 / 20",
        "NA",
        7,
        None,
        "test",
        2,
    )


# ------------------------------------------------------------------ readers


def test_arriba_rows_follow_pvacfuse_rules():
    records = read_arriba_tsv(ARRIBA)
    # 8 data rows: row 2 has no peptide ('.'), row 5 is stop-codon -> 6 kept, numbered 1..6
    assert [r.index.split(".")[0] for r in records] == ["1", "2", "3", "4", "5", "6"]
    pten = records[0]
    # peptide TRDK...GGTC|mgrcmqtypkvqgs*: junction after the 52 residues left of '|'
    assert pten.junction == 52
    assert pten.peptide == "TRDKKGVTIPSQRRYVYYYSYLLKNHLDYRPVALLFHKMMFETIPMFSGGTCMGRCMQTYPKVQGS"
    assert pten.fusion_type == "frameshift_fusion"
    assert pten.read_support == 163 + 146 + 6  # split_reads1 + split_reads2 + discordant_mates
    assert pten.expression is None
    assert pten.chromosome == "chr10 / chr10" and pten.start == "87952259 / 88016243"
    assert pten.index == (
        "1.PTEN-ENSG00000200891(21548),MED6P1(31892).ENST00000371953-..frameshift_fusion.52"
    )  # transcript_id2 is '.'
    assert records[1].fusion_type == "inframe_fusion" and records[1].line == 4


def test_agfusion_dir_skips_noncoding_and_reads_exon_span():
    records = read_agfusion_dir(AGFUSION)
    assert [r.genes for r in records] == ["ABCA12-EXTL2", "AMD1-REV3L"]
    first = records[0]
    assert first.fusion_type == "frameshift_fusion" and first.junction == 1659
    assert first.transcripts == "ENST00000272895-ENST00000370114"
    assert "*" not in first.peptide
    # pVACfuse's shipped table: 2 / 1, 214978804 / 100872387, 215138428 / 100874375
    assert (first.chromosome, first.start, first.stop) == (
        "2 / 1",
        "214978804 / 100872387",
        "215138428 / 100874375",
    )
    assert first.read_support is None and first.expression is None
    assert records[1].index == "2.AMD1-REV3L.ENST00000368885-ENST00000358835.inframe_fusion.36"


def test_read_fusions_dispatches_on_kind():
    assert len(read_fusions(AGFUSION)) == 2
    assert len(read_fusions(ARRIBA)) == 6


def test_starfusion_adds_expression_to_arriba(tmp_path):
    star = tmp_path / "star.tsv"
    star.write_text(
        "#FusionName\tJunctionReadCount\tSpanningFragCount\tLeftBreakpoint\t"
        "RightBreakpoint\tFFPM\n"
        "PTEN--X\t10\t3\tchr10:87952259:+\tchr10:88016243:+\t0.75\n"
    )
    records = read_arriba_tsv(ARRIBA, starfusion=star)
    assert records[0].expression == 0.75
    assert records[0].read_support == 315  # Arriba's own support is kept
    assert records[1].expression is None


# ------------------------------------------------------------------ windows


def test_epitopes_equal_pvacfuse_all_epitopes_offline():
    for name, path in (("agfusion", AGFUSION), ("arriba", ARRIBA)):
        records = read_fusions(path)
        got = {
            (e.index, e.length, e.position, e.epitope)
            for e in fusion_epitopes(records, [8, 9, 10, 15])
        }
        assert got == _expected(name), name


def test_inframe_window_by_hand():
    # A0 C1 D2 E3 F4 G5 H6 I7 | K8 L9 ...: junction 8; length 3 -> flank 2 -> residues 6..9
    record = _record("ACDEFGHIKLMNPQRS", 8, "inframe_fusion")
    assert fusion_window(record, 3) == "HIKL"
    epitopes = [e.epitope for e in fusion_epitopes([record], [3])]
    assert epitopes == ["HIK", "IKL"]  # every 3-mer holds I7 and K8: it crosses the junction


def test_frameshift_window_runs_to_end_or_cap():
    record = _record("ACDEFGHIKLMNPQRS", 4, "frameshift_fusion")
    assert fusion_window(record, 3) == "DEFGHIKLMNPQRS"  # from junction-2 to the end
    assert fusion_window(record, 3, downstream=3) == "DEFGH"  # F,G,H: 3 from the junction on
    assert fusion_window(_record("ACDEFGHIKX", 4, "frameshift_fusion"), 3) == "DEFGHIK"


def test_trim_invalid_cuts_shorter_side():
    assert trim_invalid("AB?CDEFG") == "CDEFG"
    assert trim_invalid("ABCDE*FG") == "ABCDE"
    assert fusion_window(_record("ACD?EFGHIK", 2, "inframe_fusion"), 4) == ""  # too short left


# ------------------------------------------------------------------ bad input


def _copy_agfusion(tmp_path: Path) -> Path:
    target = tmp_path / "agfusion"
    shutil.copytree(AGFUSION, target)
    return target


def test_arriba_missing_column(tmp_path):
    bad = tmp_path / "fusions.tsv"
    bad.write_text(ARRIBA.read_text().replace("peptide_sequence", "peptide"))
    with pytest.raises(InputError) as err:
        read_arriba_tsv(bad)
    assert err.value.line == 1 and err.value.field == "peptide_sequence"
    assert str(bad) in str(err.value)


def test_arriba_peptide_without_marker(tmp_path):
    bad = tmp_path / "fusions.tsv"
    bad.write_text(ARRIBA.read_text().replace("GGTC|mgrc", "GGTCmgrc"))
    with pytest.raises(InputError) as err:
        read_arriba_tsv(bad)
    assert (err.value.line, err.value.field) == (2, "peptide_sequence")


def test_arriba_bad_read_count_and_truncated_line(tmp_path):
    lines = ARRIBA.read_text().splitlines()
    fields = lines[3].split("\t")
    fields[9] = "many"  # split_reads1 of the in-frame EIF3K row
    bad = tmp_path / "fusions.tsv"
    bad.write_text("\n".join([*lines[:3], "\t".join(fields), *lines[4:]]) + "\n")
    with pytest.raises(InputError) as err:
        read_arriba_tsv(bad)
    assert (err.value.line, err.value.field) == (4, "split_reads1")
    bad.write_text("\n".join([*lines[:2], lines[2][:40]]) + "\n")
    with pytest.raises(InputError) as err:
        read_arriba_tsv(bad)
    assert err.value.line == 3


def test_agfusion_missing_exons(tmp_path):
    folder = _copy_agfusion(tmp_path)
    exons = folder / "AMD1-110875215_REV3L-111368028" / "AMD1-REV3L.exons.txt"
    exons.unlink()
    with pytest.raises(InputError) as err:
        read_agfusion_dir(folder)
    assert "AMD1-REV3L_protein.fa" in str(err.value) and "exons" in str(err.value)


def test_agfusion_cds_without_protein_and_empty_protein(tmp_path):
    folder = _copy_agfusion(tmp_path)
    sub = folder / "AMD1-110875215_REV3L-111368028"
    (sub / "AMD1-REV3L_protein.fa").write_text("")
    with pytest.raises(InputError, match="AGFusion protein FASTA: no FASTA record"):
        read_agfusion_dir(folder)
    (sub / "AMD1-REV3L_protein.fa").unlink()
    (sub / "AMD1-REV3L_cds.fa").write_text(">x\nATG\n")
    with pytest.raises(InputError, match="without"):
        read_agfusion_dir(folder)


def test_agfusion_protein_without_middlestar(tmp_path):
    folder = _copy_agfusion(tmp_path)
    fasta = folder / "AMD1-110875215_REV3L-111368028" / "AMD1-REV3L_protein.fa"
    fasta.write_text(fasta.read_text().replace("*", ""))
    with pytest.raises(InputError, match="--middlestar") as err:
        read_agfusion_dir(folder)
    assert err.value.line == 1 and err.value.field == "sequence"


def test_missing_input_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_fusions(tmp_path / "nope.tsv")
    with pytest.raises(InputError, match="no fusion sub-folders"):
        read_fusions(tmp_path)
