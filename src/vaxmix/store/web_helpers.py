"""Small helpers shared by the page routes and the JSON API."""

from typing import Any

from fastapi.responses import Response

from vaxmix.store.models import Candidate, ReviewDecision, Run

__all__ = [
    "LOGIN_COOKIE_AGE",
    "construct_mismatch",
    "decided",
    "design_variants",
    "local_path",
    "num",
    "set_cookie",
    "vaccine_reasons",
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
    """One row per variant (pVACseq's aggregated ``ID``: chromosome-start-stop-ref-alt) with
    its class I and class II candidates (either may be ``None``), in class I rank order, then
    class II-only variants in class II rank order.

    A design selects variants (long peptides), so the design page shows each once with both
    classes' candidates side by side, also when the two classes' best peptides lie on different
    transcripts (two ``Index`` keys of one variant, e.g. a frameshift read on two transcripts).
    A design holds ``Index`` keys; each row says which of its keys the design holds (``held``)
    and which keys its checkboxes stand for (``choices``: the held ones, else the row's
    ``index``, its class I key before its class II key), so a save without a change keeps the
    design's keys exactly. Indexes of ``selected`` without a candidate come last.
    """
    chosen = list(dict.fromkeys(selected))
    rows: dict[str, dict[str, Any]] = {}
    for candidate in sorted(candidates, key=lambda c: (c.mhc_class, c.rank)):
        row = rows.setdefault(
            candidate.variant_id or candidate.index_key,
            {
                "variant": candidate.variant_id,
                "gene": candidate.gene,
                "aa_change": candidate.aa_change,
                "kind": candidate.kind,
                "class1": None,
                "class2": None,
                "indexes": [],
            },
        )
        slot = "class2" if candidate.mhc_class == "II" else "class1"
        if row[slot] is None:  # one aggregated row per variant and class; the best rank wins
            row[slot] = candidate
        if candidate.index_key not in row["indexes"]:
            row["indexes"].append(candidate.index_key)
    # A design may hold an Index that neither aggregated table lists (``vaxmix design`` picks a
    # variant's window on another transcript than the aggregated row's): keep it visible so that
    # saving the form does not drop it.
    listed = {index for row in rows.values() for index in row["indexes"]}
    for index in chosen:
        if index not in listed:
            rows[f"index:{index}"] = {"variant": "", "gene": "", "aa_change": "", "kind": "",
                                      "class1": None, "class2": None,
                                      "indexes": [index]}  # fmt: skip
    for row in rows.values():
        row["held"] = [index for index in chosen if index in row["indexes"]]
        row["index"] = row["held"][0] if row["held"] else row["indexes"][0]
        row["choices"] = row["held"] or [row["index"]]
    return list(rows.values())


def vaccine_reasons(run: Run) -> tuple[dict[str, dict[str, str]], str]:
    """``vaccine/candidates.tsv`` of the run's folder by variant ID (``in_vaccine``,
    ``long_peptide``, ``reason``), and a note saying where the reasons come from or why none
    are shown. The folder is read only while it still holds the imported run (its ``run.json``
    checksum is the run's ``uid``): a later run into the same folder must not lend its reasons
    to this one."""
    import csv
    import hashlib

    from vaxmix.common.runfolder import RunFolder

    layout = RunFolder(run.path)
    folder, run_json = layout.root, layout.run_json
    try:
        same = hashlib.sha256(run_json.read_bytes()).hexdigest() == run.uid
    except OSError:
        return {}, f"The run folder {folder} is not readable here: reasons not shown."
    if not same:
        return {}, (f"The run folder {folder} no longer holds the imported run (its run.json "
                    "changed since import): reasons not shown.")  # fmt: skip
    path = layout.vaccine / "candidates.tsv"
    if not path.is_file():
        return {}, ("The run folder has no vaccine/candidates.tsv (a run without a vaccine "
                    "design, or made before vaxmix wrote per-variant reasons): why each variant "
                    "is or is not in the vaccine is not known here.")  # fmt: skip
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            if "variant" not in (reader.fieldnames or []):
                return {}, f"{path} has no variant column: reasons not shown."
            reasons: dict[str, dict[str, str]] = {}
            for row in reader:
                reasons.setdefault(str(row["variant"]), {
                    k: str(row.get(k) or "") for k in ("in_vaccine", "long_peptide", "reason")
                })  # fmt: skip
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return {}, f"{path} could not be read ({error}): reasons not shown."
    return reasons, f"Reasons from {path}."


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
    selected = {f"{r['gene']}_{r['aa_change']}" for r in rows if chosen & set(r["indexes"])}
    messages = []
    if extra := sorted(in_construct - selected):
        messages.append(f"the construct still holds {', '.join(extra)}, not in the selection")
    if missing := sorted(selected - in_construct):
        messages.append(f"the construct lacks {', '.join(missing)}, selected")
    return messages
