"""Bad-input corpus: every case exits with code 2, prints one message naming the file, line or
field at fault, and leaves no output (not even a partial folder)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from vaxmix.cli import main
from vaxmix.pipeline.demo import example_patient_files


@pytest.fixture(scope="module")
def example_text() -> str:
    with example_patient_files() as (vcf, _):
        return gzip.open(vcf, "rt").read()


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _first_record_af_to(text: str, value: str) -> str:
    """Replace the tumor sample's AF value of the first record (FORMAT order is read)."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("#"):
            continue
        cols = line.rstrip("\n").split("\t")
        keys = cols[8].split(":")
        values = cols[10].split(":")
        values[keys.index("AF")] = value
        cols[10] = ":".join(values)
        lines[i] = "\t".join(cols) + "\n"
        return "".join(lines), i + 1
    raise AssertionError("no record")


def _cases(tmp: Path, text: str) -> dict[str, tuple[list[str], str]]:
    """name → (command-line arguments, regex the message must match)."""
    with example_patient_files() as (vcf, _):
        raw = vcf.read_bytes()
    truncated = tmp / "truncated.vcf.gz"
    truncated.write_bytes(raw[: len(raw) // 2])
    no_csq_lines = [
        re.sub(r"CSQ=[^;\t]*;?", "", line) if not line.startswith("#") else line
        for line in text.splitlines(keepends=True)
        if not line.startswith("##INFO=<ID=CSQ")
    ]
    no_csq = _write(tmp / "no_csq.vcf", "".join(no_csq_lines))
    no_wt = _write(tmp / "no_wildtype.vcf", text.replace("|WildtypeProtein|", "|", 1))
    empty = _write(tmp / "empty.vcf", "")
    bad_af_text, bad_line = _first_record_af_to(text, "abc")
    bad_af = _write(tmp / "bad_af.vcf", bad_af_text)
    good = _write(tmp / "good.vcf", text)
    alleles = ["--alleles", "HLA-A*29:02"]
    return {
        "truncated gzip": ([str(truncated), "--sample", "HCC1395_TUMOR_DNA", *alleles],
                           r"truncated\.vcf\.gz(, line \d+)?: .*(truncated|corrupt)"),
        "no CSQ": ([str(no_csq), "--sample", "HCC1395_TUMOR_DNA", *alleles],
                   r"no_csq\.vcf, field INFO/CSQ: .*VEP"),
        "CSQ without WildtypeProtein": (
            [str(no_wt), "--sample", "HCC1395_TUMOR_DNA", *alleles],
            r"no_wildtype\.vcf, field INFO/CSQ/WildtypeProtein: .*Wildtype plugin"),
        "unknown sample": ([str(good), "--sample", "TUMOR", *alleles],
                           r"good\.vcf, field #CHROM header: .*HCC1395_NORMAL_DNA, "
                           r"HCC1395_TUMOR_DNA"),
        "ambiguous sample": ([str(good), *alleles],
                             r"good\.vcf, field #CHROM header: .*2 samples.*--sample"),
        "malformed allele": ([str(good), "--sample", "HCC1395_TUMOR_DNA", "--alleles",
                              "HLA-A*29:02,HLA-Q*99:01"], r"field --alleles: .*HLA-Q\*99:01"),
        "empty VCF": ([str(empty), "--sample", "HCC1395_TUMOR_DNA", *alleles],
                      r"empty\.vcf: .*empty"),
        "non-numeric VAF": ([str(bad_af), "--sample", "HCC1395_TUMOR_DNA", *alleles],
                            rf"bad_af\.vcf, line {bad_line}, field FORMAT/AF: .*'abc'"),
        "bad lengths": ([str(good), "--sample", "HCC1395_TUMOR_DNA", *alleles, "--lengths",
                         "8,x"], r"field --lengths"),
    }  # fmt: skip


def test_bad_inputs_exit_2_with_one_located_message(tmp_path, example_text, capsys):
    cases = _cases(tmp_path, example_text)
    for name, (args, pattern) in cases.items():
        out = tmp_path / f"out_{name.replace(' ', '_')}"
        code = main(["run", *args, "--out", str(out)])
        captured = capsys.readouterr()
        message = captured.err.strip()
        assert code == 2, f"{name}: exit {code}, {message}"
        assert message.startswith("vaxmix: error: "), name
        assert len(message.splitlines()) == 1, f"{name}: {message}"
        assert "Traceback" not in captured.err
        assert re.search(pattern, message), f"{name}: {message}"
        assert not out.exists(), f"{name}: output folder left behind"
    leftovers = [p.name for p in tmp_path.iterdir() if ".stage-" in p.name]
    assert leftovers == []
