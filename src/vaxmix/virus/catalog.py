"""The oncolytic-virus catalog: candidate viruses, their receptors and their evidence.

The catalog is data (``data/catalog.toml``), validated on load into frozen dataclasses so that
a typo in a gene symbol, an evidence level or a reference key fails loudly, naming the file and
the entry, instead of silently weakening a panel. Contents follow the domain brief
(virus-trial-domain.md §B.1) and the references listed in the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from vaxmix.common.errors import InputError
from vaxmix.virus.genes import GeneTable, load_gene_table

__all__ = [
    "EVIDENCE_LEVELS",
    "GENOME_TYPES",
    "INDICATIONS",
    "Catalog",
    "IndicationEvidence",
    "Receptor",
    "Virus",
    "load_catalog",
]

INDICATIONS: tuple[str, ...] = ("colorectal", "glioblastoma", "melanoma", "uveal_melanoma")
#: Evidence levels, strongest first; the rank is used as a tie-break in panel selection.
EVIDENCE_LEVELS: tuple[str, ...] = (
    "approved",
    "phase3",
    "phase2",
    "phase1",
    "preclinical",
    "claims_only",
    "negative",
    "none",
)
#: Genome type → nucleic acid that innate sensors see (RIG-I/MDA5 for RNA, cGAS for DNA).
GENOME_TYPES: dict[str, str] = {"+ssRNA": "RNA", "-ssRNA": "RNA", "dsRNA": "RNA", "dsDNA": "DNA"}
ENTRY_GATES: tuple[str, ...] = ("obligatory", "any", "none")
CLINICAL_STATUSES: tuple[str, ...] = (*EVIDENCE_LEVELS,)


@dataclass(frozen=True)
class Receptor:
    """A host receptor of a virus.

    Attributes
    ----------
    gene
        Current HGNC symbol.
    hgnc_id
        HGNC accession, from the shipped gene table.
    role
        Entry, attachment, uncoating, co-factor (free text from the catalog).
    obligatory
        ``True`` when knockout abolishes infection: the receptor gates entry.
    """

    gene: str
    hgnc_id: str
    role: str
    obligatory: bool


@dataclass(frozen=True)
class IndicationEvidence:
    """Clinical or preclinical evidence for one virus in one indication."""

    level: str
    note: str
    references: tuple[str, ...]


@dataclass(frozen=True)
class Virus:
    """One catalog entry (see ``data/catalog.toml`` for the meaning of each field)."""

    id: str
    name: str
    products: tuple[str, ...]
    family: str
    species: str
    genome: str
    enveloped: bool
    enteromix_component: bool
    primary_receptor: str
    entry_gate: str
    receptors: tuple[Receptor, ...]
    restriction_factors: tuple[str, ...]
    dependency_genes: tuple[str, ...]
    clinical_status: str
    clinical_note: str
    cautions: tuple[str, ...]
    references: tuple[str, ...]
    evidence: dict[str, IndicationEvidence]

    @property
    def nucleic_acid(self) -> str:
        """``RNA`` or ``DNA``: which innate sensing pathway recognises the genome."""
        return GENOME_TYPES[self.genome]


@dataclass(frozen=True)
class Catalog:
    """All viruses, keyed by ID, with the reference texts they cite."""

    version: str
    viruses: dict[str, Virus]
    references: dict[str, str]
    source: str

    def __getitem__(self, virus_id: str) -> Virus:
        return self.viruses[virus_id]

    def __contains__(self, virus_id: object) -> bool:
        return virus_id in self.viruses

    def __iter__(self):
        return iter(self.viruses.values())

    def __len__(self) -> int:
        return len(self.viruses)


class _Entry:
    """Typed field access on one raw TOML table, with errors naming file, entry and field."""

    def __init__(self, raw: dict[str, Any], source: str, entry: str) -> None:
        self.raw, self.source, self.entry = raw, source, entry

    def error(self, message: str, field: str) -> InputError:
        return InputError(f"virus {self.entry}: {message}", path=self.source, field=field)

    def get(self, field: str, kind: type, default: Any = ...) -> Any:
        if field not in self.raw:
            if default is ...:
                raise self.error("missing field", field)
            return default
        value = self.raw[field]
        if not isinstance(value, kind):
            raise self.error(f"expected {kind.__name__}, got {type(value).__name__}", field)
        return value

    def strings(self, field: str, default: Any = ...) -> tuple[str, ...]:
        values = self.get(field, list, default)
        if not all(isinstance(v, str) for v in values):
            raise self.error("expected a list of strings", field)
        return tuple(values)

    def choice(self, field: str, allowed: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(field, str, default)
        if value not in allowed:
            raise self.error(f"{value!r} is not one of {', '.join(allowed)}", field)
        return value


def _gene(entry: _Entry, symbol: str, field: str, genes: GeneTable) -> str:
    if symbol in genes:
        return symbol
    current = genes.resolve(symbol)
    hint = f" (current HGNC symbol: {current})" if current else " (not in genes.tsv)"
    raise entry.error(f"unknown gene symbol {symbol!r}{hint}", field)


def _references(entry: _Entry, keys: tuple[str, ...], known: dict[str, str], field: str) -> None:
    for key in keys:
        if key not in known:
            raise entry.error(f"reference {key!r} is not in [references]", field)


def _parse_virus(
    raw: dict[str, Any], source: str, index: int, genes: GeneTable, refs: dict[str, str]
) -> Virus:
    entry = _Entry(raw, source, f"#{index + 1}")
    virus_id = entry.get("id", str)
    entry.entry = virus_id
    receptors = []
    for number, item in enumerate(entry.get("receptors", list)):
        field = f"receptors[{number}]"
        if not isinstance(item, dict) or not {"gene", "role", "obligatory"} <= item.keys():
            raise entry.error("each receptor needs gene, role and obligatory", field)
        symbol = _gene(entry, str(item["gene"]), f"{field}.gene", genes)
        receptors.append(
            Receptor(
                symbol, genes.records[symbol].hgnc_id, str(item["role"]), bool(item["obligatory"])
            )
        )
    primary = entry.get("primary_receptor", str)
    if receptors and primary not in {r.gene for r in receptors}:
        raise entry.error(
            f"primary receptor {primary!r} is not among its receptors", "primary_receptor"
        )
    gate = entry.choice("entry_gate", ENTRY_GATES, "obligatory")
    if gate == "obligatory" and receptors and not any(r.obligatory for r in receptors):
        raise entry.error("entry_gate 'obligatory' but no receptor is obligatory", "entry_gate")
    if gate != "none" and not receptors:
        raise entry.error("a virus without receptors needs entry_gate = 'none'", "entry_gate")
    dependency = tuple(
        _gene(entry, g, "dependency_genes", genes) for g in entry.strings("dependency_genes", [])
    )
    references = entry.strings("references")
    _references(entry, references, refs, "references")
    evidence_raw = entry.get("evidence", dict)
    evidence = {}
    for indication in INDICATIONS:
        field = f"evidence.{indication}"
        item = evidence_raw.get(indication)
        if not isinstance(item, dict):
            raise entry.error("missing evidence for this indication", field)
        sub = _Entry(item, source, virus_id)
        level = sub.choice("level", EVIDENCE_LEVELS)
        keys = sub.strings("references", [])
        _references(entry, keys, refs, f"{field}.references")
        evidence[indication] = IndicationEvidence(level, sub.get("note", str, ""), keys)
    unknown = set(evidence_raw) - set(INDICATIONS)
    if unknown:
        raise entry.error(f"unknown indication(s) {sorted(unknown)}", "evidence")
    return Virus(
        id=virus_id,
        name=entry.get("name", str),
        products=entry.strings("products", []),
        family=entry.get("family", str),
        species=entry.get("species", str),
        genome=entry.choice("genome", tuple(GENOME_TYPES)),
        enveloped=entry.get("enveloped", bool),
        enteromix_component=entry.get("enteromix_component", bool, False),
        primary_receptor=primary,
        entry_gate=gate,
        receptors=tuple(receptors),
        restriction_factors=entry.strings("restriction_factors", []),
        dependency_genes=dependency,
        clinical_status=entry.choice("clinical_status", CLINICAL_STATUSES),
        clinical_note=entry.get("clinical_note", str, ""),
        cautions=entry.strings("cautions", []),
        references=references,
        evidence=evidence,
    )


def parse_catalog(text: str, source: str, genes: GeneTable | None = None) -> Catalog:
    """Parse and validate catalog TOML text (``source`` names it in errors)."""
    genes = genes or load_gene_table()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", path=source) from exc
    if data.get("schema") != "vaxmix.virus_catalog/1":
        raise InputError("expected schema = 'vaxmix.virus_catalog/1'", path=source, field="schema")
    refs = data.get("references", {})
    if not isinstance(refs, dict) or not all(isinstance(v, str) for v in refs.values()):
        raise InputError(
            "[references] must map keys to citation strings", source, field="references"
        )
    viruses: dict[str, Virus] = {}
    for index, raw in enumerate(data.get("virus", [])):
        virus = _parse_virus(raw, source, index, genes, refs)
        if virus.id in viruses:
            raise InputError(f"duplicate virus id {virus.id!r}", path=source, field="id")
        viruses[virus.id] = virus
    if not viruses:
        raise InputError("no [[virus]] entries", path=source)
    return Catalog(str(data.get("version", "")), viruses, dict(refs), source)


@cache
def _packaged_catalog() -> Catalog:
    resource = resources.files("vaxmix.virus") / "data" / "catalog.toml"
    return parse_catalog(resource.read_text(encoding="utf-8"), "vaxmix/virus/data/catalog.toml")


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load the shipped catalog (``path=None``, cached) or a user's catalog file."""
    if path is None:
        return _packaged_catalog()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read catalog: {exc.strerror}", path=path) from exc
    return parse_catalog(text, str(path))
