"""``vaxmix trial`` sub-commands: analyze, recist, ci, boin, three-plus-three.

Top-level imports stay light (argparse); the analysis code is imported inside the handlers.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

__all__ = ["register"]


def _recist_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--evaluator", default="INVESTIGATOR",
                        help="TREVAL/RSEVAL to analyse (default INVESTIGATOR)")
    parser.add_argument("--sd-min-days", type=int, default=42,
                        help="minimum days from start for SD to count as best response (42)")
    parser.add_argument("--confirm-days", type=int, default=28,
                        help="minimum days between a CR/PR and its confirmation (28)")
    parser.add_argument("--irecist", action="store_true",
                        help="also derive iRECIST responses (iUPD/iCPD) and iBOR")
    parser.add_argument("--data-cut", help="data cut-off date YYYY-MM-DD (later data ignored)")
    parser.add_argument("--dor-basis", choices=("confirmed", "unconfirmed"), default="confirmed",
                        help="duration of response from confirmed (default) or any CR/PR")
    parser.add_argument("--skip-bad-subjects", action="store_true",
                        help="exclude subjects with invalid lesion data (listed in the report) "
                             "instead of stopping")
    parser.add_argument("--population", metavar="FLAG",
                        help="analyse only subjects with this ADSL flag = Y (ITTFL, FASFL, "
                             "SAFFL, RANDFL ...); default: every ADSL/DM subject")
    parser.add_argument("--highest-imputation", choices=("n", "D", "M"), default="D",
                        help="partial RSDTC dates: highest component that may be imputed, as "
                             "admiral (D: day only, the admiralonco template; M: month too; "
                             "n: none)")
    parser.add_argument("--date-imputation", choices=("first", "mid", "last"), default="last",
                        help="imputed day/month: first, mid or last (default last)")
    parser.add_argument("--unusable-dates", choices=("error", "exclude"), default="error",
                        help="a partial date the imputation rule cannot complete: stop "
                             "(default) or keep the record without ADT, not analysed, warned")
    parser.add_argument("--same-date", choices=("error", "worst"), default="error",
                        help="two different overall responses on one date: stop (default) or "
                             "take the worst (admiralonco ANL01FL)")
    parser.add_argument("--max-ne-between", type=int, default=1,
                        help="NE assessments allowed between a response and its confirmation")
    parser.add_argument("--accept-sd", action="store_true",
                        help="accept one SD between a PR and its confirmation")
    parser.add_argument("--missing-as-ne", action="store_true",
                        help="subjects without assessments get BOR NE instead of MISSING")
    parser.add_argument("--early-response-as-ne", action="store_true",
                        help="CR/PR before the SD window and unconfirmed count as NE "
                             "(derive_param_confirmed_bor) instead of MISSING (bor_ne event)")
    parser.add_argument("--clinben-values", default="CR,PR,SD,NON-CR/NON-PD",
                        help="responses that give clinical benefit after the SD window")
    parser.add_argument("--keep-after-pd", action="store_true",
                        help="use assessments after the first PD for BOR (ANL02FL not applied)")
    parser.add_argument("--pd-source", type=Path, metavar="TABLE",
                        help="separate progression dates (CSV/TSV/XPT with USUBJID, ADT; e.g. "
                             "clinical progression): assessments after a subject's earliest one "
                             "are left out of BOR and the response parameters (admiralonco's "
                             "pd_source)")
    parser.add_argument("--max-missed-days", type=int,
                        help="censor PFS/TTP at the last assessment when PD/death comes more "
                             "than this many days after it (missed visits)")
    parser.add_argument("--tte-start", action="append", default=[], metavar="PARAM=COLUMN",
                        help="start date per endpoint, e.g. OS=TRTSDT (default: the start "
                             "reference for OS, PFS, TTP, TTR)")
    parser.add_argument("--tte-endpoints", default="OS,PFS,RSD,TTP",
                        help="time-to-event parameters to derive (OS, PFS, RSD, CRSD, TTP, "
                             "TTR)")
    parser.add_argument("--dor-paramcd", default="RSD",
                        help="PARAMCD of duration of response (admiralonco template: RSD)")
    parser.add_argument("--plots", choices=("png", "svg", "none"), default="png")
    parser.add_argument("--out", required=True, type=Path, help="output folder (writes trial/)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``vaxmix trial ...``."""
    trial = subparsers.add_parser(
        "trial", help="trial analytics: RECIST 1.1, ORR/DCR/DOR/PFS, safety, immune response",
        description="Turn SDTM/ADaM/lesion data into an honest Phase I endpoints report.")
    sub = trial.add_subparsers(dest="trial_command", metavar="SUBCOMMAND")
    trial.set_defaults(handler=lambda args: (trial.print_help(), 2)[1])

    analyze = sub.add_parser("analyze", help="full analysis of SDTM/ADaM folders")
    analyze.add_argument("--sdtm", type=Path, help="folder of SDTM domains (CSV or XPT)")
    analyze.add_argument("--adam", type=Path, help="folder of ADaM datasets (ADSL, ADAE, ...)")
    analyze.add_argument("--lesions", type=Path, help="minimal lesion CSV instead of TU/TR")
    analyze.add_argument("--elispot", type=Path, help="ELISpot wells CSV")
    analyze.add_argument("--titers", type=Path,
                         help="neutralising-antibody titres CSV (subject, virus, timepoint, "
                              "titer)")
    analyze.add_argument("--elispot-rule", choices=("dfr_eq", "dfr_2x", "empirical"),
                         default="dfr_eq")
    analyze.add_argument("--ctcae-version", choices=("5.0", "6.0"), default="5.0",
                         help="CTCAE version the recorded AE grades follow (default 5.0)")
    analyze.add_argument("--boin-target", type=float, default=0.30,
                         help="target DLT rate for the BOIN decision per dose level (0.30)")
    analyze.add_argument("--start-ref", choices=("auto", "RANDDT", "TRTSDT"), default="auto")
    analyze.add_argument("--claim", action="append", default=[], metavar="LABEL=X/N",
                         help="a stated immune-response rate to show in context, e.g. "
                              "'Any immune response (as claimed)=48/48'")
    _recist_options(analyze)
    analyze.set_defaults(handler=_analyze)

    recist = sub.add_parser("recist", help="RECIST 1.1 responses from a minimal lesion CSV")
    recist.add_argument("--lesions", type=Path, required=True,
                        help="CSV: subject, assessment_date, lesion_id, role, measurement_mm "
                             "[, visit, organ, is_node, state, evaluator]")
    _recist_options(recist)
    recist.set_defaults(handler=_recist)

    demo = sub.add_parser("demo", help="run the analysis on bundled synthetic data, with a "
                                       "'48/48 immune response' claim put in context")
    demo.add_argument("--out", required=True, type=Path)
    demo.set_defaults(handler=_demo)

    ci = sub.add_parser("ci", help="exact and Wilson intervals for x/n")
    ci.add_argument("x", type=int)
    ci.add_argument("n", type=int)
    ci.add_argument("--level", type=float, default=0.95)
    ci.set_defaults(handler=_ci)

    boin = sub.add_parser("boin", help="BOIN boundaries and decision table (Liu & Yuan 2015)")
    boin.add_argument("--target", type=float, default=0.30)
    boin.add_argument("--max-n", type=int, default=12)
    boin.set_defaults(handler=_boin)

    tpt = sub.add_parser("three-plus-three", help="3+3 decision from cohort outcomes")
    tpt.add_argument("outcomes", help="e.g. '1NNN 2NNN 3NNT 3NTN' (T = DLT)")
    tpt.add_argument("--num-doses", type=int, required=True)
    tpt.set_defaults(handler=_tpt)


def _options(args: argparse.Namespace):
    from vaxmix.common.errors import InputError
    from vaxmix.trial.analyze import AnalysisOptions
    from vaxmix.trial.dates import DateRules
    from vaxmix.trial.recist import RecistConfig
    from vaxmix.trial.report import Claim

    claims = []
    for text in getattr(args, "claim", []):
        match = re.fullmatch(r"(.+)=(\d+)/(\d+)", text.strip())
        if not match or int(match.group(2)) > int(match.group(3)) or int(match.group(3)) == 0:
            raise InputError(f"bad claim {text!r}: expected LABEL=X/N with 0 <= X <= N, N > 0",
                             field="--claim")
        claims.append(Claim(match.group(1).strip(), int(match.group(2)), int(match.group(3))))
    if not 0 < getattr(args, "boin_target", 0.30) < 1:
        raise InputError("BOIN target must be between 0 and 1", field="--boin-target")
    if args.data_cut and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.data_cut):
        raise InputError("data cut must be YYYY-MM-DD", field="--data-cut")
    return AnalysisOptions(
        evaluator=args.evaluator,
        start_ref=getattr(args, "start_ref", "auto"),
        recist=RecistConfig(sd_min_days=args.sd_min_days, confirm_days=args.confirm_days,
                            max_ne_between=args.max_ne_between),
        population=args.population,
        date_rules=DateRules(args.highest_imputation, args.date_imputation),
        unusable_dates=args.unusable_dates, same_date=args.same_date,
        accept_sd=args.accept_sd, missing_as_ne=args.missing_as_ne,
        early_response_as_ne=args.early_response_as_ne,
        clinben_values=tuple(v.strip().upper() for v in args.clinben_values.split(",")
                             if v.strip()),
        keep_after_pd=args.keep_after_pd, max_missed_days=args.max_missed_days,
        pd_source=str(args.pd_source) if getattr(args, "pd_source", None) else None,
        tte_start=_tte_start(args.tte_start), dor_paramcd=args.dor_paramcd.upper(),
        tte_endpoints=_tte_endpoints(args.tte_endpoints),
        irecist=args.irecist, data_cut=args.data_cut, dor_basis=args.dor_basis,
        skip_bad_subjects=args.skip_bad_subjects, claims=claims,
        elispot_rule=getattr(args, "elispot_rule", "dfr_eq"),
        ctcae_version=getattr(args, "ctcae_version", "5.0"),
        boin_target=getattr(args, "boin_target", 0.30),
    )


def _tte_start(items: list[str]) -> dict[str, str]:
    from vaxmix.common.errors import InputError

    out = {}
    for item in items:
        match = re.fullmatch(r"\s*(OS|PFS|TTP|TTR)\s*=\s*(RANDDT|TRTSDT)\s*", item.upper())
        if not match:
            raise InputError(f"bad --tte-start {item!r}: expected e.g. OS=TRTSDT (OS, PFS, TTP "
                             "or TTR = RANDDT or TRTSDT)", field="--tte-start")
        out[match.group(1)] = match.group(2)
    return out


def _tte_endpoints(text: str) -> tuple[str, ...]:
    from vaxmix.common.errors import InputError

    names = tuple(v.strip().upper() for v in text.split(",") if v.strip())
    unknown = [n for n in names if n not in ("OS", "PFS", "RSD", "CRSD", "DOR", "TTP", "TTR")]
    if unknown or not names:
        raise InputError(f"unknown time-to-event parameter(s) {', '.join(unknown)}; use OS, "
                         "PFS, RSD, TTP, TTR", field="--tte-endpoints")
    return names


def _summarise(results, folder: Path) -> None:  # noqa: ANN001
    for endpoint in results.report["endpoints"]:
        print(f"{endpoint['label']}: {endpoint['text']}")
    for surv in results.report["survival"]:
        median = surv["median_days"]
        print(f"{surv['label']}: n={surv['n']}, events={surv['events']}, median "
              f"{'NR' if median is None else f'{median:.0f} days'}")
    for warning in results.report["warnings"]:
        print(f"warning: {warning['message']}", file=sys.stderr)
    for warning in results.report["provenance"].get("data_warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"wrote {folder}")


def _analyze(args: argparse.Namespace) -> int:
    from vaxmix.common.errors import InputError
    from vaxmix.trial.analyze import analyze_trial, write_outputs

    if all(v is None for v in (args.sdtm, args.adam, args.lesions, args.elispot, args.titers)):
        raise InputError("give --sdtm, --adam, --lesions, --elispot or --titers",
                         field="--sdtm")
    results = analyze_trial(args.sdtm, args.adam, args.lesions, args.elispot, _options(args),
                            titers_csv=args.titers)
    folder = write_outputs(results, args.out, args.plots, plots=args.plots != "none")
    _summarise(results, folder)
    return 0


def _recist(args: argparse.Namespace) -> int:
    from vaxmix.trial.analyze import analyze_trial, write_outputs

    results = analyze_trial(lesions_csv=args.lesions, options=_options(args))
    folder = write_outputs(results, args.out, args.plots, plots=args.plots != "none")
    _summarise(results, folder)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from importlib import resources

    from vaxmix.trial.analyze import AnalysisOptions, analyze_trial, write_outputs
    from vaxmix.trial.report import Claim

    data = resources.files("vaxmix.trial") / "data"
    with resources.as_file(data) as folder:
        options = AnalysisOptions(claims=[Claim("Any immune response (as claimed)", 48, 48)],
                                  irecist=True)
        results = analyze_trial(lesions_csv=folder / "lesions_example.csv",
                                elispot_csv=folder / "elispot_example.csv",
                                titers_csv=folder / "titers_example.csv", options=options)
        results.report["notes"].insert(0, "Synthetic demonstration data: no patients.")
        out = write_outputs(results, args.out, "png")
    _summarise(results, out)
    return 0


def _ci(args: argparse.Namespace) -> int:
    from vaxmix.common.errors import InputError
    from vaxmix.trial.stats import proportion

    if args.n <= 0 or not 0 <= args.x <= args.n:
        raise InputError("need 0 <= x <= n and n > 0", field="x")
    rate = proportion(args.x, args.n, args.level)
    print(rate.text())
    print(f"Wilson {100 * rate.level:.0f}% CI {100 * rate.wilson_lower:.1f}–"
          f"{100 * rate.wilson_upper:.1f}%")
    return 0


def _boin(args: argparse.Namespace) -> int:
    from vaxmix.common.errors import InputError
    from vaxmix.trial.dose_finding import boin_boundaries, boin_decision_table

    if not 0 < args.target < 1:
        raise InputError("target must be between 0 and 1", field="--target")
    bounds = boin_boundaries(args.target)
    print(f"target {bounds.target:g}: lambda_e = {bounds.lambda_e:.4f}, "
          f"lambda_d = {bounds.lambda_d:.4f} (phi1 {bounds.phi1:.3f}, phi2 {bounds.phi2:.3f})")
    print(boin_decision_table(bounds, args.max_n).to_string(index=False))
    return 0


def _tpt(args: argparse.Namespace) -> int:
    from vaxmix.common.errors import InputError
    from vaxmix.trial.dose_finding import three_plus_three

    try:
        result = three_plus_three(args.outcomes, args.num_doses)
    except ValueError as exc:
        raise InputError(str(exc), field="outcomes") from exc
    print(result.table.to_string(index=False))
    print(f"recommended dose: {result.recommended_dose}; next dose: {result.next_dose}; "
          f"stop: {result.stop}; {result.reason}")
    return 0
