"""Phased proximal variants (pVACseq's --phased-proximal-variants-vcf) on the example patient.

The phased VCF is built here from the example patient's own OR4F16 record (chr1:686483 G>C,
ENST00000332831.5 p.P58A): the somatic record phased ``0|1`` in phase set 1000, plus germline
missense records on the same transcript made by editing that record's CSQ entry — one on the
same haplotype (must enter the peptides), one on the other haplotype, one unphased and one in
another phase set (none of which may).
"""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from vaxmix.common.errors import InputError
from vaxmix.pipeline import PipelineConfig, example_patient_files, run_pipeline

TRANSCRIPT = "ENST00000332831.5"


def _phased_vcf(source, out):
    with gzip.open(source, "rt") as handle:
        lines = handle.read().splitlines()
    header = [line for line in lines if line.startswith("#")]
    fields = next(h for h in header if h.startswith("##INFO=<ID=CSQ")).split("Format: ")[1]
    fields = fields.rstrip('">').split("|")
    record = next(line for line in lines if line.startswith("chr1\t686483\t"))
    cols = record.split("\t")
    info = dict(item.split("=", 1) for item in cols[7].split(";") if "=" in item)
    entry = next(e for e in info["CSQ"].split(",") if TRANSCRIPT in e).split("|")
    wildtype = entry[fields.index("WildtypeProtein")]

    def csq(alt, position, new_aa):
        edited = list(entry)
        edited[fields.index("Allele")] = alt
        edited[fields.index("Consequence")] = "missense_variant"
        edited[fields.index("Protein_position")] = str(position)
        edited[fields.index("Amino_acids")] = f"{wildtype[position - 1]}/{new_aa}"
        return "CSQ=" + "|".join(edited)

    def row(pos, ref, alt, info_field, tumor_gt):
        return "\t".join(["chr1", str(pos), ".", ref, alt, ".", "PASS", info_field, "GT:PS",
                          "0|0:1000", tumor_gt])

    body = [
        row(686477, "A", "T", csq("T", 60, "W"), "0|1:1000"),   # same haplotype: applied
        row(686483, "G", "C", "CSQ=" + info["CSQ"], "0|1:1000"),  # the somatic variant
        row(686489, "A", "T", csq("T", 56, "W"), "1|0:1000"),   # other haplotype
        row(686471, "A", "T", csq("T", 62, "W"), "0/1:."),       # unphased
        row(686468, "A", "T", csq("T", 63, "W"), "0|1:2000"),   # other phase set
    ]
    body.sort(key=lambda line: int(line.split("\t")[1]))
    out.write_text("\n".join(header + body) + "\n")
    return wildtype


def test_in_phase_germline_change_enters_mutant_and_wildtype_peptides(tmp_path, predictor):
    with example_patient_files() as (vcf, hla):
        wildtype = _phased_vcf(vcf, tmp_path / "phased.vcf")
        config = PipelineConfig(vcf=vcf, sample="HCC1395_TUMOR_DNA", hla_file=hla, lengths=(9,),
                                phased_proximal_variants_vcf=tmp_path / "phased.vcf")
        run_pipeline(config, tmp_path / "run", predict=predictor)
        plain = PipelineConfig(vcf=vcf, sample="HCC1395_TUMOR_DNA", hla_file=hla, lengths=(9,))
        run_pipeline(plain, tmp_path / "plain", predict=predictor)
    # expected, worked out from the protein alone
    patient = wildtype[:59] + "W" + wildtype[60:]          # germline change at residue 60
    mutant = patient[:57] + "A" + patient[58:]             # somatic P58A on that haplotype
    starts = range(57 - 8, 58)                              # 9-mers that hold residue 58
    table = pd.read_parquet(tmp_path / "run" / "all_epitopes.parquet")
    rows = table[table["Transcript"] == TRANSCRIPT].drop_duplicates("MT Epitope Seq")
    assert set(rows["MT Epitope Seq"]) == {mutant[i : i + 9] for i in starts}
    assert set(rows["WT Epitope Seq"]) == {patient[i : i + 9] for i in starts}
    # without the phased VCF the reference protein is used
    base = pd.read_parquet(tmp_path / "plain" / "all_epitopes.parquet")
    base = base[base["Transcript"] == TRANSCRIPT]
    reference_mutant = wildtype[:57] + "A" + wildtype[58:]
    assert set(base["MT Epitope Seq"]) == {reference_mutant[i : i + 9] for i in starts}
    counts = json.loads((tmp_path / "run" / "run.json").read_text())["counts"]
    assert counts["proximal_variants"]["rows with proximal changes"] == 1
    assert counts["proximal_variants"]["proximal changes applied"] == 1
    assert counts["proximal_variants"]["unphased records skipped"] == 1


def test_missing_phased_vcf_is_a_clear_input_error(tmp_path):
    from vaxmix.variants.phased import read_phased_vcf

    with pytest.raises(InputError, match="phased proximal variants VCF not found"):
        read_phased_vcf(tmp_path / "absent.vcf.gz")


def test_a_proximal_change_whose_reference_residue_differs_is_counted_not_applied():
    from vaxmix.peptides.proximal import apply_proximal_variants
    from vaxmix.variants.phased import PhasedVariants, ProximalChange

    site = ("chr1", 100, "G", "C")
    variants = pd.DataFrame({
        "chromosome_name": ["chr1"], "stop": ["100"], "reference": ["G"], "variant": ["C"],
        "transcript_name": ["T1"], "protein_position": ["5"], "amino_acid_change": ["E/K"],
        "wildtype_amino_acid_sequence": ["MAAAEAAAAA"], "frameshift_amino_acid_sequence": [""],
    })
    phased = PhasedVariants(phase={site: ("chr1:7", frozenset({1}))})
    phased.by_transcript["T1"] = [
        ProximalChange(("chr1", 94, "A", "T"), "T1", 3, "A", "W", "chr1:7", frozenset({1})),
        ProximalChange(("chr1", 106, "A", "T"), "T1", 7, "Q", "W", "chr1:7", frozenset({1})),
        ProximalChange(("chr1", 88, "A", "T"), "T1", 1, "M", "W", "chr1:7", frozenset({0, 1})),
    ]
    result = apply_proximal_variants(variants, phased, reach=2)
    # residue 3 (A→W) applies; residue 7 claims Q where the protein has A; residue 1 lies
    # 4 residues away, beyond reach 2 + the 1-residue change
    assert result.table.loc[0, "wildtype_amino_acid_sequence"] == "MAWAEAAAAA"
    assert result.counts["proximal changes applied"] == 1
    assert result.counts["proximal changes whose reference residue does not match"] == 1
    assert variants.loc[0, "wildtype_amino_acid_sequence"] == "MAAAEAAAAA"  # input untouched


def test_phased_vcf_without_the_tumor_sample_names_it(tmp_path, predictor):
    with example_patient_files() as (vcf, hla):
        _phased_vcf(vcf, tmp_path / "phased.vcf")
        text = (tmp_path / "phased.vcf").read_text().replace("HCC1395_TUMOR_DNA", "OTHER")
        (tmp_path / "phased.vcf").write_text(text)
        config = PipelineConfig(vcf=vcf, sample="HCC1395_TUMOR_DNA", hla_file=hla, lengths=(9,),
                                phased_proximal_variants_vcf=tmp_path / "phased.vcf")
        with pytest.raises(InputError, match="HCC1395_TUMOR_DNA") as error:
            run_pipeline(config, tmp_path / "run", predict=predictor)
    assert "phased.vcf" in str(error.value)
    assert not (tmp_path / "run").exists()
