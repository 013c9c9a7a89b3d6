"""``vaxmix mhc`` sub-commands: predict, alleles, train, build-alleles, calibrate."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``vaxmix mhc ...`` to the top-level parser."""
    mhc = subparsers.add_parser(
        "mhc", help="MHC class I binding and presentation prediction (built-in model)"
    )
    sub = mhc.add_subparsers(dest="mhc_command", metavar="SUBCOMMAND", required=True)

    p = sub.add_parser("predict", help="predict every peptide x allele; write a TSV")
    p.add_argument("--alleles", required=True, help="comma-separated, e.g. HLA-A*02:01,B*07:02")
    p.add_argument("--peptides", required=True, type=Path, help="file with one peptide per line")
    p.add_argument("--out", required=True, type=Path, help="output TSV")
    p.add_argument("--model", type=Path, default=None, help="exported .npz (default: shipped)")
    p.set_defaults(handler=_predict)

    a = sub.add_parser("alleles", help="list alleles with a pseudosequence, or look one up")
    a.add_argument("names", nargs="*", help="allele names to resolve (default: list all)")
    a.set_defaults(handler=_alleles)

    t = sub.add_parser("train", help="train the ensemble with PyTorch (needs the 'train' extra)")
    t.add_argument("--mhcnuggets-wheel", type=Path, default=None,
                   help="mhcnuggets-2.4.1 wheel (default: download it with pip)")
    t.add_argument("--multiallelic", action="store_true",
                   help="add the cell-line ligands of the hitlist 2.0.40 wheel to the dataset "
                        "(downloaded with pip unless --hitlist-wheel is given); they train only "
                        "with --multiallelic-weight > 0 and serve `mhc_heldout.py --mode samples`")
    t.add_argument("--hitlist-wheel", type=Path, default=None,
                   help="hitlist-2.0.40 wheel (implies --multiallelic)")
    t.add_argument("--immunotype", action="store_true",
                   help="add the mono-allelic ligand table of the immunotype 1.0.5 wheel (MIT; "
                        "downloaded with pip unless --immunotype-wheel is given)")
    t.add_argument("--immunotype-wheel", type=Path, default=None,
                   help="immunotype-1.0.5 wheel (implies --immunotype)")
    t.add_argument("--multiallelic-weight", type=float, default=0.0,
                   help="weight of the multiple-instance cell-line ligand losses (default 0: "
                        "not used, see docs/mhc.md for why)")
    t.add_argument("--maptac-dir", type=Path, required=False, default=None,
                   help="folder with abelin_2019_maptac_class{1,2}.csv.gz")
    t.add_argument("--dataset", type=Path, default=None,
                   help="prebuilt training .npz (skips the wheel and MAPTAC inputs)")
    t.add_argument("--out", required=True, type=Path, help="output folder for the model")
    t.add_argument("--models", type=int, default=4, help="ensemble members (default 4)")
    t.add_argument("--epochs", type=int, default=20,
                   help="maximum epochs per member (default 20, as the shipped model)")
    t.add_argument("--seed", type=int, default=20260101)
    t.add_argument("--device", default="auto", help="auto, cpu or cuda")
    t.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    t.add_argument("--jobs", type=int, default=1,
                   help="train members in this many processes (CPU; same weights as 1 job)")
    t.add_argument("--version", default="1.0.0", help="model version recorded in the output")
    t.set_defaults(handler=_train)

    b = sub.add_parser("build-alleles",
                       help="rebuild the pseudosequence table from IPD-IMGT/HLA protein FASTAs")
    b.add_argument("--imgt-dir", required=True, type=Path, help="folder with A/B/C_prot.fasta")
    b.add_argument("--release", required=True, help="IPD-IMGT/HLA release, e.g. 3.58.0")
    b.add_argument("--out", required=True, type=Path)
    b.set_defaults(handler=_build_alleles)


def _predict(args: argparse.Namespace) -> int:
    import json

    from vaxmix.common.atomic import atomic_write
    from vaxmix.common.provenance import package_versions, sha256_file
    from vaxmix.mhc.predict import LENGTHS, predict
    from vaxmix.mhc.protocol import read_peptide_file

    peptides = read_peptide_file(args.peptides, LENGTHS)
    alleles = [a.strip() for a in args.alleles.split(",") if a.strip()]
    frame = predict(peptides, alleles, model=args.model)
    with atomic_write(args.out) as handle:
        frame.to_csv(handle, sep="\t", index=False, float_format="%.6g")
    provenance = {
        "schema": "vaxmix.mhc-predictions/1",
        "inputs": {"peptides": {"path": str(args.peptides),
                                "sha256": sha256_file(args.peptides)}},
        "parameters": {"alleles": alleles, "model": str(args.model) if args.model else None},
        "model": frame["model"].iloc[0] if len(frame) else None,
        "rows": len(frame),
        "versions": package_versions(),
    }
    with atomic_write(args.out.with_name(args.out.name + ".json")) as handle:
        json.dump(provenance, handle, indent=2)
    print(f"wrote {len(frame)} predictions to {args.out}")
    return 0


def _alleles(args: argparse.Namespace) -> int:
    from vaxmix.mhc.alleles import known_alleles, normalize_allele, pseudosequence_table

    if not args.names:
        for allele in known_alleles():
            print(allele)
        return 0
    table = pseudosequence_table()
    for name in args.names:
        allele = normalize_allele(name)
        print(f"{name}\t{allele}\t{table[allele]}")
    return 0


def _build_alleles(args: argparse.Namespace) -> int:
    from vaxmix.mhc.pseudosequences import build_table, write_table

    records = build_table(args.imgt_dir)
    write_table(records, args.out, args.release)
    print(f"wrote {len(records)} alleles to {args.out}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from vaxmix.mhc.training import log_progress
    from vaxmix.mhc.training.run import run_training

    log_progress()
    return run_training(args)
