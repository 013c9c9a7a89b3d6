"""Read a VEP-annotated tumor VCF into pVACseq's parsed-VCF table (a row per variant × transcript).

The table has the columns and value formatting of pVACseq 7.1.5's ``<sample>.tsv`` (the
"input file converter" output), so downstream tools and users can compare the two directly.
The selection rules follow pVACseq (documented in ``docs/pipeline.md``):

* a record is used only when the tumor sample's genotype is called and contains the ALT;
* a transcript is kept when its biotype is allowed (default ``protein_coding``), it carries no
  ``cds_start_NF``/``cds_end_NF`` flag (unless incomplete transcripts are allowed), its
  WildtypeProtein has no ``*``, it has a protein position, and it has a FrameshiftSequence
  (frameshifts) or Amino_acids (others);
* the VEP consequence decides the variant type: ``start_lost`` and ``stop_retained`` are
  skipped, then frameshift → ``FS``, missense (including multi-nucleotide changes) →
  ``missense``, inframe insertion/deletion, and ``protein_altering_variant`` → ins/del when the
  length change is a multiple of three; vaxmix adds ``stop_lost`` (which pVACseq skips):
  the residues VEP reports at the lost stop, plus the read-through protein when a
  FrameshiftSequence is given. Everything else is skipped with a counted reason.

Parsing uses cyvcf2 (htslib) for speed and robustness; the FORMAT values keep the text form
pVACseq writes (``str(float(value))`` for VAFs, integers for depths, raw strings for GX/TX).
"""

from __future__ import annotations

import contextlib
import gzip
import math
import os
import re
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.variants.csq import csq_fields, decode_hgvs, entries_for_allele, split_csq

__all__ = ["PARSED_VCF_COLUMNS", "VcfReadResult", "choose_sample", "open_vep_vcf", "read_vep_vcf"]

PARSED_VCF_COLUMNS: tuple[str, ...] = (
    "chromosome_name", "start", "stop", "reference", "variant", "gene_name",
    "transcript_name", "transcript_support_level", "canonical", "mane_select",
    "transcript_length", "biotype", "transcript_cds_flags", "amino_acid_change",
    "codon_change", "ensembl_gene_id", "hgvsc", "hgvsp", "wildtype_amino_acid_sequence",
    "frameshift_amino_acid_sequence", "variant_type", "protein_position",
    "transcript_expression", "gene_expression", "normal_depth", "normal_vaf", "tdna_depth",
    "tdna_vaf", "trna_depth", "trna_vaf", "index", "protein_length_change",
)  # fmt: skip

NA = "NA"
_INT_MISSING = np.iinfo(np.int32).min
_GRCH38_RE = re.compile(r"GRC[hm]38")


@dataclass
class VcfReadResult:
    """What :func:`read_vep_vcf` found.

    Attributes
    ----------
    table
        The parsed-VCF table (all values as text, pVACseq formatting), in VCF order.
    sample, normal_sample
        The sample names used.
    records
        Number of VCF records read.
    skipped
        ``{reason: count}`` of variant × transcript entries (or records) not used.
    warnings
        Human-readable notes (e.g. VAF above 1), at most one per kind and record.
    """

    table: pd.DataFrame
    sample: str
    normal_sample: str | None
    records: int
    skipped: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)


def choose_sample(samples: list[str], sample: str | None, path: Path, what: str = "tumor") -> int:
    """Index of the named sample; the only sample when none is named; else a clear error."""
    if not samples:
        raise InputError(
            "the VCF has no sample columns (sites only); a genotyped tumor sample is needed",
            path=path,
            field="#CHROM header",
        )
    if sample is None:
        if len(samples) == 1:
            return 0
        raise InputError(
            f"the VCF has {len(samples)} samples ({', '.join(samples) or 'none'}); "
            f"name the {what} sample with --sample",
            path=path,
            field="#CHROM header",
        )
    if sample not in samples:
        raise InputError(
            f"{what} sample {sample!r} is not in the VCF; its samples are: "
            f"{', '.join(samples) or 'none'}",
            path=path,
            field="#CHROM header",
        )
    return samples.index(sample)


def _float_text(value: float) -> str:
    """pVACseq writes ``str(float)`` of the VCF text; recover that text from htslib's float32."""
    return str(float(str(np.float32(value))))


def _format_scalar(rec: object, key: str, sample: int, index: int) -> float | int | None:
    """One FORMAT value of one sample (``index`` picks the element for Number=A/R fields)."""
    try:
        values = rec.format(key)  # type: ignore[attr-defined]
    except KeyError:
        return None
    if values is None:
        return None
    row = values[sample]
    if index >= len(row):
        return None
    value = row[index]
    if values.dtype.kind == "f":
        return None if math.isnan(value) else float(value)
    if values.dtype.kind in "iu":
        return None if value in (_INT_MISSING, _INT_MISSING + 1) else int(value)
    return None


def _depth_vaf(
    rec: object, sample: int, alt_index: int, depth_key: str, ad_key: str, af_key: str
) -> tuple[str, str, float | None]:
    """Depth and VAF as text (``NA`` when missing): VAF from ``af_key`` else AD[alt]/depth."""
    depth = _format_scalar(rec, depth_key, sample, 0)
    vaf_value = _format_scalar(rec, af_key, sample, alt_index - 1)
    if vaf_value is not None:
        vaf_text = _float_text(vaf_value)
        vaf = float(vaf_text)
    else:
        alt_depth = _format_scalar(rec, ad_key, sample, alt_index)
        if alt_depth is not None and depth:
            vaf = alt_depth / depth
            vaf_text = str(vaf)
        else:
            vaf, vaf_text = None, NA
    depth_text = NA if depth is None else str(int(depth))
    return depth_text, vaf_text, vaf


def _expression_map(rec: object, key: str, sample: int) -> dict[str, str]:
    """``GX``/``TX`` FORMAT values (``name|value`` comma lists) as ``{name: value}``."""
    try:
        values = rec.format(key)  # type: ignore[attr-defined]
    except KeyError:
        return {}
    if values is None:
        return {}
    raw = values[sample]
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    out: dict[str, str] = {}
    for item in text.split(","):
        name, sep, value = item.partition("|")
        if sep:
            out[name] = value
    return out


def _variant_type(consequence: str, ref: str, alt: str) -> str | None:
    """pVACseq's consequence → variant type rule; ``None`` means skip."""
    terms = set(consequence.split("&"))
    if "start_lost" in terms or "stop_retained_variant" in terms:
        return None
    if "frameshift_variant" in terms:
        return "FS"
    if "missense_variant" in terms:
        return "missense"
    if "inframe_insertion" in terms:
        return "inframe_ins"
    if "inframe_deletion" in terms:
        return "inframe_del"
    if "protein_altering_variant" in terms:
        change = len(alt) - len(ref)
        if change > 0 and change % 3 == 0:
            return "inframe_ins"
        if change < 0 and change % 3 == 0:
            return "inframe_del"
    if "stop_lost" in terms:
        # Not a pVACseq 7.1.5 type (it skips stop_lost); vaxmix adds it, see build_window.
        return "stop_lost"
    return None


def _skip_reason(consequence: str) -> str:
    terms = consequence.split("&")
    for term in ("start_lost", "stop_retained_variant", "stop_lost", "stop_gained"):
        if term in terms:
            return f"consequence {term}"
    return f"consequence {terms[0] or 'none'}"


def _coordinates(pos: int, ref: str, alt: str) -> tuple[int, int]:
    """pVACseq's Start/Stop: 0-based start, except 1 past the anchor base of an indel."""
    start = pos if len(ref) != len(alt) and ref[:1] == alt[:1] else pos - 1
    return start, pos - 1 + len(ref)


def _diagnose_bad_record(path: Path, record_number: int, exc: Exception) -> InputError:
    """Locate the htslib parse failure of the ``record_number``-th record (1-based) by re-reading
    its raw line and checking the numeric FORMAT/INFO values against the header types."""
    types: dict[tuple[str, str], str] = {}
    line_no = 0
    seen = 0
    opener = gzip.open if _is_gzip(path) else open
    try:
        with opener(path, "rt", errors="replace") as handle:
            for line in handle:
                line_no += 1
                if line.startswith("##"):
                    m = re.match(r"##(INFO|FORMAT)=<ID=([^,]+),Number=[^,]+,Type=(\w+)", line)
                    if m:
                        types[(m.group(1), m.group(2))] = m.group(3)
                    continue
                if line.startswith("#"):
                    continue
                seen += 1
                if seen == record_number:
                    return _check_line(path, line_no, line.rstrip("\n"), types)
    except (OSError, EOFError) as read_exc:
        return InputError(
            f"the file is truncated or corrupt ({read_exc})", path=path, line=line_no or None
        )
    return InputError(f"could not parse record {record_number}: {exc}", path=path, line=line_no)


def _check_line(path: Path, line_no: int, line: str, types: dict) -> InputError:
    cols = line.split("\t")
    if len(cols) < 8:
        return InputError(
            f"a VCF record needs at least 8 tab-separated columns, found {len(cols)}",
            path=path, line=line_no,
        )  # fmt: skip
    if len(cols) > 9:
        keys = cols[8].split(":")
        for sample_col in cols[9:]:
            for key, value in zip(keys, sample_col.split(":"), strict=False):
                kind = types.get(("FORMAT", key))
                bad = _bad_number(value, kind)
                if bad is not None:
                    return InputError(
                        f"{kind} value expected, found {bad!r}", path=path, line=line_no,
                        field=f"FORMAT/{key}",
                    )  # fmt: skip
    for item in cols[7].split(";"):
        key, _, value = item.partition("=")
        kind = types.get(("INFO", key))
        bad = _bad_number(value, kind) if value else None
        if bad is not None:
            return InputError(
                f"{kind} value expected, found {bad!r}", path=path, line=line_no,
                field=f"INFO/{key}",
            )  # fmt: skip
    if not cols[1].isdigit():
        return InputError(f"POS must be an integer, found {cols[1]!r}", path=path, line=line_no,
                          field="POS")  # fmt: skip
    return InputError("htslib could not parse this record", path=path, line=line_no)


def _bad_number(value: str, kind: str | None) -> str | None:
    if kind not in ("Float", "Integer"):
        return None
    for part in value.split(","):
        if part in (".", ""):
            continue
        try:
            int(part) if kind == "Integer" else float(part)
        except ValueError:
            return part
    return None


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _check_readable(path: Path) -> None:
    """Fail early, with a clear message, on a missing, empty or truncated (b)gzip file."""
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.stat().st_size == 0:
        raise InputError("the file is empty (not a VCF)", path=path)
    if _is_gzip(path):
        try:
            with gzip.open(path, "rb") as handle:
                while handle.read(1 << 20):
                    pass
        except (EOFError, OSError, gzip.BadGzipFile) as exc:
            raise InputError(
                f"the gzip stream is truncated or corrupt ({exc}); re-compress it with bgzip",
                path=path,
            ) from exc


@contextlib.contextmanager
def _htslib_messages(sink: list[str]) -> Iterator[None]:
    """Collect what htslib prints on file descriptor 2 (``[W::...]`` / ``[E::...]`` lines) into
    ``sink`` instead of the terminal, so a bad record gives one vaxmix message, not three."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode(errors="replace")
            sink.extend(line for line in text.splitlines() if line.strip())


def _iter_records(vcf: object, path: Path) -> Iterator[tuple[int, object]]:
    number = 0
    iterator = iter(vcf)  # type: ignore[call-overload]
    while True:
        try:
            rec = next(iterator)
        except StopIteration:
            return
        except Exception as exc:  # cyvcf2 raises a bare Exception on htslib parse errors
            raise _diagnose_bad_record(path, number + 1, exc) from exc
        number += 1
        yield number, rec


def read_vep_vcf(
    path: str | Path,
    sample: str | None = None,
    normal_sample: str | None = None,
    biotypes: tuple[str, ...] = ("protein_coding",),
    allow_incomplete_transcripts: bool = False,
    pass_only: bool = False,
) -> VcfReadResult:
    """Parse a VEP-annotated VCF into pVACseq's parsed-VCF table.

    Parameters
    ----------
    path
        Plain or bgzipped VCF annotated by VEP with the Wildtype and Frameshift plugins.
    sample
        Tumor sample name; required when the VCF has more than one sample.
    normal_sample
        Optional matched normal sample (fills normal depth/VAF).
    biotypes
        Transcript biotypes to keep (pVACseq default: protein_coding).
    allow_incomplete_transcripts
        Keep transcripts flagged ``cds_start_NF``/``cds_end_NF``.
    pass_only
        Use only records whose FILTER is PASS (pVACseq's default uses all records).

    Raises
    ------
    InputError
        On a missing/empty/truncated file, a missing CSQ or plugin field, an unknown sample, a
        malformed record (naming line and field) or a reference mismatch.
    """
    import cyvcf2  # heavy import kept local

    path = Path(path)
    _check_readable(path)
    htslib_notes: list[str] = []
    with _htslib_messages(htslib_notes):
        result = _read(path, sample, normal_sample, biotypes, allow_incomplete_transcripts,
                       pass_only, cyvcf2)  # fmt: skip
    result.warnings.extend(f"htslib: {note}" for note in htslib_notes[:50])
    return result


def open_vep_vcf(path: Path, cyvcf2: object) -> tuple[object, list[str]]:
    """Open a VEP-annotated VCF with cyvcf2; return it and its CSQ field names.

    Raises :class:`InputError` for a file htslib cannot read or a VCF without a usable CSQ
    header (naming the plugin fields that are missing, :func:`csq_fields`).
    """
    try:
        vcf = cyvcf2.VCF(str(path), gts012=False, lazy=True)  # type: ignore[attr-defined]
    except Exception as exc:  # htslib: not a VCF
        raise InputError(f"not a readable VCF file ({exc})", path=path) from exc
    try:
        description = vcf.get_header_type("CSQ").get("Description")
    except KeyError:
        description = None
    return vcf, csq_fields(description, path)


def _read(
    path: Path,
    sample: str | None,
    normal_sample: str | None,
    biotypes: tuple[str, ...],
    allow_incomplete_transcripts: bool,
    pass_only: bool,
    cyvcf2: object,
) -> VcfReadResult:
    vcf, fields = open_vep_vcf(path, cyvcf2)
    samples = list(vcf.samples)
    if samples and "##FORMAT=<ID=GT," not in vcf.raw_header:
        raise InputError(
            "no GT FORMAT field: the tumor genotype is needed (add GT, e.g. 0/1)",
            path=path,
            field="FORMAT/GT",
        )
    tumor_idx = choose_sample(samples, sample, path)
    normal_idx = choose_sample(samples, normal_sample, path, "normal") if normal_sample else None
    raw_header = vcf.raw_header
    tsl_supported = any(
        _GRCH38_RE.search(line)
        for line in raw_header.splitlines()
        if line.startswith(("##reference", "##VEP"))
    )
    has_mane = "MANE_SELECT" in fields
    rows: list[dict[str, str]] = []
    skipped: Counter = Counter()
    notes: list[str] = []
    records = 0
    for number, rec in _iter_records(vcf, path):
        records = number
        if pass_only and rec.FILTER not in (None, "PASS"):
            skipped["record not PASS"] += 1
            continue
        gt = rec.genotypes[tumor_idx]
        called = [allele for allele in gt[:-1] if allele >= 0]
        if not called:
            skipped["tumor genotype not called"] += 1
            continue
        csq_value = rec.INFO.get("CSQ")
        if not csq_value:
            skipped["record without CSQ"] += 1
            continue
        entries = split_csq(csq_value, fields)
        ref = rec.REF
        alts = list(rec.ALT)
        for alt_index, alt in enumerate(alts, start=1):
            if alt_index not in called:
                skipped["ALT not in tumor genotype"] += 1
                continue
            chosen = entries_for_allele(entries, ref, alt, alts)
            if not chosen:
                skipped["no CSQ entry for ALT"] += 1
                continue
            tdna = _depth_vaf(rec, tumor_idx, alt_index, "DP", "AD", "AF")
            trna = _depth_vaf(rec, tumor_idx, alt_index, "RDP", "RAD", "RAF")
            if normal_idx is not None:
                normal = _depth_vaf(rec, normal_idx, alt_index, "DP", "AD", "AF")
            else:
                normal = (NA, NA, None)
            vafs = (("tumor DNA", tdna[2]), ("tumor RNA", trna[2]), ("normal", normal[2]))
            for label, vaf in vafs:
                if vaf is not None and vaf > 1:
                    notes.append(f"{rec.CHROM}:{rec.POS} {label} VAF {vaf} is above 1")
            gx = _expression_map(rec, "GX", tumor_idx)
            tx = _expression_map(rec, "TX", tumor_idx)
            start, stop = _coordinates(rec.POS, ref, alt)
            for entry in chosen:
                row = _transcript_row(entry, ref, alt, allow_incomplete_transcripts, skipped)
                if row is None:
                    continue
                row.update(
                    chromosome_name=rec.CHROM,
                    start=str(start),
                    stop=str(stop),
                    reference=ref,
                    variant=alt,
                    transcript_support_level=(
                        (entry.get("TSL") or NA) if tsl_supported else "Not Supported"
                    ),
                    mane_select=(str(bool(entry.get("MANE_SELECT"))) if has_mane else "Not Run"),
                    transcript_expression=tx.get(entry.get("Feature", ""), NA),
                    gene_expression=gx.get(entry.get("Gene", ""), gx.get(row["gene_name"], NA)),
                    normal_depth=normal[0],
                    normal_vaf=normal[1],
                    tdna_depth=tdna[0],
                    tdna_vaf=tdna[1],
                    trna_depth=trna[0],
                    trna_vaf=trna[1],
                )
                rows.append(row)
    vcf.close()
    # pVACseq numbers the rows of its own variant types; a stop_lost row (vaxmix only) takes the
    # number of the row before it, so the other rows keep pVACseq's numbers (the variant type in
    # the index keeps it unique).
    n = 0
    for row in rows:
        if row["variant_type"] != "stop_lost":
            n += 1
        if row["variant_type"] == "FS":
            change = f"{row['protein_position']}{row['reference']}/{row['variant']}"
        else:
            change = f"{row['protein_position']}{row['amino_acid_change']}"
        row["index"] = (
            f"{n}.{row['gene_name']}.{row['transcript_name']}.{row['variant_type']}.{change}"
        )
    # pVACseq numbers rows before it applies the biotype filter, so numbers have gaps.
    kept = []
    for row in rows:
        if row["biotype"] in biotypes:
            kept.append(row)
        else:
            skipped[f"biotype {row['biotype'] or 'none'}"] += 1
    rows = kept
    table = pd.DataFrame(rows, columns=list(PARSED_VCF_COLUMNS), dtype=object)
    for note in notes[:20]:
        warnings.warn(note, stacklevel=2)
    return VcfReadResult(
        table=table,
        sample=samples[tumor_idx],
        normal_sample=samples[normal_idx] if normal_idx is not None else None,
        records=records,
        skipped=skipped,
        warnings=notes,
    )


def _transcript_row(
    entry: dict[str, str],
    ref: str,
    alt: str,
    allow_incomplete: bool,
    skipped: Counter,
) -> dict[str, str] | None:
    """Columns that come from one CSQ entry, or ``None`` (counted in ``skipped``)."""
    consequence = entry.get("Consequence", "")
    variant_type = _variant_type(consequence, ref, alt)
    if variant_type is None:
        skipped[_skip_reason(consequence)] += 1
        return None
    flags = [f for f in entry.get("FLAGS", "").split("&") if f]
    if not allow_incomplete and any(f in ("cds_start_NF", "cds_end_NF") for f in flags):
        skipped["incomplete transcript (cds_start_NF/cds_end_NF)"] += 1
        return None
    wildtype = entry.get("WildtypeProtein", "")
    if "*" in wildtype:
        skipped["WildtypeProtein contains a stop (*)"] += 1
        return None
    position = entry.get("Protein_position", "")
    if position in ("", "-"):
        skipped["no protein position"] += 1
        return None
    frameshift = entry.get("FrameshiftSequence", "")
    amino_acids = entry.get("Amino_acids", "")
    if variant_type == "FS" and not frameshift:
        skipped["frameshift without FrameshiftSequence"] += 1
        return None
    if variant_type != "FS" and not amino_acids:
        skipped["no Amino_acids"] += 1
        return None
    if variant_type == "stop_lost" and not amino_acids.startswith("*/"):
        skipped["stop_lost without a lost stop in Amino_acids"] += 1
        return None
    if not wildtype:
        skipped["no WildtypeProtein"] += 1
        return None
    gene_name = entry.get("SYMBOL") or entry.get("Gene", "")
    return {
        "gene_name": gene_name,
        "transcript_name": entry.get("Feature", ""),
        "canonical": str(entry.get("CANONICAL") == "YES"),
        "transcript_length": str(len(wildtype)),
        "biotype": entry.get("BIOTYPE", ""),
        "transcript_cds_flags": ",".join(flags) if flags else "None",
        "amino_acid_change": amino_acids,
        "codon_change": entry.get("Codons", ""),
        "ensembl_gene_id": entry.get("Gene", ""),
        "hgvsc": decode_hgvs(entry.get("HGVSc", "")),
        "hgvsp": decode_hgvs(entry.get("HGVSp", "")),
        "wildtype_amino_acid_sequence": wildtype,
        "frameshift_amino_acid_sequence": (
            frameshift if variant_type in ("FS", "stop_lost") else ""
        ),
        "variant_type": variant_type,
        "protein_position": position,
        "protein_length_change": (
            str(len(frameshift) - len(wildtype)) if variant_type == "FS" else ""
        ),
    }
