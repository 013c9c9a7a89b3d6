"""HLA typing files (OptiType, arcasHLA, HLA-HD, plain lists) and allele lists from the command
line, read through the one allele parser, :func:`vaxmix.common.alleles.parse_allele`.

Every name becomes an :class:`~vaxmix.common.alleles.AlleleName` (any common spelling:
``HLA-A*02:01``, ``A*02:01``, ``A0201``, ``HLA-A02:01``, four-field names; class II chains
and alpha-beta pairs), reported at two-field (protein) resolution, the level at which binding
predictors are defined.
Class I names are checked against a list of known alleles (a predictor's) and class II chains
against the shipped IPD-IMGT/HLA groove table, with the closest known names in the error.

Null alleles (WHO suffix ``N``) and alleles without a cell-surface molecule (``S``, ``C``) are
returned (so the caller can warn and record them) but marked not expressed: the list helpers
:func:`parse_allele_list` and :func:`read_hla_file` leave them out. Callers that print and record
what was read use :func:`parse_allele_names` / :func:`read_hla_names` and
:func:`allele_report`.

MHC class II names: single chains (``DRB1*04:05``, ``HLA-DQA1*01:02:01``) and pairs
(``HLA-DQA1*01:02-DQB1*06:02``, ``DPA1*01:03/DPB1*04:01``, ``HLA-DQA10501-DQB10201``); a DR pair
is reported by its beta chain. Pairing single DQ/DP chains into molecules is
:func:`vaxmix.mhc.classii.typing.split_alleles`'s job. The ``known`` list applies to class I.

The reader is bounded: a typing file over :data:`MAX_FILE_BYTES`, more than :data:`MAX_NAMES`
names or a name over :data:`vaxmix.common.alleles.MAX_NAME_LENGTH` characters is an
:class:`~vaxmix.common.errors.InputError` before any name is parsed, so no input makes it slow.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from pathlib import Path

from vaxmix.common.alleles import (
    CLASS1_GENES,
    CLASS2_CHAINS,
    MAX_NAME_LENGTH,
    AlleleName,
    is_class2_name,
    parse_allele,
)
from vaxmix.common.errors import InputError

__all__ = [
    "CLASSICAL_GENES",
    "MAX_FILE_BYTES",
    "MAX_NAMES",
    "allele_report",
    "is_class2_name",
    "normalize_allele",
    "normalize_class2_name",
    "parse_allele_list",
    "parse_allele_names",
    "read_allele",
    "read_hla_file",
    "read_hla_names",
]

#: Genes whose alleles vaxmix reads from whole-typing outputs (HLA-HD, arcasHLA): the classical
#: class I genes and the expressed class II chains. Non-classical genes (HLA-E/F/G, ...) that
#: these tools also type are skipped (and listed in :func:`allele_report`'s notes).
CLASSICAL_GENES = CLASS1_GENES | CLASS2_CHAINS
#: A typing result of one patient is a few hundred bytes; anything over this is not one.
MAX_FILE_BYTES = 1 << 20
#: At most this many allele names in one typing file or ``--alleles`` value.
MAX_NAMES = 1000
_SKIP_VALUES = frozenset({"-", "Not typed", "Not_typed", "NA", "None"})
_GENE_FIELD = re.compile(r"(?:HLA-)?([A-Z]{1,5}\d?)", re.IGNORECASE)  # HLA-HD: A, DRB1, MICA


def _suggest(name: str, known: Iterable[str] | None) -> str:
    if not known:
        return ""
    pool = list(known)
    key = name.upper().replace("HLA-", "")[:MAX_NAME_LENGTH]
    short = {k.upper().replace("HLA-", ""): k for k in pool}
    close = difflib.get_close_matches(key, list(short), n=5, cutoff=0.5)
    if not close:
        gene = re.match(r"[A-Z0-9]+", key)
        if gene:
            close = [s for s in short if s.startswith(gene.group(0) + "*")][:5]
    if not close:
        return ""
    return "; close known alleles: " + ", ".join(short[c] for c in close)


def read_allele(
    name: str,
    known: Iterable[str] | None = None,
    source: str | Path | None = None,
    line: int | None = None,
    field: str | None = None,
) -> AlleleName:
    """Read one name; check an expressed class I name against ``known`` and class II chains
    against the shipped groove table. Not-expressed alleles are returned, not checked."""
    field = field or ("allele" if source is not None else "--alleles")
    allele = parse_allele(name, path=source, line=line, field=field)
    if not allele.expressed:
        return allele
    if allele.mhc_class == 2:
        _check_class2_chains(allele, source, line, field)
    elif known is not None:
        known_set = known if isinstance(known, set | frozenset) else set(known)
        if allele.name not in known_set:
            raise InputError(f"unknown allele {allele.name!r}" + _suggest(allele.name, known_set),
                             path=source, line=line, field=field)  # fmt: skip
    return allele


def normalize_allele(
    name: str,
    known: Iterable[str] | None = None,
    source: str | Path | None = None,
    line: int | None = None,
) -> str:
    """The two-field name of one expressed allele (``HLA-A*02:01``).

    A null (or secreted/cytoplasmic) allele is an :class:`InputError` here: a single name cannot
    be left out silently. Lists (:func:`parse_allele_list`, :func:`read_hla_file`) leave them out.
    """
    allele = read_allele(name, known, source, line)
    if not allele.expressed:
        field = "allele" if source is not None else "--alleles"
        raise InputError(str(allele.warning), path=source, line=line, field=field)
    return allele.name


def normalize_class2_name(
    name: str, source: str | Path | None = None, line: int | None = None
) -> str:
    """Canonical two-field name of a class II chain or alpha-beta pair (see the module doc)."""
    field = "allele" if source is not None else "--alleles"
    allele = read_allele(name, None, source, line)
    if allele.mhc_class != 2:
        raise InputError(f"{str(name).strip()!r} is not an HLA class II chain or alpha-beta pair",
                         path=source, line=line, field=field)  # fmt: skip
    if not allele.expressed:
        raise InputError(str(allele.warning), path=source, line=line, field=field)
    return allele.name


def _check_class2_chains(
    allele: AlleleName, source: str | Path | None, line: int | None, field: str
) -> None:
    """Every chain must have groove residues in the shipped IPD-IMGT/HLA table.

    The table is the class II predictor's (:func:`vaxmix.mhc.classii.alleles.chain_table`,
    IPD-IMGT/HLA 3.58): a chain outside it cannot be predicted, so it is reported here with
    the file and line it came from and the closest known chains.
    """
    from vaxmix.mhc.classii.alleles import chain_table  # a small shipped TSV, read once

    table = chain_table()
    for chain in allele.chains:
        if chain in table:
            continue
        close = difflib.get_close_matches(chain, list(table), n=5, cutoff=0.6)
        if not close:
            close = [c for c in table if c.startswith(chain.split(":")[0] + ":")][:5]
        hint = f"; closest known: {', '.join(close)}" if close else ""
        raise InputError(
            f"{allele.given.strip()!r}: no IPD-IMGT/HLA groove sequence for class II chain "
            f"{chain}{hint}", path=source, line=line, field=field,
        )  # fmt: skip


def _too_many(count: int, path: Path | None, field: str | None = None) -> None:
    if count > MAX_NAMES:
        raise InputError(f"{count:,} allele names: more than {MAX_NAMES} is not the HLA typing "
                         "of one patient", path=path, field=field)  # fmt: skip


def parse_allele_names(text: str, known: Iterable[str] | None = None) -> list[AlleleName]:
    """Comma-separated names from the command line → every name read, in order.

    Class II chains and pairs are accepted (not checked against ``known``).
    """
    names = [part for part in (p.strip() for p in text.split(",")) if part]
    if not names:
        raise InputError("no HLA allele given", field="--alleles")
    _too_many(len(names), None, "--alleles")
    known_set = set(known) if known is not None else None
    return [read_allele(n, known_set) for n in names]


def parse_allele_list(text: str, known: Iterable[str] | None = None) -> list[str]:
    """Comma-separated names → normalized, de-duplicated expressed names, in order."""
    names = parse_allele_names(text, known)
    out = list(dict.fromkeys(a.name for a in names if a.expressed))
    if not out:
        raise InputError("no expressed HLA allele given: "
                         + "; ".join(str(a.warning) for a in names), field="--alleles")
    return out


def allele_report(names: Iterable[AlleleName]) -> tuple[list[dict], list[str], list[str]]:
    """(run.json records, notes, warnings) for names as read: normalisations and exclusions.

    Each distinct (name as given, source) gives one record; notes say how a spelling was read
    (``'A0201' read as HLA-A*02:01 (spelling)``), warnings say which alleles were excluded or
    are of questionable expression.
    """
    records: list[dict] = []
    notes: list[str] = []
    warnings: list[str] = []
    seen: set[tuple[str, str]] = set()
    for allele in names:
        key = (allele.given.strip(), allele.source)
        if key in seen:
            continue
        seen.add(key)
        records.append(allele.record())
        if allele.normalisation is not None and allele.expressed:
            where = f" ({allele.source})" if allele.source else ""
            notes.append(f"allele {allele.normalisation}{where}")
        if allele.warning is not None:
            warnings.append(allele.warning)
    return records, notes, warnings


# ---------------------------------------------------------------- typing files


def _of_gene(allele: AlleleName, gene: str, path: Path, line: int | None) -> AlleleName:
    """A typing file's allele must belong to the gene it is listed under (else a shifted or
    corrupted file would silently give one gene's allele to another)."""
    if gene not in allele.genes:
        raise InputError(f"{allele.given.strip()!r} is listed under gene {gene} but is an "
                         f"HLA-{allele.genes[-1]} allele", path=path, line=line,
                         field=gene)  # fmt: skip
    return allele


def _optitype(path: Path, lines: list[tuple[int, str]], known: set[str] | None) -> list:
    (_, header_line), *rows = lines
    header = [h.strip() for h in header_line.split("\t")]
    columns = [i for i, h in enumerate(header) if re.fullmatch(r"[ABC][12]", h)]
    if not rows:
        raise InputError("OptiType result has no genotype row", path=path, line=2)
    if len(rows) > 1:
        raise InputError("OptiType result has more than one genotype row (one sample per "
                         "file)", path=path, line=rows[1][0])  # fmt: skip
    number, row_text = rows[0]
    row = row_text.split("\t")
    if len(row) != len(header):
        raise InputError(f"{len(row)} cells where the header has {len(header)}", path=path,
                         line=number, field="columns")  # fmt: skip
    out = []
    for i in columns:
        value = row[i].strip()
        if value:
            allele = read_allele(value, known, path, number, header[i])
            out.append(_of_gene(allele, header[i][0], path, number))
    return out


def _json_line(text: str, value: str) -> int | None:
    at = text.find(json.dumps(value))
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def _arcashla(path: Path, text: str, data: object, known: set[str] | None,
              skipped: list[str]) -> list:  # fmt: skip
    if not isinstance(data, dict):
        raise InputError("arcasHLA genotype JSON must be an object {gene: [alleles]}", path=path)
    out = []
    for gene, alleles in data.items():
        line = _json_line(text, str(gene))
        match = _GENE_FIELD.fullmatch(str(gene).strip())
        if match is None:
            raise InputError(f"{str(gene)[:30]!r} is not a gene name", path=path, line=line,
                             field="gene")  # fmt: skip
        if not isinstance(alleles, list):
            raise InputError("expected a list of alleles", path=path, field=str(gene),
                             line=line)  # fmt: skip
        name = match.group(1).upper()
        if name not in CLASSICAL_GENES:
            if any(isinstance(a, str) and a.strip() for a in alleles):
                skipped.append(f"HLA-{name}")
            continue  # non-classical genes arcasHLA may type (E, F, G, DMA, ...)
        if len(alleles) > 2:
            raise InputError(f"{len(alleles)} alleles for one gene (a person has two)",
                             path=path, line=line, field=str(gene))  # fmt: skip
        for allele in alleles:
            if not isinstance(allele, str):
                raise InputError(f"allele names are strings, got {type(allele).__name__}",
                                 path=path, field=str(gene), line=line)  # fmt: skip
            if allele.strip():
                at = _json_line(text, allele)
                read = read_allele(allele, known, path, at, str(gene))
                out.append(_of_gene(read, name, path, at))
    return out


def _hlahd(path: Path, lines: list[tuple[int, str]], known: set[str] | None,
           skipped: list[str]) -> list:  # fmt: skip
    out = []
    for number, line in lines:
        parts = line.rstrip("\r").split("\t")
        gene = _GENE_FIELD.fullmatch(parts[0].strip())
        if gene is None:
            raise InputError(f"HLA-HD result line starts with {parts[0].strip()[:30]!r}, not a "
                             "gene name", path=path, line=number, field="gene")  # fmt: skip
        name = gene.group(1).upper()
        if name not in CLASSICAL_GENES:
            if any(v.strip() and v.strip() not in _SKIP_VALUES for v in parts[1:]):
                skipped.append(f"HLA-{name}")
            continue  # HLA-HD also types non-classical genes and pseudogenes (E, DRB2, DOA, ...)
        if len([v for v in parts[1:] if v.strip()]) > 2:
            raise InputError(f"{len(parts) - 1} allele columns for one gene (HLA-HD writes two)",
                             path=path, line=number, field=name)  # fmt: skip
        for value in parts[1:]:
            value = value.strip()
            if value and value not in _SKIP_VALUES:
                allele = read_allele(value, known, path, number, name)
                out.append(_of_gene(allele, name, path, number))
    return out


def _plain(path: Path, lines: list[tuple[int, str]], known: set[str] | None) -> list:
    tokens = []
    for number, line in lines:
        line = line.split("#", 1)[0]
        tokens.extend((number, part) for part in re.split(r"[,\s]+", line.strip()) if part)
        _too_many(len(tokens), path)
    return [read_allele(part, known, path, number) for number, part in tokens]


def _read_text(path: Path) -> str:
    if not path.exists():
        raise InputError("HLA typing file not found", path=path, field="--hla-file")
    if not path.is_file():
        raise InputError("not a file (give the typing tool's result file)", path=path,
                         field="--hla-file")  # fmt: skip
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{size:,} bytes: an HLA typing result is a few hundred bytes "
                             f"(at most {MAX_FILE_BYTES:,} read)", path=path, field="--hla-file")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the HLA typing file ({exc.strerror})", path=path,
                         field="--hla-file") from exc  # fmt: skip
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise InputError("a NUL byte: not a text file", path=path, line=line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"byte 0x{data[exc.start]:02x} is not UTF-8 text", path=path,
                         line=line) from None  # fmt: skip
    return text.removeprefix("\ufeff")


def read_hla_names(
    path: str | Path, known: Iterable[str] | None = None, skipped: list[str] | None = None
) -> list[AlleleName]:
    """Every allele name of an HLA typing output, read (null alleles included), in file order.

    Recognized formats: OptiType ``*_result.tsv`` (columns A1 … C2), arcasHLA genotype JSON
    (``{"A": ["A*01:01:01", ...], "DQA1": [...], ...}``), HLA-HD ``*_final.result.txt``
    (``gene<TAB>allele<TAB>allele``, ``-``/``Not typed`` skipped) and plain lists (one or
    comma-separated names per line, ``#`` comments). From arcasHLA and HLA-HD only the classical
    genes (:data:`CLASSICAL_GENES`) are read; the other typed genes (``HLA-E``, ``HLA-DRB2``,
    ...) are appended to ``skipped`` when a list is given, so the caller can say so.
    """
    skipped = [] if skipped is None else skipped
    path = Path(path)
    known_set = set(known) if known is not None else None
    text = _read_text(path)
    stripped = text.strip()
    if not stripped:
        raise InputError("HLA typing file is empty", path=path)
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON ({exc.msg})", path=path, line=exc.lineno) from None
        except (ValueError, RecursionError) as exc:  # >4,300-digit numbers, deep nesting
            raise InputError(f"invalid JSON ({str(exc)[:80]})", path=path) from None
        names = _arcashla(path, text, data, known_set, skipped)
    else:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        _too_many(len(lines), path)
        first = lines[0][1].split("\t")
        if any(re.fullmatch(r"[ABC][12]", h.strip()) for h in first):
            names = _optitype(path, lines, known_set)
        elif len(first) >= 2 and _GENE_FIELD.fullmatch(first[0].strip()):
            names = _hlahd(path, lines, known_set, skipped)
        else:
            names = _plain(path, lines, known_set)
    if not names:
        raise InputError("no HLA allele found in the typing file", path=path)
    _too_many(len(names), path)
    return names


def read_hla_file(path: str | Path, known: Iterable[str] | None = None) -> list[str]:
    """Expressed alleles of an HLA typing output, normalized and de-duplicated (file order).

    Null/secreted/cytoplasmic alleles are left out (:func:`read_hla_names` returns them too).
    """
    names = read_hla_names(path, known)
    out = list(dict.fromkeys(a.name for a in names if a.expressed))
    if not out:
        raise InputError("no expressed HLA allele in the typing file: "
                         + "; ".join(str(a.warning) for a in names), path=Path(path))
    return out
