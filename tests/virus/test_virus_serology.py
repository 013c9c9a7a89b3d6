"""Serology upload parsing."""

from __future__ import annotations

import pytest

from vaxmix.common.errors import InputError
from vaxmix.virus.serology import read_serology


def test_titre_formats(tmp_path):
    path = tmp_path / "nab.csv"
    path.write_text("virus_id,titer\nCVA21,1:32\nE7,64\nPVSRIPO,<1:8\n")
    assert read_serology(path, {"CVA21", "E7", "PVSRIPO"}) == {
        "CVA21": 32.0,
        "E7": 64.0,
        "PVSRIPO": 4.0,
    }


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("XYZ,1:8", "line 2, field virus_id: virus 'XYZ' is not in the catalog"),
        ("E7,high", "field titer"),
    ],
)
def test_bad_rows(tmp_path, row, message):
    path = tmp_path / "nab.csv"
    path.write_text(f"virus_id,titer\n{row}\n")
    with pytest.raises(InputError, match=message):
        read_serology(path, {"E7"})
