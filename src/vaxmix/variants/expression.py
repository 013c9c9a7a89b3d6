"""Gene / transcript expression tables from common quantifiers, and attaching them to variants.

Supported (detected from the header, as vcf-expression-annotator does per format):

========== ============================================== ============ =========
format     file                                           id column    value
========== ============================================== ============ =========
kallisto   ``abundance.tsv``                              target_id    tpm
StringTie  gene abundance (``-A``)                        Gene ID      TPM
RSEM       ``*.genes.results`` / ``*.isoforms.results``   gene_id /    TPM
                                                          transcript_id
Cufflinks  ``genes.fpkm_tracking`` / ``isoforms...``      tracking_id  FPKM
custom     any TSV with ``--expression-id-column``/``--expression-value-column``
========== ============================================== ============ =========

Identifiers are matched exactly, then without the Ensembl version suffix (``ENST…​.4``), and
GENCODE-style ``ENST…|ENSG…|…`` kallisto targets are cut at the first ``|``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.common.textio import read_delimited

__all__ = ["attach_expression", "read_expression_table"]

_FORMATS: tuple[tuple[str, str, str], ...] = (
    ("kallisto", "target_id", "tpm"),
    ("stringtie", "Gene ID", "TPM"),
    ("rsem", "transcript_id", "TPM"),
    ("rsem", "gene_id", "TPM"),
    ("cufflinks", "tracking_id", "FPKM"),
)


def read_expression_table(
    path: str | Path,
    level: str,
    id_column: str | None = None,
    value_column: str | None = None,
) -> tuple[dict[str, float], str]:
    """Read ``{identifier: value}`` from a quantifier's table.

    Parameters
    ----------
    path
        The table (tab-separated, with a header).
    level
        ``gene`` or ``transcript`` (RSEM ``*.results`` files have both id columns; the first
        column is the level's own id).
    id_column, value_column
        Override detection for a custom table.

    Returns
    -------
    (values, format_name)
    """
    path = Path(path)
    if not path.exists():
        raise InputError("expression table not found", path=path)
    table = read_delimited(path, "expression table", sep="\t")
    columns = table.header
    if id_column or value_column:
        if id_column not in columns or value_column not in columns:
            raise InputError(
                f"columns {id_column!r} and {value_column!r} must be in the header "
                f"({', '.join(columns)})", path=path, line=1,
            )  # fmt: skip
        found = ("custom", id_column, value_column)
    else:
        candidates = [f for f in _FORMATS if f[1] in columns and f[2] in columns]
        if candidates and candidates[0][0] == "rsem":
            first = columns[0]
            candidates = [f for f in candidates if f[1] == first] or candidates
        if not candidates:
            raise InputError(
                "unrecognized expression table (expected kallisto, StringTie, RSEM or "
                f"Cufflinks columns); header: {', '.join(columns)}", path=path, line=1,
            )  # fmt: skip
        found = candidates[0]
    name, id_col, value_col = found
    values: dict[str, float] = {}
    first_seen: dict[str, int] = {}
    for number, ident, raw in zip(
        table.lines, table.column(id_col), table.column(value_col), strict=True
    ):
        ident = ident.strip()
        if not ident:
            raise InputError("empty identifier", path=path, line=number, field=id_col)
        if ident in first_seen:
            raise InputError(
                f"identifier {ident!r} appears twice (first on line {first_seen[ident]})",
                path=path, line=number, field=id_col,
            )  # fmt: skip
        first_seen[ident] = number
        value = _expression_value(raw, path, number, value_col)
        key = ident.split("|", 1)[0] if name == "kallisto" else ident
        values[key] = values.get(key, 0.0) + value
    del level  # both levels read the same way; kept for the caller's clarity
    return values, name


def _expression_value(raw: str, path: Path, line: int, field: str) -> float:
    """A TPM/FPKM value: a finite number >= 0 (NaN, infinity or a negative is an error)."""
    try:
        value = float(raw)
    except ValueError:
        raise InputError(
            f"expression value {raw!r} is not a number", path=path, line=line, field=field
        ) from None
    if not math.isfinite(value):
        raise InputError(
            f"expression value {raw!r} is not a finite number", path=path, line=line, field=field
        )
    if value < 0:
        raise InputError(
            f"expression value {raw!r} is negative", path=path, line=line, field=field
        )
    return value


def _lookup(values: dict[str, float], bare_values: dict[str, float], *keys: str) -> str:
    """Exact identifier first, then both sides without their ``.version`` suffix."""
    for key in keys:
        if not key:
            continue
        if key in values:
            return str(values[key])
        bare = key.split(".", 1)[0]
        if bare in bare_values:
            return str(bare_values[bare])
    return "NA"


def _bare(values: dict[str, float]) -> dict[str, float]:
    return {key.split(".", 1)[0]: value for key, value in values.items()}


def attach_expression(
    variants: pd.DataFrame,
    gene_values: dict[str, float] | None,
    transcript_values: dict[str, float] | None,
) -> pd.DataFrame:
    """Replace ``gene_expression`` / ``transcript_expression`` with table values (``NA`` when an
    identifier is absent), leaving the VCF's GX/TX values when no table is given."""
    out = variants.copy()
    if gene_values is not None:
        bare_genes = _bare(gene_values)
        out["gene_expression"] = [
            _lookup(gene_values, bare_genes, gid, name)
            for gid, name in zip(out["ensembl_gene_id"], out["gene_name"], strict=True)
        ]
    if transcript_values is not None:
        bare_transcripts = _bare(transcript_values)
        out["transcript_expression"] = [
            _lookup(transcript_values, bare_transcripts, tid) for tid in out["transcript_name"]
        ]
    return out
