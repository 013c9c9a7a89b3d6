"""The analysis settings and result records shared by the trial analysis steps.

Kept apart from :mod:`vaxmix.trial.analyze` so the endpoint builders and the output writer can
use them without importing the orchestration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vaxmix.trial.adam import ResponseRules
from vaxmix.trial.dates import DateRules
from vaxmix.trial.recist import RecistConfig
from vaxmix.trial.report import Claim

__all__ = ["AnalysisOptions", "TrialResults"]


@dataclass
class AnalysisOptions:
    """Everything that shapes the analysis, recorded in the provenance."""

    evaluator: str = "INVESTIGATOR"
    start_ref: str = "auto"
    recist: RecistConfig = field(default_factory=RecistConfig)
    irecist: bool = False
    data_cut: str | None = None
    dor_basis: str = "confirmed"
    skip_bad_subjects: bool = False
    small_n: int = 30
    level: float = 0.95
    claims: list[Claim] = field(default_factory=list)
    elispot_rule: str = "dfr_eq"
    boin_target: float = 0.30
    ctcae_version: str = "5.0"
    population: str | None = None
    date_rules: DateRules = field(default_factory=DateRules)
    unusable_dates: str = "error"
    same_date: str = "error"
    accept_sd: bool = False
    missing_as_ne: bool = False
    early_response_as_ne: bool = False
    clinben_values: tuple[str, ...] = ("CR", "PR", "SD", "NON-CR/NON-PD")
    keep_after_pd: bool = False
    tte_start: dict[str, str] = field(default_factory=dict)
    max_missed_days: int | None = None
    dor_paramcd: str = "RSD"
    tte_endpoints: tuple[str, ...] = ("OS", "PFS", "RSD", "TTP")
    pd_source: str | None = None  # table of USUBJID, ADT: a separate progression source

    def response_rules(self, reference_date: str) -> ResponseRules:
        """The admiralonco-style response options these settings imply."""
        label = "Investigator" if self.evaluator.upper() == "INVESTIGATOR" else \
            self.evaluator.title()
        return ResponseRules(
            reference_date=reference_date, sd_min_days=self.recist.sd_min_days,
            confirm_days=self.recist.confirm_days, max_ne_between=self.recist.max_ne_between,
            accept_sd=self.accept_sd, missing_as_ne=self.missing_as_ne,
            early_response_as_ne=self.early_response_as_ne,
            clinben_values=tuple(self.clinben_values), same_date=self.same_date,
            keep_after_pd=self.keep_after_pd, evaluator_label=label)


@dataclass
class TrialResults:
    """All derived tables and the report."""

    tables: dict[str, pd.DataFrame]
    report: dict
    inputs: list[Path]
    skipped: list[dict]
    adam: dict[str, pd.DataFrame] = field(default_factory=dict)
