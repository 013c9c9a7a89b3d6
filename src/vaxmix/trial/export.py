"""Write ADaM datasets as CSV, Parquet and SAS XPORT (v5, what FDA submissions use).

XPORT files are written with pyreadstat (ReadStat), not by hand. Version 5 limits names to
8 characters, labels to 40 and text to 200 bytes, so internal columns (``_line``/``_path``)
are dropped and an over-long name or value is an :class:`InputError` rather than a silent
truncation.
Dates are written as SAS dates (``DATE9.``). Files are written into a staging folder by the
caller (see :func:`vaxmix.trial.analyze.write_outputs`), so a failure leaves nothing partial.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vaxmix.common.errors import InputError

__all__ = ["LABELS", "write_adam"]

LABELS = {
    "STUDYID": "Study Identifier", "USUBJID": "Unique Subject Identifier",
    "PARAMCD": "Parameter Code", "PARAM": "Parameter", "PARCAT1": "Parameter Category 1",
    "PARCAT2": "Parameter Category 2", "PARCAT3": "Parameter Category 3",
    "AVAL": "Analysis Value", "AVALC": "Analysis Value (C)", "ADT": "Analysis Date",
    "ADTF": "Analysis Date Imputation Flag", "AVISIT": "Analysis Visit",
    "VISIT": "Visit Name", "VISITNUM": "Visit Number", "RSSEQ": "Sequence Number",
    "ANL01FL": "Analysis Flag 01", "ANL02FL": "Analysis Flag 02",
    "ASEQ": "Analysis Sequence Number", "STARTDT": "Time to Event Origin Date",
    "CNSR": "Censor", "EVNTDESC": "Event or Censoring Description",
    "CNSDTDSC": "Censor Date Description", "SRCDOM": "Source Data",
    "SRCVAR": "Source Variable", "SRCSEQ": "Source Sequence Number",
    "RANDDT": "Date of Randomization", "TRTSDT": "Date of First Exposure to Treatment",
    "DTHDT": "Date of Death", "LSTALVDT": "Date Last Known Alive", "BASE": "Baseline Value",
    "CHG": "Change from Baseline", "PCHG": "Percent Change from Baseline",
    "NADIR": "Nadir Value", "CHGNAD": "Change from Nadir", "PCHGNAD": "Percent Change from Nadir",
}


def _for_xport(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[[c for c in frame.columns if not c.startswith("_")]].copy()
    for column in out.columns:
        if len(column) > 8:
            raise InputError(f"column {column} is longer than 8 characters, which SAS XPORT "
                             "v5 does not allow", field=column)
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            # a SAS date is the number of days since 1960-01-01, shown with DATE9.
            days = (out[column].astype("datetime64[ns]") - pd.Timestamp("1960-01-01")).dt.days
            out[column] = days.astype(float)
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            values = out[column].astype(object).where(out[column].notna(), None)
            if any(isinstance(v, str) and len(v.encode()) > 200 for v in values):
                raise InputError(f"column {column} has text over 200 bytes, which SAS XPORT "
                                 "v5 does not allow (shorten it in the input)", field=column)
            out[column] = values
    return out


def write_adam(datasets: dict[str, pd.DataFrame], folder: Path,
               formats: tuple[str, ...] = ("csv", "parquet", "xpt")) -> list[Path]:
    """Write each dataset (name -> table) as ``<name>.csv/.parquet/.xpt`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in datasets.items():
        public = frame[[c for c in frame.columns if not c.startswith("_")]]
        stem = folder / name.lower()
        if "csv" in formats:
            dates = {c: public[c].dt.strftime("%Y-%m-%d") for c in public.columns
                     if pd.api.types.is_datetime64_any_dtype(public[c])}
            public.assign(**dates).to_csv(stem.with_suffix(".csv"), index=False)
            written.append(stem.with_suffix(".csv"))
        if "parquet" in formats:
            public.to_parquet(stem.with_suffix(".parquet"), index=False)
            written.append(stem.with_suffix(".parquet"))
        if "xpt" in formats:
            import pyreadstat

            table = _for_xport(public)
            formats_ = {c: "DATE9." for c in public.columns
                        if pd.api.types.is_datetime64_any_dtype(public[c])}
            pyreadstat.write_xport(
                table, str(stem.with_suffix(".xpt")), file_format_version=5,
                table_name=name.upper()[:8],
                column_labels=[LABELS.get(c, c)[:40] for c in table.columns],
                variable_format=formats_)
            written.append(stem.with_suffix(".xpt"))
    return written
