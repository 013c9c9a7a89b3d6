"""A minimal SAS XPORT v5 writer, only to create test inputs for the XPT reader.

Layout from the SAS technical note TS-140 ("The record layout of a SAS transport file"):
80-byte header records, 140-byte NAMESTR records, IBM/360 8-byte floating point numbers.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pandas as pd

_STAMP = b"01JAN24:00:00:00"


def _header(kind: bytes, tail: bytes = b"0" * 30) -> bytes:
    text = b"HEADER RECORD*******" + kind.ljust(8) + b"HEADER RECORD!!!!!!!" + tail
    return text.ljust(80)


def ibm_float(value: float) -> bytes:
    """IEEE double -> IBM/360 double (SAS missing '.' for NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return b"." + b"\x00" * 7
    if value == 0:
        return b"\x00" * 8
    sign = 0x80 if value < 0 else 0
    x = abs(float(value))
    exponent = 0
    while x >= 1.0:
        x /= 16.0
        exponent += 1
    while x < 1.0 / 16.0:
        x *= 16.0
        exponent -= 1
    mantissa = round(x * (1 << 56))
    if mantissa >= 1 << 56:
        mantissa >>= 4
        exponent += 1
    return bytes([sign | (exponent + 64)]) + mantissa.to_bytes(7, "big")


def write_xport(frame: pd.DataFrame, path: Path, name: str = "DATA") -> None:
    """Write ``frame`` (object columns as text, others numeric) as one XPORT member."""
    columns = list(frame.columns)
    kinds, lengths = [], []
    for column in columns:
        if frame[column].dtype == object or str(frame[column].dtype).startswith("str"):
            kinds.append(2)
            width = int(frame[column].fillna("").astype(str).str.len().max() or 1)
            lengths.append(max(1, width))
        else:
            kinds.append(1)
            lengths.append(8)
    out = bytearray()
    out += _header(b"LIBRARY")
    out += (b"SAS     SAS     SASLIB  9.1     " + b"Linux".ljust(8) + b" " * 24 + _STAMP)
    out += _STAMP.ljust(80)
    out += _header(b"MEMBER", b"000000000000000001600000000140").ljust(80)
    out += _header(b"DSCRPTR")
    out += (b"SAS     " + name.encode().ljust(8) + b"SASDATA 9.1     " + b"Linux".ljust(8)
            + b" " * 24 + _STAMP)
    out += (_STAMP + b" " * 16 + b"".ljust(40) + b"".ljust(8))
    out += _header(b"NAMESTR", f"000000{len(columns):04d}00000000000000000000".encode())
    names = bytearray()
    position = 0
    for i, column in enumerate(columns):
        names += struct.pack(">hhhh", kinds[i], 0, lengths[i], i + 1)
        names += column.encode()[:8].ljust(8) + b"".ljust(40) + b"".ljust(8)
        names += struct.pack(">hhh", 0, 0, 0) + b"\x00\x00" + b"".ljust(8)
        names += struct.pack(">hhi", 0, 0, position) + b"\x00" * 52
        position += lengths[i]
    names += b" " * (-len(names) % 80)
    out += names
    out += _header(b"OBS")
    data = bytearray()
    for row in frame.itertuples(index=False):
        for value, kind, length in zip(row, kinds, lengths, strict=True):
            if kind == 1:
                data += ibm_float(value)
            else:
                text = "" if value is None or (isinstance(value, float) and math.isnan(value)) \
                    else str(value)
                data += text.encode("latin-1")[:length].ljust(length)
    data += b" " * (-len(data) % 80)
    out += data
    path.write_bytes(bytes(out))
