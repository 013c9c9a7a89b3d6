"""Utilities shared by every stage: errors, atomic output, provenance, progress."""

from vaxmix.common.atomic import atomic_write, staged_output
from vaxmix.common.errors import InputError, VaxmixError
from vaxmix.common.provenance import package_versions, sha256_file

__all__ = [
    "InputError",
    "VaxmixError",
    "atomic_write",
    "package_versions",
    "sha256_file",
    "staged_output",
]
