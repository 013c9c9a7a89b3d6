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

Records are read as text (:mod:`vaxmix.variants.vcftext`) so that FORMAT values are read as
pVACseq reads them whatever the header declares; depth and VAF follow pVACseq's
``get_vaf_from_vcf_genotype`` (see :func:`coverage` and the dialect table in
``docs/pipeline.md``); values keep the text form pVACseq writes (``str(float(value))`` for VAFs,
integers for depths, raw strings for GX/TX). A value that is present but impossible (negative,
NaN, a VAF above 1, a non-numeric expression) is an :class:`InputError` naming the line.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.variants.csq import csq_fields, decode_hgvs, entries_for_allele, split_csq
from vaxmix.variants.vcftext import VcfHeader, VcfRecord, parse_genotype, read_vcf_text

__all__ = [
    "PARSED_VCF_COLUMNS",
    "VcfReadResult",
    "choose_sample",
    "coverage",
    "open_vep_vcf",
    "parse_protein_position",
    "read_vep_vcf",
]

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
_GRCH38_RE = re.compile(r"GRC[hm]38")
_INT_RE = re.compile(r"[+-]?[0-9]{1,15}")
_FLOAT_RE = re.compile(r"[+-]?([0-9]{1,30}\.?[0-9]{0,30}|\.[0-9]{1,30})([eE][+-]?[0-9]{1,3})?")

#: Read-count sources: (label, depth key, allele-depth key, allele-frequency key, columns).
SOURCES: dict[str, tuple[str, str, str, str, str]] = {
    "tumor_dna": ("tumor DNA", "DP", "AD", "AF", "tdna"),
    "tumor_rna": ("tumor RNA", "RDP", "RAD", "RAF", "trna"),
    "normal": ("normal", "DP", "AD", "AF", "normal"),
}


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
        Human-readable notes, at most one per kind and record.
    missing
        ``{column: rows}``: table rows whose depth or VAF is NA although the VCF carries that
        measure (for ``run.json``; such rows never pass a depth/VAF cut-off by default).
    unmeasured
        Read-count sources (``tumor_dna``, ``tumor_rna``, ``normal``) for which the VCF has no
        FORMAT field at all (e.g. no RNA read counts, no normal sample): their cut-offs cannot
        be applied, which the run reports.
    samples
        Every sample of the VCF.
    """

    table: pd.DataFrame
    sample: str
    normal_sample: str | None
    records: int
    skipped: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    missing: dict[str, int] = field(default_factory=dict)
    unmeasured: tuple[str, ...] = ()
    samples: tuple[str, ...] = ()


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


def parse_protein_position(value: str) -> str:
    """VEP's Protein_position without ``--total_length``'s ``/length`` (pVACseq's rule: the
    part before ``/``, or the part after it when the first is ``-``); ``""`` when none."""
    if "/" in value:
        head, _, tail = value.partition("/")
        value = tail if head == "-" else head
    return "" if value == "-" else value


def _bad(message: str, path: Path, rec: VcfRecord, key: str) -> InputError:
    return InputError(f"{message} (record {rec.chrom}:{rec.pos})", path=path, line=rec.line,
                      field=f"FORMAT/{key}")  # fmt: skip


def _number(text: str, integer: bool, path: Path, rec: VcfRecord, key: str) -> float | None:
    """A non-negative finite number from FORMAT text; ``None`` for ``.``/empty."""
    if text in ("", "."):
        return None
    if not text.isascii():
        raise _bad(f"value {text[:40]!r} is not an ASCII number", path, rec, key)
    if text.lower() in ("nan", "+nan", "-nan"):
        raise _bad(f"value {text!r} must be a finite number >= 0", path, rec, key)
    if not (_INT_RE if integer else _FLOAT_RE).fullmatch(text):
        kind = "an integer" if integer else "a number"
        raise _bad(f"value {text[:40]!r} is not {kind}", path, rec, key)
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise _bad(f"value {text!r} must be a finite number >= 0", path, rec, key)
    return value


def _pick(values: list[str], n_alts: int, alt_index: int, number: str) -> str | None:
    """The element for ALT ``alt_index`` (1-based) of a FORMAT list, by the header's Number
    (``A``: one per ALT, ``R``: REF first) or, when the header says neither, by the count as
    pVACseq does; a single value for a single ALT is that ALT's (Strelka indels' ``AD:90``).
    ``None`` when the count fits no reading."""
    if n_alts == 1 and len(values) == 1:
        return values[0]
    if len(values) == n_alts and number != "R":
        return values[alt_index - 1]
    if len(values) == n_alts + 1 and number != "A":
        return values[alt_index]
    return None


def coverage(
    call: dict[str, str], n_alts: int, alt_index: int, source: str, path: Path, rec: VcfRecord,
    notes: Counter, numbers: dict[str, str] | None = None,
) -> tuple[str, str]:
    """Depth and VAF (text, ``NA`` when missing) of one sample for one ALT, as pVACseq reads
    them: VAF from AF (``AF``/``RAF``) when present, else alt count / depth from AD and DP
    (``AD``/``RAD``, ``DP``/``RDP``), where AD is Number=R (REF first), Number=A, or a single
    alt count (Strelka indels, VarScan); AD counts that fit neither give NA, as in pVACseq."""
    label, dp_key, ad_key, af_key, _ = SOURCES[source]
    numbers = numbers or {}
    depth = _number(call.get(dp_key, ""), True, path, rec, dp_key)
    depth_text = NA if depth is None else str(int(depth))
    vaf: float | None = None
    vaf_text = NA
    af = call.get(af_key, "")
    if af not in ("", "."):
        chosen = _pick(af.split(","), n_alts, alt_index, numbers.get(af_key, ""))
        if chosen is None:
            notes[f"{label} {af_key} has {len(af.split(','))} values for {n_alts} ALT(s): "
                  "VAF NA"] += 1
        else:
            vaf = _number(chosen, False, path, rec, af_key)
            if vaf is not None:
                vaf_text = str(vaf)
    if vaf is None and call.get(ad_key, "") not in ("", "."):
        counts = call[ad_key].split(",")
        chosen = _pick(counts, n_alts, alt_index, numbers.get(ad_key, ""))
        if chosen is None:
            notes[f"{label} {ad_key} has {len(counts)} values for {n_alts} ALT(s): VAF NA"] += 1
        else:
            alt_count = _number(chosen, True, path, rec, ad_key)
            if alt_count is not None and depth:
                vaf = alt_count / depth
                vaf_text = str(vaf)
                if vaf > 1:
                    raise _bad(f"{label} alt read count {int(alt_count)} ({ad_key}) is larger "
                               f"than the depth {int(depth)} ({dp_key})", path, rec, ad_key)
    if vaf is not None and vaf > 1:
        raise _bad(f"{label} VAF {vaf_text} is above 1: VAFs must be fractions (a VCF with "
                   "percentages must be converted)", path, rec, af_key)
    return depth_text, vaf_text


def _expression_map(call: dict[str, str], key: str, path: Path, rec: VcfRecord) -> dict[str, str]:
    """``GX``/``TX`` FORMAT values (``name|value`` comma lists) as ``{name: value}``."""
    text = call.get(key, "")
    if text in ("", "."):
        return {}
    out: dict[str, str] = {}
    for item in text.split(","):
        name, sep, value = item.partition("|")
        if not sep or not name:
            raise _bad(f"expression entry {item[:60]!r} is not 'ID|value'", path, rec, key)
        _number(value, False, path, rec, key)
        out[name] = value
    return out


def _variant_type(consequence: str, ref: str, alt: str) -> str | None:
    """pVACseq's consequence → variant type rule; ``None`` means skip."""
    terms = {t.lower() for t in consequence.split("&")}
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


def open_vep_vcf(path: str | Path) -> tuple[VcfHeader, Iterator[VcfRecord], list[str]]:
    """Open a VEP-annotated VCF: its header, its records and its CSQ field names.

    Raises :class:`InputError` for a file that is not a VCF, a VCF without a usable CSQ header
    (naming the plugin fields that are missing, :func:`csq_fields`), or a CSQ declared with a
    type other than String.
    """
    path = Path(path)
    header, records = read_vcf_text(path)
    csq = header.info.get("CSQ")
    if csq is not None and csq.get("Type", "String") != "String":
        raise InputError(
            f"the CSQ INFO header declares Type={csq.get('Type')}; VEP writes Type=String (the "
            "header was edited or the file is not VEP output)",
            path=path, line=int(csq["_line"]), field="INFO/CSQ",
        )  # fmt: skip
    return header, records, csq_fields(None if csq is None else csq.get("Description"), path)


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
        Transcript biotypes to keep (pVACseq default: protein_coding); a transcript without a
        BIOTYPE value is kept with biotype ``NA``, as pVACseq does.
    allow_incomplete_transcripts
        Keep transcripts flagged ``cds_start_NF``/``cds_end_NF``.
    pass_only
        Use only records whose FILTER is PASS (pVACseq's default uses all records).

    Raises
    ------
    InputError
        On a missing/empty/truncated file, a missing CSQ or plugin field, an unknown sample, a
        malformed record or value (naming line and field), or when no variant survives.
    """
    path = Path(path)
    header, records, fields = open_vep_vcf(path)
    samples = header.samples
    tumor_idx, normal_idx = _tumor_and_normal(header, sample, normal_sample, path)
    reading = _Reading(
        path=path,
        fields=fields,
        has_samples=bool(samples),
        tumor_idx=tumor_idx,
        normal_idx=normal_idx,
        numbers={key: attrs.get("Number", "") for key, attrs in header.format.items()},
        has={name: name in fields for name in ("MANE_SELECT", "CANONICAL", "HGVSc", "HGVSp")},
        tsl_supported=any(
            _GRCH38_RE.search(value) for key, value in header.meta if key in ("reference", "VEP")
        ),
        allow_incomplete=allow_incomplete_transcripts,
        pass_only=pass_only,
    )
    rows: list[dict[str, str]] = []
    skipped: Counter = Counter()
    notes: Counter = Counter()
    seen_keys: set[str] = set()
    n_records = 0
    for rec in records:
        n_records += 1
        rows.extend(_record_rows(rec, reading, skipped, notes, seen_keys))
    table = pd.DataFrame(
        _number_rows(rows, biotypes, skipped), columns=list(PARSED_VCF_COLUMNS), dtype=object
    )
    unmeasured = _unmeasured(seen_keys, normal_idx is not None)
    missing = _missing(table, unmeasured)
    if n_records and table.empty:
        raise _nothing_survives(path, samples, tumor_idx, n_records, skipped)
    warnings = [f"{text} ({count} record(s))" for text, count in notes.most_common()]
    genotype_drops = skipped["ALT not in tumor genotype"] + skipped["tumor genotype not called"]
    if genotype_drops * 2 >= n_records > 0:
        warnings.insert(0, _genotype_note(samples, tumor_idx, n_records, skipped))
    return VcfReadResult(
        table=table,
        sample=samples[tumor_idx],
        normal_sample=samples[normal_idx] if normal_idx is not None else None,
        records=n_records,
        skipped=skipped,
        warnings=warnings,
        missing=missing,
        unmeasured=unmeasured,
        samples=tuple(samples),
    )


@dataclass(frozen=True)
class _Reading:
    """What every record of one VCF is read against, fixed once the header is known.

    Bundled so the per-record and per-allele steps take one argument instead of ten.
    """

    path: Path
    fields: list[str]
    has_samples: bool
    tumor_idx: int
    normal_idx: int | None
    numbers: dict[str, str]  # FORMAT key -> declared Number (how AD/AF values are split)
    has: dict[str, bool]  # which optional CSQ fields VEP wrote
    tsl_supported: bool  # TSL is only meaningful on GRCh38 annotations
    allow_incomplete: bool
    pass_only: bool


def _tumor_and_normal(
    header: VcfHeader, sample: str | None, normal_sample: str | None, path: Path
) -> tuple[int, int | None]:
    """The tumor and (optional) normal sample columns, checked before any record is read.

    A VCF with samples but no GT, or a normal that is the tumor, is an input error: the
    genotype decides which ALT alleles are the tumor's.
    """
    samples = header.samples
    if samples and "GT" not in header.format:
        raise InputError(
            "no GT FORMAT field: the tumor genotype is needed (add GT, e.g. 0/1)",
            path=path,
            field="FORMAT/GT",
        )
    tumor_idx = choose_sample(samples, sample, path)
    normal_idx = choose_sample(samples, normal_sample, path, "normal") if normal_sample else None
    if normal_idx == tumor_idx:
        raise InputError(f"the normal sample {normal_sample!r} is also the tumor sample",
                         path=path, field="--normal-sample")  # fmt: skip
    return tumor_idx, normal_idx


def _record_rows(
    rec: VcfRecord, reading: _Reading, skipped: Counter, notes: Counter, seen_keys: set[str]
) -> list[dict[str, str]]:
    """The transcript rows of one VCF record (before numbering); skips counted in ``skipped``.

    A record is used only when the tumor genotype is called (and, with ``pass_only``, PASS)
    and VEP annotated it; each ALT in the tumor genotype then yields its CSQ entries' rows.
    """
    path = reading.path
    call = rec.call(reading.tumor_idx) if reading.has_samples else {}
    gt = parse_genotype(call.get("GT", "."), len(rec.alts), path, rec.line)
    called = gt.called
    if not called:
        skipped["tumor genotype not called"] += 1
        return []
    if reading.pass_only and rec.filter not in ("PASS", "."):
        skipped["record not PASS"] += 1
        return []
    csq_value = rec.info_value("CSQ")
    if not csq_value:
        skipped["record without CSQ"] += 1
        return []
    entries = split_csq(csq_value, reading.fields, path=path, line=rec.line)
    normal_call = rec.call(reading.normal_idx) if reading.normal_idx is not None else None
    seen_keys.update(call)
    if normal_call is not None:
        seen_keys.update(f"normal:{k}" for k in normal_call)
    ref, alts = rec.ref, rec.alts
    rows: list[dict[str, str]] = []
    for alt_index, alt in enumerate(alts, start=1):
        if alt_index not in called:
            skipped["ALT not in tumor genotype"] += 1
            continue
        chosen = entries_for_allele(entries, ref, alt, alts)
        if not chosen:
            skipped["no CSQ entry for ALT"] += 1
            continue
        rows.extend(
            _allele_rows(rec, alt_index, alt, chosen, call, normal_call, reading, skipped, notes)
        )
    return rows


def _allele_rows(
    rec: VcfRecord,
    alt_index: int,
    alt: str,
    chosen: list[dict[str, str]],
    call: dict[str, str],
    normal_call: dict[str, str] | None,
    reading: _Reading,
    skipped: Counter,
    notes: Counter,
) -> list[dict[str, str]]:
    """One row per usable CSQ entry of one ALT allele, with its coverage and expression.

    Depth, VAF and expression are read (and checked) once per allele and shared by all its
    transcripts.
    """
    path, numbers, n_alts, ref = reading.path, reading.numbers, len(rec.alts), rec.ref
    tdna = coverage(call, n_alts, alt_index, "tumor_dna", path, rec, notes, numbers)
    trna = coverage(call, n_alts, alt_index, "tumor_rna", path, rec, notes, numbers)
    if normal_call is not None:
        normal = coverage(normal_call, n_alts, alt_index, "normal", path, rec, notes, numbers)
    else:
        normal = (NA, NA)
    gx = _expression_map(call, "GX", path, rec)
    tx = _expression_map(call, "TX", path, rec)
    start, stop = _coordinates(rec.pos, ref, alt)
    rows: list[dict[str, str]] = []
    for entry in chosen:
        row = _transcript_row(entry, ref, alt, reading.allow_incomplete, reading.has, skipped)
        if row is None:
            continue
        row.update(
            chromosome_name=rec.chrom,
            start=str(start),
            stop=str(stop),
            reference=ref,
            variant=alt,
            transcript_support_level=(
                (entry.get("TSL") or NA) if reading.tsl_supported else "Not Supported"
            ),
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
    return rows


def _number_rows(
    rows: list[dict[str, str]], biotypes: tuple[str, ...], skipped: Counter
) -> list[dict[str, str]]:
    """Give every row pVACseq's Index, then drop the rows pVACseq numbers but does not keep.

    pVACseq numbers the rows of its own variant types as it meets them, before it drops rows
    for their biotype, a WildtypeProtein with a stop or no Amino_acids, so numbers have gaps
    there; a stop_lost row (vaxmix only) takes the number of the row before it, so the other
    rows keep pVACseq's numbers (the variant type in the index keeps it unique).
    """
    n = 0
    kept = []
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
        drop = row.pop("_drop", None)
        if drop is None and row["biotype"] != NA and row["biotype"] not in biotypes:
            drop = f"biotype {row['biotype']}"
        if drop is None:
            kept.append(row)
        else:
            skipped[drop] += 1
    return kept


def _unmeasured(seen_keys: set[str], has_normal: bool) -> tuple[str, ...]:
    out = []
    for source, (_, dp_key, ad_key, af_key, _) in SOURCES.items():
        prefix = "normal:" if source == "normal" else ""
        if source == "normal" and not has_normal:
            out.append(source)
        elif not {prefix + dp_key, prefix + ad_key, prefix + af_key} & seen_keys:
            out.append(source)
    return tuple(out)


def _missing(table: pd.DataFrame, unmeasured: tuple[str, ...]) -> dict[str, int]:
    out = {}
    for source, (_, _, _, _, column) in SOURCES.items():
        if source in unmeasured:
            continue
        for kind in ("depth", "vaf"):
            count = int((table[f"{column}_{kind}"] == NA).sum()) if len(table) else 0
            if count:
                out[f"{column}_{kind}"] = count
    return out


def _genotype_note(samples: list[str], tumor_idx: int, records: int, skipped: Counter) -> str:
    others = [s for i, s in enumerate(samples) if i != tumor_idx]
    return (
        f"{skipped['ALT not in tumor genotype']} ALT allele(s) not in the genotype of sample "
        f"{samples[tumor_idx]!r} and {skipped['tumor genotype not called']} record(s) with it "
        f"not called, of {records} record(s): is {samples[tumor_idx]!r} the tumor? "
        + (f"other samples: {', '.join(others)}" if others else "it is the only sample")
    )


def _nothing_survives(path: Path, samples: list[str], tumor_idx: int, records: int,
                      skipped: Counter) -> InputError:
    reasons = ", ".join(f"{k}: {v}" for k, v in skipped.most_common(6))
    genotype = skipped["ALT not in tumor genotype"] + skipped["tumor genotype not called"]
    hint = (f"; {_genotype_note(samples, tumor_idx, records, skipped)} (choose it with --sample)"
            if genotype else "")
    return InputError(
        f"no variant × transcript survives of {records} record(s) ({reasons}){hint}",
        path=path, field="--sample" if genotype else None,
    )  # fmt: skip


def _transcript_row(
    entry: dict[str, str],
    ref: str,
    alt: str,
    allow_incomplete: bool,
    has: dict[str, bool],
    skipped: Counter,
) -> dict[str, str] | None:
    """Columns that come from one CSQ entry, or ``None`` (counted in ``skipped``).

    Like pVACseq, a row skipped before it gets an Index number returns ``None``; a row that
    pVACseq numbers and then drops (biotype, a stop in WildtypeProtein, no Amino_acids) is
    returned with ``_drop`` set to the reason, so that it consumes its number.
    """
    consequence = entry.get("Consequence", "")
    flags = entry.get("FLAGS", "").lower()
    if not allow_incomplete and ("cds_start_nf" in flags or "cds_end_nf" in flags):
        skipped["incomplete transcript (cds_start_NF/cds_end_NF)"] += 1
        return None
    variant_type = _variant_type(consequence, ref, alt)
    if variant_type is None:
        skipped[_skip_reason(consequence)] += 1
        return None
    position = parse_protein_position(entry.get("Protein_position", ""))
    if not position:
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
    wildtype = entry.get("WildtypeProtein", "")
    drop = None
    if "*" in wildtype:
        drop = "WildtypeProtein contains a stop (*)"
    elif not amino_acids:
        drop = "no Amino_acids"
    elif not wildtype:
        drop = "no WildtypeProtein"
    elif variant_type == "stop_lost" and not amino_acids.startswith("*/"):
        drop = "stop_lost without a lost stop in Amino_acids"
    gene_name = entry.get("SYMBOL") or entry.get("Gene", "")
    if frameshift:
        change = len(frameshift) - len(wildtype)
        length_change = f"+{change}" if change > 0 else str(change)
    else:
        length_change = ""
    row = {
        "gene_name": gene_name,
        "transcript_name": entry.get("Feature", ""),
        "canonical": (str(entry.get("CANONICAL") == "YES") if has["CANONICAL"] else "Not Run"),
        "mane_select": (str(bool(entry.get("MANE_SELECT"))) if has["MANE_SELECT"]
                        else "Not Run"),
        "transcript_length": str(len(wildtype)),
        "biotype": entry.get("BIOTYPE") or NA,
        "transcript_cds_flags": flags or "None",
        "amino_acid_change": amino_acids,
        "codon_change": entry.get("Codons") or NA,
        "ensembl_gene_id": entry.get("Gene", ""),
        "hgvsc": decode_hgvs(entry.get("HGVSc", "")) if has["HGVSc"] else NA,
        "hgvsp": decode_hgvs(entry.get("HGVSp", "")) if has["HGVSp"] else NA,
        "wildtype_amino_acid_sequence": wildtype,
        "frameshift_amino_acid_sequence": frameshift,
        "variant_type": variant_type,
        "protein_position": position,
        "protein_length_change": length_change,
    }
    if drop is not None:
        row["_drop"] = drop
    return row
