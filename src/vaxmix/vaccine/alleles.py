"""The patient's alleles in the spelling the design uses: class I and class II, from the run or
from the user.

Class I names are read by the one allele parser (:func:`vaxmix.common.alleles.parse_allele`),
class II names are paired into molecules by :func:`vaxmix.mhc.classii.typing.split_alleles`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from vaxmix.common.errors import InputError
from vaxmix.vaccine.config import DesignConfig
from vaxmix.vaccine.tables import RunTables

__all__ = [
    "DesignAlleles",
    "design_alleles",
    "normalize_alleles",
    "normalize_class2_alleles",
    "spell_allele",
    "split_given",
]


def normalize_alleles(
    alleles: list[str] | tuple[str, ...],
    field_name: str = "--alleles",
    warnings: list[str] | None = None,
) -> list[str]:
    """Class I names → two-field ``HLA-A*02:01`` names, read by the one allele parser.

    (:func:`vaxmix.common.alleles.parse_allele`.) A null (or secreted/cytoplasmic) allele is
    left out with a warning appended to ``warnings``, or is an error when ``warnings`` is None;
    genes and species the models do not cover raise
    :class:`~vaxmix.common.alleles.UnsupportedAllele`.
    """
    from vaxmix.common.alleles import parse_allele

    out = []
    for name in alleles:
        if not name.strip():
            continue
        allele = parse_allele(name, field=field_name)
        if allele.mhc_class != 1:
            raise InputError(f"{name.strip()!r} is a class II name, not a class I allele",
                             field=field_name)  # fmt: skip
        if not allele.expressed:
            if warnings is None:
                raise InputError(str(allele.warning), field=field_name)
            warnings.append(str(allele.warning))
            continue
        out.append(allele.name)
    if not out:
        raise InputError("no expressed allele given", field=field_name)
    return list(dict.fromkeys(out))


def normalize_class2_alleles(alleles: list[str] | tuple[str, ...]) -> list[str]:
    """Canonical class II molecule names (``HLA-DRB1*15:01``, ``HLA-DQA1*01:02-DQB1*06:02``).

    Single DQ/DP chains are paired (:func:`vaxmix.mhc.classii.typing.split_alleles`).
    """
    from vaxmix.mhc.classii.typing import split_alleles

    return split_alleles([a for a in alleles if a.strip()]).class2


def spell_allele(raw: str) -> str:
    """One allele of an epitope table in the spelling the design uses (unchanged if unknown)."""
    from vaxmix.mhc.classii.typing import is_class2_name

    try:
        if is_class2_name(raw):
            return normalize_class2_alleles([raw])[0]
        return normalize_alleles([raw], "HLA Allele")[0]
    except InputError:
        return raw


def split_given(alleles: list[str] | tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Allele names as given → (class I names, class II names)."""
    from vaxmix.mhc.classii.typing import is_class2_name

    return ([a for a in alleles if not is_class2_name(a)],
            [a for a in alleles if is_class2_name(a)])  # fmt: skip


@dataclass
class DesignAlleles:
    """The alleles one design covers: class I, then class II molecules."""

    class1: list[str]
    class2: list[str]
    warnings: list[str] = field(default_factory=list)  # null alleles left out

    @property
    def all(self) -> list[str]:
        return self.class1 + self.class2


def design_alleles(tables: RunTables, config: DesignConfig) -> tuple[DesignAlleles, RunTables]:
    """The design's alleles (the user's, else the run's) and the tables restricted to them.

    Class II takes part only when ``config.class2`` is on and class II molecules are given or
    the run has class II tables; without class II alleles the class II epitopes are dropped.
    """
    given1, given2 = split_given(config.alleles or ())  # mixed, as `vaxmix run` takes them
    given2 = list(config.class2_alleles or ()) or given2
    class1_given = given1 or tables.alleles  # empty for a class II-only run
    warnings: list[str] = []
    class1 = normalize_alleles(class1_given, warnings=warnings) if class1_given else []
    class2: list[str] = []
    if config.class2 and (given2 or tables.class2_epitopes is not None):
        class2 = normalize_class2_alleles(given2 or tables.class2_alleles)
    if not class1 and not class2:
        raise InputError("no alleles given", field="--alleles")
    if not class2:
        tables = dataclasses.replace(tables, class2_epitopes=None)
    return DesignAlleles(class1, class2, warnings), tables
