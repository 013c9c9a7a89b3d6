"""How the report writes values: table cells, provenance rows, inline JSON.

One place for the report's number, yes/no and list formatting, used by every section and by the
template's ``num`` and ``short`` filters.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from vaxmix.report.loaders import to_number

__all__ = [
    "curated",
    "flatten",
    "format_number",
    "json_for_script",
    "plain",
    "plain_table",
    "short",
]


def json_for_script(data: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>`` break-out)."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def plain(value: Any) -> str:
    """A value as a reader expects it: yes/no, 'not given', lists joined, numbers short."""
    if value is None:
        return "not given"
    if isinstance(value, bool) or value in ("True", "False"):
        return "yes" if value in (True, "True") else "no"
    if isinstance(value, list | tuple):
        return ", ".join(plain(v) for v in value) if value else "none"
    if isinstance(value, float):
        return short(value)
    return str(value)


def flatten(section: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested provenance records as (key path, readable value) rows, no JSON escapes."""
    rows: list[tuple[str, str]] = []
    for key, value in section.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += flatten(value, f"{name} › ")
        elif isinstance(value, dict):
            rows.append((name, "none"))
        else:
            rows.append((name, plain(value)))
    return rows


def curated(frame: Any, columns: tuple[tuple[str, str], ...]) -> dict[str, Any] | None:
    """The listed columns of ``frame`` (those it has), with readable headers."""
    if frame is None:
        return None
    kept = [(c, label) for c, label in columns if c in frame.columns]
    return {
        "keys": [c for c, _ in kept],
        "columns": [label for _, label in kept],
        "rows": frame[[c for c, _ in kept]].to_dict("split")["data"],
    }


def plain_table(frame: Any) -> dict[str, Any] | None:
    if frame is None:
        return None
    return {"columns": list(frame.columns), "rows": frame.to_dict("split")["data"]}


def format_number(value: Any, digits: int = 3) -> str:
    number = to_number(value)
    if number is None:
        return "" if value in (None, "") else str(value)
    if number == int(number) and abs(number) < 1e12:
        return str(int(number))
    if abs(number) >= 1000:
        return f"{number:.0f}"
    return f"{number:.{digits}f}".rstrip("0").rstrip(".")


def short(value: Any) -> str:
    """A table cell: numbers to 4 significant digits (integers kept whole), yes/no, text."""
    if isinstance(value, bool) or value in ("True", "False"):
        return "yes" if value in (True, "True") else "no"
    if value is None:
        return ""
    number = to_number(value)
    if number is None or isinstance(value, int):
        return str(value)
    if number == int(number) and abs(number) < 1e12:
        return str(int(number))
    return f"{number:.0f}" if abs(number) >= 1000 else f"{number:.4g}"
