"""VEP VCF reader: parity with pVACseq's parsed-VCF table and selection rules."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from vaxmix.common.errors import InputError
from vaxmix.pipeline.demo import example_patient_files
from vaxmix.variants import PARSED_VCF_COLUMNS, read_vep_vcf
from vaxmix.variants.csq import vep_allele
from vaxmix.variants.vcf import _coordinates

DATA = Path(__file__).parent / "data"


def _strip_number(index: str) -> str:
    return index.split(".", 1)[1]


@pytest.fixture(scope="module")
def subset():
    with example_patient_files() as (vcf, _), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_vep_vcf(vcf, sample="HCC1395_TUMOR_DNA", normal_sample="HCC1395_NORMAL_DNA")


def test_subset_matches_pvacseq_parsed_table(subset):
    expected = pd.read_csv(DATA / "pvacseq_parsed_vcf_subset.tsv", sep="\t", dtype=str,
                           keep_default_na=False)  # fmt: skip
    ours = subset.table.fillna("")
    assert list(ours.columns) == list(PARSED_VCF_COLUMNS)
    # pVACseq numbers rows over the whole VCF; the subset restarts at 1, so compare the rest
    ours_idx = ours["index"].map(_strip_number)
    expected_idx = expected["index"].map(_strip_number)
    assert list(ours_idx) == list(expected_idx)
    columns = [c for c in PARSED_VCF_COLUMNS if c != "index"]
    pd.testing.assert_frame_equal(
        ours[columns].reset_index(drop=True), expected[columns], check_dtype=False
    )
    numbers = ours["index"].str.split(".").str[0].astype(int)
    assert numbers.is_monotonic_increasing and numbers.is_unique


def test_subset_counts(subset):
    assert subset.records == 48
    assert set(subset.table["variant_type"]) == {"missense", "FS", "inframe_del", "inframe_ins"}
    # pVACseq's 3 SPO11 frameshift transcripts without FrameshiftSequence are skipped
    assert subset.skipped["frameshift without FrameshiftSequence"] == 3


@pytest.mark.parametrize(
    ("pos", "ref", "alt", "expected"),
    [
        (686483, "G", "C", (686482, 686483)),  # SNV: 0-based start
        (36179727, "GG", "AA", (36179726, 36179728)),  # MNV
        (116579677, "C", "CCTA", (116579677, 116579677)),  # insertion after the anchor base
        (227091906, "GC", "G", (227091906, 227091907)),  # deletion of the base after POS
    ],
)
def test_coordinates_follow_pvacseq(pos, ref, alt, expected):
    assert _coordinates(pos, ref, alt) == expected


def test_vep_allele_trimming():
    assert vep_allele("A", "AG", ["AG"]) == "G"
    assert vep_allele("GC", "G", ["G"]) == "-"
    assert vep_allele("GG", "AA", ["AA"]) == "AA"
    assert vep_allele("G", "C", ["C"]) == "C"


def test_sample_must_be_named_when_ambiguous(example_vcf_text, tmp_path):
    path = tmp_path / "two.vcf"
    path.write_text(example_vcf_text)
    with pytest.raises(InputError) as info:
        read_vep_vcf(path)
    assert "HCC1395_NORMAL_DNA, HCC1395_TUMOR_DNA" in str(info.value)
    with pytest.raises(InputError, match="'nope' is not in the VCF"):
        read_vep_vcf(path, sample="nope")


def test_missing_frameshift_plugin_is_named(example_vcf_text, tmp_path):
    path = tmp_path / "nofs.vcf"
    path.write_text(example_vcf_text.replace("|FrameshiftSequence|", "|", 1))
    with pytest.raises(InputError, match="Frameshift plugin") as info:
        read_vep_vcf(path, sample="HCC1395_TUMOR_DNA")
    assert info.value.field == "INFO/CSQ/FrameshiftSequence"


def _single_sample(text: str, drop_af: bool) -> str:
    """Keep only the tumor column; optionally drop AF so VAF must come from AD/DP."""
    out = []
    for line in text.splitlines():
        cols = line.split("\t")
        if line.startswith("##"):
            out.append(line)
            continue
        cols = cols[:9] + cols[10:]
        if drop_af and not line.startswith("#"):
            keys = cols[8].split(":")
            values = cols[9].split(":")
            keep = [i for i, k in enumerate(keys) if k != "AF"]
            cols[8] = ":".join(keys[i] for i in keep)
            cols[9] = ":".join(values[i] for i in keep)
        out.append("\t".join(cols))
    return "\n".join(out) + "\n"


def test_single_sample_vcf_and_vaf_from_ad_dp(example_vcf_text, tmp_path):
    path = tmp_path / "single.vcf"
    path.write_text(_single_sample(example_vcf_text, drop_af=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = read_vep_vcf(path).table  # one sample: no --sample needed
    row = table[table["transcript_name"] == "ENST00000332831.5"].iloc[0]
    # chr1:686483 tumor: AD=886,130 DP=1017 (raw record) → 130/1017
    assert row["tdna_depth"] == "1017"
    assert float(row["tdna_vaf"]) == pytest.approx(130 / 1017)
    assert row["normal_depth"] == "NA"


def test_pass_only_drops_filtered_records(tmp_path):
    with example_patient_files() as (vcf, _), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        everything = read_vep_vcf(vcf, sample="HCC1395_TUMOR_DNA")
        passing = read_vep_vcf(vcf, sample="HCC1395_TUMOR_DNA", pass_only=True)
    assert passing.skipped["record not PASS"] > 0
    assert len(passing.table) < len(everything.table)


@pytest.mark.parametrize(
    ("consequence", "ref", "alt", "expected"),
    [
        ("missense_variant&splice_region_variant", "G", "C", "missense"),
        ("frameshift_variant&stop_lost", "GC", "G", "FS"),
        ("start_lost&missense_variant", "A", "G", None),  # start_lost wins, as in pVACseq
        ("inframe_insertion", "T", "TAGCAGC", "inframe_ins"),
        ("protein_altering_variant", "C", "CAAA", "inframe_ins"),
        ("protein_altering_variant", "CAAA", "C", "inframe_del"),
        ("protein_altering_variant", "CA", "C", None),  # not a multiple of 3
        ("stop_gained", "C", "T", None),
        ("stop_lost&NMD_transcript_variant", "G", "C", "stop_lost"),  # vaxmix addition
        ("synonymous_variant", "C", "T", None),
    ],
)
def test_consequence_to_variant_type(consequence, ref, alt, expected):
    from vaxmix.variants.vcf import _variant_type

    assert _variant_type(consequence, ref, alt) == expected


def test_multiallelic_record_uses_only_alleles_in_the_tumor_genotype(example_vcf_text, tmp_path):
    lines = example_vcf_text.splitlines()
    for i, line in enumerate(lines):
        cols = line.split("\t")
        if not line.startswith("#") and cols[1] == "686483":
            cols[4] = "C,T"  # add a second ALT the tumor does not carry (GT stays 0/1)
            # ... with one value per ALT in the Number=A/R fields of both samples
            for col in (9, 10):
                keys, values = cols[8].split(":"), cols[col].split(":")
                for key, extra in (("AD", ",0"), ("AF", ",0.0"), ("RAD", ",0")):
                    if values[keys.index(key)] != ".":
                        values[keys.index(key)] += extra
                cols[col] = ":".join(values)
            lines[i] = "\t".join(cols)
    path = tmp_path / "multi.vcf"
    path.write_text("\n".join(lines) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = read_vep_vcf(path, sample="HCC1395_TUMOR_DNA")
    rows = result.table[result.table["start"] == "686482"]
    assert list(rows["variant"]) == ["C"] and list(rows["amino_acid_change"]) == ["P/A"]
    assert rows.iloc[0]["tdna_vaf"] == "0.12783"
    assert result.skipped["ALT not in tumor genotype"] == 1


def test_sites_only_and_missing_gt_are_errors(example_vcf_text, tmp_path):
    sites = tmp_path / "sites.vcf"
    sites.write_text("\n".join("\t".join(line.split("\t")[:8]) if not line.startswith("##")
                               else line for line in example_vcf_text.splitlines()) + "\n")
    with pytest.raises(InputError, match="no sample columns"):
        read_vep_vcf(sites)
    no_gt = tmp_path / "nogt.vcf"
    no_gt.write_text(example_vcf_text.replace("##FORMAT=<ID=GT,", "##FORMAT=<ID=XG,"))
    with pytest.raises(InputError, match="no GT FORMAT field"):
        read_vep_vcf(no_gt, sample="HCC1395_TUMOR_DNA")


def test_stop_lost_read_through_gives_candidates(example_vcf_text, tmp_path):
    # DDX3X ENST00000542215.5 (an NMD transcript, so kept only when that biotype is allowed):
    # VEP HGVSp p.Ter79TyrextTer54 — stop 79 read as Tyr; the 54-residue extension beyond it is
    # not in the CSQ, so the candidates are the k-mers ending at the new Tyr (one per length).
    from vaxmix.peptides import enumerate_epitopes

    path = tmp_path / "example.vcf"
    path.write_text(example_vcf_text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = read_vep_vcf(path, sample="HCC1395_TUMOR_DNA",
                              biotypes=("protein_coding", "nonsense_mediated_decay"))
    rows = result.table[result.table["variant_type"] == "stop_lost"]
    assert list(rows["transcript_name"]) == ["ENST00000542215.5"]
    row = rows.iloc[0]
    assert (row["amino_acid_change"], row["protein_position"]) == ("*/Y", "79")
    assert len(row["wildtype_amino_acid_sequence"]) == 78
    candidates = enumerate_epitopes(rows, (8, 9, 10, 11)).table
    wildtype = row["wildtype_amino_acid_sequence"]
    assert list(candidates["MT Epitope Seq"]) == [wildtype[-(k - 1):] + "Y" for k in (8, 9, 10, 11)]
    assert set(candidates["WT Epitope Seq"]) == {"NA"}
