"""The predictor protocol: both built-in models meet it; its checks refuse what they must."""

from __future__ import annotations

import pandas as pd
import pytest

from vaxmix.common.alleles import UnsupportedAllele
from vaxmix.common.errors import InputError
from vaxmix.mhc.classii.predictor import ClassIIPredictor
from vaxmix.mhc.predict import ClassIPredictor
from vaxmix.mhc.protocol import (
    COLUMNS,
    Predictor,
    PredictorMismatch,
    as_predictor,
    check_lengths,
    check_peptides,
    check_results,
    split_model_label,
)


def _table(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"peptide": [p for p, _ in pairs], "allele": [a for _, a in pairs],
                         "affinity_nm": 1.0, "percentile": 1.0, "presentation_score": 0.5,
                         "model": "m 1"})  # fmt: skip


def test_both_models_satisfy_the_protocol_and_label_their_rows():
    class1, class2 = ClassIPredictor(), ClassIIPredictor()
    assert isinstance(class1, Predictor) and isinstance(class2, Predictor)
    assert (class1.mhc_class, class2.mhc_class) == (1, 2)
    assert (class1.lengths, class2.lengths) == (range(8, 16), range(9, 41))
    assert "HLA-A*02:01" in class1.supported_alleles()
    assert "HLA-DRB1*15:01" in class2.supported_alleles()
    assert class1.check_alleles(["A0201"]) == ["HLA-A*02:01"]
    out1 = class1(["siinfekl", "GILGFVFTL"], ["A*02:01", "HLA-B*07:02"])
    out2 = class2(["PKYVKQNTLKLAT"], ["DRB1*15:01"])
    assert tuple(out1.columns) == class1.columns == COLUMNS
    assert tuple(out2.columns) == class2.columns and "core" in class2.columns
    # rows in peptide order, then allele order, peptides upper-cased, alleles canonical
    assert list(zip(out1["peptide"], out1["allele"], strict=True)) == [
        ("SIINFEKL", "HLA-A*02:01"), ("SIINFEKL", "HLA-B*07:02"),
        ("GILGFVFTL", "HLA-A*02:01"), ("GILGFVFTL", "HLA-B*07:02")]  # fmt: skip
    assert set(out1["model"]) == {f"{class1.name} {class1.version}"}
    assert set(out2["model"]) == {f"{class2.name} {class2.version}"}


@pytest.mark.parametrize(
    ("predictor", "allele"),
    [(ClassIPredictor(), "HLA-E*01:01"),  # gene outside the model
     (ClassIPredictor(), "HLA-DRB1*15:01"),  # class II name to the class I model
     (ClassIPredictor(), "HLA-A*02:999"),  # no pseudosequence
     (ClassIIPredictor(), "HLA-A*02:01"),  # class I name to the class II model
     (ClassIIPredictor(), "HLA-DRB1*15:999")],  # no groove residues for the chain
)  # fmt: skip
def test_an_allele_outside_the_model_raises_unsupported_allele(predictor, allele):
    with pytest.raises(UnsupportedAllele):
        predictor(["SIINFEKLMNPQ"], [allele])


def test_a_malformed_allele_name_is_an_input_error_not_unsupported():
    with pytest.raises(InputError) as caught:
        ClassIPredictor()(["SIINFEKL"], ["not an allele"])
    assert not isinstance(caught.value, UnsupportedAllele)


@pytest.mark.parametrize(
    ("predictor", "peptide"),
    [(ClassIPredictor(), "SIINFEK"), (ClassIPredictor(), "SIINFEKLSIINFEKL"),  # 7 and 16
     (ClassIIPredictor(), "SIINFEKL"), (ClassIIPredictor(), "A" * 41)],  # 8 and 41
)  # fmt: skip
def test_a_length_outside_the_model_raises(predictor, peptide):
    with pytest.raises(InputError, match="must be"):
        predictor([peptide], [predictor.supported_alleles()[0]])


def test_check_peptides_names_the_first_bad_one_and_refuses_non_ascii_case_folds():
    with pytest.raises(InputError) as caught:
        check_peptides(["SIINFEKL", "GILGFVFTX", "A"], range(8, 16), source="p.txt")
    assert caught.value.line == 2 and "GILGFVFTX" in caught.value.message
    # "ß".upper() is "SS": read as two serines before; now refused as a non-standard residue
    with pytest.raises(InputError):
        check_peptides(["ßIINFEKL"], range(8, 16))
    assert check_peptides([" siinfekl\t"], range(8, 16)) == ["SIINFEKL"]


def test_check_lengths():
    assert check_lengths([8, 9], range(8, 16)) == (8, 9)
    with pytest.raises(InputError, match="length 16 outside 8–15"):
        check_lengths([9, 16], range(8, 16), field="--lengths")


def test_check_results_accepts_the_cross_product_with_repeats_counted():
    # SIINFEKL asked twice: two rows per allele, as the models return
    pairs = [(p, a) for p in ("SIINFEKL", "GILGFVFTL", "SIINFEKL") for a in ("A", "B")]
    table = _table(pairs)
    assert check_results(table, ["SIINFEKL", "GILGFVFTL", "SIINFEKL"], ["A", "B"]) is table
    # any row order is accepted (the class-routing junction predictor concatenates tables)
    shuffled = table.iloc[[5, 0, 3, 1, 4, 2]]
    assert check_results(shuffled, ["SIINFEKL", "GILGFVFTL", "SIINFEKL"], ["A", "B"]) is shuffled
    with pytest.raises(PredictorMismatch, match="repeated"):  # asked once, returned twice
        check_results(shuffled, ["SIINFEKL", "GILGFVFTL"], ["A", "B"])


def test_check_results_catches_a_missing_pair():
    table = _table([("SIINFEKL", "A"), ("SIINFEKL", "B"), ("GILGFVFTL", "A")])
    with pytest.raises(PredictorMismatch, match=r"1 pair\(s\) missing, 0 repeated.*GILGFVFTL"):
        check_results(table, ["SIINFEKL", "GILGFVFTL"], ["A", "B"])


def test_check_results_catches_a_duplicated_pair():
    table = _table([("SIINFEKL", "A"), ("SIINFEKL", "A"), ("GILGFVFTL", "A")])
    with pytest.raises(PredictorMismatch, match=r"0 pair\(s\) missing, 1 repeated"):
        check_results(table, ["SIINFEKL", "GILGFVFTL"], ["A"])


def test_check_results_catches_a_pair_not_asked_and_a_missing_column():
    with pytest.raises(PredictorMismatch, match="not asked"):
        check_results(_table([("SIINFEKL", "A"), ("SIINFEKL", "C")]), ["SIINFEKL"], ["A"])
    with pytest.raises(PredictorMismatch, match="no core column"):
        check_results(_table([("SIINFEKL", "A")]), ["SIINFEKL"], ["A"], [*COLUMNS, "core"])


def test_a_plain_function_becomes_a_predictor_whose_answer_is_checked():
    def drops_last(peptides, alleles):
        pairs = [(p, a) for p in peptides for a in alleles]
        return _table(pairs[:-1])

    wrapped = as_predictor(drops_last, "fake", "0", alleles=("A", "B"))
    assert isinstance(wrapped, Predictor) and wrapped.supported_alleles() == ["A", "B"]
    with pytest.raises(UnsupportedAllele, match="fake 0 does not cover allele 'C'"):
        wrapped(["SIINFEKL"], ["C"])
    with pytest.raises(PredictorMismatch):
        wrapped(["SIINFEKL"], ["A", "B"])
    complete = as_predictor(lambda p, a: _table([(x, y) for x in p for y in a]), "fake", "0")
    assert len(complete(["siinfekl", "GILGFVFTL"], ["A", "B"])) == 4


def test_split_model_label():
    assert split_model_label("vaxmix-mhc1 1.2.0") == ("vaxmix-mhc1", "1.2.0")
    assert split_model_label("bare") == ("bare", "")
