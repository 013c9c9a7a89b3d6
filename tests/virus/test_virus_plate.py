"""Plate readers and their errors: every bad input names the file and the well."""

from __future__ import annotations

import pytest

from vaxmix.common.errors import InputError
from vaxmix.virus.plate import PlateOptions, read_grid_plate, read_tidy_plate, validate_controls

HEADER = "plate_id,well,sample_id,sample_type,virus_id,dilution,replicate,control,readout\n"
GOOD_ROWS = [
    "P1,A01,,,,,,blank,0.10",
    "P1,A02,,,,,,blank,0.10",
    "P1,B01,T1,tumor,,,,mock,1.10",
    "P1,B02,T1,tumor,,,,mock,1.10",
    "P1,C01,T1,tumor,CVA21,1e-6,1,none,1.10",
    "P1,C02,T1,tumor,CVA21,1e-5,1,none,0.60",
    "P1,C03,T1,tumor,CVA21,1e-4,1,none,0.20",
    "P1,C04,T1,tumor,CVA21,1e-3,1,none,0.10",
]


def _tidy(tmp_path, rows, name="plate.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


def test_tidy_plate_reads_wells(tmp_path):
    wells = read_tidy_plate(_tidy(tmp_path, GOOD_ROWS))
    assert len(wells) == 8
    treated = wells[wells["control"] == "none"]
    assert list(treated["dose"]) == [1e-6, 1e-5, 1e-4, 1e-3]
    assert set(treated["dose_unit"]) == {"dilution"}
    assert wells.loc[0, "plate_format"] == 96
    validate_controls(wells, known_viruses={"CVA21"})


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("P1,C05,T1,tumor,CVA21,1e-2,1,none,-0.02", "well C05: negative reading -0.02"),
        ("P1,C05,T1,tumor,CVA21,1e-2,1,none,OVRFLW", "well C05: reading 'OVRFLW' is saturated"),
        ("P1,C05,T1,tumor,CVA21,1e-2,1,none,4.2", "well C05: reading 4.2 is saturated"),
        ("P1,C05,T1,tumor,CVA21,1e-2,1,none,n/a", "well C05: reading 'n/a' is not a number"),
        ("P1,C01,T1,tumor,CVA21,1e-2,1,none,0.5", "well C01 of plate P1 appears twice"),
        ("P1,C05,T1,tumor,CVA21,,1,none,0.5", "well C05: a treated well needs a dilution or moi"),
        ("P1,Z05,T1,tumor,CVA21,1e-2,1,none,0.5", "bad well name 'Z05'"),
    ],
)
def test_bad_readings_name_file_line_and_well(tmp_path, bad_row, message):
    path = _tidy(tmp_path, [*GOOD_ROWS, bad_row])
    with pytest.raises(InputError) as info:
        read_tidy_plate(path)
    text = str(info.value)
    assert str(path) in text
    assert "line 10" in text
    assert message in text


def test_well_outside_declared_96_plate(tmp_path):
    path = _tidy(tmp_path, [*GOOD_ROWS, "P1,I13,T1,tumor,CVA21,1e-2,1,none,0.5"])
    with pytest.raises(
        InputError, match=r"well I13 is outside a 96-well plate \(H12 is the last well\)"
    ):
        read_tidy_plate(path, PlateOptions(plate_format=96))
    # without a declared size, I13 implies a 384-well plate
    assert set(read_tidy_plate(path)["plate_format"]) == {384}


def test_missing_mock_controls(tmp_path):
    rows = [r for r in GOOD_ROWS if ",mock," not in r]
    wells = read_tidy_plate(_tidy(tmp_path, rows))
    with pytest.raises(InputError, match=r"sample T1 has treated wells \(first: C01\) but no mock"):
        validate_controls(wells)


def test_missing_blank_controls(tmp_path):
    rows = [r for r in GOOD_ROWS if ",blank," not in r]
    wells = read_tidy_plate(_tidy(tmp_path, rows))
    with pytest.raises(InputError, match=r"plate P1 has no blank .* \(first treated well: C01\)"):
        validate_controls(wells)


def test_unknown_virus(tmp_path):
    wells = read_tidy_plate(_tidy(tmp_path, GOOD_ROWS))
    with pytest.raises(InputError, match=r"well C01: virus 'CVA21' is not in the catalog"):
        validate_controls(wells, known_viruses={"E7"})


def _grid(path, values, n_rows=8, n_cols=12, preamble="Reader export\n\n"):
    lines = [preamble.rstrip("\n")] if preamble else []
    lines.append("," + ",".join(str(i) for i in range(1, n_cols + 1)))
    for r in range(n_rows):
        lines.append("ABCDEFGHIJKLMNOP"[r] + "," + ",".join(values(r, c) for c in range(n_cols)))
    path.write_text("\n".join(lines) + "\n")
    return path


def _layout_cell(r, c):
    if r == 0:
        return "blank" if c < 3 else ("mock|T1" if c < 6 else "")
    if r == 1 and c < 6:
        return f"T1|E7|1e-{7 - c}|1"
    return ""


def test_grid_and_layout_96(tmp_path):
    grid = _grid(tmp_path / "grid.csv", lambda r, c: f"{0.1 + 0.01 * c:.3f}")
    layout = _grid(tmp_path / "layout.csv", _layout_cell)
    wells = read_grid_plate(grid, layout)
    assert len(wells) == 12
    e7 = wells[wells["virus_id"] == "E7"]
    assert list(e7["well"]) == ["B01", "B02", "B03", "B04", "B05", "B06"]
    assert list(e7["dose"]) == [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]
    assert e7["readout"].iloc[2] == pytest.approx(0.12)


def test_grid_384(tmp_path):
    grid = _grid(tmp_path / "g.csv", lambda r, c: "0.5", n_rows=16, n_cols=24)
    layout = _grid(
        tmp_path / "l.csv", lambda r, c: "blank" if (r, c) == (15, 23) else "", n_rows=16, n_cols=24
    )
    wells = read_grid_plate(grid, layout)
    assert list(wells["well"]) == ["P24"]
    assert wells["plate_format"].iloc[0] == 384


def test_wrong_plate_size(tmp_path):
    grid = _grid(tmp_path / "grid.csv", lambda r, c: "0.5", n_cols=11)
    layout = _grid(tmp_path / "layout.csv", lambda r, c: "", n_cols=11)
    with pytest.raises(InputError) as info:
        read_grid_plate(grid, layout)
    assert "grid.csv" in str(info.value)
    assert "wrong plate size: plate grid has 8 rows × 11 columns" in str(info.value)


def test_layout_shape_must_match_grid(tmp_path):
    grid = _grid(tmp_path / "grid.csv", lambda r, c: "0.5")
    layout = _grid(tmp_path / "layout.csv", lambda r, c: "", n_rows=16, n_cols=24)
    with pytest.raises(InputError, match="wrong plate size: layout is 16 × 24"):
        read_grid_plate(grid, layout)


def test_grid_saturated_well_named(tmp_path):
    grid = _grid(tmp_path / "grid.csv", lambda r, c: "OVRFLW" if (r, c) == (1, 2) else "0.5")
    layout = _grid(tmp_path / "layout.csv", _layout_cell)
    with pytest.raises(InputError) as info:
        read_grid_plate(grid, layout)
    assert "grid.csv" in str(info.value) and "well B03" in str(info.value)


def test_bad_layout_cell(tmp_path):
    grid = _grid(tmp_path / "grid.csv", lambda r, c: "0.5")
    layout = _grid(tmp_path / "layout.csv", lambda r, c: "mock" if (r, c) == (0, 0) else "")
    with pytest.raises(InputError, match="well A01: layout cell 'mock' is not"):
        read_grid_plate(grid, layout)


def test_moi_doses_in_tidy_csv(tmp_path):
    path = tmp_path / "moi.csv"
    path.write_text(
        "well,sample_id,virus_id,moi,control,readout\n"
        "A01,,,,blank,0.1\nB01,T1,,,mock,1.0\n"
        "C01,T1,REO3,0.01,none,0.9\nC02,T1,REO3,0.1,none,0.5\nC03,T1,REO3,1,none,0.2\n"
    )
    wells = read_tidy_plate(path)
    treated = wells[wells["control"] == "none"]
    assert set(treated["dose_unit"]) == {"MOI"}
    assert list(treated["dose"]) == [0.01, 0.1, 1.0]
    assert set(treated["sample_type"]) == {"tumor"}
    assert wells["plate_id"].iloc[0] == "moi"  # file stem when no plate_id column
