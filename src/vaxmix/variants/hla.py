"""HLA allele names: normalization with mhcgnomes, and HLA typing files (OptiType, arcasHLA,
HLA-HD, plain lists).

Every name is parsed by ``mhcgnomes`` (any common spelling: ``HLA-A*02:01``, ``A*02:01``,
``A0201``, ``HLA-A02:01``, four-field names) and reported at two-field (protein) resolution,
``HLA-A*02:01``, the level at which binding predictors are defined. Names that cannot be parsed,
that are not human HLA, that lack the protein field, or that are not in a given list of known
alleles raise :class:`~vaxmix.common.errors.InputError` with the closest known names.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
from collections.abc import Iterable
from pathlib import Path

from vaxmix.common.errors import InputError

__all__ = ["normalize_allele", "parse_allele_list", "read_hla_file"]

# Already-standard names (``HLA-A*02:01``, ``HLA-A*02:01:01:02``) skip the mhcgnomes import
# (~1.4 s); anything else (other spellings, suffixes such as N/L/Q) goes through mhcgnomes.
_CANONICAL = re.compile(r"HLA-([A-Z][A-Z0-9]*)\*(\d{2,3}):(\d{2,3})(?::\d{2,3}){0,2}")


def _suggest(name: str, known: Iterable[str] | None) -> str:
    if not known:
        return ""
    pool = list(known)
    key = name.upper().replace("HLA-", "")
    short = {k.upper().replace("HLA-", ""): k for k in pool}
    close = difflib.get_close_matches(key, list(short), n=5, cutoff=0.5)
    if not close:
        gene = re.match(r"[A-Z0-9]+", key)
        if gene:
            close = [s for s in short if s.startswith(gene.group(0) + "*")][:5]
    if not close:
        return ""
    return "; close known alleles: " + ", ".join(short[c] for c in close)


def normalize_allele(
    name: str,
    known: Iterable[str] | None = None,
    source: str | Path | None = None,
    line: int | None = None,
) -> str:
    """Return the two-field name ``HLA-X*nn:nn`` of ``name``.

    Parameters
    ----------
    name
        An HLA allele in any spelling mhcgnomes reads.
    known
        Optional collection of allowed (normalized) names, e.g. the alleles a predictor
        supports; a name outside it is an error that lists the closest known names.
    source, line
        Where the name came from, for the error message (``None`` = command line).
    """
    text = str(name).strip()
    field = "allele" if source is not None else "--alleles"
    known_list = sorted(set(known)) if known is not None else None
    canonical = _CANONICAL.fullmatch(text)
    if canonical is not None:
        gene, first, second = canonical.groups()
        normalized = f"HLA-{gene}*{first}:{second}"
        if known_list is not None and normalized not in known_list:
            raise InputError(
                f"unknown allele {normalized!r}" + _suggest(normalized, known_list),
                path=source, line=line, field=field,
            )  # fmt: skip
        return normalized
    import mhcgnomes  # local: import cost only for unusual spellings

    try:
        parsed = mhcgnomes.parse(text)
    except Exception as exc:  # mhcgnomes.ParseError and friends
        raise InputError(
            f"{text!r} is not an HLA allele name (expected e.g. HLA-A*02:01)"
            + _suggest(text, known_list),
            path=source, line=line, field=field,
        ) from exc  # fmt: skip
    fields = getattr(parsed, "allele_fields", None)
    gene = getattr(parsed, "gene", None)
    species = getattr(getattr(gene, "species", None), "name", None)
    if fields is None or gene is None:
        raise InputError(
            f"{text!r} is not a single allele (parsed as {type(parsed).__name__})"
            + _suggest(text, known_list),
            path=source, line=line, field=field,
        )  # fmt: skip
    if species != "Homo sapiens":
        raise InputError(
            f"{text!r} is not a human HLA allele ({species})", path=source, line=line, field=field
        )
    if len(fields) < 2:
        raise InputError(
            f"{text!r} has only allele-group resolution; give two fields (e.g. "
            f"HLA-{gene.name}*{fields[0]}:01)" + _suggest(text, known_list),
            path=source, line=line, field=field,
        )  # fmt: skip
    normalized = f"HLA-{gene.name}*{fields[0]}:{fields[1]}"
    if known_list is not None and normalized not in known_list:
        raise InputError(
            f"unknown allele {normalized!r}" + _suggest(normalized, known_list),
            path=source, line=line, field=field,
        )  # fmt: skip
    return normalized


def parse_allele_list(text: str, known: Iterable[str] | None = None) -> list[str]:
    """Comma-separated names from the command line → normalized, de-duplicated, in order."""
    names = [part for part in (p.strip() for p in text.split(",")) if part]
    if not names:
        raise InputError("no HLA allele given", field="--alleles")
    known_list = sorted(set(known)) if known is not None else None
    return list(dict.fromkeys(normalize_allele(n, known_list) for n in names))


def _optitype(path: Path, lines: list[str], known: list[str] | None) -> list[str]:
    rows = list(csv.reader(lines, delimiter="\t"))
    header = rows[0]
    columns = [i for i, h in enumerate(header) if re.fullmatch(r"[ABC][12]", h.strip())]
    if len(rows) < 2:
        raise InputError("OptiType result has no genotype row", path=path, line=2)
    out = []
    for i in columns:
        value = rows[1][i].strip() if i < len(rows[1]) else ""
        if value:
            out.append(normalize_allele(value, known, path, 2))
    return out


def _arcashla(path: Path, data: object, known: list[str] | None) -> list[str]:
    if not isinstance(data, dict):
        raise InputError("arcasHLA genotype JSON must be an object {gene: [alleles]}", path=path)
    out = []
    for gene, alleles in data.items():
        if not isinstance(alleles, list):
            raise InputError("expected a list of alleles", path=path, field=str(gene))
        out.extend(normalize_allele(a, known, path) for a in alleles if a)
    return out


def _hlahd(path: Path, lines: list[str], known: list[str] | None) -> list[str]:
    out = []
    for number, line in enumerate(lines, start=1):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2:
            continue
        for value in parts[1:]:
            value = value.strip()
            if value and value not in ("-", "Not typed", "Not_typed"):
                out.append(normalize_allele(value, known, path, number))
    return out


def read_hla_file(path: str | Path, known: Iterable[str] | None = None) -> list[str]:
    """Alleles from an HLA typing output, normalized and de-duplicated (in file order).

    Recognized formats: OptiType ``*_result.tsv`` (columns A1 … C2), arcasHLA genotype JSON
    (``{"A": ["A*01:01:01", ...], ...}``), HLA-HD ``*_final.result.txt`` (``gene<TAB>allele
    <TAB>allele``, ``-``/``Not typed`` skipped) and plain lists (one or comma-separated names
    per line, ``#`` comments).
    """
    path = Path(path)
    if not path.exists():
        raise InputError("HLA typing file not found", path=path, field="--hla-file")
    known_list = sorted(set(known)) if known is not None else None
    text = path.read_text(errors="replace")
    stripped = text.strip()
    if not stripped:
        raise InputError("HLA typing file is empty", path=path)
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON ({exc.msg})", path=path, line=exc.lineno) from exc
        alleles = _arcashla(path, data, known_list)
    else:
        lines = [line for line in text.splitlines() if line.strip()]
        first = lines[0].split("\t")
        if any(re.fullmatch(r"[ABC][12]", h.strip()) for h in first):
            alleles = _optitype(path, lines, known_list)
        elif len(first) >= 2 and re.fullmatch(r"[A-Z0-9]+", first[0].strip()):
            alleles = _hlahd(path, lines, known_list)
        else:
            alleles = []
            for number, line in enumerate(text.splitlines(), start=1):
                line = line.split("#", 1)[0]
                for part in re.split(r"[,\s]+", line.strip()):
                    if part:
                        alleles.append(normalize_allele(part, known_list, path, number))
    if not alleles:
        raise InputError("no HLA allele found in the typing file", path=path)
    return list(dict.fromkeys(alleles))
