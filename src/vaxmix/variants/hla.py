"""HLA allele names: normalization with mhcgnomes, and HLA typing files (OptiType, arcasHLA,
HLA-HD, plain lists).

Every name is parsed by ``mhcgnomes`` (any common spelling: ``HLA-A*02:01``, ``A*02:01``,
``A0201``, ``HLA-A02:01``, four-field names) and reported at two-field (protein) resolution,
``HLA-A*02:01``, the level at which binding predictors are defined. Names that cannot be parsed,
that are not human HLA, that lack the protein field, or that are not in a given list of known
alleles raise :class:`~vaxmix.common.errors.InputError` with the closest known names.

MHC class II names (DR, DQ, DP) are read too, as typing tools write them: single chains
(``DRB1*04:05``, ``HLA-DQA1*01:02:01``, as in arcasHLA and HLA-HD outputs) and alpha-beta pairs
(``HLA-DQA1*01:02-DQB1*06:02`` as pVACseq/IEDB write them, ``DPA1*01:03/DPB1*04:01``,
``HLA-DQA10501-DQB10201`` as NetMHCIIpan). A DR pair ``HLA-DRA*01:01-DRB1*03:01`` is reported by
its beta chain, ``HLA-DRB1*03:01`` (DRA is practically monomorphic); DQ/DP pairs as
``HLA-DQA1*01:02-DQB1*06:02``. Single DQ/DP chains are returned as chains: pairing them into
molecules (cis and trans) is :func:`vaxmix.mhc.classii.typing.split_alleles`'s job. The ``known``
list (a class I predictor's alleles) applies to class I names only.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
from collections.abc import Iterable
from pathlib import Path

from vaxmix.common.errors import InputError

__all__ = [
    "CLASSICAL_GENES",
    "is_class2_name",
    "normalize_allele",
    "normalize_class2_name",
    "parse_allele_list",
    "read_hla_file",
]

# Already-standard names (``HLA-A*02:01``, ``HLA-A*02:01:01:02``) skip the mhcgnomes import
# (~1.4 s); anything else (other spellings, suffixes such as N/L/Q) goes through mhcgnomes.
_CANONICAL = re.compile(r"HLA-([A-Z][A-Z0-9]*)\*(\d{2,3}):(\d{2,3})(?::\d{2,3}){0,2}")
_CLASS2_PREFIX = re.compile(r"(?:HLA-)?D[PQR]", re.IGNORECASE)
#: Expressed class II chains; DRB2/6/7/8/9 are pseudogenes, DM/DO are not peptide presenters.
CLASS2_CHAINS = frozenset({"DRA", "DRB1", "DRB3", "DRB4", "DRB5", "DQA1", "DQB1", "DPA1", "DPB1"})
#: Beta chain gene -> the alpha chain gene it pairs with.
_ALPHA_OF = {"DRB1": "DRA", "DRB3": "DRA", "DRB4": "DRA", "DRB5": "DRA", "DQB1": "DQA1",
             "DPB1": "DPA1"}  # fmt: skip
#: Genes whose alleles vaxmix reads from whole-typing outputs (HLA-HD, arcasHLA): the classical
#: class I genes and the expressed class II chains. Non-classical genes (HLA-E/F/G, ...) that
#: these tools also type are skipped.
CLASSICAL_GENES = frozenset({"A", "B", "C"}) | CLASS2_CHAINS


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
    else:
        normalized = _parse_with_mhcgnomes(text, known_list, source, line, field)
    if known_list is not None and normalized not in set(known_list):
        raise InputError(
            f"unknown allele {normalized!r}" + _suggest(normalized, known_list),
            path=source, line=line, field=field,
        )  # fmt: skip
    return normalized


def _parse_with_mhcgnomes(
    text: str, known_list: list[str] | None, source: str | Path | None, line: int | None,
    field: str,
) -> str:
    """Two-field name of an unusual spelling, read with mhcgnomes (imported only here)."""
    import mhcgnomes

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
    return f"HLA-{gene.name}*{fields[0]}:{fields[1]}"


def is_class2_name(name: str) -> bool:
    """True for HLA-DR/DQ/DP names (single chains or pairs), in any common spelling."""
    return bool(_CLASS2_PREFIX.match(str(name).strip()))


def _gene_of(normalized: str) -> str:
    return normalized.removeprefix("HLA-").split("*", 1)[0]


def normalize_class2_name(
    name: str, source: str | Path | None = None, line: int | None = None
) -> str:
    """Canonical two-field name of a class II chain or alpha-beta pair (see the module doc).

    Raises
    ------
    InputError
        If a part cannot be parsed or lacks two fields, a chain is not an expressed class II
        chain or has no groove sequence in the shipped IPD-IMGT/HLA table (the class II
        predictor's), or a pair joins chains that do not pair (e.g. DQA1 with DRB1).
    """
    text = str(name).strip()
    field = "allele" if source is not None else "--alleles"
    body = re.sub(r"HLA-", "", text, flags=re.IGNORECASE)
    parts = [p for p in re.split(r"[-/]", body) if p]
    if len(parts) not in (1, 2):
        raise InputError(f"{text!r} is not an HLA class II chain or alpha-beta pair",
                         path=source, line=line, field=field)  # fmt: skip
    chains = [normalize_allele(f"HLA-{part}", None, source, line) for part in parts]
    for chain in chains:
        if _gene_of(chain) not in CLASS2_CHAINS:
            raise InputError(
                f"{text!r}: {_gene_of(chain)} is not an expressed HLA class II chain "
                "(DRA, DRB1/3/4/5, DQA1, DQB1, DPA1, DPB1)", path=source, line=line, field=field,
            )  # fmt: skip
    _check_class2_chains(text, chains, source, line, field)
    if len(chains) == 1:
        return chains[0]
    alpha, beta = sorted(chains, key=lambda c: _gene_of(c) in _ALPHA_OF)  # alpha first
    if _ALPHA_OF.get(_gene_of(beta)) != _gene_of(alpha):
        raise InputError(
            f"{text!r} pairs {_gene_of(alpha)} with {_gene_of(beta)}; class II molecules pair "
            "DRA with DRB1/3/4/5, DQA1 with DQB1 and DPA1 with DPB1",
            path=source, line=line, field=field,
        )  # fmt: skip
    if _gene_of(alpha) == "DRA":
        return beta
    return f"{alpha}-{beta.removeprefix('HLA-')}"


def _check_class2_chains(
    text: str, chains: list[str], source: str | Path | None, line: int | None, field: str
) -> None:
    """Every chain must have groove residues in the shipped IPD-IMGT/HLA table.

    The table is the class II predictor's (:func:`vaxmix.mhc.classii.alleles.chain_table`,
    IPD-IMGT/HLA 3.58): a chain outside it cannot be predicted, so it is reported here with
    the file and line it came from and the closest known chains.
    """
    from vaxmix.mhc.classii.alleles import chain_table  # a small shipped TSV, read once

    table = chain_table()
    for chain in chains:
        if chain in table:
            continue
        close = difflib.get_close_matches(chain, list(table), n=5, cutoff=0.6)
        if not close:
            close = [c for c in table if c.startswith(chain.split(":")[0] + ":")][:5]
        hint = f"; closest known: {', '.join(close)}" if close else ""
        raise InputError(
            f"{text!r}: no IPD-IMGT/HLA groove sequence for class II chain {chain}{hint}",
            path=source, line=line, field=field,
        )  # fmt: skip


def _normalize_any(
    name: str, known: list[str] | None, source: str | Path | None = None, line: int | None = None
) -> str:
    """Class II names by :func:`normalize_class2_name`, others checked against ``known``."""
    if is_class2_name(name):
        return normalize_class2_name(name, source, line)
    return normalize_allele(name, known, source, line)


def parse_allele_list(text: str, known: Iterable[str] | None = None) -> list[str]:
    """Comma-separated names from the command line → normalized, de-duplicated, in order.

    Class II chains and pairs are accepted (not checked against ``known``).
    """
    names = [part for part in (p.strip() for p in text.split(",")) if part]
    if not names:
        raise InputError("no HLA allele given", field="--alleles")
    known_list = sorted(set(known)) if known is not None else None
    return list(dict.fromkeys(_normalize_any(n, known_list) for n in names))


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
        if str(gene).upper().removeprefix("HLA-") not in CLASSICAL_GENES:
            continue  # non-classical genes arcasHLA may type (E, F, G, DMA, ...)
        out.extend(_normalize_any(a, known, path) for a in alleles if a)
    return out


def _hlahd(path: Path, lines: list[str], known: list[str] | None) -> list[str]:
    out = []
    for number, line in enumerate(lines, start=1):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or parts[0].strip().upper() not in CLASSICAL_GENES:
            continue  # HLA-HD also types non-classical genes and pseudogenes (E, DRB2, DOA, ...)
        for value in parts[1:]:
            value = value.strip()
            if value and value not in ("-", "Not typed", "Not_typed"):
                out.append(_normalize_any(value, known, path, number))
    return out


def read_hla_file(path: str | Path, known: Iterable[str] | None = None) -> list[str]:
    """Alleles from an HLA typing output, normalized and de-duplicated (in file order).

    Recognized formats: OptiType ``*_result.tsv`` (columns A1 … C2), arcasHLA genotype JSON
    (``{"A": ["A*01:01:01", ...], "DQA1": [...], ...}``), HLA-HD ``*_final.result.txt``
    (``gene<TAB>allele<TAB>allele``, ``-``/``Not typed`` skipped) and plain lists (one or
    comma-separated names per line, ``#`` comments). Class II chains and pairs are returned in
    canonical form (module doc) and are not checked against ``known``, which applies to class I
    names. From arcasHLA and HLA-HD only the classical genes (:data:`CLASSICAL_GENES`) are read.
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
                        alleles.append(_normalize_any(part, known_list, path, number))
    if not alleles:
        raise InputError("no HLA allele found in the typing file", path=path)
    return list(dict.fromkeys(alleles))
