"""A line-oriented VCF 4.x reader that keeps every value as the text the file holds.

Why not htslib (cyvcf2) here: htslib types FORMAT values by the header, so a VCF whose header
declares ``AF`` as Integer, ``AD`` as Number=1 or does not declare ``AF`` at all (ordinary
outputs of Mutect2, Strelka, VarScan and DeepVariant-style converters) either fails to parse or
returns nothing, while pVACseq, which reads with the pure-Python vcfpy, reads the value. Reading
the text and converting only the fields we use, with our own checks, gives pVACseq's values for
those dialects and lets every defect be reported as one :class:`InputError` naming the file,
the line and the field (VCF 4.3 specification, https://samtools.github.io/hts-specs/VCFv4.3.pdf:
eight fixed tab-separated columns, then FORMAT and one column per sample; ``.`` is missing).

Plain and (b)gzip-compressed files are read as a stream; a truncated or corrupt gzip stream, a
byte that is not UTF-8, a NUL byte, a directory or an empty file are input errors.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vaxmix.common.errors import InputError

__all__ = ["Genotype", "VcfHeader", "VcfRecord", "parse_genotype", "read_vcf_text"]

FIXED_COLUMNS = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")
_META_RE = re.compile(r"##(INFO|FORMAT)=<(.*)>\s*$")
_ATTR_RE = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_.]*)=("(?:[^"\\]|\\.)*"|[^,]*)\s*(?:,|$)')
_ALLELE_RE = re.compile(r"^(?:[ACGTNacgtn]+|\*|<[^<>]+>|.*[\[\]].*|\.[ACGTNacgtn]+|"
                        r"[ACGTNacgtn]+\.)$")
_REF_RE = re.compile(r"^[ACGTNacgtn]+$")
_MAX_LINE = 64 * 1024 * 1024


@dataclass
class VcfHeader:
    """What the header declares.

    Attributes
    ----------
    info, format
        ``{ID: {attribute: value}}`` of the ``##INFO`` / ``##FORMAT`` lines (Description
        unquoted), each with ``_line``: its 1-based line number.
    meta
        Every other ``##key=value`` line as ``(key, value)``.
    samples
        Sample names of the ``#CHROM`` line.
    chrom_line
        Line number of the ``#CHROM`` line.
    """

    info: dict[str, dict[str, str]] = field(default_factory=dict)
    format: dict[str, dict[str, str]] = field(default_factory=dict)
    meta: list[tuple[str, str]] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    chrom_line: int = 0

    @property
    def raw_meta_text(self) -> str:
        return "\n".join(f"##{k}={v}" for k, v in self.meta)


@dataclass(slots=True)
class VcfRecord:
    """One data line, split but not converted (``info`` and sample columns stay text)."""

    line: int
    chrom: str
    pos: int
    ref: str
    alts: list[str]
    filter: str
    info: str
    format_keys: list[str]
    calls: list[str]
    path: Path | None = None

    def info_value(self, key: str) -> str | None:
        """Raw value of INFO ``key`` (``""`` for a flag), ``None`` when absent."""
        if self.info == ".":
            return None
        prefix = key + "="
        found = [item[len(prefix):] if item.startswith(prefix) else ""
                 for item in self.info.split(";") if item.startswith(prefix) or item == key]
        if len(found) > 1:
            raise InputError(f"INFO/{key} is given {len(found)} times", path=self.path,
                             line=self.line, field=f"INFO/{key}")  # fmt: skip
        return found[0] if found else None

    def call(self, sample: int) -> dict[str, str]:
        """``{FORMAT key: raw value}`` of one sample; trailing keys may be dropped (VCF 4.3)."""
        values = self.calls[sample].split(":")
        if len(values) > len(self.format_keys):
            raise InputError(
                f"sample column {sample + 1} has {len(values)} values but FORMAT "
                f"{':'.join(self.format_keys)!r} has {len(self.format_keys)} keys",
                path=self.path, line=self.line, field="FORMAT",
            )  # fmt: skip
        return dict(zip(self.format_keys, values, strict=False))


@dataclass(frozen=True)
class Genotype:
    """A parsed GT value: allele indexes (``None`` = ``.``) and whether it is phased (``|``)."""

    alleles: tuple[int | None, ...]
    phased: bool

    @property
    def called(self) -> tuple[int, ...]:
        return tuple(a for a in self.alleles if a is not None)


def parse_genotype(text: str, n_alts: int, path: Path, line: int) -> Genotype:
    """Parse ``GT`` (``0/1``, ``1|0``, ``./.``, ``1``); an allele beyond the ALTs is an error."""
    if text in ("", "."):
        return Genotype((None,), False)
    phased = "|" in text
    alleles: list[int | None] = []
    for part in re.split(r"[/|]", text):
        if part == ".":
            alleles.append(None)
            continue
        if not (part.isascii() and part.isdigit()) or len(part) > 6:
            raise InputError(f"genotype {text!r} is not of the form 0/1, 1|0 or ./.",
                             path=path, line=line, field="FORMAT/GT")  # fmt: skip
        allele = int(part)
        if allele > n_alts:
            raise InputError(
                f"genotype {text!r} names allele {allele} but the record has {n_alts} ALT "
                f"allele(s)", path=path, line=line, field="FORMAT/GT",
            )  # fmt: skip
        alleles.append(allele)
    return Genotype(tuple(alleles), phased)


def _attributes(body: str, path: Path, line: int) -> dict[str, str]:
    attrs: dict[str, str] = {}
    pos = 0
    while pos < len(body):
        match = _ATTR_RE.match(body, pos)
        if match is None or match.end() == pos:
            raise InputError(f"malformed header line near {body[pos:pos + 30]!r}",
                             path=path, line=line)  # fmt: skip
        value = match.group(2)
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"')
        attrs[match.group(1)] = value
        pos = match.end()
    if "ID" not in attrs:
        raise InputError("header line without ID", path=path, line=line)
    return attrs


def _bad_bytes(raw: bytes, exc: UnicodeDecodeError, path: Path, line: int) -> InputError:
    """Name the column (and FORMAT key) that holds the first byte that is not UTF-8."""
    text = raw.decode("utf-8", errors="surrogateescape")
    prefix = raw[: exc.start].decode("utf-8", errors="replace")
    columns = text.split("\t")
    col = prefix.count("\t")
    where = None
    if not text.startswith("#"):
        names = [*FIXED_COLUMNS, "FORMAT"]
        if col < len(names):
            where = names[col].lstrip("#")
        else:
            keys = columns[8].split(":") if len(columns) > 8 else []
            in_col = prefix.split("\t")[-1].count(":")
            where = f"FORMAT/{keys[in_col]}" if in_col < len(keys) else f"sample column {col - 8}"
    return InputError(
        f"byte 0x{raw[exc.start]:02x} is not UTF-8 text (column {len(prefix) + 1}); VCF "
        f"files are UTF-8: the file is corrupt or in another encoding",
        path=path, line=line, field=where,
    )  # fmt: skip


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of a plain or gzip file; every read problem is an InputError."""
    if path.is_dir():
        raise InputError("is a directory, not a VCF file", path=path)
    if not path.exists():
        raise InputError("file not found", path=path)
    if not path.is_file():
        raise InputError("not a regular file (a pipe or device): write the VCF to a file first",
                         path=path)
    try:
        with open(path, "rb") as probe:
            magic = probe.read(2)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", path=path) from exc
    if not magic:
        raise InputError("the file is empty (not a VCF)", path=path)
    compressed = magic == b"\x1f\x8b"
    number = 0
    try:
        handle = gzip.open(path, "rb") if compressed else open(path, "rb")
        with handle:
            while True:
                raw = handle.readline(_MAX_LINE + 1)
                if not raw:
                    break
                number += 1
                if len(raw) > _MAX_LINE:
                    raise InputError("line longer than 64 MiB", path=path, line=number)
                raw = raw.rstrip(b"\r\n")
                if b"\x00" in raw:
                    raise InputError(
                        "NUL byte in the text: the file is binary or corrupt"
                        + ("" if compressed else " (a compressed VCF must be (b)gzip)"),
                        path=path, line=number,
                    )  # fmt: skip
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise _bad_bytes(raw, exc, path, number) from exc
                yield number, text
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(
            f"the gzip stream is truncated or corrupt after line {number} ({exc}); "
            "re-compress the VCF with bgzip",
            path=path, line=number + 1,
        ) from exc
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc})", path=path, line=number + 1) from exc


def read_vcf_text(path: str | Path) -> tuple[VcfHeader, Iterator[VcfRecord]]:
    """Read the header of ``path`` and return it with an iterator over its records.

    The iterator checks each record's shape (column count, POS, REF, ALT, FORMAT) and raises
    :class:`InputError` naming the line and field of the first defect.
    """
    path = Path(path)
    lines = _lines(path)
    header = VcfHeader()
    for number, text in lines:
        if text.startswith("##"):
            match = _META_RE.match(text)
            if match:
                attrs = _attributes(match.group(2), path, number)
                attrs["_line"] = str(number)
                target = header.info if match.group(1) == "INFO" else header.format
                target[attrs["ID"]] = attrs
            else:
                key, sep, value = text[2:].partition("=")
                if sep:
                    header.meta.append((key, value))
            continue
        if text.startswith("#"):
            # pVACseq (vcfpy) also reads a #CHROM line separated by spaces.
            names = text.split("\t") if "\t" in text else text.split()
            if tuple(names[:8]) != FIXED_COLUMNS or (len(names) > 8 and names[8] != "FORMAT"):
                raise InputError(
                    "the #CHROM line must name the columns #CHROM POS ID REF ALT QUAL FILTER "
                    "INFO [FORMAT samples...]", path=path, line=number, field="#CHROM header",
                )  # fmt: skip
            samples = names[9:]
            if len(names) == 9 or len(set(samples)) != len(samples):
                raise InputError("FORMAT without samples, or a sample name used twice",
                                 path=path, line=number, field="#CHROM header")  # fmt: skip
            header.samples = samples
            header.chrom_line = number
            break
        raise InputError("a VCF record before the #CHROM header line (not a VCF, or the "
                         "header is missing)", path=path, line=number)  # fmt: skip
    else:
        raise InputError("no #CHROM header line: not a VCF file", path=path)
    return header, _records(path, lines, header)


def _records(path: Path, lines: Iterator[tuple[int, str]], header: VcfHeader
             ) -> Iterator[VcfRecord]:
    width = 9 + len(header.samples) if header.samples else 8
    for number, text in lines:
        if not text.strip():
            continue
        if text.startswith("#"):
            raise InputError("header line after the #CHROM line", path=path, line=number)
        cols = text.split("\t")
        if len(cols) != width:
            hint = " (fields must be separated by tabs)" if len(cols) == 1 else ""
            raise InputError(
                f"{len(cols)} columns, but the #CHROM header has {width}{hint}: the record is "
                "truncated or garbled", path=path, line=number,
            )  # fmt: skip
        pos = cols[1]
        if not (pos.isascii() and pos.isdigit()) or len(pos) > 12 or int(pos) == 0:
            raise InputError(f"POS must be a positive integer, found {pos[:40]!r}", path=path,
                             line=number, field="POS")  # fmt: skip
        ref = cols[3]
        if not _REF_RE.match(ref):
            raise InputError(f"REF must be bases A,C,G,T,N, found {ref[:40]!r}", path=path,
                             line=number, field="REF")  # fmt: skip
        alts = [] if cols[4] == "." else cols[4].split(",")
        for alt in alts:
            if not _ALLELE_RE.match(alt):
                raise InputError(f"ALT allele {alt[:40]!r} is not a base string, * or <ID>",
                                 path=path, line=number, field="ALT")  # fmt: skip
        keys: list[str] = []
        if header.samples:
            if cols[8] in ("", "."):
                raise InputError("FORMAT is '.' but the VCF has sample columns: the genotype "
                                 "(GT) is needed", path=path, line=number, field="FORMAT")
            keys = cols[8].split(":")
            if len(set(keys)) != len(keys) or "" in keys:
                raise InputError(f"FORMAT {cols[8][:60]!r} names a key twice or an empty key",
                                 path=path, line=number, field="FORMAT")
            if "GT" not in keys:
                raise InputError(f"FORMAT {cols[8][:60]!r} has no GT: the tumor genotype is "
                                 "needed", path=path, line=number, field="FORMAT/GT")
        yield VcfRecord(number, cols[0], int(pos), ref, alts, cols[6], cols[7], keys, cols[9:],
                        path)
