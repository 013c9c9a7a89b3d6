"""Windows and WT pairing on hand-worked examples (expected rows derived by hand from the rules
in docs/pipeline.md, on the 20-residue toy protein ACDEFGHIKLMNPQRSTVWY)."""

from __future__ import annotations

from vaxmix.peptides import Window, WindowSkip, build_window, pair_kmers

WT = "ACDEFGHIKLMNPQRSTVWY"  # residue n (1-based) = WT[n - 1]; L10, K9, Y20


def rows(window, length):
    out = []
    for p in pair_kmers(window, length):
        mutation = None if p.mutation_positions is None else list(p.mutation_positions)
        out.append((p.position, p.mutant, p.wildtype, mutation))
    return out


def test_missense_in_the_middle():
    window = build_window("missense", "10", "L/W", WT, "", 8)
    assert window == Window("DEFGHIKWMNPQRST", "DEFGHIKLMNPQRST", "missense", 0)
    got = rows(window, 8)
    assert len(got) == 8
    assert got[0] == (1, "DEFGHIKW", "DEFGHIKL", [8])
    assert got[-1] == (8, "WMNPQRST", "LMNPQRST", [1])


def test_missense_at_the_protein_ends():
    start = build_window("missense", "1", "A/W", WT, "", 8)
    assert rows(start, 8) == [(1, "WCDEFGHI", "ACDEFGHI", [1])]
    end = build_window("missense", "20", "Y/W", WT, "", 8)
    assert end.wildtype == "GHIKLMNPQRSTVWY"
    assert rows(end, 8) == [(8, "PQRSTVWW", "PQRSTVWY", [8])]


def test_stop_gain_truncates_the_mutant_window():
    # "L/*": the mutant window ends before the stop: DEFGHIK (7 residues) is too short for L=8
    assert build_window("missense", "10", "L/*", WT, "", 8) == WindowSkip(
        "window shorter than the epitope length"
    )
    # an inserted residue before the stop gives exactly the k-mers that end with it
    window = build_window("inframe_ins", "9-10", "-/W*", WT, "", 8)
    assert window.mutant == "DEFGHIKW"
    assert rows(window, 8) == [(1, "DEFGHIKW", "DEFGHIKL", [8])]


def test_reference_mismatch_is_skipped_not_fatal():
    skip = build_window("missense", "10", "K/W", WT, "", 8)
    assert skip == WindowSkip("reference amino acids do not match WildtypeProtein")


def test_non_standard_residue_is_skipped():
    selenoprotein = WT[:12] + "U" + WT[13:]
    assert build_window("missense", "10", "L/W", selenoprotein, "", 8) == WindowSkip(
        "non-standard amino acid in the window"
    )


def test_inframe_deletion_alignment():
    window = build_window("inframe_del", "9-10", "KL/-", WT, "", 8)
    assert window == Window("CDEFGHIMNPQRST", "CDEFGHIKLMNPQRST", "inframe_del", 2)
    assert rows(window, 8) == [
        (1, "CDEFGHIM", "CDEFGHIK", [8]),
        (2, "DEFGHIMN", "DEFGHIKL", [7, 8]),
        (3, "EFGHIMNP", "EFGHIKLM", [6, 7, 8]),
        (4, "FGHIMNPQ", "FGHIKLMN", [5, 6, 7, 8]),  # tie 4:4 keeps the left alignment
        (5, "GHIMNPQR", "IKLMNPQR", [1, 2, 3]),  # right alignment wins 5:3
        (6, "HIMNPQRS", "KLMNPQRS", [1, 2]),
        (7, "IMNPQRST", "LMNPQRST", [1]),
    ]


def test_inframe_insertion_alignment():
    window = build_window("inframe_ins", "9-10", "-/WW", WT, "", 8)
    assert window.mutant == "DEFGHIKWWLMNPQRSTV"
    assert rows(window, 8) == [
        (1, "DEFGHIKW", "DEFGHIKL", [8]),
        (2, "EFGHIKWW", "EFGHIKLM", [7, 8]),
        (3, "FGHIKWWL", "FGHIKLMN", [6, 7, 8]),
        (4, "GHIKWWLM", "GHIKLMNP", [5, 6, 7, 8]),
        (5, "HIKWWLMN", None, None),  # best alignment shares only 3 of 8 residues
        (6, "IKWWLMNP", "GHIKLMNP", [1, 2, 3, 4]),
        (7, "KWWLMNPQ", "HIKLMNPQ", [1, 2, 3]),
        (8, "WWLMNPQR", "IKLMNPQR", [1, 2]),
        (9, "WLMNPQRS", "KLMNPQRS", [1]),
    ]


def test_frameshift():
    mutant_protein = WT[:9] + "W" * 10
    window = build_window("FS", "10", "L/X", WT, mutant_protein, 8)
    assert window.wildtype == "DEFGHIKLMNPQRS"
    assert window.mutant == "DEFGHIK" + "W" * 10
    got = rows(window, 8)
    assert got[:5] == [
        (1, "DEFGHIKW", "DEFGHIKL", [8]),
        (2, "EFGHIKWW", "EFGHIKLM", [7, 8]),
        (3, "FGHIKWWW", "FGHIKLMN", [6, 7, 8]),
        (4, "GHIKWWWW", "GHIKLMNP", [5, 6, 7, 8]),
        (5, "HIKWWWWW", None, None),
    ]
    assert len(got) == 10 and all(r[2] is None for r in got[4:])


def test_frameshift_cap_and_prefix():
    mutant_protein = WT[:9] + "W" * 30
    capped = build_window("FS", "10", "L/X", WT, mutant_protein, 8, downstream_length=5)
    assert capped.mutant == "DEFGHIK" + "W" * 5  # 5 residues past the 0-based position 9 - 1
    assert build_window("FS", "10", "L/X", WT, WT[:9], 8) == WindowSkip(
        "frameshift protein is a prefix of the wild type"
    )


def test_stop_lost_gives_the_kmers_that_end_at_the_new_residue():
    # WT (20 aa) then "*" lost to "K" at position 21: the only 8-mer carrying K is the last one
    window = build_window("stop_lost", "21", "*/K", WT, "", 8)
    # window from residue 21 - 7 = 14 (Q): flank L - 1 = 7 before the lost stop
    assert window == Window("QRSTVWYK", "QRSTVWY", "FS", 0)
    # its WT partner would run past the wild-type end: NA, as for a frameshift tail
    assert rows(window, 8) == [(1, "QRSTVWYK", None, None)]


def test_stop_lost_uses_a_given_readthrough_protein():
    readthrough = WT + "KLMA*"  # the extension ends at the next in-frame stop
    window = build_window("stop_lost", "21", "*/K", WT, readthrough, 8)
    assert window.mutant == "QRSTVWYKLMA"
    assert [r[1] for r in rows(window, 8)] == ["QRSTVWYK", "RSTVWYKL", "STVWYKLM", "TVWYKLMA"]


def test_stop_lost_checks_its_position():
    assert build_window("stop_lost", "15", "*/K", WT, "", 8) == WindowSkip(
        "lost stop position does not match WildtypeProtein length"
    )
    assert build_window("stop_lost", "21", "*/*", WT, "", 8) == WindowSkip(
        "stop_lost adds no residue"
    )
