"""`vaxmix virus` end to end: example patient, catalog listing, bad input → exit 2, no output."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

from vaxmix.cli import main

EXAMPLE = Path(str(resources.files("vaxmix.virus") / "data" / "example"))


def test_example_patient_end_to_end(tmp_path, capsys):
    # Not timed: a CPU budget made CI fail on a busy machine (5.5 s against 5.0 s with the
    # same code that passed before). Its speed is benchmarks/virus_fit_benchmark.py's job.
    out = tmp_path / "virus"
    assert main(["virus", "example", "--out", str(out)]) == 0
    panel = json.loads((out / "panel.json").read_text())
    assert panel["schema"] == "vaxmix.virus_panel/1"
    picks = {p["virus_id"]: p for p in panel["picks"]}
    assert 1 <= len(picks) <= 4
    # simulated truth: CVA21, CVB3 and E7 kill the tumor cells; EVB75 does not;
    # PVSRIPO kills the patient's normal cells as readily as the tumor
    assert {"CVA21", "CVB3", "E7"} <= set(picks)
    rejected = {r["virus_id"]: r["reasons"][0] for r in panel["rejections"]}
    assert rejected["EVB75"] == "patient's tumor cells resistant ex vivo"
    assert rejected["PVSRIPO"].startswith("not selective")
    assert all(p["reasons"] for p in panel["picks"])
    assert {i["role"] for i in panel["provenance"]["inputs"]} == {"expression", "plate", "layout"}
    assert all(len(i["sha256"]) == 64 for i in panel["provenance"]["inputs"])
    for name in (
        "curves.tsv",
        "plate_qc.tsv",
        "rna_scores.tsv",
        "dose_response.png",
        "receptor_heatmap.svg",
    ):
        assert (out / name).stat().st_size > 0
    assert "virus panel for colorectal" in capsys.readouterr().out


def test_panel_command_with_expression_only(tmp_path):
    out = tmp_path / "o"
    code = main(
        [
            "virus",
            "panel",
            "--indication",
            "glioblastoma",
            "--expression",
            str(EXAMPLE / "expression.tsv"),
            "--out",
            str(out),
            "--no-plots",
        ]
    )
    assert code == 0
    panel = json.loads((out / "panel.json").read_text())
    assert len(panel["picks"]) == 4
    assert not (out / "dose_response.png").exists()


def test_catalog_command(capsys):
    assert main(["virus", "catalog", "--indication", "uveal_melanoma"]) == 0
    text = capsys.readouterr().out
    assert "CVA21" in text and "ICAM1 (HGNC:5344)*" in text and "negative" in text


def test_negative_reading_exits_2_naming_file_and_well_without_output(tmp_path, capsys):
    grid = tmp_path / "grid.csv"
    shutil.copy(EXAMPLE / "plate_grid.csv", grid)
    lines = grid.read_text().splitlines()
    cells = lines[3].split(",")  # row A
    cells[3] = "-0.05"  # well A03
    lines[3] = ",".join(cells)
    grid.write_text("\n".join(lines) + "\n")
    out = tmp_path / "never"
    code = main(
        [
            "virus",
            "panel",
            "--indication",
            "colorectal",
            "--expression",
            str(EXAMPLE / "expression.tsv"),
            "--plate",
            str(grid),
            "--layout",
            str(EXAMPLE / "plate_layout.csv"),
            "--out",
            str(out),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert str(grid) in err and "well A03: negative reading -0.05" in err
    assert "Traceback" not in err
    assert not out.exists()
    assert not any(p.name.startswith(".never") for p in tmp_path.iterdir())


def test_failed_rerun_keeps_previous_outputs(tmp_path):
    out = tmp_path / "o"
    assert main(["virus", "example", "--out", str(out), "--no-plots"]) == 0
    before = (out / "panel.json").read_bytes()
    bad = tmp_path / "bad.tsv"
    bad.write_text("gene\tTPM\nICAM1\t-3\n")
    assert (
        main(
            [
                "virus",
                "panel",
                "--indication",
                "colorectal",
                "--expression",
                str(bad),
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert (out / "panel.json").read_bytes() == before


def test_layout_count_mismatch_is_usage_error(tmp_path, capsys):
    code = main(
        [
            "virus",
            "panel",
            "--indication",
            "colorectal",
            "--plate",
            "a.csv",
            "--plate",
            "b.csv",
            "--layout",
            "l.csv",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2
    assert "2 --plate" in capsys.readouterr().err


def test_tidy_csv_and_grid_layout_give_the_same_curves(tmp_path):
    """Two upload shapes of the same plate must give identical fits (two routes agree)."""
    from vaxmix.virus.plate import PlateOptions, read_grid_plate

    options = PlateOptions(normal_samples=frozenset({"PT01-normal"}))
    wells = read_grid_plate(EXAMPLE / "plate_grid.csv", EXAMPLE / "plate_layout.csv", options)
    tidy = tmp_path / "plate_grid.csv"  # same stem → same plate_id
    rows = ["plate_id,well,sample_id,sample_type,virus_id,dilution,replicate,control,readout"]
    for _, w in wells.iterrows():
        dilution = "" if w["control"] != "none" else repr(w["dose"])
        rows.append(
            f"{w['plate_id']},{w['well']},{w['sample_id']},{w['sample_type']},{w['virus_id']},"
            f"{dilution},{w['replicate']},{w['control']},{w['readout']!r}"
        )
    tidy.write_text("\n".join(rows) + "\n")
    out_grid, out_tidy = tmp_path / "grid", tmp_path / "tidy"
    common = ["virus", "panel", "--indication", "colorectal", "--no-plots"]
    assert (
        main(
            [
                *common,
                "--plate",
                str(EXAMPLE / "plate_grid.csv"),
                "--layout",
                str(EXAMPLE / "plate_layout.csv"),
                "--normal-sample",
                "PT01-normal",
                "--out",
                str(out_grid),
            ]
        )
        == 0
    )
    assert main([*common, "--plate", str(tidy), "--out", str(out_tidy)]) == 0
    grid_curves = (out_grid / "curves.tsv").read_text()
    tidy_curves = (out_tidy / "curves.tsv").read_text()
    assert grid_curves == tidy_curves
    picks = [json.loads((o / "panel.json").read_text())["picks"] for o in (out_grid, out_tidy)]
    assert [p["virus_id"] for p in picks[0]] == [p["virus_id"] for p in picks[1]]
