"""A vaxmix run owns its output folder; a completion marker, written last, says it is whole.

Rules (docs/pipeline.md, "The run folder"):

* ``vaxmix run``/``design``/``demo --out DIR`` write into DIR only when it is new, empty, or
  holds a previous vaxmix run. A non-empty folder that is not a vaxmix run is refused (exit 2),
  with or without ``--overwrite``: vaxmix never deletes files it did not write.
* A previous vaxmix run in DIR is refused unless ``--overwrite`` is given; then the new run
  replaces it *as a whole*: the new run is written into a hidden sibling folder and swapped in
  by two renames (:func:`vaxmix.common.atomic.swap_in`), so no file of the old run
  (``MHC_Class_II/``, ``combined/``, ``vaccine/``, ``report.html``, ...) survives, and a
  killed run leaves the old folder, or none, never a mixture.
* :data:`MARKER` (``run.complete.json``) is the last file written into a finished run. Every
  reader of a run folder (the report, ``registry import``, ``design --run-dir``) calls
  :func:`require_complete`, which refuses a folder without it, and a folder holding a part
  (``vaccine/``, ``mrna/``, ``virus/``, ``MHC_Class_II/``, ``combined/``) that the marker does not
  list: such a part was left by an interrupted ``vaxmix design`` or put there by hand.
* ``vaxmix design`` on a finished run first removes the previous design's parts and unlists them
  (:func:`begin_design`), writes the new parts, then lists them (:func:`finish_design`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vaxmix.common.atomic import atomic_write, make_stage, swap_in
from vaxmix.common.errors import InputError

__all__ = [
    "CLASS1_FOLDER",
    "CLASS2_FOLDER",
    "COMBINED_FOLDER",
    "DESIGN_PARTS",
    "FUSION_CLASS_FOLDERS",
    "FUSION_FOLDER",
    "MARKER",
    "MRNA_FOLDER",
    "PARTS",
    "REPORT_FILE",
    "RUN_JSON",
    "RUN_PARTS",
    "TABLE_STEMS",
    "VACCINE_FOLDER",
    "VIRUS_FOLDER",
    "RunFolder",
    "begin_design",
    "check_out_folder",
    "copy_run",
    "finish_design",
    "is_vaxmix_run",
    "require_complete",
    "run_folder_stage",
    "write_marker",
]

MARKER = "run.complete.json"
SCHEMA = "vaxmix.complete/1"
RUN_JSON = "run.json"
#: The tables of one MHC class, in the class's folder (``NAME.tsv`` + ``NAME.parquet``);
#: ``variants`` is written once, at the top of the run folder.
TABLE_STEMS = ("variants", "all_epitopes", "filtered", "aggregated")
#: pVACseq's folder names: class I (only inside ``fusions/``; vaxmix's class I SNV/indel tables
#: sit at the top of the run folder), class II, both classes together, and gene fusions.
CLASS1_FOLDER = "MHC_Class_I"
CLASS2_FOLDER = "MHC_Class_II"
COMBINED_FOLDER = "combined"
FUSION_FOLDER = "fusions"
FUSION_CLASS_FOLDERS = (CLASS1_FOLDER, CLASS2_FOLDER)
VACCINE_FOLDER = "vaccine"
MRNA_FOLDER = "mrna"
VIRUS_FOLDER = "virus"
REPORT_FILE = "report.html"
#: Sub-folders written by ``vaxmix run`` (class II and combined tables, pVACseq's names).
RUN_PARTS = (CLASS2_FOLDER, COMBINED_FOLDER, FUSION_FOLDER)
#: Sub-folders written by ``vaxmix design`` (report.html too, which no stage reads).
DESIGN_PARTS = (VACCINE_FOLDER, MRNA_FOLDER, VIRUS_FOLDER)
PARTS = RUN_PARTS + DESIGN_PARTS
_DESIGN_FILES = (REPORT_FILE,)


@dataclass(frozen=True)
class RunFolder:
    """The layout of one run folder: where each file and part lives (nothing is read here).

    Every stage that writes or reads a run folder takes its paths from here, so a folder or
    file name is spelled once. ``RunFolder(path).table("aggregated", CLASS2_FOLDER)`` is
    ``path/MHC_Class_II/aggregated.tsv``; ``part=""`` is the top of the folder (class I).
    """

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def run_json(self) -> Path:
        """``run.json``: the run's record (:class:`vaxmix.common.runrecord.RunRecord`)."""
        return self.root / RUN_JSON

    @property
    def marker(self) -> Path:
        """:data:`MARKER`, written last into a finished run."""
        return self.root / MARKER

    @property
    def class2(self) -> Path:
        return self.root / CLASS2_FOLDER

    @property
    def combined(self) -> Path:
        return self.root / COMBINED_FOLDER

    @property
    def fusions(self) -> Path:
        return self.root / FUSION_FOLDER

    @property
    def vaccine(self) -> Path:
        return self.root / VACCINE_FOLDER

    @property
    def mrna(self) -> Path:
        return self.root / MRNA_FOLDER

    @property
    def virus(self) -> Path:
        return self.root / VIRUS_FOLDER

    @property
    def report(self) -> Path:
        return self.root / REPORT_FILE

    def folder(self, part: str = "") -> Path:
        """The folder of ``part`` (``""``: the top, class I; :data:`CLASS2_FOLDER`, ...)."""
        return self.root / part if part else self.root

    def table(self, stem: str, part: str = "", suffix: str = ".tsv") -> Path:
        """``part/stem.tsv`` (or ``suffix``, e.g. ``.parquet``) inside the run folder."""
        return self.folder(part) / f"{stem}{suffix}"

    def fusion_table(self, stem: str, mhc_folder: str = "") -> Path:
        """``fusions/[MHC_Class_I|MHC_Class_II|combined/]stem.tsv``."""
        folder = self.fusions / mhc_folder if mhc_folder else self.fusions
        return folder / f"{stem}.tsv"

    def relative(self, path: Path) -> str:
        """``path`` relative to the run folder, as run.json lists outputs."""
        return Path(path).relative_to(self.root).as_posix()


def _run_json_schema(folder: Path) -> str | None:
    try:
        data = json.loads((folder / RUN_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return str(data.get("schema", "")) if isinstance(data, dict) else None


def is_vaxmix_run(folder: str | Path) -> bool:
    """True when ``folder`` holds a vaxmix run, finished (marker) or not (vaxmix run.json)."""
    layout = RunFolder(Path(folder))
    if layout.marker.is_file():
        return True
    schema = _run_json_schema(layout.root) if layout.run_json.is_file() else None
    return bool(schema and schema.startswith("vaxmix.run/"))


def check_out_folder(out: str | Path, overwrite: bool, field: str = "--out") -> None:
    """Refuse an output folder vaxmix may not write (module doc); exit 2 via InputError."""
    out = Path(out)
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir():
        raise InputError("exists and is not a folder", path=out, field=field)
    try:
        empty = next(out.iterdir(), None) is None
    except OSError as exc:
        raise InputError(f"cannot read the folder ({exc.strerror})", path=out,
                         field=field) from None  # fmt: skip
    if empty:
        return
    if not is_vaxmix_run(out):
        raise InputError(
            "the output folder is not empty and is not a vaxmix run folder; vaxmix owns its "
            "output folder and never writes into (or deletes) other files: give a new or empty "
            "folder", path=out, field=field,
        )  # fmt: skip
    if not overwrite:
        raise InputError(
            "the output folder holds a previous vaxmix run; give --overwrite to replace it as a "
            "whole (no file of it is kept), or give a new folder", path=out, field=field,
        )  # fmt: skip


def _parts_in(folder: Path) -> list[str]:
    return [part for part in PARTS if (folder / part).is_dir()]


def write_marker(folder: str | Path, command: str, parts: list[str] | None = None) -> Path:
    """Write :data:`MARKER` into ``folder`` (atomically): the parts the finished run holds."""
    folder = Path(folder)
    from vaxmix import __version__

    record = {
        "schema": SCHEMA,
        "completed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "vaxmix_version": __version__,
        "command": command,
        "parts": sorted(_parts_in(folder) if parts is None else parts),
        "note": "written last by vaxmix; readers refuse a run folder without it",
    }
    with atomic_write(folder / MARKER, encoding="utf-8") as handle:
        handle.write(json.dumps(record, indent=2) + "\n")
    return folder / MARKER


@contextlib.contextmanager
def run_folder_stage(out: str | Path, overwrite: bool, command: str = "run",
                     mark: bool = True) -> Iterator[Path]:  # fmt: skip
    """Yield a staging folder for a whole run; on success, write the marker last and swap the
    stage in as ``out`` (replacing a previous vaxmix run whole). ``out`` is checked before and
    again at the swap (:func:`check_out_folder`); on any error ``out`` is untouched."""
    out = Path(out).absolute()  # "." or "run/" name the folder itself, not an entry in it
    check_out_folder(out, overwrite)
    stage = make_stage(out)
    try:
        yield stage
        if mark:
            write_marker(stage, command)
        check_out_folder(out, overwrite)  # it may have changed while the run was working
        if out.is_dir() and next(out.iterdir(), None) is None:
            _fill_empty(stage, out)  # keep a folder the user made (and may be standing in)
        else:
            swap_in(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _fill_empty(stage: Path, out: Path) -> None:
    """Move the stage's entries into the empty ``out``, then drop the stage.

    run.json goes first (a folder left half-filled by a kill is then recognised as an unfinished
    vaxmix run, which ``--overwrite`` replaces) and the marker last (so readers refuse it).
    """
    order = {RUN_JSON: 0, MARKER: 2}
    entries = sorted(stage.iterdir(), key=lambda p: order.get(p.name, 1))
    for entry in entries:
        os.replace(entry, out / entry.name)
    stage.rmdir()


def read_marker(folder: str | Path) -> dict | None:
    """The marker's record, or None when there is none or it is unreadable."""
    path = Path(folder) / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return None
    if not isinstance(data.get("parts"), list):
        return None
    return data


def require_complete(folder: str | Path) -> dict:
    """The marker of a finished vaxmix run in ``folder``; :class:`InputError` otherwise.

    Refused: no (or an unreadable) marker, and a part on disk that the marker does not list.
    """
    folder = Path(folder)
    marker = read_marker(folder)
    if marker is None:
        what = "is unreadable" if (folder / MARKER).exists() else "is missing"
        raise InputError(
            f"incomplete vaxmix run folder: {MARKER} {what}. vaxmix writes it last, so the run "
            "was interrupted, is still running, or was written by an older vaxmix; rerun "
            "`vaxmix run ... --overwrite` (or `vaxmix demo --overwrite`)", path=folder,
            field=MARKER,
        )  # fmt: skip
    listed = {str(p) for p in marker["parts"]}
    stray = [part for part in _parts_in(folder) if part not in listed]
    if stray:
        names = ", ".join(f"{p}/" for p in stray)
        raise InputError(
            f"{names} not part of the completed run ({MARKER} does not list it): an "
            "interrupted `vaxmix design` left it, or it was put there by hand; rerun "
            f"`vaxmix design --run-dir {folder}`", path=folder, field=MARKER,
        )  # fmt: skip
    return marker


def begin_design(run_dir: str | Path) -> None:
    """Unlist, then delete, the previous design's parts (``vaccine/``, ``mrna/``, ``virus/``,
    ``report.html``) of a finished run, so none of them survives a new design."""
    run_dir = Path(run_dir)
    marker = require_complete(run_dir)
    keep = [p for p in marker["parts"] if p not in DESIGN_PARTS]
    write_marker(run_dir, str(marker.get("command", "run")), keep)
    for part in DESIGN_PARTS:
        if (run_dir / part).is_dir():
            shutil.rmtree(run_dir / part)
    for name in _DESIGN_FILES:
        with contextlib.suppress(FileNotFoundError):
            (run_dir / name).unlink()


def finish_design(run_dir: str | Path) -> None:
    """List the design's parts now on disk in the marker (after they were all written)."""
    run_dir = Path(run_dir)
    marker = read_marker(run_dir) or {}
    parts = sorted(set(marker.get("parts", [])) | {p for p in DESIGN_PARTS
                                                   if (run_dir / p).is_dir()})  # fmt: skip
    write_marker(run_dir, "design", parts)


def copy_run(source: str | Path, out: str | Path, overwrite: bool) -> Path:
    """Copy a run folder to ``out`` (``design --run-dir A --out B``) under the same ownership
    rules; a vaxmix run must be complete, and is copied with its marker."""
    source, out = Path(source), Path(out)
    vaxmix_run = is_vaxmix_run(source)
    if vaxmix_run:
        require_complete(source)
    with run_folder_stage(out, overwrite, mark=False) as stage:
        shutil.copytree(source, stage, dirs_exist_ok=True, symlinks=True)
    return out
