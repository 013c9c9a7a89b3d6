"""Exceptions that the command line turns into one clear message and exit code 2.

Every error caused by a user's input is an :class:`InputError` that names the file, the line
(1-based, when the format has lines) and the field at fault, so that the user can fix the
input without reading a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ConfigError", "InputError", "VaxmixError"]

_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


class VaxmixError(Exception):
    """Base class of all errors that vaxmix reports to the user without a traceback."""

    exit_code: int = 2


@dataclass
class InputError(VaxmixError):
    """Bad user input, located as precisely as the format allows.

    Parameters
    ----------
    message
        What is wrong and, where possible, how to fix it.
    path
        The file at fault (``None`` for command-line values).
    line
        1-based line number in ``path`` (``None`` when not line-oriented).
    field
        The column, INFO/FORMAT key, option or record field at fault.
    """

    message: str
    path: str | Path | None = None
    line: int | None = None
    field: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field {self.field}")
        prefix = ", ".join(where)
        text = f"{prefix}: {self.message}" if prefix else str(self.message)
        # one line, always: messages may quote a parser's (pandas, htslib) multi-line text
        return _NEWLINES.sub(" ", text.strip())


class ConfigError(InputError):
    """A bad parameter or configuration file value."""
