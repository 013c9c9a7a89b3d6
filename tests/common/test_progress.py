"""Progress lines: one per stage with elapsed time, printed also when stderr is a pipe."""

from __future__ import annotations

import re
import time

import pytest

from vaxmix.cli import main
from vaxmix.common import progress as prog

LINE = re.compile(r"^vaxmix \[\s*\d+\.\d s\] ")


@pytest.fixture(autouse=True)
def _reset(monkeypatch):
    monkeypatch.delenv("VAXMIX_QUIET", raising=False)
    yield
    prog.enable_stage_lines(False)


def test_stage_lines_when_enabled_and_not_a_terminal(capsys) -> None:
    prog.enable_stage_lines()
    with prog.stage("folding"):
        time.sleep(0.2)
    for _ in prog.progress(range(3), desc="rounds"):
        pass
    err = capsys.readouterr().err.splitlines()
    assert all(LINE.match(line) for line in err), err
    assert err[0].endswith("folding ...")
    done = float(re.search(r"folding: done in (\d+\.\d) s", err[1]).group(1))
    assert 0.2 <= done < 5.0  # the sleep, timed
    assert [line.split("] ")[1].split(" (")[0] for line in err[2:]] == [
        "  rounds: 1/3", "  rounds: 2/3", "  rounds: 3/3"]


def test_silent_by_default_when_piped_and_under_vaxmix_quiet(capsys, monkeypatch) -> None:
    with prog.stage("quiet"):
        pass
    list(prog.progress(range(2), desc="x"))
    assert capsys.readouterr().err == ""  # `vaxmix run` piped: one-line errors stay one line
    monkeypatch.setenv("VAXMIX_QUIET", "1")
    prog.enable_stage_lines()
    with prog.stage("quiet"):
        pass
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_demo_reports_each_stage_when_piped(tmp_path, capsys) -> None:
    assert main(["demo", "--core-only", "--out", str(tmp_path / "demo")]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if LINE.match(line)]
    text = "\n".join(lines)
    for step in ("reading hcc1395_subset.vcf.gz", "class I: 2638 peptides predicted",
                 "class II:", "tables and run.json written"):
        assert step in text, err
    assert re.search(r"read 112 variant transcripts in \d+\.\d s", text)
    assert not prog._state["forced"]  # the demo turned its lines off again
