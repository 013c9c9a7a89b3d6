"""Speed of the reference-proteome match (``vaxmix run --reference-proteome``).

Builds a synthetic proteome (random residues, Ensembl-style headers, 60-residue FASTA lines)
and random 9-mer epitopes with the mutation at position 5, then times
:func:`vaxmix.ranking.reference.reference_matches` against a baseline measured in the same
run: the per-k-mer substring scan over every protein that pVACseq 7.1.5 uses with
``--peptide-fasta`` (``epitope in seq`` for each window and protein), on a subset small enough
to finish, extrapolated linearly in the number of epitopes. Both must find the same hits.

Usage::

    python benchmarks/reference_match_speed.py [--proteins 40000] [--epitopes 40000]
"""

from __future__ import annotations

import argparse
import gzip
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.ranking.reference import mutated_kmers, read_reference_proteome, reference_matches

ALPHABET = np.frombuffer(b"ACDEFGHIKLMNPQRSTVWY", dtype=np.uint8)


def synthetic_fasta(path: Path, proteins: int, length: int, rng: np.random.Generator) -> list[str]:
    sequences = [ALPHABET[rng.integers(0, 20, length)].tobytes().decode() for _ in range(proteins)]
    lines = []
    for i, seq in enumerate(sequences):
        lines.append(f">P{i} pep transcript:ENST{i:011d}.1 gene_symbol:G{i}")
        lines += [seq[j : j + 60] for j in range(0, length, 60)]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1))
    return sequences


def naive_hits(epitopes: list[str], sequences: list[str], k: int) -> set[tuple[int, str]]:
    """pVACseq-style scan: every mutated k-mer against every protein with ``in``."""
    found = set()
    for row, epitope in enumerate(epitopes):
        for window in mutated_kmers(epitope, "5", k):
            for seq in sequences:
                if window in seq:
                    found.add((row, window))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--proteins", type=int, default=40_000)
    parser.add_argument("--length", type=int, default=500)
    parser.add_argument("--epitopes", type=int, default=40_000)
    parser.add_argument("--baseline-epitopes", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "proteome.fa.gz"
        sequences = synthetic_fasta(path, args.proteins, args.length, rng)
        epitopes = [ALPHABET[rng.integers(0, 20, 9)].tobytes().decode()
                    for _ in range(args.epitopes)]  # fmt: skip
        for i in range(0, args.epitopes, max(1, args.epitopes // 20)):  # plant some true hits
            seq = sequences[int(rng.integers(len(sequences)))]
            start = int(rng.integers(0, args.length - 9))
            epitopes[i] = seq[start : start + 9]
        rows = pd.DataFrame({"MT Epitope Seq": epitopes, "Mutation Position": "5",
                             "Transcript": "ENST99999999999"})  # fmt: skip
        start = time.perf_counter()
        proteome = read_reference_proteome(path)
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        hits = reference_matches(rows, proteome, 8)
        match_s = time.perf_counter() - start
        subset = args.baseline_epitopes
        start = time.perf_counter()
        naive = naive_hits(epitopes[:subset], sequences, 8)
        naive_s = time.perf_counter() - start
    ours = {(int(r), w) for r, w in zip(hits["row"], hits["Match Window"], strict=True)
            if r < subset}  # fmt: skip
    assert ours == naive, "the vectorized search and the naive scan disagree"
    naive_full = naive_s * args.epitopes / subset
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"proteome: {args.proteins:,} proteins x {args.length} aa "
          f"({len(proteome.residues):,} residues); {args.epitopes:,} 9-mer epitopes, "
          f"mutation at position 5, k = 8")
    print(f"vaxmix: read {read_s:.2f} s, search {match_s:.2f} s, {len(hits):,} hits; "
          f"peak RSS {peak:.0f} MB")
    print(f"baseline (pVACseq-style substring scan), same run: {naive_s:.2f} s for {subset} "
          f"epitopes ({len(naive)} hits, identical) -> {naive_full:,.0f} s extrapolated for "
          f"{args.epitopes:,}; vaxmix is {naive_full / match_s:,.0f}x faster")


if __name__ == "__main__":
    main()
