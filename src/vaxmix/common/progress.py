"""Progress on long steps: a line per stage with elapsed time, and tqdm bars in a terminal.

A user who starts ``vaxmix demo`` must see that it works and how far it is, also when the output
goes to a pipe or a log file (where a bar redrawn with carriage returns is unreadable). So:

* :func:`stage` prints one line when a long step starts and one with its elapsed time when it
  ends, to stderr, flushed at once. Lines are printed when stderr is a terminal or when a command
  turned them on with :func:`enable_stage_lines` (``vaxmix demo`` does, so a piped demo reports
  too); ``VAXMIX_QUIET=1`` silences them.
* :func:`progress` wraps a loop in a tqdm bar in a terminal; when stage lines are on but stderr is
  not a terminal it prints one line per finished item instead.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tqdm.auto import tqdm

__all__ = ["enable_stage_lines", "progress", "stage", "stage_note"]

T = TypeVar("T")

_state: dict[str, float | bool | None] = {"forced": False, "t0": None}


def enable_stage_lines(on: bool = True) -> None:
    """Print stage lines even when stderr is not a terminal (a pipe, a log file)."""
    _state["forced"] = on
    _state["t0"] = time.perf_counter() if on else None


def _quiet() -> bool:
    return os.environ.get("VAXMIX_QUIET") == "1"


def _lines_on() -> bool:
    return not _quiet() and (bool(_state["forced"]) or sys.stderr.isatty())


def _emit(text: str) -> None:
    if _state["t0"] is None:
        _state["t0"] = time.perf_counter()
    total = time.perf_counter() - float(_state["t0"])  # type: ignore[arg-type]
    print(f"vaxmix [{total:6.1f} s] {text}", file=sys.stderr, flush=True)


def stage_note(text: str) -> None:
    """One progress line (e.g. a count inside a stage), under the same rules as :func:`stage`."""
    if _lines_on():
        _emit(text)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Announce a long step and report its elapsed time when it ends (nothing on error)."""
    if not _lines_on():
        yield
        return
    _emit(f"{name} ...")
    started = time.perf_counter()
    yield
    _emit(f"{name}: done in {time.perf_counter() - started:.1f} s")


def progress(iterable: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """Wrap ``iterable`` in a tqdm bar on a terminal's stderr; a line per item when piped with
    stage lines on; silent otherwise and under ``VAXMIX_QUIET=1``."""
    if _quiet():
        return iter(iterable)
    if sys.stderr.isatty():
        return iter(tqdm(iterable, desc=desc, total=total, file=sys.stderr))
    if _state["forced"]:
        return _lines(iterable, desc, total)
    return iter(iterable)


def _lines(iterable: Iterable[T], desc: str, total: int | None) -> Iterator[T]:
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    started = time.perf_counter()
    for done, item in enumerate(iterable, start=1):
        yield item
        of = f"/{total}" if total else ""
        _emit(f"  {desc}: {done}{of} ({time.perf_counter() - started:.1f} s)")
