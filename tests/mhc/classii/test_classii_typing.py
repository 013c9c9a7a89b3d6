"""Splitting HLA names into class I and class II, and pairing DQ/DP chains."""

from __future__ import annotations

import pytest

from vaxmix.common.errors import InputError
from vaxmix.mhc.classii.typing import is_class2_name, pair_chains, split_alleles


@pytest.mark.parametrize(
    ("name", "class2"),
    [("HLA-A*02:01", False), ("B*07:02", False), ("C0702", False), ("HLA-DRB1*15:01", True),
     ("DRB1_1501", True), ("dqa1*01:02", True), ("DPA1*01:03/DPB1*04:01", True),
     ("HLA-DQA10102-DQB10602", True)],
)
def test_is_class2_name(name: str, class2: bool) -> None:
    assert is_class2_name(name) is class2


def test_dq_chains_give_cis_and_trans_pairs() -> None:
    # two DQA1 x two DQB1 = four molecules (worked out by hand), DRA alone adds nothing
    chains = ["DQA1*01:02:01", "DQB1*06:02", "DQA1*05:01", "DQB1*02:01", "DRA*01:01"]
    assert pair_chains(chains) == [
        "HLA-DQA1*01:02-DQB1*06:02", "HLA-DQA1*01:02-DQB1*02:01",
        "HLA-DQA1*05:01-DQB1*06:02", "HLA-DQA1*05:01-DQB1*02:01",
    ]  # fmt: skip


def test_homozygous_chain_pairs_once() -> None:
    assert pair_chains(["DPA1*01:03", "DPA1*01:03", "DPB1*04:01"]) == ["HLA-DPA1*01:03-DPB1*04:01"]


def test_split_keeps_class1_as_given_and_normalizes_class2() -> None:
    split = split_alleles(["HLA-A*02:01", "DRB1*15:01:01", "A*02:01",
                           "HLA-DQA1*01:02-DQB1*06:02", "DRB1_1501"])
    assert split.class1 == ["HLA-A*02:01", "A*02:01"]
    assert split.class2 == ["HLA-DRB1*15:01", "HLA-DQA1*01:02-DQB1*06:02"]


def test_lone_chain_is_an_error_naming_its_partner() -> None:
    with pytest.raises(InputError, match="needs its DPB1 partner"):
        split_alleles(["DPA1*01:03", "DRB1*15:01"])
