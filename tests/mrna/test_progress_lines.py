"""The mRNA design's last long phase (codon repair, start-region folds, QC folds) prints progress
lines with elapsed time when stage lines are on (issue 16 item 8), and nothing under
``VAXMIX_QUIET=1``; same rules as :mod:`vaxmix.common.progress` (tests/common/test_progress.py).
"""

from __future__ import annotations

import re

import pytest

from vaxmix.common import progress as prog
from vaxmix.mrna.design import DesignConfig, design_mrna

LINE = re.compile(r"^vaxmix \[\s*\d+\.\d s\] ")
FAST = DesignConfig(fold_context="cds", max_span=40, max_loop=12, gc_rounds=2)
# Poly-K and poly-F runs: the DP picks AAA / UUU codons that make homopolymer and GC-window
# violations for the repair to fix.
PROTEIN = "MKKKKKKKKFFFFFFFFGGGGGGGGSLLEEKKKKKKKKW"


@pytest.fixture(autouse=True)
def _reset(monkeypatch):
    monkeypatch.delenv("VAXMIX_QUIET", raising=False)
    yield
    prog.enable_stage_lines(False)


def _elapsed(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, text
    return float(found.group(1))


def test_repair_and_qc_steps_print_lines_with_elapsed_time(capsys, monkeypatch) -> None:
    from vaxmix.mrna import repair

    monkeypatch.setattr(repair, "_NOTE_EVERY_S", 0.0)  # a line after every swap, as if slow
    prog.enable_stage_lines()
    design = design_mrna(PROTEIN, FAST)
    err = capsys.readouterr().err.splitlines()
    assert err and all(LINE.match(line) for line in err), err
    text = "\n".join(line.split("] ", 1)[1] for line in err)
    steps = ["mRNA design DP: ", "mRNA codon repair: ", "mRNA codon repair: done in",
             "mRNA start region: fold 1:", "mRNA start region: done in", "mRNA QC: ",
             "mRNA QC: folds done in"]  # fmt: skip
    positions = [text.index(step) for step in steps]
    assert positions == sorted(positions), text  # in the order the design runs them
    swaps = re.search(r"mRNA codon repair: done in \d+\.\d s, (\d+) swap", text)
    assert swaps and int(swaps.group(1)) == design.qc["repair_swaps"]
    during = re.findall(r"mRNA codon repair: (\d+) swap\(s\), \d+ violation", text)
    assert [int(n) for n in during] == list(range(1, design.qc["repair_swaps"] + 1))
    kept = re.search(r"mRNA start region: done in \d+\.\d s, (\d+) swap", text)
    assert kept and int(kept.group(1)) == design.qc["start_region_swaps"]
    # The full-mRNA d2 fold of the chosen states was made by the start-region step: reused.
    assert re.search(r"mRNA QC: 3 ViennaRNA MFE fold\(s\) .*; 1 reused\)", text), text
    folds = re.findall(r"mRNA QC: fold (\d)/3 \((.+?)\) done", text)
    assert [n for n, _ in folds] == ["1", "2", "3"]
    assert sorted(w for _, w in folds) == ["CDS dangles=0", "CDS dangles=2", "mRNA dangles=0"]
    total = design.timings["total_s"]
    for pattern in (r"codon repair: done in (\d+\.\d) s", r"start region: done in (\d+\.\d) s",
                    r"QC: folds done in (\d+\.\d) s"):  # fmt: skip
        assert 0.0 <= _elapsed(pattern, text) <= total + 0.05


def test_silent_under_vaxmix_quiet_and_when_not_enabled(capsys, monkeypatch) -> None:
    design_mrna(PROTEIN, FAST)
    assert capsys.readouterr().err == ""  # piped, lines not turned on: nothing
    monkeypatch.setenv("VAXMIX_QUIET", "1")
    prog.enable_stage_lines()
    design_mrna(PROTEIN, FAST)
    assert capsys.readouterr().err == ""
