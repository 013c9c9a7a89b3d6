"""Long fuzz campaign over every input reader: per reader, cases / uncaught / hangs / silent.

Each case is a structure-aware mutation of one of the repository's own fixtures
(``tests/fuzz/fuzz_harness.py``), run in a worker process under a watchdog: a case past the reader's
time limit is a hang and the worker is killed and restarted. Uncaught = any exception other than
vaxmix's InputError (or an InputError whose message spans lines); silent = a mutation that must be
refused was accepted, an accepted result broke its value domain, or a meaning-preserving change
(byte-order mark, CRLF) changed the result.

    python benchmarks/fuzz_campaign.py --cases 2000 [--readers plate_grid,sdtm] [--seed 1]
        [--max-seconds 1800] [--findings fuzz-findings.jsonl]

``VAXMIX_FUZZ_SRC=/path/to/other/src`` fuzzes another version of the code (e.g. before a fix).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "fuzz"))
# the code under test: this checkout's src/ (VAXMIX_FUZZ_SRC=another/src to compare versions)
sys.path.insert(0, os.environ.get("VAXMIX_FUZZ_SRC", str(REPO / "src")))

from fuzz_harness import READERS, Runner, make_case  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases per reader")
    parser.add_argument("--readers", default=",".join(READERS), help="comma-separated names")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds per case (default: the reader's own limit)")
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="stop a reader after this many seconds (its cases so far count)")
    parser.add_argument("--findings", type=Path, default=None,
                        help="append every non-clean case (JSON lines) to this file")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.readers.split(",") if n.strip()]
    unknown = [n for n in names if n not in READERS]
    if unknown:
        parser.error(f"unknown reader(s): {', '.join(unknown)}; known: {', '.join(READERS)}")
    runner = Runner(names)
    rows = []
    findings = args.findings.open("a") if args.findings else None
    try:
        for name in names:
            reader = READERS[name]
            seeds = reader.seeds()
            rng = random.Random(f"{args.seed}:{name}")
            counts: collections.Counter[str] = collections.Counter()
            distinct: collections.Counter[str] = collections.Counter()
            started = time.perf_counter()
            done = 0
            for done in range(1, args.cases + 1):
                if args.max_seconds and time.perf_counter() - started > args.max_seconds:
                    done -= 1
                    break
                case = make_case(reader, seeds, rng)
                outcome = runner.run(name, case, args.timeout)
                counts[outcome.kind] += 1
                if outcome.kind in ("uncaught", "hang", "silent"):
                    distinct[f"{outcome.kind}: {outcome.detail[:160]}"] += 1
                    if findings:
                        findings.write(json.dumps({
                            "reader": name, "kind": outcome.kind, "detail": outcome.detail,
                            "case": case.describe(),
                            "files": {k: v[:20000].decode("utf-8", "replace")
                                      for k, v in case.files.items()},
                        }) + "\n")  # fmt: skip
            seconds = time.perf_counter() - started
            rows.append((name, done, counts["uncaught"], counts["hang"], counts["silent"],
                         counts["input_error"], counts["ok"], seconds))  # fmt: skip
            print(f"{name}: {done} cases in {seconds:.0f} s", file=sys.stderr, flush=True)
            for text, n in distinct.most_common(8):
                print(f"    {n:5d} x {text}", file=sys.stderr, flush=True)
    finally:
        runner.close()
        if findings:
            findings.close()
    print(f"{'reader':<18}{'cases':>7}{'uncaught':>10}{'hangs':>7}{'silent':>8}"
          f"{'InputError':>12}{'ok':>7}{'s':>7}")  # fmt: skip
    for name, cases, uncaught, hangs, silent, errors, ok, seconds in rows:
        print(f"{name:<18}{cases:>7}{uncaught:>10}{hangs:>7}{silent:>8}{errors:>12}{ok:>7}"
              f"{seconds:>7.0f}")  # fmt: skip
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    bad = sum(r[2] + r[3] + r[4] for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
