"""Issue 15's silent misreads, encodings and limits, one test each (values worked out by hand).

Each of these was exit 0 with a wrong table, a traceback (exit 1), or minutes of parsing before
the fix; each must now be a located InputError (exit 2 from the CLI) or the right values.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from vaxmix.cli import main
from vaxmix.common.errors import InputError
from vaxmix.mrna.inputs import read_protein_input
from vaxmix.vaccine.sequences import read_protein_fasta
from vaxmix.variants.expression import read_expression_table
from vaxmix.virus.expression import read_expression
from vaxmix.virus.plate import read_grid_plate, read_tidy_plate

EXAMPLE = Path(__file__).resolve().parents[2] / "src/vaxmix/virus/data/example"
RSEM = (
    "gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM\n"
    "ENSG00000090339\tENST00000264832\t3000\t2800\t120\t31.6\t20.1\n"
    "ENSG00000073008\tENST00000425690\t2500\t2300\t90\t61.2\t40.0\n"
)
TIDY = (
    "plate_id,well,sample_id,sample_type,virus_id,dilution,replicate,control,readout\n"
    "P1,A01,,,,,,blank,0.10\n"
    "P1,B01,T1,tumor,,,,mock,1.10\n"
    "P1,C01,T1,tumor,CVA21,1e-6,1,none,0.95\n"
)


def _write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


# --- (a) an extra unlabeled column on every row ----------------------------------------------


def test_expression_extra_unlabeled_column_is_an_error_not_all_na(tmp_path):
    rows = RSEM.splitlines()
    shifted = "\n".join([rows[0]] + [row + "\t7" for row in rows[1:]]) + "\n"
    path = _write(tmp_path, "s.genes.results", shifted)
    with pytest.raises(InputError) as info:
        read_expression_table(path, "gene")
    assert f"{path}, line 2:" in str(info.value)
    assert "every row has 8 fields but the header names 7" in str(info.value)


def test_virus_expression_extra_unlabeled_column_is_an_error(tmp_path):
    text = "gene\tTPM\nICAM1\t31.6\t1\nPVR\t61.2\t2\n"
    with pytest.raises(InputError, match="line 2: expression table: every row has 3 fields"):
        read_expression(_write(tmp_path, "e.tsv", text))


def test_r_write_table_header_is_read(tmp_path):
    # write.table(df, sep="\t", quote=FALSE): header lacks the row-name column, rows start 1, 2
    text = "gene_id\tTPM\n1\tENSG00000090339\t31.6\n2\tENSG00000073008\t61.2\n"
    values, _ = read_expression_table(
        _write(tmp_path, "r.tsv", text), "gene", id_column="gene_id", value_column="TPM"
    )
    assert values == {"ENSG00000090339": 31.6, "ENSG00000073008": 61.2}


def test_one_ragged_row_names_its_line(tmp_path):
    rows = RSEM.splitlines()
    rows[2] += "\t9"
    with pytest.raises(InputError, match="line 3: expression table: 8 fields on this line but 7"):
        read_expression_table(_write(tmp_path, "s.genes.results", "\n".join(rows)), "gene")


# --- (c) TPM nan / inf / negative -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "what"), [("nan", "not a finite number"), ("inf", "not a finite number"),
                      ("-1.5", "negative"), ("abc", "not a number")],
)  # fmt: skip
def test_expression_value_domain(tmp_path, raw, what):
    text = RSEM.replace("\t61.2\t", f"\t{raw}\t")
    with pytest.raises(InputError) as info:
        read_expression_table(_write(tmp_path, "s.genes.results", text), "gene")
    assert "line 3, field TPM" in str(info.value)
    assert what in str(info.value)


def test_expression_duplicate_identifier(tmp_path):
    text = RSEM + "ENSG00000090339\tENST1\t1\t1\t1\t5\t5\n"
    with pytest.raises(InputError, match="line 4, field gene_id: identifier 'ENSG00000090339'"):
        read_expression_table(_write(tmp_path, "s.genes.results", text), "gene")


# --- (b) a plate grid row with an extra cell --------------------------------------------------


def _grid_with_row_a(tmp_path, change) -> Path:
    lines = (EXAMPLE / "plate_grid.csv").read_text().split("\n")
    a = next(i for i, line in enumerate(lines) if line.startswith("A,"))
    lines[a] = change(lines[a])
    return _write(tmp_path, "grid.csv", "\n".join(lines))


@pytest.mark.parametrize(
    ("change", "cells"),
    [
        (lambda row: row.replace(",0.1543,", ",0.1543,0.1500,"), 13),  # A04 repeated: shift
        (lambda row: row.replace(",0.1543,", ","), 11),  # A04 lost
    ],
)
def test_grid_row_with_an_extra_or_missing_cell_is_an_error(tmp_path, change, cells):
    grid = _grid_with_row_a(tmp_path, change)
    with pytest.raises(InputError) as info:
        read_grid_plate(grid, EXAMPLE / "plate_layout.csv")
    # title, blank, header, then row A on line 4
    assert f"{grid}, line 4: plate grid: row A has {cells} cells but the header numbers 12" in str(
        info.value
    )


def test_grid_padded_by_a_spreadsheet_reads_the_same(tmp_path):
    padded = "\n".join(
        line + ",," if line else line
        for line in (EXAMPLE / "plate_grid.csv").read_text().split("\n")
    )
    wells = read_grid_plate(_write(tmp_path, "g.csv", padded), EXAMPLE / "plate_layout.csv")
    a04 = wells.loc[wells["well"] == "A04", "readout"].item()
    assert a04 == 0.1543  # the file's A04, not its neighbour
    assert len(wells) == 96


# --- encodings --------------------------------------------------------------------------------


def test_latin1_byte_in_plate_and_fasta_names_line_and_byte(tmp_path):
    tidy = _write(tmp_path, "p.csv", TIDY.encode().replace(b"T1,tumor,CVA21", b"T\xe9,tumor,CVA21"))
    with pytest.raises(InputError, match=r"line 4: plate is not UTF-8 text: byte 0xE9 at column"):
        read_tidy_plate(tidy)
    grid = (EXAMPLE / "plate_grid.csv").read_bytes().replace(b"OD570", b"OD570 \xb5m", 1)
    with pytest.raises(InputError, match=r"line 1: plate grid is not UTF-8 text: byte 0xB5"):
        read_grid_plate(_write(tmp_path, "g.csv", grid), EXAMPLE / "plate_layout.csv")
    fasta = _write(tmp_path, "p.fa", b">pep1 caf\xe9\nMKVLA\n")
    with pytest.raises(InputError, match=r"line 1: peptide FASTA is not UTF-8 text: byte 0xE9"):
        read_protein_fasta(fasta)
    with pytest.raises(InputError, match=r"line 1: protein FASTA is not UTF-8 text: byte 0xE9"):
        read_protein_input(fasta)


def test_utf8_bom_is_read(tmp_path):
    plain = read_tidy_plate(_write(tmp_path, "a.csv", TIDY))
    bom = read_tidy_plate(_write(tmp_path, "b.csv", b"\xef\xbb\xbf" + TIDY.encode()))
    assert list(bom["readout"]) == list(plain["readout"]) == [0.10, 1.10, 0.95]
    values, _ = read_expression_table(_write(tmp_path, "s.genes.results",
                                             b"\xef\xbb\xbf" + RSEM.encode()), "gene")  # fmt: skip
    assert values == {"ENSG00000090339": 31.6, "ENSG00000073008": 61.2}
    records = read_protein_fasta(_write(tmp_path, "p.fa", b"\xef\xbb\xbf>p1\nMKV\n"))
    assert [(r.identifier, r.sequence) for r in records] == [("p1", "MKV")]


# --- limits: a clean error within a second -----------------------------------------------------


def test_giant_field_and_row_fail_within_a_second(tmp_path):
    field = _write(tmp_path, "p.csv", TIDY.replace("0.95", "9" * 140_000))
    wide = _write(tmp_path, "e.tsv", "gene\tTPM\nICAM1\t3" + "\t" * 1_000_000 + "\n")
    started = time.perf_counter()
    with pytest.raises(InputError, match="line 4: plate: a field longer than 131,072"):
        read_tidy_plate(field)
    with pytest.raises(InputError, match="line 2: expression table: a row of 1,000,002 fields"):
        read_expression(wide)
    with pytest.raises(InputError, match="line 2: expression table: a row of 1,000,002 fields"):
        read_expression_table(wide, "gene")
    assert time.perf_counter() - started < 1.0


def test_json_number_over_4300_digits_exits_2_within_a_second(tmp_path, capsys):
    construct = json.dumps({"protein": "MKVL", "elements": [{"start": 1, "end": 2}]})
    path = _write(tmp_path, "c.json", construct.replace('"end": 2', '"end": ' + "9" * 5000))
    argv = ["mrna", "--protein", str(path), "--out", str(tmp_path / "out")]
    main(argv)  # first call pays for imports (numba, ViennaRNA), not for the parse
    capsys.readouterr()
    started = time.perf_counter()
    code = main(argv)
    assert time.perf_counter() - started < 1.0
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{path}: not usable JSON: Exceeds the limit (4300 digits)" in err


def test_infinite_element_coordinate_is_an_input_error(tmp_path):
    text = '{"protein": "MKVL", "elements": [{"start": 1, "end": 1e999}]}'
    path = _write(tmp_path, "c.json", text)
    with pytest.raises(InputError, match=r"field elements\[0\]: element 0 needs integer start"):
        read_protein_input(path)


# --- the other virus tables: reference cohort matrix and serology -------------------------------


def test_reference_cohort_r_matrix_is_read_and_inf_refused(tmp_path):
    from vaxmix.virus.run import _read_reference

    # R write.table of a genes x samples matrix: no header cell over the row names
    r_matrix = "S1\tS2\nICAM1\t1.5\t2.5\nPVR\t3\t4\n"
    table = _read_reference(_write(tmp_path, "ref.tsv", r_matrix))
    assert table.loc["ICAM1"].tolist() == [1.5, 2.5]
    assert table.loc["PVR"].tolist() == [3.0, 4.0]
    labelled = _read_reference(_write(tmp_path, "ref2.tsv", "gene\t" + r_matrix))
    assert labelled.equals(table)
    with pytest.raises(InputError, match=r"line 3, field S2: TPM 'inf' is not a finite number"):
        _read_reference(_write(tmp_path, "ref3.tsv", r_matrix.replace("\t4", "\tinf")))


def test_serology_latin1_and_second_titre(tmp_path):
    from vaxmix.virus.serology import read_serology

    good = "virus_id,titer\nCVA21,1:32\n"
    assert read_serology(_write(tmp_path, "s.csv", good), {"CVA21"}) == {"CVA21": 32.0}
    with pytest.raises(InputError, match="line 3, field virus_id: virus CVA21 has a second"):
        read_serology(_write(tmp_path, "s2.csv", good + "CVA21,1:8\n"), {"CVA21"})
    with pytest.raises(InputError, match="line 2: serology is not UTF-8 text: byte 0xB5"):
        read_serology(_write(tmp_path, "s3.csv", b"virus_id,titer\nCVA21 \xb5,1:8\n"), {"CVA21"})
