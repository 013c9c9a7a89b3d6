from pathlib import Path

import pytest

from vaxmix.common.atomic import atomic_write, staged_output
from vaxmix.common.errors import InputError


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path):
    target = tmp_path / "table.tsv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(target) as handle:
        handle.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.tsv"]


def test_staged_output_leaves_nothing_on_failure(tmp_path: Path):
    out = tmp_path / "run"
    with pytest.raises(ValueError), staged_output(out) as stage:
        (stage / "all_epitopes.tsv").write_text("x")
        raise ValueError("bad input")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_staged_output_moves_files_on_success(tmp_path: Path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("earlier")
    with staged_output(out) as stage:
        (stage / "a.tsv").write_text("a")
        (stage / "sub").mkdir()
        (stage / "sub" / "b.txt").write_text("b")
    assert (out / "a.tsv").read_text() == "a"
    assert (out / "sub" / "b.txt").read_text() == "b"
    assert (out / "keep.txt").read_text() == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_input_error_names_file_line_field():
    err = InputError("not a number: 'abc'", path="x.vcf", line=12, field="FORMAT/AF")
    assert str(err) == "x.vcf, line 12, field FORMAT/AF: not a number: 'abc'"
