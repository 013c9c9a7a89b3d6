"""The predictor contract every MHC model in vaxmix meets, and its checks, written once.

A :class:`Predictor` answers one question: for every peptide × allele asked, the predicted
binding and presentation, as a table with declared columns (:data:`COLUMNS`; a model may declare
more, e.g. class II's binding ``core``). It says what it is (``name``, ``version``; the ``model``
column carries both), which peptide lengths it scores and which alleles it covers, and refuses
anything else before predicting: a malformed peptide or a length outside the model's range is an
:class:`~vaxmix.common.errors.InputError`, an allele outside the model's coverage an
:class:`~vaxmix.common.alleles.UnsupportedAllele`. The answer is checked before it is used
(:func:`check_results`): every (peptide, allele) pair asked comes back exactly once per time it was
asked, and every declared column is there (a dropped pair would silently drop a candidate
epitope from a vaccine). The class I and class II models are the two implementations
(:class:`vaxmix.mhc.predict.ClassIPredictor`,
:class:`vaxmix.mhc.classii.predictor.ClassIIPredictor`). The design follows mhctools'
``BasePredictor`` (allele check before predicting, a check that every pair came back),
written for vaxmix's tables.

Plain functions: callers that only need predictions (the vaccine's junction scan, the pipeline)
take a :data:`PredictFn`, ``predict(peptides, alleles) -> DataFrame``, which every
:class:`Predictor` is, and so is any function with that call (a test's deterministic fake, a
wrapper fixing a model path). The metadata is then unknown and the result check uses the base
:data:`COLUMNS`; :func:`as_predictor` gives such a function the full protocol when a caller
needs it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from vaxmix.common.alleles import UnsupportedAllele
from vaxmix.common.aminoacids import AMINO_ACIDS
from vaxmix.common.errors import InputError, VaxmixError

__all__ = [
    "COLUMNS",
    "FunctionPredictor",
    "LabelledModel",
    "PredictFn",
    "Predictor",
    "PredictorMismatch",
    "as_predictor",
    "check_alleles",
    "check_lengths",
    "check_peptides",
    "check_results",
    "closest_names",
    "empty_result",
    "read_peptide_file",
    "split_model_label",
]

#: Columns every predictor returns, in this order: the peptide and allele asked (peptide
#: upper-cased, allele under the model's canonical name), predicted IC50 (nM), percentile rank
#: (%, lower binds better), presentation score (0–1) and ``"<model name> <version>"``.
COLUMNS: tuple[str, ...] = ("peptide", "allele", "affinity_nm", "percentile",
                            "presentation_score", "model")  # fmt: skip

#: The call every predictor answers: ``predict(peptides, alleles) -> DataFrame[COLUMNS]``, one
#: row per peptide × allele in peptide order, then allele order.
PredictFn = Callable[[Sequence[str], Sequence[str]], pd.DataFrame]


@runtime_checkable
class Predictor(Protocol):
    """An MHC binding/presentation model: what it is, what it covers, and the prediction call.

    Attributes
    ----------
    name, version
        The model's name and version (``"vaxmix-mhc1"``, ``"1.2.0"``); the ``model`` column of
        every result is ``f"{name} {version}"``.
    mhc_class
        1 or 2.
    lengths
        Peptide lengths the model scores (``range(8, 16)`` for class I).
    columns
        The columns of every result: :data:`COLUMNS`, then any the model adds.
    """

    name: str
    version: str
    mhc_class: int
    lengths: range
    columns: tuple[str, ...]

    def supported_alleles(self) -> list[str]:
        """Names the model has residues for (class I: alleles; class II: chains, see there)."""
        ...

    def check_alleles(self, alleles: Iterable[str]) -> list[str]:
        """Canonical names of ``alleles``; raise :class:`UnsupportedAllele` for any not covered."""
        ...

    def __call__(self, peptides: Sequence[str], alleles: Sequence[str]) -> pd.DataFrame:
        """One row per peptide × allele with :attr:`columns`, checked by :func:`check_results`."""
        ...


class PredictorMismatch(VaxmixError):
    """A predictor's table does not answer the question asked (a pair missing or repeated, a
    declared column absent): using it would silently drop or double candidates."""


def check_lengths(lengths: Iterable[int], supported: range, what: str = "peptide",
                  field: str | None = None) -> tuple[int, ...]:  # fmt: skip
    """``lengths`` as a tuple; :class:`InputError` naming the first outside ``supported``."""
    lengths = tuple(int(n) for n in lengths)
    for length in lengths:
        if length not in supported:
            raise InputError(f"{what} length {length} outside {supported.start}–"
                             f"{supported.stop - 1}", field=field)  # fmt: skip
    return lengths


# the 20 letters in either case: checked before upper-casing, so that a non-ASCII letter whose
# upper case is ASCII ("ß" -> "SS", "ﬀ" -> "FF") is refused instead of read as residues
_VALID_BYTES = np.zeros(256, dtype=bool)
_LETTERS = (AMINO_ACIDS + AMINO_ACIDS.lower()).encode("ascii")
_VALID_BYTES[np.frombuffer(_LETTERS, dtype=np.uint8)] = True


def check_peptides(peptides: Iterable[str], lengths: range, what: str = "peptide",
                   source: str | None = None) -> list[str]:  # fmt: skip
    """Stripped, upper-cased peptides; :class:`InputError` on a length outside ``lengths`` or a
    residue outside the 20 standard amino acids (:data:`vaxmix.common.aminoacids.AMINO_ACIDS`).

    Checked in bulk (one pass over the joined bytes); the error names the first bad peptide
    (and, with ``source``, its 1-based line).
    """
    raw = list(peptides)
    stripped = [str(peptide).strip() for peptide in raw]
    if not stripped:
        return stripped
    sizes = np.fromiter(map(len, stripped), dtype=np.int64, count=len(stripped))
    bad = (sizes < lengths.start) | (sizes >= lengths.stop)
    codes = np.frombuffer("".join(stripped).encode("ascii", errors="replace"), dtype=np.uint8)
    bad_positions = np.flatnonzero(~_VALID_BYTES[codes])
    if len(bad_positions):
        bad[np.searchsorted(np.cumsum(sizes), bad_positions, side="right")] = True
    if bad.any():
        number = int(np.argmax(bad)) + 1
        raise InputError(
            f"{what} {raw[number - 1]!r} must be {lengths.start}-{lengths.stop - 1} residues of "
            "the 20 standard amino acids",
            path=source,
            line=number if source else None,
            field="peptide",
        )
    return [text.upper() for text in stripped]


def read_peptide_file(path: str | Path, lengths: range, what: str = "peptide") -> list[str]:
    """Peptides of a one-per-line file (blank lines and ``#`` comments skipped), checked by
    :func:`check_peptides` in one pass; an error names the file and its line.

    Raises
    ------
    InputError
        A missing, unreadable or non-UTF-8 file, or a bad peptide.
    """
    from vaxmix.common.textio import read_text

    path = Path(path)
    if not path.is_file():
        raise InputError("peptide file not found", path=path)
    numbers, texts = [], []
    for number, line in enumerate(read_text(path, "peptide file").splitlines(), start=1):
        text = line.strip()
        if text and not text.startswith("#"):
            numbers.append(number)
            texts.append(text)
    try:
        return check_peptides(texts, lengths, what, source=str(path))
    except InputError as exc:
        line = numbers[exc.line - 1] if exc.line else None
        raise InputError(exc.message, path=path, line=line, field="peptide") from None


def closest_names(name: str, names: Sequence[str], n: int = 5) -> list[str]:
    """Up to ``n`` of ``names`` close to ``name`` (for "closest known" hints); failing any close
    spelling, those of the same gene and allele group (``HLA-A*02``)."""
    close = difflib.get_close_matches(name, names, n=n, cutoff=0.6)
    if not close and "*" in name:
        prefix = name.split(":")[0]
        close = [a for a in names if a.startswith(prefix)][:n]
    return close


def check_alleles(alleles: Iterable[str], normalize: Callable[[str], str]) -> list[str]:
    """Canonical names of ``alleles`` by the model's ``normalize``, which raises
    :class:`UnsupportedAllele` for a name outside the model's coverage and
    :class:`InputError` for one that is not an allele name at all.

    A ``normalize`` that raises anything else is a programming error and propagates.
    """
    return [normalize(allele) for allele in alleles]


def split_model_label(label: str) -> tuple[str, str]:
    """``("vaxmix-mhc1", "1.2.0")`` of a ``model`` column value ``"vaxmix-mhc1 1.2.0"``."""
    name, _, version = label.rpartition(" ")
    return (name, version) if name else (label, "")


class LabelledModel:
    """``name`` and ``version`` read from the model label the loaded calibration carries
    (``"vaxmix-mhc1 1.2.0"``), written once for the class I and class II models; each
    defines ``_label`` (which loads its model on first use)."""

    def _label(self) -> str:
        raise NotImplementedError

    @property
    def name(self) -> str:
        return split_model_label(self._label())[0]

    @property
    def version(self) -> str:
        return split_model_label(self._label())[1]


def empty_result(columns: Sequence[str]) -> pd.DataFrame:
    """The answer to an empty question: no rows, the declared columns."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _pairs(values: Sequence[str], rows: pd.Series) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """(distinct values, times each was asked, each row's position among them or -1)."""
    codes, distinct = pd.factorize(pd.Index(values, dtype=object))
    asked = np.bincount(codes, minlength=len(distinct))
    return distinct, asked, distinct.get_indexer(rows.to_numpy(dtype=object))


def _in_cross_order(result: pd.DataFrame, peptides: Sequence[str], alleles: Sequence[str]) -> bool:
    """True if the rows are exactly peptides × alleles in peptide, then allele order (then each
    pair is there as often as it was asked)."""
    n_pep, n_all = len(peptides), len(alleles)
    if len(result) != n_pep * n_all:
        return False
    want_pep = np.repeat(np.asarray(list(peptides), dtype=object), n_all)
    want_all = np.tile(np.asarray(list(alleles), dtype=object), n_pep)
    return bool((result["peptide"].to_numpy(dtype=object) == want_pep).all()
                and (result["allele"].to_numpy(dtype=object) == want_all).all())  # fmt: skip


def check_results(result: pd.DataFrame, peptides: Sequence[str], alleles: Sequence[str],
                  columns: Sequence[str] = COLUMNS) -> pd.DataFrame:  # fmt: skip
    """``result`` unchanged if it answers ``peptides`` × ``alleles``; else
    :class:`PredictorMismatch`.

    The answer must hold every declared column and, for each pair asked, exactly as many rows as
    the pair was asked (a peptide asked twice against an allele asked once: two rows), and no
    pair not asked. Peptides and alleles are compared as given, so pass the names the predictor
    reports (upper-cased peptides, canonical allele names). Vectorised: one hash lookup per row.
    """
    missing = [c for c in columns if c not in result.columns]
    if missing:
        raise PredictorMismatch(f"the predictor returned no {', '.join(missing)} column(s)")
    if _in_cross_order(result, peptides, alleles):  # the built-in models' layout: no hashing
        return result
    peps, pep_asked, pep_row = _pairs(list(peptides), result["peptide"])
    alls, all_asked, all_row = _pairs(list(alleles), result["allele"])
    stray = (pep_row < 0) | (all_row < 0)
    if stray.any():
        k = int(np.argmax(stray))
        raise PredictorMismatch(
            f"the predictor returned {int(stray.sum())} row(s) for pairs not asked, e.g. "
            f"({result['peptide'].iat[k]!r}, {result['allele'].iat[k]!r})"
        )
    n_alleles = len(alls)
    got = np.bincount(pep_row * n_alleles + all_row, minlength=len(peps) * n_alleles)
    expected = np.outer(pep_asked, all_asked).ravel()
    wrong = np.flatnonzero(got != expected)
    if len(wrong):
        k = int(wrong[0])
        lost, extra = int((got < expected).sum()), int((got > expected).sum())
        raise PredictorMismatch(
            f"the predictor's table does not answer every peptide x allele once: {lost} pair(s) "
            f"missing, {extra} repeated, e.g. ({peps[k // n_alleles]!r}, "
            f"{alls[k % n_alleles]!r}) asked {int(expected[k])} time(s), returned {int(got[k])}"
        )
    return result


@dataclass(frozen=True)
class FunctionPredictor:
    """A plain ``predict(peptides, alleles)`` function with the :class:`Predictor` metadata.

    ``normalize`` (default: names kept as given) and ``alleles`` (default: any) say what it
    covers; the call checks alleles and peptide lengths first and the answer after.
    """

    function: PredictFn
    name: str
    version: str
    mhc_class: int = 1
    lengths: range = range(8, 16)
    columns: tuple[str, ...] = COLUMNS
    alleles: tuple[str, ...] = ()
    normalize: Callable[[str], str] | None = field(default=None, compare=False)

    def supported_alleles(self) -> list[str]:
        return list(self.alleles)

    def _normalize(self, allele: str) -> str:
        name = self.normalize(allele) if self.normalize is not None else str(allele).strip()
        if self.alleles and name not in self.alleles:
            close = closest_names(name, self.alleles)
            hint = f"; closest known: {', '.join(close)}" if close else ""
            raise UnsupportedAllele(f"{self.name} {self.version} does not cover allele "
                                    f"{allele!r}{hint}", field="allele")  # fmt: skip
        return name

    def check_alleles(self, alleles: Iterable[str]) -> list[str]:
        return check_alleles(alleles, self._normalize)

    def __call__(self, peptides: Sequence[str], alleles: Sequence[str]) -> pd.DataFrame:
        clean = check_peptides(peptides, self.lengths)
        names = self.check_alleles(alleles)
        return check_results(self.function(clean, names), clean, names, self.columns)


def as_predictor(function: PredictFn, name: str, version: str, **metadata: object) -> Predictor:
    """``function`` as a :class:`Predictor` (keywords: the :class:`FunctionPredictor` fields)."""
    return FunctionPredictor(function, name, version, **metadata)  # type: ignore[arg-type]
