"""The vaccine protein: signal peptide, ordered peptides joined by linkers, trafficking domain.

Element sequences (signal peptides, trafficking domains, linkers) come from a TOML catalogue;
the shipped one, ``vaxmix/vaccine/data/elements.toml``, cites the source of every sequence. The
assembled :class:`Construct` is what the mRNA stage consumes (``.protein``, ``.elements``) and
what ``vaccine/construct.faa`` and ``vaccine/construct.json`` (schema ``vaxmix.construct/1``)
hold. Coordinates are 1-based and inclusive, like a GenBank feature table.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

from vaxmix.common.atomic import atomic_write
from vaxmix.common.errors import ConfigError, InputError
from vaxmix.vaccine.sequences import check_protein

__all__ = [
    "Construct",
    "Element",
    "ElementCatalogue",
    "assemble",
    "load_construct",
    "load_elements",
    "write_construct",
]

SCHEMA = "vaxmix.construct/1"


@dataclass(frozen=True)
class Element:
    """One piece of the construct, with its 1-based inclusive coordinates in the protein."""

    name: str
    kind: str  # signal_peptide | peptide | linker | trafficking
    sequence: str
    start: int
    end: int
    source: str = ""


@dataclass
class Construct:
    """The vaccine protein and its elements, in order."""

    name: str
    protein: str
    elements: list[Element] = field(default_factory=list)

    def to_json(self) -> dict:
        """JSON-ready form (``schema`` = ``vaxmix.construct/1``)."""
        return {
            "schema": SCHEMA,
            "name": self.name,
            "length": len(self.protein),
            "protein": self.protein,
            "elements": [asdict(e) for e in self.elements],
        }


@dataclass(frozen=True)
class ElementCatalogue:
    """Named sequences of each kind with their sources."""

    signal_peptides: dict[str, tuple[str, str]]
    trafficking: dict[str, tuple[str, str]]
    linkers: dict[str, tuple[str, str]]
    path: str


def load_elements(path: str | Path | None = None) -> ElementCatalogue:
    """Load the element catalogue (shipped one when ``path`` is None), validating sequences."""
    if path is None:
        resource = resources.files("vaxmix.vaccine") / "data" / "elements.toml"
        raw_bytes, where = resource.read_bytes(), str(resource)
    else:
        if not Path(path).is_file():
            raise ConfigError("elements file not found", path=path)
        raw_bytes, where = Path(path).read_bytes(), str(path)
    try:
        raw = tomllib.loads(raw_bytes.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=where) from exc
    tables = {}
    for kind in ("signal_peptide", "trafficking", "linker"):
        entries = {}
        for name, entry in raw.get(kind, {}).items():
            if not isinstance(entry, dict) or "sequence" not in entry:
                raise ConfigError(
                    f"{kind}.{name} needs a 'sequence'", path=where, field=f"{kind}.{name}"
                )
            seq = check_protein(
                str(entry["sequence"]),
                f"{kind} {name!r}",
                path=where,
                field=f"{kind}.{name}.sequence",
                allow_empty=kind != "signal_peptide",
            )
            entries[name] = (seq, str(entry.get("source", "")))
        tables[kind] = entries
    return ElementCatalogue(
        tables["signal_peptide"], tables["trafficking"], tables["linker"], where
    )


def resolve_linkers(
    names_or_sequences: list[str], catalogue: ElementCatalogue
) -> dict[str, tuple[str, str]]:
    """Map each requested linker (catalogue name or literal sequence) to (sequence, source).

    A literal must consist of standard residues; ``none`` / ``""`` means direct fusion.
    """
    out: dict[str, tuple[str, str]] = {}
    for item in names_or_sequences:
        token = item.strip()
        if token in catalogue.linkers:
            out[token] = catalogue.linkers[token]
        elif token.lower() in ("none", ""):
            out["none"] = ("", "Direct fusion (no linker).")
        else:
            seq = check_protein(token, f"linker {token!r}", field="--linkers")
            out[seq] = (seq, "user-given linker sequence")
    if not out:
        raise InputError("the linker set is empty", field="--linkers")
    return out


def assemble(
    name: str,
    peptides: list[tuple[str, str, str]],
    junction_linkers: list[tuple[str, str]],
    signal_peptide: tuple[str, str, str] | None,
    trafficking: tuple[str, str, str] | None,
) -> Construct:
    """Concatenate the elements, recording coordinates.

    Parameters
    ----------
    name
        Construct name (FASTA identifier).
    peptides
        Ordered ``(name, sequence, source)`` of the vaccine peptides.
    junction_linkers
        ``(name, sequence)`` for each junction in order: signal->first (if a signal peptide),
        between consecutive peptides, last->trafficking (if a trafficking domain).
    signal_peptide, trafficking
        ``(name, sequence, source)`` or None.
    """
    pieces: list[tuple[str, str, str, str]] = []
    links = iter(junction_linkers)
    if signal_peptide is not None and signal_peptide[1]:
        pieces.append((signal_peptide[0], "signal_peptide", signal_peptide[1], signal_peptide[2]))
        link = next(links)
        if link[1]:
            pieces.append((link[0], "linker", link[1], ""))
    for i, (pname, seq, source) in enumerate(peptides):
        if i > 0:
            link = next(links)
            if link[1]:
                pieces.append((link[0], "linker", link[1], ""))
        pieces.append((pname, "peptide", seq, source))
    if trafficking is not None and trafficking[1]:
        link = next(links)
        if link[1]:
            pieces.append((link[0], "linker", link[1], ""))
        pieces.append((trafficking[0], "trafficking", trafficking[1], trafficking[2]))
    elements, position = [], 1
    for pname, kind, seq, source in pieces:
        elements.append(Element(pname, kind, seq, position, position + len(seq) - 1, source))
        position += len(seq)
    protein = "".join(p[2] for p in pieces)
    return Construct(name, protein, elements)


def write_construct(construct: Construct, folder: Path) -> None:
    """Write ``construct.faa`` (60 residues a line) and ``construct.json`` into ``folder``."""
    with atomic_write(folder / "construct.faa") as handle:
        handle.write(f">{construct.name} length={len(construct.protein)}\n")
        for i in range(0, len(construct.protein), 60):
            handle.write(construct.protein[i : i + 60] + "\n")
    with atomic_write(folder / "construct.json") as handle:
        json.dump(construct.to_json(), handle, indent=2)
        handle.write("\n")


def load_construct(path: str | Path) -> Construct:
    """Read ``construct.json`` back (checks the schema and that elements tile the protein)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read construct JSON: {exc}", path=path) from exc
    if raw.get("schema") != SCHEMA:
        raise InputError(
            f"schema is {raw.get('schema')!r}, expected {SCHEMA!r}", path=path, field="schema"
        )
    elements = [Element(**e) for e in raw["elements"]]
    if "".join(e.sequence for e in elements) != raw["protein"]:
        raise InputError("elements do not tile the protein", path=path, field="elements")
    return Construct(raw["name"], raw["protein"], elements)
