"""Gene identifiers: resolve symbols, former symbols, aliases and Ensembl IDs to HGNC symbols.

Expression tables name genes in many ways: current HGNC symbols (``RIGI``), former symbols that
older annotations still carry (``DDX58``, ``TMEM173``, ``PVRL1``), or Ensembl gene IDs with or
without a version suffix (``ENSG00000107201.10``). The virus stage scores a small, fixed set of
genes, so it ships its own table (``data/genes.tsv``, from HGNC) and maps every identifier it
meets onto the current symbol before scoring.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from vaxmix.common.errors import InputError

__all__ = ["GeneRecord", "GeneTable", "load_gene_table", "normalise_gene_id"]

_ENSEMBL_GENE = re.compile(r"^(ENSG\d{11})(\.\d+)?(_PAR_Y)?$")
_HGNC_ID = re.compile(r"^HGNC:\d+$")
_ROLES = {"receptor", "ifn_pathway", "isg", "dependency"}


@dataclass(frozen=True)
class GeneRecord:
    """One gene of the shipped table.

    Attributes
    ----------
    symbol
        Current HGNC symbol.
    hgnc_id
        ``HGNC:nnnn`` accession.
    ensembl_gene_id
        Ensembl gene ID (GRCh38) without version.
    aliases
        Former symbols and common aliases, upper-case.
    role
        Why the stage uses the gene: ``receptor``, ``ifn_pathway``, ``isg`` or ``dependency``.
    """

    symbol: str
    hgnc_id: str
    ensembl_gene_id: str
    aliases: tuple[str, ...]
    role: str


@dataclass(frozen=True)
class GeneTable:
    """The shipped gene table with lookup indexes (symbol, alias, Ensembl ID → symbol)."""

    records: dict[str, GeneRecord]
    by_alias: dict[str, str]
    by_ensembl: dict[str, str]

    def resolve(self, identifier: str) -> str | None:
        """Return the current HGNC symbol for ``identifier``, or ``None`` if not in the table.

        Current symbols win over aliases, so an identifier that is both a symbol and someone
        else's alias resolves to its own gene.
        """
        key = normalise_gene_id(identifier)
        if key in self.records:
            return key
        match = _ENSEMBL_GENE.match(key)
        if match:
            return self.by_ensembl.get(match.group(1))
        return self.by_alias.get(key)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self.records


def normalise_gene_id(identifier: str) -> str:
    """Upper-case and strip an identifier (Ensembl versions are handled by :meth:`resolve`)."""
    return identifier.strip().upper()


def _parse_gene_table(text: str, source: str) -> GeneTable:
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(rows, delimiter="\t")
    needed = {"symbol", "hgnc_id", "ensembl_gene_id", "aliases", "role"}
    missing = needed - set(reader.fieldnames or [])
    if missing:
        raise InputError(f"missing columns {sorted(missing)}", path=source, line=1)
    records: dict[str, GeneRecord] = {}
    by_alias: dict[str, str] = {}
    by_ensembl: dict[str, str] = {}
    for number, row in enumerate(reader, start=2):
        symbol = row["symbol"].strip().upper()
        if not _HGNC_ID.match(row["hgnc_id"]):
            raise InputError(f"bad HGNC ID {row['hgnc_id']!r}", source, number, "hgnc_id")
        if not _ENSEMBL_GENE.match(row["ensembl_gene_id"]):
            raise InputError(
                f"bad Ensembl gene ID {row['ensembl_gene_id']!r}", source, number, "ensembl_gene_id"
            )
        if row["role"] not in _ROLES:
            raise InputError(f"unknown role {row['role']!r}", source, number, "role")
        if symbol in records:
            raise InputError(f"duplicate symbol {symbol}", source, number, "symbol")
        aliases = tuple(a.strip().upper() for a in row["aliases"].split("|") if a.strip())
        records[symbol] = GeneRecord(
            symbol, row["hgnc_id"], row["ensembl_gene_id"], aliases, row["role"]
        )
        by_ensembl[row["ensembl_gene_id"]] = symbol
        for alias in aliases:
            by_alias.setdefault(alias, symbol)
    return GeneTable(records, by_alias, by_ensembl)


@cache
def _packaged_gene_table() -> GeneTable:
    resource = resources.files("vaxmix.virus") / "data" / "genes.tsv"
    return _parse_gene_table(resource.read_text(encoding="utf-8"), "vaxmix/virus/data/genes.tsv")


def load_gene_table(path: str | Path | None = None) -> GeneTable:
    """Load the shipped gene table, or a user's table of the same format.

    Parameters
    ----------
    path
        A TSV with columns ``symbol, hgnc_id, ensembl_gene_id, aliases, role``; ``None`` for the
        table shipped in the package (cached).
    """
    if path is None:
        return _packaged_gene_table()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read gene table: {exc.strerror}", path=path) from exc
    return _parse_gene_table(text, str(path))
