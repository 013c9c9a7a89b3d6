"""The pipeline checks its one predictor call: a lost or repeated pair stops the run."""

from __future__ import annotations

import pandas as pd
import pytest

from vaxmix.mhc.protocol import PredictorMismatch
from vaxmix.pipeline import PipelineConfig, example_patient_files, run_pipeline


@pytest.mark.parametrize(
    ("change", "message"),
    [(lambda t: t.iloc[1:], r"1 pair\(s\) missing"),  # a pair lost: a candidate would vanish
     (lambda t: pd.concat([t, t.iloc[:1]]), r"1 repeated")],  # a pair twice: counted twice
)  # fmt: skip
def test_a_predictor_that_loses_or_repeats_a_pair_stops_the_run(tmp_path, predictor, change,
                                                                message):  # fmt: skip
    def faulty(peptides, alleles):
        return change(predictor(peptides, alleles))

    with example_patient_files() as (vcf, hla):
        config = PipelineConfig(vcf=vcf, sample="HCC1395_TUMOR_DNA", hla_file=hla, lengths=(9,))
        with pytest.raises(PredictorMismatch, match=message):
            run_pipeline(config, tmp_path / "run", predict=faulty)
    assert not (tmp_path / "run" / "all_epitopes.tsv").exists()
