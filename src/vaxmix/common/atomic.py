"""Write outputs so that a failure never leaves a half-written or partial result.

Three tools:

* :func:`atomic_write` writes one file through a temporary sibling and renames it into place;
* :func:`staged_output` collects a whole run's outputs in a temporary sibling folder and moves
  them into the output folder only when the run succeeds, so a failed run leaves no new file
  and never clobbers the outputs of an earlier successful run with partial ones;
* :func:`replace_folder` does the same but replaces the folder *as a whole* (two renames), so
  no file of the earlier folder survives: for folders vaxmix owns (a run folder, ``vaccine/``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_write", "make_stage", "replace_folder", "staged_output", "swap_in"]


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", **open_kwargs: object) -> Iterator[IO]:
    """Open ``path`` for writing through a temporary file renamed into place on success.

    On any exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with open(tmp, mode, **open_kwargs) as handle:  # type: ignore[call-overload]
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def staged_output(out_dir: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``out_dir``; move its contents in on success.

    Files are moved one by one with :func:`os.replace` (atomic per file on one filesystem);
    sub-folders are replaced whole. If the body raises, the staging folder is deleted and
    ``out_dir`` is unchanged (it is not even created if it did not exist).
    """
    out_dir = Path(out_dir)
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.stage-", dir=parent))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        for item in sorted(stage.iterdir()):
            target = out_dir / item.name
            if item.is_dir():
                if target.exists():
                    shutil.rmtree(target)
                os.replace(item, target)
            else:
                os.replace(item, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def make_stage(target: str | Path) -> Path:
    """A new empty hidden folder beside ``target`` (same filesystem, so renames are atomic).

    Its permissions are those of an ordinary new folder (``mkdtemp`` makes it 0700).
    """
    target = Path(target)
    parent = target.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.stage-", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    stage.chmod(0o777 & ~umask)
    return stage


def swap_in(stage: Path, target: str | Path) -> None:
    """Replace ``target`` (absent, or a folder) by ``stage``: rename the old one aside, rename the
    stage in, delete the old one. At every instant ``target`` is the old folder, absent, or the
    new one; never a mixture."""
    target = Path(target)
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.absolute().parent))
        os.replace(target, old / "folder")
    os.replace(stage, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def replace_folder(target: str | Path) -> Iterator[Path]:
    """Yield a staging folder; on success it replaces ``target`` whole (:func:`swap_in`).

    On an exception the stage is deleted and ``target`` is untouched.
    """
    stage = make_stage(target)
    try:
        yield stage
        swap_in(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
