"""Read the protein to encode: a protein FASTA, or the vaccine stage's ``construct.json``.

``construct.json`` (schema ``vaxmix.construct/*``) carries ``protein`` and ``elements`` (each with
``name``, ``kind``, ``start``, ``end`` in 1-based residue coordinates); the elements become
GenBank features of the CDS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vaxmix.common.aminoacids import nonstandard_residues
from vaxmix.common.errors import InputError
from vaxmix.common.fasta import read_fasta_entries
from vaxmix.common.textio import read_json

__all__ = ["ProteinInput", "read_protein_input"]

@dataclass
class ProteinInput:
    """The protein, its identifier and optional residue-level elements."""

    name: str
    protein: str
    elements: list[dict] = field(default_factory=list)


def _read_fasta(path: Path, record: str | None) -> ProteinInput:
    records = [
        (entry.identifier, entry.line, entry.sequence_lines)
        for entry in read_fasta_entries(path, "protein FASTA")
    ]
    if record is not None:
        chosen = [r for r in records if r[0] == record]
        if not chosen:
            raise InputError(f"record {record!r} not in file", path=path, field="record")
    elif len(records) > 1:
        raise InputError(
            f"{len(records)} records found; choose one with --record "
            f"(first two: {records[0][0]}, {records[1][0]})", path=path, line=records[1][1])
    else:
        chosen = records
    name, header_line, lines = chosen[0]
    seq_parts = []
    for lineno, line in lines:
        text = line.upper().replace(" ", "")
        if text.endswith("*"):
            text = text[:-1]
        bad = nonstandard_residues(text)
        if bad:
            raise InputError(f"non-standard amino-acid letters {''.join(bad)!r}", path=path,
                             line=lineno, field="sequence")
        seq_parts.append(text)
    protein = "".join(seq_parts)
    if not protein:
        raise InputError(f"record {name} is empty", path=path, line=header_line)
    if protein[0] != "M":
        raise InputError(f"record {name} must start with M (encoded by the start codon AUG)",
                         path=path, line=lines[0][0], field="sequence")
    return ProteinInput(name=name, protein=protein)


def _read_construct(path: Path) -> ProteinInput:
    data = read_json(path, "construct JSON")
    if not isinstance(data, dict) or not isinstance(data.get("protein"), str):
        raise InputError("construct JSON needs a string 'protein'", path=path, field="protein")
    protein = data["protein"].strip().upper().rstrip("*")
    bad = nonstandard_residues(protein)
    if bad:
        raise InputError(f"non-standard amino-acid letters {''.join(bad)!r}", path=path,
                         field="protein")
    if not protein.startswith("M"):
        raise InputError("protein must start with M (encoded by the start codon AUG)",
                         path=path, field="protein")
    elements = data.get("elements") or []
    if not isinstance(elements, list):
        raise InputError("'elements' must be a list", path=path, field="elements")
    clean = []
    for k, el in enumerate(elements):
        try:
            start, end = int(el["start"]), int(el["end"])
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise InputError(f"element {k} needs integer start and end", path=path,
                             field=f"elements[{k}]") from exc
        if not 1 <= start <= end <= len(protein):
            raise InputError(f"element {k} span {start}-{end} outside the protein", path=path,
                             field=f"elements[{k}]")
        clean.append({"name": str(el.get("name", f"element_{k + 1}")),
                      "kind": str(el.get("kind", "misc")), "start": start, "end": end})
    name = str(data.get("name") or data.get("id") or path.stem)
    return ProteinInput(name=name, protein=protein, elements=clean)


def read_protein_input(path: str | Path, record: str | None = None) -> ProteinInput:
    """Read a protein FASTA (one record, or ``record``) or a ``construct.json``."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path)
    if path.suffix.lower() == ".json":
        return _read_construct(path)
    return _read_fasta(path, record)
