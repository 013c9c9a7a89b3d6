"""Reference-proteome matches: mutant epitopes whose mutated stretch occurs in a normal protein.

A mutant epitope whose mutated k-mer is also encoded elsewhere in the normal proteome is not
foreign there, so T cells that recognise it may have been deleted or tolerised; pVACseq marks
such candidates "Ref Match" and tiers them below Pass (``--run-reference-proteome-similarity``
with ``--peptide-fasta``). vaxmix checks every k-mer (``match_length``, 8 as in pVACseq) of the
MT epitope that contains a mutated position (every k-mer when the table gives no mutation
position, e.g. frameshift peptides past the variant) against a user-supplied reference protein
FASTA such as Ensembl's ``pep.all.fa.gz`` — nothing is downloaded. Hits in a protein whose
FASTA header names the row's own transcript are ignored, as pVACseq does.

pVACseq tests the k-mers of the mutated region with 7 flanking residues on each side, so a
variant can be flagged by a k-mer that lies outside the chosen epitope; vaxmix tests the
epitope's own mutated k-mers, which is what a T cell would see.

The search is exact and vectorized: each k-mer is a 5-bit-per-residue integer, and the code of
every reference position is looked up among the sorted query codes (binary search), in chunks —
one pass over the proteome, however many epitopes are asked about.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.aminoacids import AMINO_ACID_SET, AMINO_ACIDS
from vaxmix.common.fasta import iter_fasta_entries

__all__ = ["ReferenceProteome", "mutated_kmers", "read_reference_proteome", "reference_matches"]

_CODE = np.full(256, 31, dtype=np.int64)  # 31: anything else (X, U, *, separators)
for _i, _aa in enumerate(AMINO_ACIDS):
    _CODE[ord(_aa)] = _i


@dataclass
class ReferenceProteome:
    """Protein sequences concatenated into one residue array (``starts[i]`` = first residue)."""

    ids: list[str]
    descriptions: list[str]
    residues: np.ndarray  # uint8, proteins separated by b"*"
    starts: np.ndarray  # int64, one per protein
    path: Path


def read_reference_proteome(path: Path) -> ReferenceProteome:
    """Read a protein FASTA (plain or gzipped) in one streaming pass.

    Records come from :func:`vaxmix.common.fasta.iter_fasta_entries`, so a file that is not
    FASTA, not UTF-8, has a header without an identifier or no record at all is an
    :class:`InputError` naming the file and line. Residues are upper-cased; a character that is
    not ASCII becomes one unmatchable residue.
    """
    ids: list[str] = []
    descriptions: list[str] = []
    chunks: list[bytes] = []
    starts: list[int] = []
    position = 0
    for entry in iter_fasta_entries(path, "reference proteome"):
        ids.append(entry.identifier)
        descriptions.append(entry.header)
        sequence = entry.sequence.encode("ascii", "replace").upper()
        chunks.append(b"*")
        chunks.append(sequence)
        starts.append(position + 1)
        position += 1 + len(sequence)
    residues = np.frombuffer(b"".join(chunks) + b"*", dtype=np.uint8)
    return ReferenceProteome(ids, descriptions, residues, np.array(starts, dtype=np.int64),
                             Path(path))  # fmt: skip


def _encode(kmers: list[str]) -> np.ndarray:
    """5-bit codes of equal-length k-mers (standard residues only)."""
    if not kmers:
        return np.zeros(0, dtype=np.int64)
    k = len(kmers[0])
    codes = _CODE[np.frombuffer("".join(kmers).encode("ascii"), dtype=np.uint8)].reshape(-1, k)
    weights = np.left_shift(np.int64(1), 5 * np.arange(k - 1, -1, -1, dtype=np.int64))
    return codes @ weights


def _scan(residues: np.ndarray, query_codes: np.ndarray, k: int,
          chunk: int = 1 << 22) -> tuple[np.ndarray, np.ndarray]:
    """Start positions (and codes) of every reference k-mer whose code is a query code.

    Chunks of 4 M positions keep memory at a few hundred MB for a whole human proteome; the
    sorted query codes are probed with a binary search (``numpy.searchsorted``).
    """
    small = _CODE.astype(np.uint8)
    n = len(residues) - k + 1
    found, found_codes = [], []
    for start in range(0, max(n, 0), chunk):
        stop = min(n, start + chunk)
        codes = small[residues[start : stop + k - 1]].astype(np.int64)
        m = stop - start
        rolling = np.zeros(m, dtype=np.int64)
        ok = np.ones(m, dtype=bool)
        for offset in range(k):
            window = codes[offset : offset + m]
            rolling = (rolling << 5) | window
            ok &= window < 20
        where = np.searchsorted(query_codes, rolling)
        hit = ok & (where < len(query_codes))
        hit[hit] = query_codes[where[hit]] == rolling[hit]
        index = np.flatnonzero(hit)
        found.append(index + start)
        found_codes.append(rolling[index])
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(found), np.concatenate(found_codes)


def mutated_kmers(epitope: str, positions: str, k: int) -> list[str]:
    """The ``k``-mers of ``epitope`` that contain a mutated (1-based) position.

    ``positions`` is the table's "Mutation Position" text ("5", "5, 6", "NA"); with no position
    every k-mer counts. An epitope shorter than ``k`` has none.
    """
    if len(epitope) < k:
        return []
    mutated = {int(p) for p in positions.replace(" ", "").split(",") if p.isdigit()}
    starts = range(len(epitope) - k + 1)
    if mutated:
        starts = [s for s in starts if any(s < p <= s + k for p in mutated)]
    return [epitope[s : s + k] for s in starts]


def reference_matches(
    epitopes: pd.DataFrame, proteome: ReferenceProteome, k: int = 8
) -> pd.DataFrame:
    """Reference hits of each row's mutated k-mers.

    Parameters
    ----------
    epitopes
        Columns ``MT Epitope Seq``, ``Mutation Position`` and ``Transcript`` (any index).
    proteome
        From :func:`read_reference_proteome`.
    k
        Match length (pVACseq's default 8).

    Returns
    -------
    One row per (input row, matching k-mer, reference protein): ``row`` (the input index),
    ``Match Window``, ``Hit ID``, ``Hit Definition`` and ``Match Start`` (1-based).
    """
    columns = ["row", "Match Window", "Hit ID", "Hit Definition", "Match Start"]
    keys = list(zip(epitopes["MT Epitope Seq"].astype(str),
                    epitopes["Mutation Position"].astype(str), strict=True))  # fmt: skip
    windows = {key: mutated_kmers(key[0], key[1], k) for key in dict.fromkeys(keys)}
    queries = sorted({w for ws in windows.values() for w in ws if set(w) <= AMINO_ACID_SET})
    if not queries:
        return pd.DataFrame(columns=columns)
    query_codes = _encode(queries)  # sorted, since the queries are sorted
    hits, hit_codes = _scan(proteome.residues, query_codes, k)
    if not len(hits):
        return pd.DataFrame(columns=columns)
    protein = np.searchsorted(proteome.starts, hits, side="right") - 1
    by_code = dict(zip(query_codes.tolist(), queries, strict=True))
    found = pd.DataFrame({
        "Match Window": [by_code[c] for c in hit_codes.tolist()],
        "protein": protein,
        "Match Start": hits - proteome.starts[protein] + 1,
    })
    rows = []
    transcripts = epitopes["Transcript"].astype(str).tolist()
    by_window = {w: part for w, part in found.groupby("Match Window", sort=False)}
    for row_index, key, transcript in zip(epitopes.index, keys, transcripts, strict=True):
        for window in windows[key]:
            part = by_window.get(window)
            if part is None:
                continue
            for protein_index, start in zip(part["protein"], part["Match Start"], strict=True):
                definition = proteome.descriptions[protein_index]
                base = transcript.split(".")[0]
                if base and base in definition:
                    continue  # the variant's own protein
                rows.append((row_index, window, proteome.ids[protein_index], definition,
                             int(start)))  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
