"""Progress bars on long steps, silenced when output is not a terminal or when asked."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

__all__ = ["progress"]

T = TypeVar("T")


def progress(iterable: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """Wrap ``iterable`` in a tqdm bar on stderr; quiet under ``VAXMIX_QUIET=1`` or no TTY."""
    disable = os.environ.get("VAXMIX_QUIET") == "1" or not sys.stderr.isatty()
    return iter(tqdm(iterable, desc=desc, total=total, disable=disable, file=sys.stderr))
