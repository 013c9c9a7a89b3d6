"""Inputs: VEP-annotated VCFs, expression tables and HLA typings → pVACseq's parsed-VCF table.

Public API: :func:`read_vep_vcf` (VCF → table of variant × transcript rows),
:func:`read_expression_table` / :func:`attach_expression`, :func:`normalize_allele`,
:func:`parse_allele_list` and :func:`read_hla_file`.
"""

from vaxmix.variants.expression import attach_expression, read_expression_table
from vaxmix.variants.hla import normalize_allele, parse_allele_list, read_hla_file
from vaxmix.variants.vcf import PARSED_VCF_COLUMNS, VcfReadResult, read_vep_vcf

__all__ = [
    "PARSED_VCF_COLUMNS",
    "VcfReadResult",
    "attach_expression",
    "normalize_allele",
    "parse_allele_list",
    "read_expression_table",
    "read_hla_file",
    "read_vep_vcf",
]
