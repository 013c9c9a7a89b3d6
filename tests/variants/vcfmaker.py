"""Write small VEP-annotated VCFs in the formats real callers produce (test fixtures).

The FORMAT header lines are those the callers write (GATK Mutect2 4.x, Strelka2 with a GT/AD
added as pVACtools' docs ask, VarScan 2 somatic, DeepVariant); the CSQ header is VEP's, with
the fields pVACseq needs (Wildtype and Frameshift plugins, --tsl --biotype --canonical --mane).
The protein is a made-up 40-residue sequence; every expected value in the tests is worked out
by hand from it.
"""

from __future__ import annotations

from pathlib import Path

CSQ_FIELDS = [
    "Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE",
    "HGVSc", "HGVSp", "Protein_position", "Amino_acids", "Codons", "FLAGS", "CANONICAL",
    "MANE_SELECT", "TSL", "FrameshiftSequence", "WildtypeProtein",
]  # fmt: skip

#: A 40-residue protein; residue 20 is D (codon GAT in the CSQ entries below).
PROTEIN = "MKTAYIAKQRQISFVKSHFDRQLEERLGLIEVQAPILSRV"

FORMAT_LINES = {
    "mutect2": [
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt '
        'alleles in the order listed">',
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate alleles '
        'in the tumor">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth (reads with '
        'MQ=255 or with bad mates are filtered)">',
        '##FORMAT=<ID=F1R2,Number=R,Type=Integer,Description="Count of reads in F1R2 pair '
        'orientation supporting each allele">',
    ],
    "strelka": [
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth for tier1">',
        '##FORMAT=<ID=AD,Number=1,Type=Integer,Description="Tier1 alt allele depth (added)">',
        '##FORMAT=<ID=TIR,Number=2,Type=Integer,Description="Reads strongly supporting indel '
        'allele for tiers 1,2">',
    ],
    "varscan": [
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read Depth">',
        '##FORMAT=<ID=RD,Number=1,Type=Integer,Description="Depth of reference-supporting bases '
        '(reads1)">',
        '##FORMAT=<ID=AD,Number=1,Type=Integer,Description="Depth of variant-supporting bases '
        '(reads2)">',
        '##FORMAT=<ID=FREQ,Number=1,Type=String,Description="Variant allele frequency">',
    ],
    "deepvariant": [
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Conditional genotype quality">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Read depth for each allele">',
        '##FORMAT=<ID=VAF,Number=A,Type=Float,Description="Variant allele fractions.">',
    ],
}


def csq_entry(fields: list[str] | None = None, **values: str) -> str:
    """One CSQ entry: a missense D20H on ENST0001 (GENE1) unless changed by ``values``."""
    entry = {
        "Allele": "C", "Consequence": "missense_variant", "IMPACT": "MODERATE",
        "SYMBOL": "GENE1", "Gene": "ENSG0001", "Feature_type": "Transcript",
        "Feature": "ENST0001", "BIOTYPE": "protein_coding", "HGVSc": "ENST0001:c.58G>C",
        "HGVSp": "ENSP0001:p.Asp20His", "Protein_position": "20", "Amino_acids": "D/H",
        "Codons": "Gat/Cat", "FLAGS": "", "CANONICAL": "YES", "MANE_SELECT": "NM_1.1",
        "TSL": "1", "FrameshiftSequence": "", "WildtypeProtein": PROTEIN,
    }  # fmt: skip
    entry.update(values)
    return "|".join(entry.get(name, "") for name in (fields or CSQ_FIELDS))


def vcf_text(
    records: list[str],
    dialect: str = "mutect2",
    samples: tuple[str, ...] = ("TUMOR",),
    csq_fields: list[str] | None = None,
    extra_header: list[str] | None = None,
    csq_type: str = "String",
    format_lines: list[str] | None = None,
) -> str:
    """A VCF: header for ``dialect`` and ``records`` (tab-separated lines without newline)."""
    fields = csq_fields or CSQ_FIELDS
    lines = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        *(FORMAT_LINES[dialect] if format_lines is None else format_lines),
        f'##INFO=<ID=CSQ,Number=.,Type={csq_type},Description="Consequence annotations from '
        f'Ensembl VEP. Format: {"|".join(fields)}">',
        "##contig=<ID=chr1,length=248956422>",
        "##reference=file:///ref/GRCh38.fa",
        "##VEP=\"v110\" cache=\"homo_sapiens/110_GRCh38\"",
        *(extra_header or []),
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
                   *samples]),
        *records,
    ]
    return "\n".join(lines) + "\n"


def record(fmt: str, *calls: str, ref: str = "G", alt: str = "C", pos: int = 1000,
           csq: str | None = None) -> str:
    """A data line on chr1 with a missense CSQ entry (or ``csq``)."""
    info = "CSQ=" + (csq if csq is not None else csq_entry(Allele=alt))
    return "\t".join(["chr1", str(pos), ".", ref, alt, ".", "PASS", info, fmt, *calls])


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
