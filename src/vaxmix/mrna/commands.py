"""``vaxmix mrna``: design the mRNA of a protein (FASTA or the vaccine stage's construct.json)."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``mrna`` sub-command."""
    p = subparsers.add_parser(
        "mrna",
        help="design an mRNA (codons + structure + manufacturing constraints) for a protein",
        description=(
            "Design the full mRNA (5' UTR, Kozak, CDS, stop, 3' UTR, poly(A)) for a protein: "
            "codons and secondary structure are optimised together by a codon-lattice folding "
            "DP, then manufacturing constraints are enforced by local codon repair. Writes "
            "mrna.fasta, mrna.gb, qc.tsv and mrna.json. Defaults: BNT162b2 elements, "
            "Kazusa human codon table; see docs/mrna.md."
        ),
    )
    p.add_argument("--protein", required=True, metavar="FILE",
                   help="protein FASTA (one record, or use --record) or construct.json")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--record", help="FASTA record to use when the file holds several")
    p.add_argument("--name", help="name used in output headers (default: record id)")
    p.add_argument("--cai-weight", type=float, default=0.8, metavar="LAMBDA",
                   help="λ: kcal/mol per unit of -ln(w); higher favours CAI (default 0.8)")
    p.add_argument("--context", choices=("full", "cds"), default="full",
                   help="fold the CDS inside its UTRs (full, default) or alone (cds)")
    p.add_argument("--max-span", type=int, default=150,
                   help="largest base-pair span considered by the design DP (default 150)")
    p.add_argument("--max-loop", type=int, default=20,
                   help="largest interior loop in the design DP (default 20)")
    p.add_argument("--gc-min", type=float, default=0.35, help="GC lower limit (default 0.35)")
    p.add_argument("--gc-max", type=float, default=0.75, help="GC upper limit (default 0.75)")
    p.add_argument("--gc-window", type=int, default=50, help="GC window in nt (default 50)")
    p.add_argument("--no-gc-window", action="store_true",
                   help="check GC on the whole CDS only (no window limit)")
    p.add_argument("--repeat-k", type=int, default=20, help="forbid repeated k-mers (default 20)")
    p.add_argument("--sites", default=None, metavar="LIST",
                   help="forbidden sites, comma-separated NAME=SEQ (default BsaI,BsmBI,BbsI,"
                        "SapI,XbaI,NotI); 'none' for no sites")
    p.add_argument("--u-penalty", type=float, default=0.0,
                   help="uridine depletion: kcal/mol per U in the CDS (default 0 = off)")
    p.add_argument("--m1psi", action="store_true",
                   help="also report the full-mRNA MFE with every U as N1-methylpseudouridine")
    p.add_argument("--five-utr", help="5' UTR (RNA/DNA letters) replacing BNT162b2's")
    p.add_argument("--kozak", help="Kozak context before AUG (default GCCACC)")
    p.add_argument("--stop", help="stop codon(s) (default UGAUGA)")
    p.add_argument("--three-utr", help="3' UTR replacing BNT162b2's AES-mtRNR1")
    p.add_argument("--poly-a", help="poly(A) tail (default A30-GCAUAUGACU-A70)")
    p.add_argument("--seed", type=int, default=0, help="recorded seed (design is deterministic)")
    p.set_defaults(handler=_run)


def _parse_sites(text: str) -> dict[str, str]:
    from vaxmix.common.errors import ConfigError
    from vaxmix.mrna.constraints import DEFAULT_SITES

    if text.strip().lower() == "none":
        return {}
    sites = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            name, seq = item.split("=", 1)
        elif item in DEFAULT_SITES:
            name, seq = item, DEFAULT_SITES[item]
        else:
            raise ConfigError(f"site {item!r}: use NAME=SEQ or one of {sorted(DEFAULT_SITES)}",
                              field="--sites")
        seq = seq.strip().upper().replace("U", "T")
        if not seq or set(seq) - set("ACGT"):
            raise ConfigError(f"site {name}: sequence must be ACGT letters", field="--sites")
        sites[name.strip()] = seq
    return sites


def _rna(text: str | None, option: str) -> str | None:
    from vaxmix.common.errors import ConfigError

    if text is None:
        return None
    seq = text.strip().upper().replace("T", "U")
    if set(seq) - set("ACGU"):
        raise ConfigError("must contain only A, C, G, U/T", field=option)
    return seq


def _run(args: argparse.Namespace) -> int:
    import dataclasses
    import sys

    from vaxmix.common.errors import ConfigError
    from vaxmix.common.provenance import sha256_file
    from vaxmix.mrna.constraints import ConstraintConfig
    from vaxmix.mrna.design import design_mrna
    from vaxmix.mrna.inputs import read_protein_input
    from vaxmix.mrna.records import DesignConfig, default_elements
    from vaxmix.mrna.writers import write_design

    if not 0 <= args.gc_min < args.gc_max <= 1:
        raise ConfigError("need 0 <= --gc-min < --gc-max <= 1", field="--gc-min/--gc-max")
    if args.max_span < 4 or args.max_loop < 0 or args.repeat_k < 6:
        raise ConfigError("need --max-span >= 4, --max-loop >= 0, --repeat-k >= 6",
                          field="--max-span/--max-loop/--repeat-k")
    if args.cai_weight < 0:
        raise ConfigError("--cai-weight must be >= 0", field="--cai-weight")
    source = read_protein_input(args.protein, args.record)
    constraint_kwargs: dict = {"gc_min": args.gc_min, "gc_max": args.gc_max,
                               "gc_window": args.gc_window, "repeat_k": args.repeat_k}
    if args.no_gc_window:
        constraint_kwargs["gc_window"] = 10**9
    if args.sites is not None:
        constraint_kwargs["sites"] = _parse_sites(args.sites)
    elements = default_elements()
    replace = {}
    for option, attr in (("five_utr", "five_utr"), ("kozak", "kozak"), ("stop", "stop"),
                         ("three_utr", "three_utr"), ("poly_a", "poly_a")):
        value = _rna(getattr(args, option), f"--{option.replace('_', '-')}")
        if value is not None:
            replace[attr] = value
            elements.citations[attr] = "user-supplied on the command line"
    if replace:
        elements = dataclasses.replace(elements, **replace)
    config = DesignConfig(
        cai_weight=args.cai_weight,
        fold_context=args.context,
        max_span=args.max_span,
        max_loop=args.max_loop,
        u_penalty=args.u_penalty,
        m1psi=args.m1psi,
        seed=args.seed,
        constraints=ConstraintConfig(**constraint_kwargs),
        elements=elements,
    )
    design = design_mrna(source.protein, config, protein_elements=source.elements)
    name = args.name or source.name
    write_design(design, args.out, name=name,
                 inputs={str(args.protein): sha256_file(args.protein)})
    q = design.qc
    met = design.all_constraints_met
    print(
        f"{name}: {q['mrna_length_nt']} nt, CAI {q['cai']:.3f}, MFE full {q['mfe_mrna_d0']:.1f} "
        f"(d0) / {q['mfe_mrna_d2']:.1f} (d2) kcal/mol, CDS {q['mfe_cds_d0']:.1f} (d0); "
        f"translation {'verified' if q['translation_matches'] else 'MISMATCH'}; "
        f"constraints {'all met' if met else 'NOT all met, see qc.tsv'} -> {args.out}",
        file=sys.stderr,
    )
    return 0
