"""Normalisation, QC, curve calls and selectivity, checked on hand-built plates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vaxmix.virus.assay import analyse_plates, normalise
from vaxmix.virus.fit import four_pl
from vaxmix.virus.plate import COLUMNS


def _well(plate, well, control, readout, sample="", stype="", virus="", dose=np.nan):
    row = "ABCDEFGHIJKLMNOP".index(well[0])
    col = int(well[1:]) - 1
    return {
        "plate_id": plate,
        "well": well,
        "row": row,
        "col": col,
        "plate_format": 96,
        "sample_id": sample,
        "sample_type": stype,
        "virus_id": virus,
        "dose": dose,
        "dose_unit": "dilution" if virus else "",
        "replicate": "",
        "control": control,
        "readout": readout,
        "assay": "MTT",
        "source": "mem.csv",
    }


def test_normalise_by_hand():
    wells = pd.DataFrame(
        [
            _well("P", "A01", "blank", 0.10),
            _well("P", "A02", "blank", 0.12),  # blank mean 0.11
            _well("P", "B01", "mock", 1.11, "T", "tumor"),
            _well("P", "B02", "mock", 1.11, "T", "tumor"),  # mock signal 1.00
            _well("P", "C01", "none", 0.61, "T", "tumor", "CVA21", 1e-5),
            _well("P", "D01", "kill", 0.21, "N", "normal"),
            _well("P", "D02", "mock", 2.11, "N", "normal"),
            _well("P", "D03", "none", 1.11, "N", "normal", "CVA21", 1e-5),
        ],
        columns=COLUMNS,
    )
    out = normalise(wells)
    assert out.loc[4, "viability"] == pytest.approx(50.0)  # (0.61 - 0.11) / 1.00
    # with a kill control: (1.00 - 0.10) / (2.00 - 0.10) × 100
    assert out.loc[7, "viability"] == pytest.approx(0.90 / 1.90 * 100)


def _simulated_plate(noise=0.03, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    letters = iter("ABCDEFGH")
    blank, mock = 0.1, 1.0
    for i, value in enumerate(blank * (1 + noise * rng.standard_normal(4))):
        rows.append(_well("P", f"H{i + 1:02d}", "blank", value))
    for sample, stype, letter in (("T", "tumor", "G"), ("N", "normal", "F")):
        for i, value in enumerate(blank + mock * (1 + noise * rng.standard_normal(4))):
            rows.append(_well("P", f"{letter}{i + 1:02d}", "mock", value, sample, stype))
    truth = {("T", "CVA21"): -5.0, ("N", "CVA21"): -3.0, ("T", "E7"): None}
    for (sample, virus), log_ec50 in truth.items():
        letter = next(letters)
        stype = "tumor" if sample == "T" else "normal"
        for j, log_dose in enumerate(np.arange(-7.0, -1.0)):
            for rep in range(2):
                v = 100.0 if log_ec50 is None else four_pl(log_dose, 0, 100, 1.0, log_ec50)
                od = blank + mock * v / 100 * (1 + noise * rng.standard_normal())
                rows.append(
                    _well(
                        "P",
                        f"{letter}{j + 1 + 6 * rep:02d}",
                        "none",
                        od,
                        sample,
                        stype,
                        virus,
                        10.0**log_dose,
                    )
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def test_analyse_plate_calls_selectivity_and_z_prime():
    result = analyse_plates(_simulated_plate())
    curves = result.curves.set_index(["sample_id", "virus_id"])
    assert curves.loc[("T", "CVA21"), "call"] == "sensitive"
    assert curves.loc[("T", "CVA21"), "log10_ec50"] == pytest.approx(-5.0, abs=0.1)
    assert curves.loc[("T", "E7"), "call"] == "resistant"
    assert "no_50pct_kill_in_range" in curves.loc[("T", "E7"), "flags"]
    sel = result.selectivity.set_index("virus_id").loc["CVA21"]
    assert sel["log10_selectivity"] == pytest.approx(2.0, abs=0.15)  # -3 - (-5)
    assert sel["delta_auc"] > 0
    qc = result.qc.set_index("sample_id")
    assert qc.loc["T", "z_prime"] > 0.5 and qc.loc["T", "flags"] == ""


def test_z_prime_by_hand_and_flag():
    wells = _simulated_plate()
    # make mock wells of T noisy: 0.6, 1.6, 0.6, 1.6 (+0.1 blank)
    idx = wells.index[(wells["control"] == "mock") & (wells["sample_id"] == "T")]
    wells.loc[idx, "readout"] = [0.7, 1.7, 0.7, 1.7]
    blank = wells.loc[wells["control"] == "blank", "readout"].to_numpy()
    result = analyse_plates(wells)
    row = result.qc.set_index("sample_id").loc["T"]
    mock_signal = np.array([0.7, 1.7, 0.7, 1.7]) - blank.mean()
    blank_signal = blank - blank.mean()
    expected = 1 - 3 * (mock_signal.std(ddof=1) + blank_signal.std(ddof=1)) / abs(
        mock_signal.mean()
    )
    assert row["z_prime"] == pytest.approx(expected)
    assert "z_prime<0.5" in row["flags"]


def test_edge_effect_detected_in_residuals():
    wells = _simulated_plate(noise=0.01)
    treated = wells["control"] == "none"
    edge = (wells["row"] == 0) | (wells["col"] == 0) | (wells["col"] == 11)
    wells.loc[treated & edge, "readout"] *= 0.6  # evaporation at the rim
    result = analyse_plates(wells)
    assert "edge_effect_residuals" in result.qc["flags"].iloc[0]


def test_reference_line_not_killed_flags_tumor_curve():
    wells = _simulated_plate()
    e7 = wells[wells["virus_id"] == "E7"].copy()
    e7["sample_id"], e7["sample_type"] = "Vero", "reference"
    e7["row"] = 4
    e7["well"] = [f"E{c + 1:02d}" for c in e7["col"]]
    mocks = wells[(wells["control"] == "mock") & (wells["sample_id"] == "T")].copy()
    mocks["sample_id"], mocks["sample_type"], mocks["row"] = "Vero", "reference", 3
    mocks["well"] = [f"D{c + 1:02d}" for c in mocks["col"]]
    result = analyse_plates(pd.concat([wells, e7, mocks], ignore_index=True))
    tumor_e7 = result.curves[
        (result.curves["virus_id"] == "E7") & (result.curves["sample_type"] == "tumor")
    ]
    assert "reference_line_not_killed" in tumor_e7["flags"].iloc[0]


def test_non_monotonic_curve_flagged():
    wells = _simulated_plate()
    # tumor CVA21 at 10^-4 (4th dose, column 4 and 10 of row A): viability back up to ~100 %
    mask = (wells["sample_id"] == "T") & (wells["virus_id"] == "CVA21") & (wells["dose"] == 1e-4)
    wells.loc[mask, "readout"] = 1.1
    result = analyse_plates(wells)
    flags = result.curves.set_index(["sample_id", "virus_id"]).loc[("T", "CVA21"), "flags"]
    assert "non_monotonic" in flags
