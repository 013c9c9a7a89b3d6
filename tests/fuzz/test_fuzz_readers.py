"""Bounded structure-aware fuzzing of every input reader (hypothesis; the long run is
``benchmarks/fuzz_campaign.py``).

Contract, per case: the reader returns a valid result or raises InputError with a one-line
message; never another exception, never past the reader's time limit (the case runs in a worker
process that the watchdog kills), and never a silent misread (fuzz_harness: ragged rows, an
extra unlabeled column, a header one field short, NaN/inf/negative values must be refused; a
byte-order mark or CRLF must not change the result; accepted values stay in their domain).

Examples per reader default to a CI budget (the whole folder in about two minutes on two cores);
``VAXMIX_FUZZ_SCALE=10`` runs ten times as many. Cases are derandomized, so a CI failure
reproduces; the failing case's seed and mutations are in the assertion message.
"""

from __future__ import annotations

import os

import pytest
from fuzz_harness import READERS, make_case
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

SCALE = float(os.environ.get("VAXMIX_FUZZ_SCALE", "1"))
#: (examples, per-case time limit in s) per reader; slow readers get fewer examples
BUDGET = {
    "expression_tsv": (120, 10.0),
    "virus_expression": (100, 10.0),
    "plate_grid": (120, 10.0),
    "plate_layout": (100, 10.0),
    "tidy_plate": (120, 10.0),
    "peptide_fasta": (120, 10.0),
    "mrna_fasta": (120, 10.0),
    "vcf": (100, 10.0),
    "vcf_gz": (80, 10.0),
    "hla": (40, 10.0),  # the same headroom as the others on a loaded CI machine
    "sdtm": (12, 30.0),
}
#: Readers another issue owns whose bounded fuzz run fails today (see /work/notes/fuzz-findings.md
#: of issue 15); their tests tolerate it until those fixes land. The SDTM run (12 derandomized
#: cases) passes today, so it is not marked, although the campaign finds SDTM crashes.
PENDING: dict[str, str] = {}  # readers whose known failures are still open (none now)


def _fuzz(name: str):
    examples, limit = BUDGET[name]
    reader = READERS[name]
    seeds = reader.seeds()

    @settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time in CI
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(rng=st.randoms(use_true_random=False))
    def check(runner, rng):
        case = make_case(reader, seeds, rng)
        outcome = runner.run(name, case, limit)
        assert outcome.kind in ("ok", "input_error"), (
            f"{name}: {outcome.kind}: {outcome.detail} ({case.describe()})"
        )

    marks = [pytest.mark.xfail(reason=PENDING[name], strict=False)] if name in PENDING else []
    return pytest.param(check, id=name, marks=marks)


@pytest.mark.parametrize("check", [_fuzz(name) for name in READERS])
def test_reader_contract(check, runner):
    check(runner)
