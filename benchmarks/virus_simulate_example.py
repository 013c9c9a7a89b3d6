"""Write the simulated example plate shipped in ``vaxmix/virus/data/example/``.

A 96-well MTT plate (OD570) laid out like the Chumakov lab assay: 10-fold dilutions of virus
stocks (10^-7 … 10^-2), patient tumor cells, patient normal cells and Vero as the reference
line. Readings come from known 4PL parameters (``TRUTH`` below) with 5 % multiplicative
Gaussian noise and a 0.08 OD medium blank — **simulated, not measured**.

Run: ``.venv/bin/python benchmarks/virus_simulate_example.py`` (deterministic, seed 7).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from vaxmix.virus.fit import four_pl

OUT = Path(__file__).resolve().parents[1] / "src" / "vaxmix" / "virus" / "data" / "example"
LOG_DOSES = np.arange(-7.0, -1.0)  # 10^-7 … 10^-2 dilution of stock
BLANK_OD, MOCK_OD, NOISE = 0.08, 1.20, 0.05
# (sample, virus) → (bottom %, top %, hill, log10 EC50)
TRUTH = {
    ("PT01-tumor", "CVA21"): (5.0, 100.0, 1.2, -5.5),
    ("PT01-tumor", "E7"): (10.0, 100.0, 1.0, -4.0),
    ("PT01-tumor", "EVB75"): (92.0, 100.0, 1.0, -4.0),  # no killing
    ("PT01-tumor", "PVSRIPO"): (15.0, 100.0, 1.5, -4.5),
    ("PT01-tumor", "CVB3"): (0.0, 100.0, 1.0, -5.0),
    ("PT01-normal", "CVA21"): (40.0, 100.0, 1.0, -2.5),  # spares normal cells
    ("PT01-normal", "PVSRIPO"): (10.0, 100.0, 1.5, -4.8),  # kills normal cells too
    ("Vero", "CVA21"): (0.0, 100.0, 1.5, -6.5),
    ("Vero", "EVB75"): (0.0, 100.0, 1.5, -6.0),  # stock is active on Vero
}
# row letter → [(sample, virus, columns, replicate)]
LAYOUT = {
    "A": [("PT01-tumor", "CVA21", range(1, 7), "1"), ("PT01-tumor", "CVA21", range(7, 13), "2")],
    "B": [("PT01-tumor", "E7", range(1, 7), "1"), ("PT01-tumor", "E7", range(7, 13), "2")],
    "C": [("PT01-tumor", "EVB75", range(1, 7), "1"), ("PT01-tumor", "EVB75", range(7, 13), "2")],
    "D": [
        ("PT01-tumor", "PVSRIPO", range(1, 7), "1"),
        ("PT01-tumor", "PVSRIPO", range(7, 13), "2"),
    ],
    "E": [("PT01-tumor", "CVB3", range(1, 7), "1"), ("PT01-tumor", "CVB3", range(7, 13), "2")],
    "F": [
        ("PT01-normal", "CVA21", range(1, 7), "1"),
        ("PT01-normal", "PVSRIPO", range(7, 13), "1"),
    ],
    "G": [("Vero", "CVA21", range(1, 7), "1"), ("Vero", "EVB75", range(7, 13), "1")],
}
CONTROL_ROW = ["blank"] * 3 + ["mock|PT01-tumor"] * 3 + ["mock|PT01-normal"] * 3 + ["mock|Vero"] * 3


def simulate(seed: int = 7) -> tuple[list[list[str]], list[list[str]]]:
    """Return (grid, layout) as 8 × 12 lists of cell strings."""
    rng = np.random.default_rng(seed)
    grid: list[list[str]] = []
    layout: list[list[str]] = []
    for letter in "ABCDEFG":
        grid_row, layout_row = [], []
        for sample, virus, columns, replicate in LAYOUT[letter]:
            viability = four_pl(LOG_DOSES, *TRUTH[sample, virus])
            for log_dose, value in zip(LOG_DOSES, viability, strict=True):
                od = BLANK_OD + MOCK_OD * value / 100.0 * (1.0 + NOISE * rng.standard_normal())
                grid_row.append(f"{max(od, 0.0):.4f}")
                layout_row.append(f"{sample}|{virus}|{10.0**log_dose:.0e}|{replicate}")
            assert len(grid_row) == max(columns)
        grid.append(grid_row)
        layout.append(layout_row)
    controls = []
    for cell in CONTROL_ROW:
        base = BLANK_OD if cell == "blank" else BLANK_OD + MOCK_OD
        controls.append(f"{base * (1.0 + NOISE * rng.standard_normal()):.4f}")
    grid.append(controls)
    layout.append(CONTROL_ROW)
    return grid, layout


def write(grid: list[list[str]], layout: list[list[str]], out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, block, preamble in (
        ("plate_grid.csv", grid, [["Plate PT01-MTT, OD570 (SIMULATED example data)"], []]),
        ("plate_layout.csv", layout, [["Plate map PT01-MTT (SIMULATED example)"], []]),
    ):
        with open(out / name, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerows(preamble)
            writer.writerow(["", *range(1, 13)])
            for letter, row in zip("ABCDEFGH", block, strict=True):
                writer.writerow([letter, *row])


if __name__ == "__main__":
    write(*simulate())
    print(f"wrote {OUT / 'plate_grid.csv'} and {OUT / 'plate_layout.csv'}")
