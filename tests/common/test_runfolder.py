"""Run-folder ownership and the completion marker (vaxmix.common.runfolder)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from vaxmix.common.atomic import replace_folder
from vaxmix.common.errors import InputError
from vaxmix.common.runfolder import (
    MARKER,
    begin_design,
    check_out_folder,
    copy_run,
    finish_design,
    require_complete,
    run_folder_stage,
)


def _run(out: Path, parts: tuple[str, ...] = (), overwrite: bool = False) -> Path:
    """A minimal finished run: run.json, a table and the given sub-folders."""
    with run_folder_stage(out, overwrite) as stage:
        (stage / "run.json").write_text(json.dumps({"schema": "vaxmix.run/1"}))
        (stage / "aggregated.tsv").write_text("ID\n")
        for part in parts:
            (stage / part).mkdir()
            (stage / part / "aggregated.tsv").write_text("ID\n")
    return out


def test_new_and_empty_folders_are_accepted(tmp_path: Path) -> None:
    check_out_folder(tmp_path / "new", overwrite=False)
    (tmp_path / "empty").mkdir()
    run = _run(tmp_path / "empty", ("MHC_Class_II",))
    marker = require_complete(run)
    assert marker["parts"] == ["MHC_Class_II"] and marker["schema"] == "vaxmix.complete/1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]  # no stage left behind
    # an ordinary folder's permissions, not mkdtemp's 0700
    assert stat.S_IMODE(run.stat().st_mode) == 0o777 & ~_umask()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_folder_with_other_files_is_refused_even_with_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    for overwrite in (False, True):
        with pytest.raises(InputError, match="not a vaxmix run folder") as info:
            _run(out, overwrite=overwrite)
        assert info.value.field == "--out"
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_a_previous_run_is_refused_without_overwrite_and_replaced_whole_with_it(
    tmp_path: Path,
) -> None:
    out = _run(tmp_path / "run", ("MHC_Class_II", "combined"))
    (out / "report.html").write_text("old report")
    with pytest.raises(InputError, match="--overwrite"):
        _run(out)
    assert (out / "MHC_Class_II").is_dir()  # refused: untouched
    _run(out, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["aggregated.tsv", MARKER, "run.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_failed_run_leaves_the_previous_run_as_it_was(tmp_path: Path) -> None:
    out = _run(tmp_path / "run", ("combined",))
    with pytest.raises(RuntimeError), run_folder_stage(out, overwrite=True) as stage:
        (stage / "run.json").write_text("{}")
        raise RuntimeError("killed")
    assert require_complete(out)["parts"] == ["combined"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_readers_refuse_a_folder_without_the_marker(tmp_path: Path) -> None:
    out = _run(tmp_path / "run")
    (out / MARKER).unlink()  # as a run killed before its last write leaves it
    with pytest.raises(InputError, match=f"incomplete vaxmix run folder: {MARKER} is missing"):
        require_complete(out)
    (out / MARKER).write_text("{trunc")
    with pytest.raises(InputError, match="is unreadable"):
        require_complete(out)


def test_a_part_the_marker_does_not_list_is_refused(tmp_path: Path) -> None:
    out = _run(tmp_path / "run")
    (out / "vaccine").mkdir()
    with pytest.raises(InputError, match="vaccine/ not part of the completed run"):
        require_complete(out)


def test_a_design_replaces_the_previous_design_and_lists_its_parts_last(tmp_path: Path) -> None:
    out = _run(tmp_path / "run")
    for part in ("vaccine", "mrna", "virus"):
        (out / part).mkdir()
        (out / part / "old.txt").write_text("old design")
    (out / "report.html").write_text("old")
    finish_design(out)
    assert require_complete(out)["parts"] == ["mrna", "vaccine", "virus"]
    begin_design(out)  # the old design's parts are unlisted, then gone
    assert not any((out / p).exists() for p in ("vaccine", "mrna", "virus", "report.html"))
    assert require_complete(out)["parts"] == []
    (out / "vaccine").mkdir()  # written, then the design is killed before finish_design
    with pytest.raises(InputError, match="interrupted `vaxmix design`"):
        require_complete(out)
    finish_design(out)
    assert require_complete(out)["parts"] == ["vaccine"]


def test_copy_run_obeys_the_same_rules(tmp_path: Path) -> None:
    source = _run(tmp_path / "run", ("MHC_Class_II",))
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("x")
    with pytest.raises(InputError, match="not a vaxmix run folder"):
        copy_run(source, other, overwrite=True)
    copy = copy_run(source, tmp_path / "copy", overwrite=False)
    assert require_complete(copy)["parts"] == ["MHC_Class_II"]
    (source / MARKER).unlink()
    with pytest.raises(InputError, match="incomplete"):
        copy_run(source, tmp_path / "copy2", overwrite=False)


def test_replace_folder_keeps_no_old_file(tmp_path: Path) -> None:
    target = tmp_path / "vaccine"
    target.mkdir()
    (target / "stale.tsv").write_text("old")
    with replace_folder(target) as stage:
        (stage / "selection.tsv").write_text("new")
    assert [p.name for p in target.iterdir()] == ["selection.tsv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vaccine"]


def test_a_half_filled_folder_is_an_unfinished_run_that_overwrite_replaces(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()  # what a kill while filling an empty --out leaves: run.json first, no marker
    (out / "run.json").write_text(json.dumps({"schema": "vaxmix.run/1"}))
    (out / "variants.tsv").write_text("half")
    with pytest.raises(InputError, match="incomplete"):
        require_complete(out)
    with pytest.raises(InputError, match="--overwrite"):
        check_out_folder(out, overwrite=False)
    _run(out, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["aggregated.tsv", MARKER, "run.json"]
