"""``vaxmix mhc2`` sub-commands: predict, alleles, train (class II; heavy imports lazily)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``vaxmix mhc2 ...`` to the top-level parser."""
    mhc2 = subparsers.add_parser(
        "mhc2", help="MHC class II binding, presentation and binding core (built-in model)"
    )
    sub = mhc2.add_subparsers(dest="mhc2_command", metavar="SUBCOMMAND", required=True)

    p = sub.add_parser("predict", help="predict every peptide x class II molecule; write a TSV")
    p.add_argument("--alleles", required=True,
                   help="comma-separated, e.g. HLA-DRB1*15:01,HLA-DQA1*01:02-DQB1*06:02")
    p.add_argument("--peptides", required=True, type=Path,
                   help="file with one peptide (9-40 aa) per line")
    p.add_argument("--out", required=True, type=Path, help="output TSV (+ .json provenance)")
    p.add_argument("--model", type=Path, default=None, help="exported .npz (default: shipped)")
    p.set_defaults(handler=_predict)

    a = sub.add_parser("alleles", help="resolve class II names to molecules and pseudosequences")
    a.add_argument("names", nargs="+", help="names (DR beta chains, DQ/DP pairs or chains)")
    a.set_defaults(handler=_alleles)

    t = sub.add_parser("train", help="train the class II model (needs the 'train' extra)")
    t.add_argument("--out", required=True, type=Path, help="output folder")
    t.add_argument("--maptac", required=True, type=Path,
                   help="abelin_2019_maptac_class2.csv(.gz) from pirl-unc/hitlist")
    t.add_argument("--wheel", type=Path, help="mhcnuggets-2.4.1 wheel (default: pip download)")
    t.add_argument("--epochs", type=int, help="epochs (default: as the shipped model)")
    t.add_argument("--seed", type=int, help="random seed (default: as the shipped model)")
    t.add_argument("--threads", type=int, help="CPU threads")
    t.set_defaults(handler=_train)


def _predict(args: argparse.Namespace) -> int:
    import json

    from vaxmix.common.atomic import atomic_write
    from vaxmix.common.provenance import package_versions, sha256_file
    from vaxmix.mhc.classii.predictor import LENGTHS, predict
    from vaxmix.mhc.classii.typing import split_alleles
    from vaxmix.mhc.protocol import read_peptide_file

    peptides = read_peptide_file(args.peptides, LENGTHS, "class II peptide")
    alleles = split_alleles([a.strip() for a in args.alleles.split(",") if a.strip()])
    if alleles.class1:
        from vaxmix.common.errors import InputError

        raise InputError(f"{alleles.class1[0]!r} is not a class II molecule (use `vaxmix mhc "
                         "predict` for class I)", field="--alleles")  # fmt: skip
    frame = predict(peptides, alleles.class2, model=args.model)
    with atomic_write(args.out) as handle:
        frame.to_csv(handle, sep="\t", index=False, float_format="%.6g")
    provenance = {
        "schema": "vaxmix.mhc2-predictions/1",
        "inputs": {"peptides": {"path": str(args.peptides), "sha256": sha256_file(args.peptides)}},
        "parameters": {"alleles": alleles.class2, "model": str(args.model) if args.model else None},
        "model": frame["model"].iloc[0] if len(frame) else None,
        "note": "affinity_nm, percentile, presentation_score and core are model predictions",
        "rows": len(frame),
        "versions": package_versions(),
    }
    with atomic_write(args.out.with_name(args.out.name + ".json")) as handle:
        json.dump(provenance, handle, indent=2)
    print(f"wrote {len(frame)} class II predictions to {args.out}")
    return 0


def _alleles(args: argparse.Namespace) -> int:
    from vaxmix.mhc.classii.alleles import pseudosequence
    from vaxmix.mhc.classii.typing import split_alleles

    for molecule in split_alleles(list(args.names)).class2:
        print(f"{molecule}\t{pseudosequence(molecule)}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from vaxmix.mhc.classii.train import main

    argv = ["--out", str(args.out), "--maptac", str(args.maptac)]
    for flag in ("wheel", "epochs", "seed", "threads"):
        value = getattr(args, flag)
        if value is not None:
            argv += [f"--{flag}", str(value)]
    return main(argv)
