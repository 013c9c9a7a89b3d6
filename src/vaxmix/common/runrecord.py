"""``RunRecord``: what ``run.json`` holds, as one typed record, written and read in one place.

``vaxmix run`` writes ``run.json`` through :meth:`RunRecord.to_json`; every reader of a run
folder (the report, ``registry import``, the vaccine stage, the cohort runner) reads it through
:meth:`RunRecord.from_json`, which checks it the way :func:`vaxmix.vaccine.construct.load_construct`
checks ``construct.json``: the schema string, then every field's presence and type. A file that
fails is refused with an :class:`~vaxmix.common.errors.InputError` naming the file and the field
(``prediction.class1_models``), never read as something else: one spelling per field, the one
the writer produces.

Keys and their order are those ``vaxmix run`` has written since ``vaxmix.run/1``; keys a
reader does not know are ignored (a later minor version may add some). ``fusions`` is present
only for a run with ``--fusions``.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaxmix.common.errors import InputError

__all__ = [
    "PREDICTION_NOTE",
    "READ_COUNTS_NOTE",
    "SCHEMA",
    "FusionRunRecord",
    "InputFile",
    "Outputs",
    "Prediction",
    "ReadCounts",
    "RunInputs",
    "RunRecord",
]

SCHEMA = "vaxmix.run/1"
PREDICTION_NOTE = "affinity, presentation score and percentile are model predictions"
READ_COUNTS_NOTE = ("rows with a missing depth/VAF fail those cut-offs unless allow_missing_vaf; "
                    "unmeasured sources' cut-offs were not applied")  # fmt: skip


@dataclass
class InputFile:
    """An input file as the run read it: its path and SHA-256."""

    path: str
    sha256: str


@dataclass
class RunInputs:
    """The run's input files (``None``: not given) and the expression tables' formats."""

    vcf: InputFile | None
    hla_file: InputFile | None
    gene_expression_file: InputFile | None
    transcript_expression_file: InputFile | None
    reference_proteome: InputFile | None
    genes_of_interest_file: InputFile | None
    phased_proximal_variants_vcf: InputFile | None
    expression_formats: dict[str, str] = field(default_factory=dict)

    def files(self) -> dict[str, InputFile]:
        """The given input files by role (``vcf``, ``hla_file``, ...), in record order."""
        return {f.name: value for f in dataclasses.fields(self)
                if isinstance(value := getattr(self, f.name), InputFile)}  # fmt: skip


@dataclass
class Prediction:
    """The predictors' names and versions, all and by MHC class."""

    models: list[str]
    class1_models: list[str]
    class2_models: list[str]
    note: str = PREDICTION_NOTE


@dataclass
class Outputs:
    """The ranked tables of each class, relative to the run folder."""

    class1: list[str]
    class2: list[str]
    combined: list[str]


@dataclass
class ReadCounts:
    """What the VCF lacked: rows with a missing depth/VAF, sources not measured at all."""

    missing_rows: dict[str, int]
    unmeasured_sources: list[str]
    allow_missing_vaf: bool
    note: str = READ_COUNTS_NOTE


@dataclass
class FusionRunRecord:
    """The ``fusions`` section (``vaxmix run --fusions``, :mod:`vaxmix.pipeline.fusions`)."""

    inputs: dict[str, Any]
    parameters: dict[str, Any]
    counts: dict[str, Any]
    models: list[str]
    timings_s: dict[str, float]
    rules: str


@dataclass
class RunRecord:
    """One ``vaxmix run``: inputs (checksums), parameters as given, alleles, models, counts.

    ``parameters`` is the :class:`~vaxmix.pipeline.config.PipelineConfig` as given (paths as
    text); ``counts``, ``skipped`` and ``versions`` are open mappings (their keys follow the
    stages). ``allele_names`` and ``read_counts`` may be absent from a run.json written before
    vaxmix recorded them.
    """

    vaxmix_version: str
    inputs: RunInputs
    sample: str | None
    normal_sample: str | None
    alleles: list[str]
    class2_alleles: list[str]
    parameters: dict[str, Any]
    prediction: Prediction
    outputs: Outputs
    versions: dict[str, Any]
    timings_s: dict[str, float]
    counts: dict[str, Any]
    skipped: dict[str, Any]
    warnings: list[str]
    allele_names: list[dict[str, Any]] = field(default_factory=list)
    read_counts: ReadCounts | None = None
    fusions: FusionRunRecord | None = None
    schema: str = SCHEMA

    #: JSON key order (that of run.json since vaxmix.run/1).
    _ORDER: typing.ClassVar[tuple[str, ...]] = (
        "schema", "vaxmix_version", "inputs", "sample", "normal_sample", "alleles",
        "class2_alleles", "allele_names", "parameters", "prediction", "outputs", "versions",
        "timings_s", "counts", "skipped", "warnings", "read_counts", "fusions",
    )  # fmt: skip
    #: Sections left out of the JSON when ``None`` (an older run, a run without fusions).
    _OMIT_NONE: typing.ClassVar[frozenset[str]] = frozenset({"read_counts", "fusions"})

    def to_json(self) -> dict[str, Any]:
        """The record as run.json's object (plain JSON types, run.json's key order)."""
        data = dataclasses.asdict(self)
        return {key: data[key] for key in self._ORDER
                if not (key in self._OMIT_NONE and data[key] is None)}  # fmt: skip

    def write(self, path: str | Path) -> Path:
        """Write run.json (pretty, trailing newline) atomically."""
        from vaxmix.common.atomic import atomic_write

        path = Path(path)
        with atomic_write(path, encoding="utf-8") as handle:
            handle.write(json.dumps(self.to_json(), indent=2, default=str) + "\n")
        return path

    @classmethod
    def from_json(cls, path: str | Path) -> RunRecord:
        """Read and check ``path`` (a run.json); :class:`InputError` naming the file and field
        for unreadable JSON, a wrong or missing schema, a missing required field or a field of
        the wrong type."""
        path = Path(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
        except (OSError, UnicodeDecodeError, RecursionError) as exc:
            raise InputError(f"cannot read run.json: {exc}", path=path) from None
        if not isinstance(raw, dict):
            raise InputError("expected a JSON object at the top level", path=path)
        if raw.get("schema") != SCHEMA:
            raise InputError(f"schema is {raw.get('schema')!r}, expected {SCHEMA!r} (not a "
                             "run.json of this vaxmix)", path=path, field="schema")  # fmt: skip
        return typing.cast(RunRecord, _build(cls, raw, path, ""))


def _build(kind: type, raw: dict, path: Path, where: str) -> object:
    """An instance of the dataclass ``kind`` from ``raw``, every field checked."""
    hints = typing.get_type_hints(kind)
    values = {}
    for spec in dataclasses.fields(kind):
        name = f"{where}{spec.name}"
        if spec.name not in raw:
            required = (spec.default is dataclasses.MISSING
                        and spec.default_factory is dataclasses.MISSING)  # fmt: skip
            if required:
                raise InputError("required field is missing", path=path, field=name)
            continue
        values[spec.name] = _check(raw[spec.name], hints[spec.name], path, name)
    return kind(**values)


_SCALARS = {str: "text", bool: "true/false", int: "a whole number", float: "a number"}


def _check(value: object, hint: object, path: Path, name: str) -> object:
    """``value`` as ``hint`` (a dataclass, ``X | None``, list, dict, scalar or Any)."""
    if hint is Any:
        return value
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _check(value, inner, path, name)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise InputError("expected an object", path=path, field=name)
        return _build(typing.cast(type, hint), value, path, f"{name}.")
    if origin is list:
        if not isinstance(value, list):
            raise InputError("expected a list", path=path, field=name)
        return [_check(item, args[0], path, f"{name}[{i}]") for i, item in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise InputError("expected an object", path=path, field=name)
        return {key: _check(item, args[1], path, f"{name}.{key}") for key, item in value.items()}
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, typing.cast(type, hint))
    if not ok:
        raise InputError(f"expected {_SCALARS.get(typing.cast(type, hint), hint)}, got "
                         f"{type(value).__name__}", path=path, field=name)  # fmt: skip
    return value
