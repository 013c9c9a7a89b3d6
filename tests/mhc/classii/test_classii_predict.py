"""The public class II predictor with the shipped model."""

from __future__ import annotations

import numpy as np
import pytest

from vaxmix.common.errors import InputError
from vaxmix.mhc.classii import predict
from vaxmix.mhc.classii.predictor import COLUMNS

ALLELES = ["DRB1*01:01", "HLA-DQA1*05:01-DQB1*02:01", "DPA1*01:03/DPB1*04:01"]


def test_one_row_per_peptide_and_allele_in_order() -> None:
    peptides = ["PKYVKQNTLKLAT", "GELIGILNAAKVPAD", "pkyvkqntlklat"]
    table = predict(peptides, ALLELES)
    assert list(table.columns) == COLUMNS
    assert len(table) == 9
    assert table["peptide"].tolist() == ["PKYVKQNTLKLAT"] * 3 + ["GELIGILNAAKVPAD"] * 3 + [
        "PKYVKQNTLKLAT"] * 3
    assert table["allele"].tolist()[:3] == [
        "HLA-DRB1*01:01", "HLA-DQA1*05:01-DQB1*02:01", "HLA-DPA1*01:03-DPB1*04:01"]
    # duplicates (any case) get identical predictions
    np.testing.assert_array_equal(table["affinity_nm"][:3], table["affinity_nm"][6:])
    assert table["percentile"].between(0, 100).all()
    assert table["presentation_score"].between(0, 1).all()
    assert (table["affinity_nm"] > 0).all()
    assert all(len(c) == 9 and c in p for c, p in zip(table["core"], table["peptide"], strict=True))
    assert table["model"].str.startswith("vaxmix-mhc2").all()


def test_percentile_of_background_is_uniform() -> None:
    """Ranks of the calibration background itself spread evenly over 0-100 %."""
    from vaxmix.mhc.classii.calibration import background_peptides

    peptides = list(background_peptides()[:2000])
    ranks = predict(peptides, ["HLA-DRB1*04:05"])["percentile"].to_numpy()
    assert abs(np.median(ranks) - 50) < 5
    assert 0.5 < (ranks < 2).mean() * 100 < 4


def test_allele_outside_training_set_is_calibrated_on_demand() -> None:
    table = predict(["PKYVKQNTLKLAT"], ["HLA-DRB1*16:02"])
    assert table.loc[0, "allele"] == "HLA-DRB1*16:02"
    assert 0 <= table.loc[0, "percentile"] <= 100


@pytest.mark.parametrize("bad", ["PKYVKQNT", "PKYVKQNTLKLAX", "A" * 41, ""])
def test_bad_peptides_raise_input_error(bad: str) -> None:
    with pytest.raises(InputError, match="class II peptide"):
        predict([bad], ["DRB1*01:01"])


def test_bad_allele_raises_input_error() -> None:
    with pytest.raises(InputError, match="DQA1 partner"):
        predict(["PKYVKQNTLKLAT"], ["DQB1*02:01"])


def test_empty_input_gives_empty_table() -> None:
    assert list(predict([], ["DRB1*01:01"]).columns) == COLUMNS
