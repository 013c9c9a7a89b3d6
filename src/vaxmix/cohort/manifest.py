"""Read and validate a cohort manifest (TSV or CSV, one row per patient) before any work starts.

Columns (header names are case-insensitive; ``-`` and spaces read as ``_``):

=========================== ========= ===================================================
column                      required  meaning
=========================== ========= ===================================================
patient_id (patient, id)    yes       folder name of the patient's run: letters, digits, ``._-``
vcf                         yes       VEP-annotated VCF (as ``vaxmix run VCF``)
tumor_sample (sample)       no        ``--sample``
normal_sample               no        ``--normal-sample``
alleles                     one of    HLA alleles, separated by ``,`` ``;`` or spaces
hla_file (hla_typing)       these     OptiType / arcasHLA / HLA-HD output (``--hla-file``)
class2_alleles              no        class II molecules (added to ``--alleles``)
gene_expression_file        no        ``--gene-expression-file``
transcript_expression_file  no        ``--transcript-expression-file``
options                     no        more ``vaxmix run`` options, e.g. ``--lengths 9 --pass-only``
=========================== ========= ===================================================

Relative paths are read relative to the manifest's folder. Each row becomes the very
:class:`~vaxmix.pipeline.config.PipelineConfig` that ``vaxmix run`` would build from the same
options (the row is turned into ``vaxmix run`` arguments and parsed by the ``run`` parser), so a
patient's outputs in a cohort are those of a single ``vaxmix run``.

Two kinds of error:

* a problem with the manifest as a whole (unreadable, unknown or missing column, duplicate or
  unsafe patient id) stops the command before any work, with file, line and field;
* a problem with one patient's inputs (missing file, unknown allele, bad option) is kept on
  that patient's :class:`PatientSpec` (file, line, field), so that the other patients still run
  and the summary lists the failure.
"""

from __future__ import annotations

import argparse
import csv
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from vaxmix.common.errors import InputError

__all__ = ["COLUMNS", "PatientSpec", "read_manifest", "run_argv"]

#: Canonical column → accepted header spellings.
COLUMNS: dict[str, tuple[str, ...]] = {
    "patient_id": ("patient_id", "patient", "id"),
    "vcf": ("vcf",),
    "tumor_sample": ("tumor_sample", "sample"),
    "normal_sample": ("normal_sample",),
    "alleles": ("alleles", "hla_alleles"),
    "hla_file": ("hla_file", "hla_typing", "hla_typing_file"),
    "class2_alleles": ("class2_alleles", "class_ii_alleles"),
    "gene_expression_file": ("gene_expression_file", "expression", "gene_expression"),
    "transcript_expression_file": ("transcript_expression_file", "transcript_expression"),
    "options": ("options", "run_options"),
}
_FILE_COLUMNS = ("vcf", "hla_file", "gene_expression_file", "transcript_expression_file")
#: ``vaxmix run`` options that a manifest column sets, so an ``options`` cell may not.
_COLUMN_FLAGS = {
    "--out": "patient_id", "--sample": "tumor_sample", "--normal-sample": "normal_sample",
    "--alleles": "alleles", "--hla-file": "hla_file",
    "--gene-expression-file": "gene_expression_file",
    "--transcript-expression-file": "transcript_expression_file",
}  # fmt: skip
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class PatientSpec:
    """One manifest row: the patient's ``vaxmix run`` configuration, or why it has none."""

    patient_id: str
    line: int
    config: object | None  # vaxmix.pipeline.config.PipelineConfig
    error: InputError | None = None


class _RaisingParser(argparse.ArgumentParser):
    """The ``run`` parser, raising :class:`InputError` instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(message)


def _run_parser() -> argparse.ArgumentParser:
    from vaxmix.pipeline.commands import add_run_arguments

    parser = _RaisingParser(prog="vaxmix run", add_help=False)
    add_run_arguments(parser)
    return parser


def _split_options(text: str, field: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise InputError(f"cannot split options {text!r}: {exc}", field=field) from exc


def run_argv(row: dict[str, str], out: Path, options: list[str]) -> list[str]:
    """The ``vaxmix run`` arguments of one manifest row (paths already absolute)."""
    argv = [row["vcf"], "--out", str(out)]
    for column, flag in (("tumor_sample", "--sample"), ("normal_sample", "--normal-sample"),
                         ("hla_file", "--hla-file"),
                         ("gene_expression_file", "--gene-expression-file"),
                         ("transcript_expression_file", "--transcript-expression-file")):
        if row.get(column):
            argv += [flag, row[column]]
    alleles = [a for column in ("alleles", "class2_alleles")
               for a in re.split(r"[,;\s]+", row.get(column, "")) if a]  # fmt: skip
    if alleles:
        argv += ["--alleles", ",".join(alleles)]
    return argv + options


def _header(cells: list[str], path: Path) -> list[str]:
    aliases = {alias: name for name, spellings in COLUMNS.items() for alias in spellings}
    names: list[str] = []
    for cell in cells:
        key = re.sub(r"[\s-]+", "_", cell.strip().lower())
        if key not in aliases:
            raise InputError(f"unknown column {cell.strip()!r}; known: {', '.join(COLUMNS)}",
                             path=path, line=1, field=cell.strip())  # fmt: skip
        if aliases[key] in names:
            raise InputError(f"column {aliases[key]} given twice", path=path, line=1,
                             field=cell.strip())  # fmt: skip
        names.append(aliases[key])
    for required in ("patient_id", "vcf"):
        if required not in names:
            raise InputError(f"the manifest has no {required} column", path=path, line=1,
                             field=required)  # fmt: skip
    return names


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) of every non-blank, non-comment row."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the manifest: {exc}", path=path) from exc
    lines = text.splitlines()
    first = next((line for line in lines if line.strip() and not line.startswith("#")), None)
    if first is None:
        raise InputError("the manifest is empty", path=path)
    delimiter = "," if path.suffix.lower() == ".csv" or "\t" not in first else "\t"
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = next(csv.reader([line], delimiter=delimiter))
        if header is None:
            header = cells
            continue
        rows.append((number, cells))
    assert header is not None
    return header, rows


def _check_file(value: str, base: Path, path: Path, line: int, column: str) -> str:
    target = Path(value).expanduser()
    target = target if target.is_absolute() else base / target
    if not target.is_file():
        raise InputError(f"file not found: {target}", path=path, line=line, field=column)
    return str(target.resolve())


def _config(
    row: dict[str, str], path: Path, line: int, out: Path, common: list[str], known: list[str]
) -> object:
    """Build and check one patient's PipelineConfig; errors carry the manifest location."""
    from vaxmix.mhc.classii.typing import is_class2_name
    from vaxmix.pipeline.commands import config_from_args
    from vaxmix.pipeline.run import resolve_alleles

    base = path.parent
    if not row.get("vcf"):
        raise InputError("no VCF given", path=path, line=line, field="vcf")
    for column in _FILE_COLUMNS:
        if row.get(column):
            row[column] = _check_file(row[column], base, path, line, column)
    if not (row.get("alleles") or row.get("hla_file") or row.get("class2_alleles")):
        raise InputError("give alleles, hla_file or class2_alleles", path=path, line=line,
                         field="alleles")  # fmt: skip
    for name in re.split(r"[,;\s]+", row.get("class2_alleles", "")):
        if name and not is_class2_name(name):
            raise InputError(f"{name!r} is not a class II (DR/DQ/DP) molecule", path=path,
                             line=line, field="class2_alleles")  # fmt: skip
    own = _split_options(row.get("options", ""), "options")
    for token in own:
        flag = token.split("=", 1)[0]
        if flag in _COLUMN_FLAGS:
            raise InputError(f"{flag} is set by the {_COLUMN_FLAGS[flag]} column, not in "
                             "options", path=path, line=line, field="options")  # fmt: skip
    try:
        args = _run_parser().parse_args(run_argv(row, out, common + own))
        for name, value in vars(args).items():  # option paths are relative to the manifest
            if isinstance(value, Path) and name != "out":
                value = value.expanduser()
                setattr(args, name, (value if value.is_absolute() else base / value).resolve())
                if not getattr(args, name).is_file():
                    raise InputError(f"file not found: {getattr(args, name)}",
                                     field=f"--{name.replace('_', '-')}")  # fmt: skip
        config = config_from_args(args)
    except InputError as exc:
        raise InputError(exc.message if exc.field is None else f"{exc.field}: {exc.message}",
                         path=path, line=line, field="options") from None  # fmt: skip
    try:
        resolve_alleles(config, known)  # type: ignore[arg-type]
    except InputError as exc:
        if exc.path is not None:  # the HLA typing file itself is at fault: name it
            raise
        field = "class2_alleles" if row.get("class2_alleles") and not row.get("alleles") \
            else "alleles"  # fmt: skip
        raise InputError(exc.message, path=path, line=line, field=field) from None
    return config


def read_manifest(
    path: str | Path, out_dir: str | Path, options: str = ""
) -> list[PatientSpec]:
    """Read ``path``; return one :class:`PatientSpec` per patient, in manifest order.

    Parameters
    ----------
    path
        The manifest (``.csv`` is comma-separated; anything else tab-separated unless the
        header has no tab).
    out_dir
        The cohort's output folder; patient ``P`` runs into ``out_dir/patients/P``.
    options
        ``vaxmix run`` options for every patient (a row's ``options`` cell comes after them,
        so it wins).

    Raises
    ------
    InputError
        For a problem with the manifest as a whole (see the module docstring). A patient's own
        bad input is returned in :attr:`PatientSpec.error` instead.
    """
    from vaxmix.mhc.alleles import known_alleles

    path = Path(path)
    out_dir = Path(out_dir).resolve()
    common = _split_options(options, "--options")
    for token in common:
        if token.split("=", 1)[0] in _COLUMN_FLAGS:
            raise InputError(f"{token} is a manifest column, not a cohort option",
                             field="--options")  # fmt: skip
    if common:  # a bad cohort-wide option is one error, not one per patient
        from vaxmix.pipeline.commands import config_from_args

        try:
            config_from_args(_run_parser().parse_args(["x.vcf", "--out", "x", *common]))
        except InputError as exc:
            raise InputError(exc.message if exc.field is None else f"{exc.field}: "
                             f"{exc.message}", field="--options") from None  # fmt: skip
    header, rows = _rows(path)
    names = _header(header, path)
    if not rows:
        raise InputError("the manifest has a header but no patient rows", path=path)
    known = known_alleles()
    seen: dict[str, int] = {}
    specs: list[PatientSpec] = []
    for line, cells in rows:
        if len(cells) > len(names):
            raise InputError(f"{len(cells)} cells but {len(names)} columns", path=path,
                             line=line)  # fmt: skip
        row = {name: cell.strip() for name, cell in zip(names, cells, strict=False)}
        patient = row.get("patient_id", "")
        if not _SAFE_ID.match(patient):
            raise InputError(f"patient id {patient!r} must be 1-128 letters, digits, '.', '_' "
                             "or '-' (it names the output folder)", path=path, line=line,
                             field="patient_id")  # fmt: skip
        if patient in seen:
            raise InputError(f"patient {patient} is also on line {seen[patient]}", path=path,
                             line=line, field="patient_id")  # fmt: skip
        seen[patient] = line
        try:
            config = _config(row, path, line, out_dir / "patients" / patient, common, known)
        except InputError as exc:
            specs.append(PatientSpec(patient, line, None, exc))
            continue
        specs.append(PatientSpec(patient, line, config))
    return specs
