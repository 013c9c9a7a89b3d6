"""Percent changes from baseline/nadir must not depend on the order of the lesion rows.

SDTM TR or a hand-made CSV need not be sorted by subject and date; worked by hand from
``data/lesions_example.csv`` subject P01 (target sums: baseline 40 + 20 = 60 mm, week 6
25 + 12 = 37 mm, week 12 20 + 9 = 29 mm).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vaxmix.trial.lesions import lesions_from_csv
from vaxmix.trial.recist import timepoint_responses

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("seed", [None, 0, 1, 3, 7])
def test_percent_changes_follow_their_own_assessment(seed):
    lesions = lesions_from_csv(DATA / "lesions_example.csv")
    if seed is not None:
        lesions = lesions.sample(frac=1, random_state=seed).reset_index(drop=True)
    table = timepoint_responses(lesions)
    p01 = table[table["subject"] == "P01"].set_index("visit")
    assert p01.loc["baseline", "sum_mm"] == 60
    assert p01.loc["week 6", "sum_mm"] == 37
    assert p01.loc["week 12", "sum_mm"] == 29
    assert p01.loc["baseline", "pchg_baseline"] == pytest.approx(0.0)
    assert p01.loc["week 6", "pchg_baseline"] == pytest.approx(100 * (37 - 60) / 60)
    assert p01.loc["week 12", "pchg_baseline"] == pytest.approx(100 * (29 - 60) / 60)
    assert p01.loc["week 6", "chg_nadir_mm"] == pytest.approx(37 - 60)
    assert p01.loc["week 12", "chg_nadir_mm"] == pytest.approx(29 - 37)
    assert p01.loc["week 12", "pchg_nadir"] == pytest.approx(100 * (29 - 37) / 37)
