"""ISO 8601 (partial) dates as written in SDTM ``--DTC`` variables, imputed as {admiral} does.

SDTM allows partial dates (``2014-02`` or ``2014``). How far a partial date may be completed is
a protocol/SAP decision, so it is explicit here, with {admiral}'s ``derive_vars_dt()`` argument
names and meanings:

* ``highest_imputation``: the highest component that may be imputed — ``"n"`` (none: every
  partial date is unusable), ``"D"`` (day only; the {admiralonco} ADRS template's choice, so
  ``2014-02`` becomes a date but ``2014`` does not) or ``"M"`` (month and day);
* ``date_imputation``: ``"last"`` (the template's choice for response assessments: an
  assessment is never dated earlier than it could have happened), ``"first"`` or ``"mid"``
  (15th / 30 June).

Every imputed date carries the ADaM flag ``ADTF`` (``"D"`` day imputed, ``"M"`` month and day).
A value that is present but cannot become a date under these rules is reported back
(``unusable``) so that the caller can stop or exclude it *with a message*; a value that is not
an ISO 8601 date at all (``2014/03/29``) is reported separately (``bad``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DateRules", "ParsedDates", "parse_dtc", "parse_iso_dates"]

_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:[T ].*)?\s*$")
_ISO_DATE_PREFIX = re.compile(r"^\s*\d{4}(?:-\d{2}(?:-\d{2})?)?(?:[T ][0-9:.]*)?\s*$")


@dataclass(frozen=True)
class DateRules:
    """Partial-date imputation, as {admiral}'s ``highest_imputation`` / ``date_imputation``."""

    highest_imputation: str = "D"
    date_imputation: str = "last"

    def __post_init__(self) -> None:
        if self.highest_imputation not in ("n", "D", "M"):
            raise ValueError("highest_imputation must be 'n', 'D' or 'M'")
        if self.date_imputation not in ("first", "mid", "last"):
            raise ValueError("date_imputation must be 'first', 'mid' or 'last'")


@dataclass
class ParsedDates:
    """Result of :func:`parse_dtc` (all Series share the input's index)."""

    dates: pd.Series
    flag: pd.Series
    bad: pd.Series
    unusable: pd.Series


def parse_dtc(values: pd.Series, rules: DateRules | None = None) -> ParsedDates:
    """Parse ISO 8601 ``--DTC`` values into dates, imputing partial dates per ``rules``.

    Returns dates (``NaT`` when missing, bad or unusable), the imputation flag (``""``, ``"D"``,
    ``"M"``), a mask of present values that are not ISO 8601 (``bad``) and a mask of ISO
    partial dates that ``rules`` do not allow to be imputed (``unusable``).
    """
    rules = rules or DateRules()
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=False)
    if len(uniques) < len(values):
        # SDTM repeats each date on many rows: parse the distinct values once
        parsed = _parse(pd.Series(uniques, dtype="string"), rules)
        take = lambda s: pd.Series(s.to_numpy()[codes], index=values.index)  # noqa: E731
        return ParsedDates(take(parsed.dates).astype("datetime64[ns]"), take(parsed.flag),
                           take(parsed.bad).astype(bool), take(parsed.unusable).astype(bool))
    return _parse(values, rules)


def _parse(values: pd.Series, rules: DateRules) -> ParsedDates:
    text = values.astype("string").str.strip()
    present = text.notna() & (text != "")
    parts = text.str.extract(_ISO)
    shaped = text.str.match(_ISO_DATE_PREFIX).fillna(False).astype(bool)
    year = pd.to_numeric(parts[0], errors="coerce").where(shaped)
    month = pd.to_numeric(parts[1], errors="coerce").where(shaped)
    day = pd.to_numeric(parts[2], errors="coerce").where(shaped)
    flag = pd.Series(np.where(day.isna() & month.notna(), "D", ""), index=values.index)
    flag = flag.mask(month.isna() & year.notna(), "M")
    if rules.date_imputation == "first":
        month_fill, day_mode = 1, "first"
    elif rules.date_imputation == "mid":
        month_fill, day_mode = 6, "mid"
    else:
        month_fill, day_mode = 12, "last"
    month_filled = month.fillna(month_fill).where(year.notna())
    first_text = (
        year.astype("Int64").astype("string") + "-"
        + month_filled.astype("Int64").astype("string").str.zfill(2) + "-01"
    )
    first = pd.to_datetime(first_text, format="%Y-%m-%d", errors="coerce")
    if day_mode == "last":
        imputed = first + pd.offsets.MonthEnd(0)
    elif day_mode == "mid":
        imputed = first + pd.Timedelta(days=14)
        imputed = imputed.where(month.notna(), first + pd.Timedelta(days=29))  # 30 June
    else:
        imputed = first
    full_text = first_text.str.slice(0, 8) + day.astype("Int64").astype("string").str.zfill(2)
    full = pd.to_datetime(full_text, format="%Y-%m-%d", errors="coerce")
    dates = full.where(day.notna(), imputed)
    bad = present & dates.isna()
    allowed = {"n": set(), "D": {"D"}, "M": {"D", "M"}}[rules.highest_imputation]
    unusable = present & ~bad & (flag != "") & ~flag.isin(allowed)
    dates = dates.where(~unusable)
    flag = flag.where(present & ~bad & ~unusable, "")
    return ParsedDates(
        dates.astype("datetime64[ns]"), flag, bad.fillna(False).astype(bool),
        unusable.fillna(False).astype(bool),
    )


def parse_iso_dates(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse ISO dates with last-day imputation of a missing day (``highest_imputation="D"``).

    Returns ``dates, imputation_flag, bad``; a year-only date is *not* completed: it counts as
    ``bad`` here, so callers that do not pass :class:`DateRules` stop on it rather than guess.
    """
    parsed = parse_dtc(values, DateRules())
    return parsed.dates, parsed.flag, parsed.bad | parsed.unusable
