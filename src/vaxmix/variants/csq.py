"""VEP ``CSQ`` annotations: the header's own field list, and matching entries to ALT alleles.

VEP writes one ``CSQ`` INFO value per record: comma-separated entries (one per allele ×
feature), each a ``|``-separated list whose field names are given in the header line
``##INFO=<ID=CSQ,...,Description="... Format: Allele|Consequence|...">``. Fields are always read
by name through that list, never by fixed position, because VEP's field order depends on the
options and plugins it was run with (McLaren et al. 2016, doi:10.1186/s13059-016-0974-4).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from vaxmix.common.errors import InputError

__all__ = [
    "REQUIRED_PLUGIN_FIELDS",
    "csq_fields",
    "entries_for_allele",
    "split_csq",
    "vep_allele",
]

#: CSQ fields that pVACseq-style peptide construction needs, and how to get them.
REQUIRED_PLUGIN_FIELDS: dict[str, str] = {
    "WildtypeProtein": "run VEP with the Wildtype plugin (--plugin Wildtype)",
    "FrameshiftSequence": "run VEP with the Frameshift plugin (--plugin Frameshift)",
    "Consequence": "run VEP with its default output fields",
    "Feature": "run VEP with its default output fields",
    "Protein_position": "run VEP with its default output fields",
    "Amino_acids": "run VEP with its default output fields",
    "BIOTYPE": "run VEP with --biotype",
    "TSL": "run VEP with --tsl",
}

_FORMAT_RE = re.compile(r"Format:\s*([^\"]+)")


def csq_fields(description: str | None, path: str | Path) -> list[str]:
    """Field names of the CSQ entries, from the ``CSQ`` header Description.

    Raises
    ------
    InputError
        When the VCF has no CSQ header (not VEP-annotated) or a required field is missing; the
        message names the VEP option or plugin that adds it.
    """
    if description is None:
        raise InputError(
            "no CSQ INFO header: the VCF is not annotated with Ensembl VEP (run VEP with "
            "--plugin Wildtype --plugin Frameshift --tsl --biotype --canonical --mane)",
            path=path,
            field="INFO/CSQ",
        )
    match = _FORMAT_RE.search(description)
    if match is None:
        raise InputError(
            "the CSQ header Description has no 'Format: ...' field list",
            path=path,
            field="INFO/CSQ",
        )
    fields = [name.strip() for name in match.group(1).strip().split("|")]
    for name, how in REQUIRED_PLUGIN_FIELDS.items():
        if name not in fields:
            raise InputError(
                f"CSQ has no {name} field: {how}",
                path=path,
                field=f"INFO/CSQ/{name}",
            )
    return fields


def split_csq(
    value: str, fields: list[str], path: str | Path | None = None, line: int | None = None
) -> list[dict[str, str]]:
    """Split a raw CSQ INFO value into one ``{field: value}`` dict per entry.

    VEP writes every header field in every entry (empty when unknown), so an entry with another
    number of ``|``-separated values was cut or garbled (e.g. a stray ``,`` or ``|`` inside a
    WildtypeProtein): an :class:`InputError`, never a padded or shortened entry.
    """
    entries = []
    width = len(fields)
    for number, raw in enumerate(value.split(","), start=1):
        parts = raw.split("|")
        if len(parts) != width:
            raise InputError(
                f"CSQ entry {number} has {len(parts)} '|'-separated values but the CSQ header "
                f"declares {width} fields (a ',' or '|' inside a value, or a truncated entry)",
                path=path, line=line, field="INFO/CSQ",
            )  # fmt: skip
        entries.append(dict(zip(fields, parts, strict=True)))
    return entries


def vep_allele(ref: str, alt: str, all_alts: list[str]) -> str:
    """The allele string VEP writes in ``CSQ/Allele`` for ``alt``.

    VEP drops the first base when REF and every ALT share it (left-anchored indels), and writes
    ``-`` for an allele that becomes empty (a pure deletion).
    """
    alleles = [ref, *all_alts]
    if len({a[:1] for a in alleles}) == 1 and any(len(a) != len(ref) for a in all_alts):
        trimmed = alt[1:]
        return trimmed if trimmed else "-"
    return alt


def entries_for_allele(
    entries: list[dict[str, str]], ref: str, alt: str, all_alts: list[str]
) -> list[dict[str, str]]:
    """CSQ entries that describe ``alt``: by literal ALT, then VEP's trimmed form, then
    ``deletion`` (the word VEP uses for some symbolic deletions)."""
    for key in (alt, vep_allele(ref, alt, all_alts), "deletion"):
        chosen = [entry for entry in entries if entry.get("Allele") == key]
        if chosen:
            return chosen
    return []


def decode_hgvs(value: str) -> str:
    """VEP %-encodes ``=`` and other characters in HGVS strings; decode them."""
    return unquote(value)
