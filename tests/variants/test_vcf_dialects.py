"""Issue 14 items 1, 2, 5, 6, 10: VCF dialects read as pVACseq reads them, on small fixtures.

Expected values are worked out by hand from pVACseq 7.1.5's rules
(``VcfConverter.get_vaf_from_vcf_genotype``: AF when present, else AD[alt] / DP, AD Number=R
or A or a single alt count; ``Protein_position`` split at ``/``; the Index counter).
"""

from __future__ import annotations

import pytest
from vcfmaker import CSQ_FIELDS, FORMAT_LINES, csq_entry, record, vcf_text, write

from vaxmix.common.errors import InputError
from vaxmix.peptides import enumerate_epitopes
from vaxmix.variants import read_vep_vcf


def _read(tmp_path, text, **kwargs):
    return read_vep_vcf(write(tmp_path / "in.vcf", text), **kwargs)


def _only_row(result):
    assert len(result.table) == 1
    return result.table.iloc[0]


@pytest.mark.parametrize(
    ("dialect", "fmt", "call", "depth", "vaf"),
    [
        # Mutect2: AF (Number=A) is used as written
        ("mutect2", "GT:AD:AF:DP:F1R2", "0/1:45,15:0.254:60:20,7", "60", "0.254"),
        # Strelka indel with GT/AD added: a single AD value is the alt count: 90 / 101
        ("strelka", "GT:DP:AD:TIR", "0/1:101:90:90,92", "101", "0.8910891089108911"),
        # VarScan: AD (Number=1) is the variant read count, FREQ ("25%") is not read: 20 / 80
        ("varscan", "GT:GQ:DP:RD:AD:FREQ", "0/1:99:80:60:20:25%", "80", "0.25"),
        # DeepVariant-style: AD is Number=R (REF first), VAF is not a pVACseq field: 10 / 40
        ("deepvariant", "GT:GQ:DP:AD:VAF", "0/1:50:40:30,10:0.25", "40", "0.25"),
    ],
)
def test_caller_dialects_give_depth_and_vaf(tmp_path, dialect, fmt, call, depth, vaf):
    result = _read(tmp_path, vcf_text([record(fmt, call)], dialect=dialect))
    row = _only_row(result)
    assert (row["tdna_depth"], row["tdna_vaf"]) == (depth, vaf)
    assert result.missing == {} and "tumor_dna" not in result.unmeasured
    assert "tumor_rna" in result.unmeasured  # no RDP/RAD/RAF anywhere


def test_af_read_when_undeclared_or_declared_with_another_type(tmp_path):
    fmt, call = "GT:AD:AF:DP", "0/1:45,15:0.254:60"
    mutect = FORMAT_LINES["mutect2"]
    undeclared = [line for line in mutect if "ID=AF," not in line]
    integer = [line.replace("Number=A,Type=Float", "Number=1,Type=Integer") for line in mutect]
    ad_as_string = [line.replace("Number=R,Type=Integer", "Number=.,Type=String")
                    for line in mutect]
    for lines in (undeclared, integer, ad_as_string):
        row = _only_row(_read(tmp_path, vcf_text([record(fmt, call)], format_lines=lines)))
        assert (row["tdna_depth"], row["tdna_vaf"]) == ("60", "0.254")


def test_multi_alt_record_takes_each_alts_values(tmp_path):
    # Mutect2 multi-allelic: GT 0/1/2, AD REF,T,C = 40,12,8, AF 0.2,0.133; DP 60
    csq = ",".join([csq_entry(Allele="T", Amino_acids="D/Y", Codons="Gat/Tat"),
                    csq_entry(Allele="C")])
    line = record("GT:AD:AF:DP", "0/1/2:40,12,8:0.2,0.133:60", alt="T,C", csq=csq)
    table = _read(tmp_path, vcf_text([line])).table
    assert list(table["variant"]) == ["T", "C"]
    assert list(table["tdna_vaf"]) == ["0.2", "0.133"]
    assert list(table["index"]) == ["1.GENE1.ENST0001.missense.20D/Y",
                                    "2.GENE1.ENST0001.missense.20D/H"]


def test_multi_sample_with_normal(tmp_path):
    line = record("GT:AD:AF:DP", "0/0:50,1:0.02:51", "0/1:45,15:0.25:60")
    result = _read(tmp_path, vcf_text([line], samples=("NORMAL", "TUMOR")), sample="TUMOR",
                   normal_sample="NORMAL")
    row = _only_row(result)
    assert (row["normal_depth"], row["normal_vaf"], row["tdna_vaf"]) == ("51", "0.02", "0.25")
    assert "normal" not in result.unmeasured


def test_missing_values_are_counted_not_passed(tmp_path):
    lines = [record("GT:AD:DP", "0/1:45,15:60"), record("GT:AD:DP", "0/1:.:.", pos=1003)]
    result = _read(tmp_path, vcf_text(lines))
    assert list(result.table["tdna_vaf"]) == ["0.25", "NA"]
    assert result.missing == {"tdna_depth": 1, "tdna_vaf": 1}


def test_total_length_protein_position(tmp_path):
    # VEP --total_length: "20/40"; pVACseq keeps "20"
    csq = csq_entry(Protein_position="20/40")
    result = _read(tmp_path, vcf_text([record("GT:AD:AF:DP", "0/1:45,15:0.25:60", csq=csq)]))
    row = _only_row(result)
    assert row["protein_position"] == "20"
    assert row["index"] == "1.GENE1.ENST0001.missense.20D/H"
    peptides = enumerate_epitopes(result.table, (9,)).table
    assert len(peptides) == 9  # every 9-mer over residue 20 of a 40-residue protein


def test_empty_biotype_kept_and_stop_in_wildtype_consumes_an_index(tmp_path):
    csq = ",".join([
        csq_entry(Feature="ENST0002", WildtypeProtein=PROTEIN_WITH_STOP),
        csq_entry(Feature="ENST0003", BIOTYPE=""),
        csq_entry(Feature="ENST0004", BIOTYPE="nonsense_mediated_decay"),
        csq_entry(Feature="ENST0005"),
    ])  # fmt: skip
    result = _read(tmp_path, vcf_text([record("GT:AD:AF:DP", "0/1:45,15:0.25:60", csq=csq)]))
    table = result.table
    # pVACseq numbers 1 (stop in WT, dropped), 2 (no biotype: NA, kept), 3 (biotype, dropped),
    # 4 (kept)
    assert list(table["index"].str.split(".").str[0]) == ["2", "4"]
    assert list(table["biotype"]) == ["NA", "protein_coding"]
    assert result.skipped["WildtypeProtein contains a stop (*)"] == 1


PROTEIN_WITH_STOP = "MKTAYIAKQRQISFVKSHFDRQLEERL*LIEVQAPILSRV"


def test_text_forms_as_pvacseq_writes_them(tmp_path):
    fields = [f for f in CSQ_FIELDS if f != "CANONICAL"]
    frameshift = "MKTAYIAKQRQISFVKSHFRWLRLWLRVKSKSQRGRIKLLFYHLRKS"  # 47 residues, WT 40
    csq = ",".join([
        csq_entry(fields, FLAGS="cds_end_NF"),
        csq_entry(fields, Feature="ENST0009", Consequence="frameshift_variant", Allele="C",
                  Amino_acids="D/X", FrameshiftSequence=frameshift, HGVSp="ENSP:p.Asp20%3D"),
    ])  # fmt: skip
    text = vcf_text([record("GT:AD:AF:DP", "0/1:45,15:0.3333:60", csq=csq)], csq_fields=fields)
    table = _read(tmp_path, text, allow_incomplete_transcripts=True).table
    assert list(table["canonical"]) == ["Not Run", "Not Run"]
    assert list(table["transcript_cds_flags"]) == ["cds_end_nf", "None"]
    assert list(table["protein_length_change"]) == ["", "+7"]
    assert list(table["tdna_vaf"]) == ["0.3333", "0.3333"]
    assert table.iloc[1]["hgvsp"] == "ENSP:p.Asp20="


def test_chrom_line_separated_by_spaces_is_read(tmp_path):
    text = vcf_text([record("GT:AD:AF:DP", "0/1:45,15:0.25:60")])
    lines = text.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith("#CHROM"))
    lines[i] = lines[i].replace("\t", "  ")
    assert _only_row(_read(tmp_path, "\n".join(lines) + "\n"))["tdna_vaf"] == "0.25"


def test_tumor_sample_given_as_the_normal_stops_with_the_counts(tmp_path):
    lines = [record("GT:AD:AF:DP", "0/0:50,0:0.0:50", "0/1:45,15:0.25:60"),
             record("GT:AD:AF:DP", "0/0:50,0:0.0:50", "0/1:45,15:0.25:60", pos=1003)]
    text = vcf_text(lines, samples=("NORMAL", "TUMOR"))
    with pytest.raises(InputError) as error:
        _read(tmp_path, text, sample="NORMAL")
    message = str(error.value)
    assert error.value.field == "--sample"
    assert "no variant × transcript survives of 2 record(s)" in message
    assert "'NORMAL'" in message and "other samples: TUMOR" in message


def test_cli_exits_2_when_the_normal_is_given_as_the_tumor(tmp_path, capsys):
    from vaxmix.cli import main
    from vaxmix.pipeline.demo import example_patient_files

    with example_patient_files() as (vcf, _):
        code = main(["run", str(vcf), "--sample", "HCC1395_NORMAL_DNA", "--alleles",
                     "HLA-A*29:02", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "ALT not in tumor genotype: 48" in err and "other samples: HCC1395_TUMOR_DNA" in err
    assert not (tmp_path / "run").exists()


def test_normal_sample_cannot_be_the_tumor(tmp_path):
    text = vcf_text([record("GT:AD:AF:DP", "0/0:50,0:0.0:50", "0/1:45,15:0.25:60")],
                    samples=("NORMAL", "TUMOR"))
    with pytest.raises(InputError, match="also the tumor sample"):
        _read(tmp_path, text, sample="TUMOR", normal_sample="TUMOR")
