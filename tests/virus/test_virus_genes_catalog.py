"""Gene alias resolution and catalog validation."""

from __future__ import annotations

import pytest

from vaxmix.common.errors import InputError
from vaxmix.virus.catalog import INDICATIONS, load_catalog, parse_catalog
from vaxmix.virus.genes import load_gene_table


@pytest.mark.parametrize(
    ("identifier", "symbol"),
    [
        ("DDX58", "RIGI"),
        ("TMEM173", "STING1"),
        ("PVRL1", "NECTIN1"),
        ("PVRL4", "NECTIN4"),
        ("PLA2G16", "PLAAT3"),
        ("MB21D1", "CGAS"),
        ("tem8", "ANTXR1"),
        ("ENSG00000073008", "PVR"),
        ("ENSG00000090339.9", "ICAM1"),
        ("ICAM1", "ICAM1"),
    ],
)
def test_aliases_and_ensembl_ids_resolve_to_current_hgnc_symbol(identifier, symbol):
    assert load_gene_table().resolve(identifier) == symbol


def test_unknown_gene_is_none():
    assert load_gene_table().resolve("NOT_A_GENE") is None


def test_hgnc_ids_of_well_known_receptors():
    # HGNC accessions looked up on genenames.org
    genes = load_gene_table()
    assert genes.records["ICAM1"].hgnc_id == "HGNC:5344"
    assert genes.records["PVR"].hgnc_id == "HGNC:9705"
    assert genes.records["CD55"].hgnc_id == "HGNC:2665"
    assert genes.records["STING1"].hgnc_id == "HGNC:27962"


def test_catalog_has_enteromix_components_and_about_twenty_viruses():
    catalog = load_catalog()
    assert 18 <= len(catalog) <= 25
    enteromix = {v.id for v in catalog if v.enteromix_component}
    assert enteromix == {"CVA21", "E7", "EVB75", "PVSRIPO"}
    cva21 = catalog["CVA21"]
    assert cva21.primary_receptor == "ICAM1"
    assert {r.gene for r in cva21.receptors} == {"ICAM1", "CD55"}
    assert catalog["PVSRIPO"].receptors[0].hgnc_id == "HGNC:9705"
    # CLEVER: CVA21 in uveal melanoma, no meaningful clinical benefit
    assert cva21.evidence["uveal_melanoma"].level == "negative"
    assert catalog["HSV1"].evidence["melanoma"].level == "approved"


def test_every_virus_has_evidence_for_every_indication_and_resolvable_references():
    catalog = load_catalog()
    for virus in catalog:
        assert set(virus.evidence) == set(INDICATIONS)
        for key in virus.references:
            assert key in catalog.references


_MINIMAL = """
schema = "vaxmix.virus_catalog/1"
version = "t"
[[virus]]
id = "X1"
name = "test virus"
family = "Picornaviridae"
species = "Enterovirus C"
genome = "+ssRNA"
enveloped = false
primary_receptor = "{gene}"
receptors = [{{ gene = "{gene}", role = "entry", obligatory = true }}]
clinical_status = "preclinical"
references = ["{ref}"]
[virus.evidence]
colorectal = {{ level = "{level}", references = [] }}
glioblastoma = {{ level = "none", references = [] }}
melanoma = {{ level = "none", references = [] }}
uveal_melanoma = {{ level = "none", references = [] }}
[references]
R1 = "a reference"
"""


def test_minimal_catalog_parses():
    catalog = parse_catalog(_MINIMAL.format(gene="PVR", ref="R1", level="none"), "cat.toml")
    assert catalog["X1"].receptors[0].hgnc_id == "HGNC:9705"


@pytest.mark.parametrize(
    ("gene", "ref", "level", "message"),
    [
        ("PVRL1", "R1", "none", "current HGNC symbol: NECTIN1"),
        ("NOTAGENE", "R1", "none", "unknown gene symbol 'NOTAGENE'"),
        ("PVR", "R9", "none", "reference 'R9'"),
        ("PVR", "R1", "great", "'great' is not one of"),
    ],
)
def test_bad_catalog_entries_name_file_entry_and_field(gene, ref, level, message):
    with pytest.raises(InputError) as info:
        parse_catalog(_MINIMAL.format(gene=gene, ref=ref, level=level), "cat.toml")
    text = str(info.value)
    assert "cat.toml" in text
    assert "virus X1" in text
    assert message in text
