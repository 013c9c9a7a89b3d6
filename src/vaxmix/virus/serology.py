"""Pre-existing neutralising antibodies per panel virus (serology upload).

An intravenously given virus is neutralised by the patient's serum antibodies; the CALM phase 2
trial of CVA21 excluded patients with anti-CVA21 neutralising titres of 1:16 or more [R20], and
PVSRIPO patients are deliberately polio-immune [R21]. The upload is a CSV with ``virus_id`` and
``titer`` (``1:32`` or the reciprocal ``32``; ``<1:8``-style values are below the assay floor and
read as half the floor).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

from vaxmix.common.errors import InputError
from vaxmix.common.textio import read_delimited

__all__ = ["read_serology"]

_TITER = re.compile(r"^(?P<below><)?\s*(?:1\s*:\s*)?(?P<value>\d+(?:\.\d+)?)$")


def read_serology(path: str | Path, known_viruses: Iterable[str]) -> dict[str, float]:
    """Read ``virus_id, titer`` rows into virus ID → reciprocal titre."""
    path = Path(path)
    known = set(known_viruses)
    table = read_delimited(path, "serology", sep=",")
    missing = {"virus_id", "titer"} - set(table.header)
    if missing:
        raise InputError(f"missing column(s) {', '.join(sorted(missing))}", path, 1)
    titres: dict[str, float] = {}
    first: dict[str, int] = {}
    for number, virus, raw in zip(
        table.lines, table.column("virus_id"), table.column("titer"), strict=True
    ):
        virus, raw = virus.strip(), raw.strip()
        if virus not in known:
            raise InputError(f"virus {virus!r} is not in the catalog", path, number, "virus_id")
        if virus in first:
            raise InputError(
                f"virus {virus} has a second titre (first on line {first[virus]})",
                path,
                number,
                "virus_id",
            )
        first[virus] = number
        match = _TITER.match(raw)
        if not match:
            raise InputError(f"titre {raw!r} is not like 1:32 or 32", path, number, "titer")
        value = float(match.group("value"))
        if value <= 0 or not math.isfinite(value):
            raise InputError(f"titre {raw!r} must be positive", path, number, "titer")
        titres[virus] = value / 2.0 if match.group("below") else value
    return titres
