"""Write outputs so that a failure never leaves a half-written or partial result.

Two tools:

* :func:`atomic_write` writes one file through a temporary sibling and renames it into place;
* :func:`staged_output` collects a whole run's outputs in a temporary sibling folder and moves
  them into the output folder only when the run succeeds, so a failed run leaves no new file
  and never clobbers the outputs of an earlier successful run with partial ones.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_write", "staged_output"]


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
