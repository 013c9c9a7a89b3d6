"""GPU throughput of the optional torch scoring path (run on a machine with CUDA).

Prints peptide x allele predictions per second (a) for the scoring alone, from peptides already
encoded on the device, and (b) end to end from Python strings (CPU encoding included), beside
the single-thread numpy path measured in the same run, and checks that GPU and numpy outputs
agree.

Usage: python benchmarks/mhc_gpu_speed.py [--model NPZ] [--peptides 1000000] [--alleles 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    import torch

    from vaxmix.mhc.alleles import known_alleles, pseudosequence_table
    from vaxmix.mhc.encoding import encode_pseudosequences
    from vaxmix.mhc.gpu import TorchEnsemble
    from vaxmix.mhc.model import default_ensemble, load_ensemble

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--peptides", type=int, default=1_000_000)
    parser.add_argument("--alleles", type=int, default=20)
    args = parser.parse_args()
    ensemble = load_ensemble(args.model) if args.model else default_ensemble()
    rng = np.random.default_rng(11)
    letters = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
    lengths = rng.integers(8, 12, args.peptides)
    codes = rng.integers(0, 20, (args.peptides, 11))
    peptides = ["".join(letters[c[:n]]) for c, n in zip(codes, lengths, strict=True)]
    table = pseudosequence_table()
    alleles = known_alleles()[:: max(1, len(known_alleles()) // args.alleles)][: args.alleles]
    allele_features = encode_pseudosequences([table[a] for a in alleles], ensemble.blosum)
    gpu = TorchEnsemble(ensemble, "cuda")
    print(f"model {ensemble.name}, {ensemble.n_models} members, device "
          f"{torch.cuda.get_device_name(0)}")

    def run_scoring(slots, lens):
        ph = gpu.peptide_hidden_from_slots(slots, lens)
        ah = gpu.allele_hidden(allele_features)
        return gpu.score_cross(ph, ah)

    slots, lens = gpu.encode(peptides[:1000])
    run_scoring(slots, lens)
    torch.cuda.synchronize()
    slots, lens = gpu.encode(peptides)
    torch.cuda.synchronize()
    best = np.inf
    for _ in range(3):
        started = time.perf_counter()
        run_scoring(slots, lens)
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - started)
    pairs = args.peptides * args.alleles
    print(f"GPU scoring only: {pairs / best:,.0f} predictions/s ({pairs:,} pairs in {best:.3f} s)")
    started = time.perf_counter()
    slots, lens = gpu.encode(peptides)
    _, presentation = run_scoring(slots, lens)
    out = presentation.cpu().numpy()
    seconds = time.perf_counter() - started
    print(f"GPU end to end from strings: {pairs / seconds:,.0f} predictions/s ({seconds:.3f} s)")

    sub = peptides[:20_000]
    started = time.process_time()
    _, pres_np = ensemble.score_peptides(sub, ensemble.allele_hidden([table[a] for a in alleles]))
    cpu_seconds = time.process_time() - started
    n = len(sub)
    print(f"numpy CPU path (score_peptides, CPU time of this process): "
          f"{n * len(alleles) / cpu_seconds:,.0f} predictions/s")
    pres_np = pres_np.reshape(-1)  # peptide-major, as the GPU output
    diff = np.abs(out[: n * len(alleles)] - pres_np).max()
    print(f"max |GPU - numpy| presentation score on {n * len(alleles):,} pairs: {diff:.2e}")


if __name__ == "__main__":
    main()
