"""Provenance: input checksums and software versions recorded with every output."""

from __future__ import annotations

import hashlib
import platform
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["package_versions", "sha256_file"]

_CORE_PACKAGES = ("vaxmix", "numpy", "pandas", "scipy", "pyarrow", "mhcgnomes")


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in chunks (works for large inputs)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def package_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Versions of Python, vaxmix and the packages that shaped an output."""
    versions = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in (*_CORE_PACKAGES, *extra):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
