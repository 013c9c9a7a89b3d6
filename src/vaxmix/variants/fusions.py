"""Gene-fusion inputs: AGFusion result folders and Arriba ``fusions.tsv`` → typed fusion records.

These are the two formats pVACfuse (pVACtools 7.1.5) reads, and the records carry the same
information as pVACfuse's intermediate fusion table (``<sample>.fa.tsv``), so that junction
windows and result tables can match pVACfuse row for row. The rules below were learnt from
pVACtools' ``FusionInputConverter`` (``pvactools/lib/input_file_converter.py``):

* **Arriba** (``fusions.tsv``, any Arriba ≥ 1.1 with ``peptide_sequence``): rows whose
  ``peptide_sequence`` is ``.``/empty are skipped; the junction is the ``|`` in the peptide
  (its 0-based offset = the first residue of the 3' partner); stop codons ``*`` are removed and
  the peptide is upper-cased (Arriba writes out-of-frame residues in lower case); only
  ``reading_frame`` ``in-frame``/``out-of-frame`` rows are kept (``stop-codon``, ``.`` skipped);
  read support = ``split_reads1 + split_reads2 + discordant_mates``.
* **AGFusion** (one sub-folder per fusion, run with ``--middlestar``): every
  ``*/*_protein.fa`` in sorted path order; the junction is the first ``*`` in the protein; the
  effect ``in-frame``/``in-frame (with mutation)`` is inframe, ``out-of-frame`` frameshift;
  coordinates come from the sibling ``*.exons.txt`` (or ``.csv``). AGFusion has no read support
  or expression; those come from an optional STAR-Fusion table (``JunctionReadCount +
  SpanningFragCount``, ``FFPM``), matched on breakpoints as pVACfuse does.

The fusion ``index`` is pVACfuse's ``count.genes.transcripts.variant_type.position`` with
``count`` numbering the kept records from 1, so tables can be joined on it.

Unlike pVACfuse (which exits with a bare message or a traceback), every bad input raises
:class:`~vaxmix.common.errors.InputError` naming the file, line and field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from vaxmix.common.errors import InputError
from vaxmix.common.fasta import read_fasta_entries

__all__ = [
    "ARRIBA_COLUMNS",
    "FusionRecord",
    "read_agfusion_dir",
    "read_arriba_tsv",
    "read_fusions",
    "read_starfusion_tsv",
]

INFRAME = "inframe_fusion"
FRAMESHIFT = "frameshift_fusion"

#: Arriba columns vaxmix needs (``#gene1`` is the header's first column).
ARRIBA_COLUMNS: tuple[str, ...] = (
    "#gene1",
    "gene2",
    "breakpoint1",
    "breakpoint2",
    "split_reads1",
    "split_reads2",
    "discordant_mates",
    "reading_frame",
    "transcript_id1",
    "transcript_id2",
    "peptide_sequence",
)
_EXON_COLUMNS: tuple[str, ...] = (
    "5'_transcript",
    "3'_transcript",
    "exon_gene_source",
    "exon_chr",
    "exon_start",
    "exon_end",
)
_STARFUSION_COLUMNS: tuple[str, ...] = (
    "LeftBreakpoint",
    "RightBreakpoint",
    "JunctionReadCount",
    "SpanningFragCount",
    "FFPM",
)
_AGFUSION_EFFECTS = {
    "in-frame": INFRAME,
    "in-frame (with mutation)": INFRAME,
    "out-of-frame": FRAMESHIFT,
}


@dataclass(frozen=True)
class FusionRecord:
    """One fusion protein, as pVACfuse's intermediate table has it.

    ``junction`` is the 0-based offset in ``peptide`` of the first residue contributed by the
    3' partner (pVACfuse's ``protein_position``); ``peptide`` has the marker and stop codons
    removed. ``read_support``/``expression`` (FFPM) are ``None`` where the input has none.
    """

    index: str
    genes: str
    transcripts: str
    fusion_type: str
    junction: int
    peptide: str
    chromosome: str
    start: str
    stop: str
    read_support: int | None
    expression: float | None
    source: str
    line: int | None
    #: Residues before the first stop codon (``None``: no stop). pVACfuse drops every ``*``
    #: and predicts across stops; a vaccine must not use residues past it.
    coding_length: int | None = None

    @property
    def inframe(self) -> bool:
        return self.fusion_type == INFRAME


def _index(count: int, genes: str, transcripts: str, fusion_type: str, junction: int) -> str:
    return f"{count}.{genes}.{transcripts}.{fusion_type}.{junction}"


def _split_junction(
    peptide: str, marker: str, path: Path, line: int | None, field: str
) -> tuple[int, str]:
    if marker not in peptide:
        raise InputError(
            f"no fusion junction marker {marker!r} in the peptide"
            + (" (rerun AGFusion with --middlestar)" if marker == "*" else ""),
            path,
            line,
            field,
        )
    return peptide.find(marker), peptide.replace(marker, "")


def _int(value: str, path: Path, line: int | None, field: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"expected a whole number, got {value!r}", path, line, field) from None
    if number < 0:
        raise InputError(f"read counts cannot be negative ({number})", path, line, field)
    return number


def _header(fields: list[str], required: tuple[str, ...], path: Path, what: str) -> dict[str, int]:
    columns = {name: i for i, name in enumerate(fields)}
    missing = [name for name in required if name not in columns]
    if missing:
        raise InputError(f"not {what}: missing column(s) {', '.join(missing)}", path, 1, missing[0])
    return columns


# --------------------------------------------------------------------------- STAR-Fusion


@dataclass(frozen=True)
class _StarFusion:
    left: tuple[str, int, str]
    right: tuple[str, int, str]
    read_support: int
    ffpm: float


def _breakpoint(value: str, path: Path, line: int, field: str) -> tuple[str, int, str]:
    parts = value.split(":")
    if len(parts) != 3 or parts[2] not in {"+", "-"}:
        raise InputError(f"expected chrom:position:strand, got {value!r}", path, line, field)
    return parts[0].removeprefix("chr"), _int(parts[1], path, line, field), parts[2]


def read_starfusion_tsv(path: str | Path) -> list[_StarFusion]:
    """STAR-Fusion ``star-fusion.fusion_predictions[.abridged].tsv``: breakpoints, reads, FFPM."""
    path = Path(path)
    entries: list[_StarFusion] = []
    with _open_text(path) as handle:
        columns = _header(
            handle.readline().rstrip("\r\n").split("\t"),
            _STARFUSION_COLUMNS,
            path,
            "a STAR-Fusion predictions table",
        )
        for line_no, text in enumerate(handle, start=2):
            if not text.strip():
                continue
            f = text.rstrip("\r\n").split("\t")
            if len(f) < len(columns):
                raise InputError(f"{len(f)} fields, header has {len(columns)}", path, line_no)

            def get(name: str, f: list[str] = f) -> str:
                return f[columns[name]]

            ffpm = _float(get("FFPM"), path, line_no, "FFPM")
            reads = _int(get("JunctionReadCount"), path, line_no, "JunctionReadCount") + _int(
                get("SpanningFragCount"), path, line_no, "SpanningFragCount"
            )
            entries.append(
                _StarFusion(
                    _breakpoint(get("LeftBreakpoint"), path, line_no, "LeftBreakpoint"),
                    _breakpoint(get("RightBreakpoint"), path, line_no, "RightBreakpoint"),
                    reads,
                    ffpm,
                )
            )
    return entries


def _float(value: str, path: Path, line: int, field: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise InputError(f"expected a number, got {value!r}", path, line, field) from None
    if not math.isfinite(number) or number < 0:
        raise InputError(f"expected a finite non-negative number, got {value!r}", path, line, field)
    return number


def _open_text(path: Path):
    if not path.is_file():
        raise InputError("file not found", path)
    try:
        return path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None


# --------------------------------------------------------------------------- Arriba


def read_arriba_tsv(path: str | Path, starfusion: str | Path | None = None) -> list[FusionRecord]:
    """Arriba ``fusions.tsv`` → records (pVACfuse's rules; see the module docstring).

    With ``starfusion``, expression (FFPM) is taken from the STAR-Fusion row whose left/right
    breakpoints equal Arriba's ``breakpoint1``/``breakpoint2``; read support stays Arriba's.
    """
    path = Path(path)
    star = read_starfusion_tsv(starfusion) if starfusion is not None else None
    records: list[FusionRecord] = []
    with _open_text(path) as handle:
        first = handle.readline().rstrip("\r\n").split("\t")
        columns = _header(first, ARRIBA_COLUMNS, path, "an Arriba fusions.tsv")
        for line_no, text in enumerate(handle, start=2):
            if not text.strip():
                continue
            f = text.rstrip("\r\n").split("\t")
            if len(f) < len(first):
                raise InputError(
                    f"{len(f)} fields, header has {len(first)} (truncated line?)", path, line_no
                )

            def get(name: str, f: list[str] = f) -> str:
                return f[columns[name]]

            peptide = get("peptide_sequence")
            if peptide in {"", "."}:
                continue  # non-coding or unknown frame: no protein (pVACfuse skips too)
            breakpoints = []
            for field in ("breakpoint1", "breakpoint2"):
                parts = get(field).rsplit(":", 1)
                if len(parts) != 2:
                    raise InputError(
                        f"expected chrom:position, got {get(field)!r}", path, line_no, field
                    )
                _int(parts[1], path, line_no, field)
                breakpoints.append(parts)
            junction, sequence = _split_junction(peptide, "|", path, line_no, "peptide_sequence")
            frame = get("reading_frame")
            if frame == "in-frame":
                fusion_type = INFRAME
            elif frame == "out-of-frame":
                fusion_type = FRAMESHIFT
            else:
                continue  # stop-codon / '.': no fusion peptide beyond the junction
            stop_at = sequence.find("*")
            sequence = sequence.replace("*", "").upper()
            reads = sum(
                _int(get(name), path, line_no, name)
                for name in ("split_reads1", "split_reads2", "discordant_mates")
            )
            genes = f"{get('#gene1')}-{get('gene2')}"
            transcripts = f"{get('transcript_id1')}-{get('transcript_id2')}"
            expression = None
            if star is not None:
                (c1, p1), (c2, p2) = breakpoints
                for entry in star:
                    if (
                        entry.left[0] == c1.removeprefix("chr")
                        and entry.right[0] == c2.removeprefix("chr")
                        and entry.left[1] == int(p1)
                        and entry.right[1] == int(p2)
                    ):
                        expression = entry.ffpm
                        break
            records.append(
                FusionRecord(
                    index=_index(len(records) + 1, genes, transcripts, fusion_type, junction),
                    genes=genes,
                    transcripts=transcripts,
                    fusion_type=fusion_type,
                    junction=junction,
                    peptide=sequence,
                    coding_length=stop_at if stop_at >= 0 else None,
                    chromosome=f"{breakpoints[0][0]} / {breakpoints[1][0]}",
                    start=f"{breakpoints[0][1]} / {breakpoints[1][1]}",
                    stop="NA",
                    read_support=reads,
                    expression=expression,
                    source=str(path),
                    line=line_no,
                )
            )
    return records


# --------------------------------------------------------------------------- AGFusion


def _read_fasta(path: Path) -> list[tuple[str, str, int]]:
    """(description, sequence, header line) of each record; empty sequences are an error."""
    out = []
    for entry in read_fasta_entries(path, "AGFusion protein FASTA"):
        if not entry.sequence_lines:
            raise InputError("record has no sequence (truncated AGFusion output?)", path,
                             entry.line)  # fmt: skip
        out.append((entry.header, entry.sequence, entry.line))
    return out


def _read_exons(protein_fa: Path) -> tuple[Path, dict[str, list[dict[str, str]]]]:
    exon_file = protein_fa.with_name(protein_fa.name.removesuffix("_protein.fa") + ".exons.txt")
    if not exon_file.exists():
        exon_file = exon_file.with_suffix(".csv")
    if not exon_file.exists():
        raise InputError(
            f"AGFusion folder is incomplete: {exon_file.with_suffix('.txt').name} (or .csv) "
            "missing beside the protein FASTA",
            protein_fa,
        )
    by_pair: dict[str, list[dict[str, str]]] = {}
    with _open_text(exon_file) as handle:
        head = handle.readline().rstrip("\r\n")
        sep = "\t" if "\t" in head else ","
        names = head.split(sep)
        _header(names, _EXON_COLUMNS, exon_file, "an AGFusion exons table")
        for line_no, text in enumerate(handle, start=2):
            if not text.strip():
                continue
            values = text.rstrip("\r\n").split(sep)
            if len(values) != len(names):
                raise InputError(
                    f"{len(values)} fields, header has {len(names)} (truncated?)",
                    exon_file,
                    line_no,
                )
            row = dict(zip(names, values, strict=True))
            row["_line"] = str(line_no)
            pair = f"{row[_EXON_COLUMNS[0]]}-{row[_EXON_COLUMNS[1]]}"
            by_pair.setdefault(pair, []).append(row)
    return exon_file, by_pair


def _exon_span(rows: list[dict[str, str]], exon_file: Path) -> tuple[str, int, int, str, int, int]:
    spans: dict[str, tuple[str, list[int]]] = {}
    for row in rows:
        source = row["exon_gene_source"]
        if source not in {"'5 gene", "'3 gene"}:
            raise InputError(
                f"expected '5 gene or '3 gene, got {source!r}",
                exon_file,
                int(row["_line"]),
                "exon_gene_source",
            )
        line = int(row["_line"])
        positions = spans.setdefault(source, (row["exon_chr"], []))[1]
        positions.append(_int(row["exon_start"], exon_file, line, "exon_start"))
        positions.append(_int(row["exon_end"], exon_file, line, "exon_end"))
    if set(spans) != {"'5 gene", "'3 gene"}:
        raise InputError(
            "exons of only one fusion partner (truncated AGFusion output?)",
            exon_file,
            None,
            "exon_gene_source",
        )
    (c5, p5), (c3, p3) = spans["'5 gene"], spans["'3 gene"]
    return c5, min(p5), max(p5), c3, min(p3), max(p3)


def _match_starfusion_agfusion(
    star: list[_StarFusion], span: tuple[str, int, int, str, int, int]
) -> _StarFusion | None:
    """pVACfuse's rule: the 5' breakpoint is the exon span's end (+ strand) or start (-), the
    3' breakpoint its start (+) or end (-)."""
    c5, s5, e5, c3, s3, e3 = span
    for entry in star:
        if entry.left[0] != c5.removeprefix("chr") or entry.right[0] != c3.removeprefix("chr"):
            continue
        five = entry.left[1] == (e5 if entry.left[2] == "+" else s5)
        three = entry.right[1] == (s3 if entry.right[2] == "+" else e3)
        if five and three:
            return entry
    return None


def read_agfusion_dir(path: str | Path, starfusion: str | Path | None = None) -> list[FusionRecord]:
    """An AGFusion output folder (one sub-folder per fusion) → records.

    Sub-folders without a ``*_protein.fa`` are non-coding fusions and skipped, as pVACfuse does,
    unless they hold a ``*_cds.fa`` (AGFusion writes both for coding fusions, so a CDS without a
    protein means the folder was truncated).
    """
    path = Path(path)
    if not path.is_dir():
        raise InputError("not a directory (expected an AGFusion output folder)", path)
    subdirs = sorted(p for p in path.iterdir() if p.is_dir())
    if not subdirs:
        raise InputError("no fusion sub-folders (expected AGFusion output)", path)
    for sub in subdirs:
        if any(sub.glob("*_cds.fa")) and not any(sub.glob("*_protein.fa")):
            raise InputError("AGFusion folder is incomplete: *_cds.fa without *_protein.fa", sub)
    star = read_starfusion_tsv(starfusion) if starfusion is not None else None
    records: list[FusionRecord] = []
    for protein_fa in sorted(path.glob("*/*_protein.fa"), key=str):
        exon_file, exons = _read_exons(protein_fa)
        for description, raw, line_no in _read_fasta(protein_fa):
            info: dict[str, str] = {}
            for item in description.split(", ")[1:]:
                key, sep, value = item.partition(": ")
                if sep:
                    info[key] = value
            for key in ("transcripts", "genes", "effect"):
                if key not in info:
                    raise InputError(
                        f"FASTA header lacks '{key}: ...' (not AGFusion output?)",
                        protein_fa,
                        line_no,
                        key,
                    )
            fusion_type = _AGFUSION_EFFECTS.get(info["effect"])
            if fusion_type is None:
                raise InputError(
                    f"effect {info['effect']!r} not supported (expected one of "
                    f"{', '.join(_AGFUSION_EFFECTS)})",
                    protein_fa,
                    line_no,
                    "effect",
                )
            transcripts = info["transcripts"].replace("_", "-")
            if transcripts not in exons:
                raise InputError(
                    f"no exons for transcripts {transcripts} (truncated AGFusion output?)",
                    exon_file,
                    None,
                    "5'_transcript",
                )
            span = _exon_span(exons[transcripts], exon_file)
            junction, sequence = _split_junction(raw, "*", protein_fa, line_no, "sequence")
            stop_at = raw.find("*", junction + 1)  # a stop codon after the junction marker
            entry = _match_starfusion_agfusion(star, span) if star is not None else None
            records.append(
                FusionRecord(
                    index=_index(
                        len(records) + 1, info["genes"], info["transcripts"], fusion_type, junction
                    ),
                    genes=info["genes"],
                    transcripts=transcripts,
                    fusion_type=fusion_type,
                    junction=junction,
                    peptide=sequence,
                    coding_length=stop_at - 1 if stop_at >= 0 else None,
                    chromosome=f"{span[0]} / {span[3]}",
                    start=f"{span[1]} / {span[4]}",
                    stop=f"{span[2]} / {span[5]}",
                    read_support=entry.read_support if entry else None,
                    expression=entry.ffpm if entry else None,
                    source=str(protein_fa),
                    line=line_no,
                )
            )
    return records


def read_fusions(path: str | Path, starfusion: str | Path | None = None) -> list[FusionRecord]:
    """A folder is read as AGFusion output, a file as Arriba ``fusions.tsv`` (pVACfuse's rule)."""
    path = Path(path)
    if path.is_dir():
        return read_agfusion_dir(path, starfusion)
    if not path.exists():
        raise InputError("fusion input not found", path)
    return read_arriba_tsv(path, starfusion)
