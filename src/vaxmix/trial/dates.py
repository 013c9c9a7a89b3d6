"""ISO 8601 (partial) dates as written in SDTM ``--DTC`` variables.

SDTM allows partial dates (``2014-02`` or ``2014``). For response assessments {admiralonco}
imputes a missing day to the *last* day of the month (and a missing month to December), so an
assessment is never dated earlier than it could have happened; vaxmix does the same and keeps a
flag saying which dates were imputed (ADaM ``ADTF``: ``D`` day imputed, ``M`` month and day).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["parse_iso_dates"]

_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:[T ].*)?\s*$")


def parse_iso_dates(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse ISO dates with last-day imputation of partial dates.

    Parameters
    ----------
    values
        Strings such as ``2014-03-06``, ``2014-03-06T10:00``, ``2014-02`` or ``2014``; empty and
        missing values give ``NaT``.

    Returns
    -------
    dates, imputation_flag, bad
        ``dates`` (datetime64, day precision), the ADaM-style imputation flag (``""``, ``"D"``
        or ``"M"``) and a boolean mask of non-empty values that are not ISO dates at all.
    """
    text = values.astype("string").str.strip()
    parts = text.str.extract(_ISO)
    year = pd.to_numeric(parts[0], errors="coerce")
    month = pd.to_numeric(parts[1], errors="coerce")
    day = pd.to_numeric(parts[2], errors="coerce")
    flag = pd.Series(np.where(day.isna() & month.notna(), "D", ""), index=values.index)
    flag = flag.mask(month.isna() & year.notna(), "M")
    valid = year.notna()
    month_filled = month.fillna(12).where(valid)
    first_text = (
        year.astype("Int64").astype("string") + "-"
        + month_filled.astype("Int64").astype("string").str.zfill(2) + "-01"
    )
    first = pd.to_datetime(first_text, format="%Y-%m-%d", errors="coerce")
    last_day = first + pd.offsets.MonthEnd(0)
    full_text = first_text.str.slice(0, 8) + day.astype("Int64").astype("string").str.zfill(2)
    full = pd.to_datetime(full_text, format="%Y-%m-%d", errors="coerce")
    dates = full.where(day.notna(), last_day)
    present = text.notna() & (text != "")
    bad = present & dates.isna()
    flag = flag.where(present & ~bad, "")
    return dates.astype("datetime64[ns]"), flag, bad.fillna(False).astype(bool)
