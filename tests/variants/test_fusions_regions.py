"""Foreign span of fusion proteins for vaccine long peptides (hand-worked examples)."""

from __future__ import annotations

from pathlib import Path

from vaxmix.peptides.fusion_regions import fusion_mutant_region, spans_junction
from vaxmix.variants.fusions import FusionRecord, read_arriba_tsv

ARRIBA = Path(__file__).parent / "data" / "fusions" / "arriba_fusions_subset.tsv"


def _record(peptide: str, junction: int, kind: str, coding: int | None = None) -> FusionRecord:
    return FusionRecord(
        "1.A-B.T.x.0",
        "A-B",
        "T",
        kind,
        junction,
        peptide,
        "1 / 2",
        "1 / 2",
        "NA",
        None,
        None,
        "test",
        2,
        coding,
    )


def test_inframe_region_is_the_junction_pair():
    region = fusion_mutant_region(_record("ACDEFGHIKL", 4, "inframe_fusion"))
    assert (region.start, region.end) == (3, 5)  # E (last 5') and F (first 3')
    record = _record("ACDEFGHIKL", 4, "inframe_fusion")
    assert spans_junction(record, 0, 5)  # ACDEF holds E and F
    assert not spans_junction(record, 0, 4)  # ACDE: normal 5' protein only
    assert not spans_junction(record, 4, 6)  # FGHIKL: normal 3' protein only


def test_frameshift_region_stops_at_first_stop():
    # Arriba row 1 (PTEN): 'GGTC|mgrcmqtypkvqgs*' -> 14 novel residues, stop at 66
    pten = read_arriba_tsv(ARRIBA)[0]
    assert pten.coding_length == 66 and len(pten.peptide) == 66
    region = fusion_mutant_region(pten)
    assert (region.start, region.end) == (52, 66)
    assert region.sequence[52:] == "MGRCMQTYPKVQGS"
    # UNC5C row: '...PVAE|i*' -> one novel residue
    unc5c = read_arriba_tsv(ARRIBA)[5]
    region = fusion_mutant_region(unc5c)
    assert region.end - region.start == 1 and region.sequence[region.start :] == "I"
    assert spans_junction(unc5c, region.start - 26, 27)
    assert not spans_junction(unc5c, region.start - 27, 27)


def test_stop_before_novel_residues_gives_nothing():
    # pVACfuse would fuse residues across the stop; the cell makes none of them
    record = _record("ACDEFGHIK", 4, "frameshift_fusion", coding=4)
    assert fusion_mutant_region(record) is None
    assert not spans_junction(record, 0, 5)
