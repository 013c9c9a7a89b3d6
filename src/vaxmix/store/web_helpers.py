"""Small helpers shared by the page routes and the JSON API."""

from typing import Any

from fastapi.responses import Response

from vaxmix.store.models import Candidate, ReviewDecision

__all__ = [
    "LOGIN_COOKIE_AGE",
    "construct_mismatch",
    "decided",
    "design_variants",
    "local_path",
    "num",
    "set_cookie",
]

LOGIN_COOKIE_AGE = 3600


def set_cookie(response: Response, name: str, value: str, max_age: int, secure: bool) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="strict", secure=secure, path="/"
    )


def local_path(target: str) -> str:
    """Only same-site paths as redirect targets (no open redirect)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def decided(current: dict[int, ReviewDecision], candidate_id: int) -> str:
    row = current.get(candidate_id)
    return row.decision if row else "Pending"


def num(value: Any, digits: int = 3) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return (
            f"{value:.0f}" if abs(value) >= 1000 else f"{value:.{digits}f}".rstrip("0").rstrip(".")
        )
    return str(value)


def design_variants(candidates: list[Candidate], selected: list[str]) -> list[dict[str, Any]]:
    """One row per variant ``Index`` with its class I and class II candidates (either may be
    ``None``), in class I rank order, then class II-only variants in class II rank order.

    A design selects variants (long peptides), so the design page shows each once with both
    classes' candidates side by side instead of two rows with the same ``Index``; indexes of
    ``selected`` (the design's) without a candidate come last.
    """
    rows: dict[str, dict[str, Any]] = {}
    for candidate in sorted(candidates, key=lambda c: (c.mhc_class, c.rank)):
        row = rows.setdefault(
            candidate.index_key,
            {
                "index": candidate.index_key,
                "gene": candidate.gene,
                "aa_change": candidate.aa_change,
            },
        )
        row["class2" if candidate.mhc_class == "II" else "class1"] = candidate
    for row in rows.values():
        row.setdefault("class1", None)
        row.setdefault("class2", None)
    # A design may hold an Index that neither aggregated table lists (``vaxmix design`` picks a
    # variant's window on another transcript than the aggregated row's): keep it visible so that
    # saving the form does not drop it.
    for index in selected:
        if index not in rows:
            rows[index] = {"index": index, "gene": "", "aa_change": "", "class1": None,
                           "class2": None}  # fmt: skip
    return list(rows.values())


def construct_mismatch(content: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """Where a design's construct (made by ``vaxmix design`` for the imported selection) and its
    current variant selection disagree, by element name ``GENE_AACHANGE``; empty when they agree
    or the design has no construct. An edit changes the selection, not the construct."""
    construct = content.get("construct") or {}
    in_construct = {
        str(e.get("name"))
        for e in construct.get("elements", [])
        if isinstance(e, dict) and e.get("kind") == "neoantigen"
    }
    if not in_construct:
        return []
    chosen = set(content.get("candidates", []))
    selected = {f"{r['gene']}_{r['aa_change']}" for r in rows if r["index"] in chosen}
    messages = []
    if extra := sorted(in_construct - selected):
        messages.append(f"the construct still holds {', '.join(extra)}, not in the selection")
    if missing := sorted(selected - in_construct):
        messages.append(f"the construct lacks {', '.join(missing)}, selected")
    return messages
