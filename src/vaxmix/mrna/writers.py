"""Write a design: FASTA (RNA and DNA template), GenBank with features, QC table, JSON.

All files go through :func:`vaxmix.common.atomic.staged_output`, so a failed run leaves nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from vaxmix.common.atomic import staged_output
from vaxmix.common.provenance import package_versions
from vaxmix.mrna.records import MrnaDesign

__all__ = ["SCHEMA", "qc_rows", "write_design"]

SCHEMA = "vaxmix.mrna/1"


def _wrap(seq: str, width: int = 60) -> str:
    return "\n".join(seq[k : k + width] for k in range(0, len(seq), width))


def qc_rows(design: MrnaDesign) -> list[tuple[str, str, str]]:
    """QC sheet rows ``(item, value, status)``; constraint rows list every failing position."""
    q = design.qc
    model = q["energy_model"]
    rows = [
        ("mrna_length_nt", str(q["mrna_length_nt"]), "info"),
        ("cds_length_nt", str(q["cds_length_nt"]), "info"),
        ("cai", f"{q['cai']:.4f} ({q['codon_table']})", "info"),
        ("mfe_cds_d0_kcal_mol", f"{q['mfe_cds_d0']:.1f} ({model}, dangles=0)", "info"),
        ("mfe_cds_d2_kcal_mol", f"{q['mfe_cds_d2']:.1f} ({model}, dangles=2)", "info"),
        ("mfe_mrna_d0_kcal_mol", f"{q['mfe_mrna_d0']:.1f} ({model}, dangles=0)", "info"),
        ("mfe_mrna_d2_kcal_mol", f"{q['mfe_mrna_d2']:.1f} ({model}, dangles=2)", "info"),
    ]
    if "mfe_mrna_m1psi_d2" in q:
        rows.append(("mfe_mrna_m1psi_d2_kcal_mol",
                     f"{q['mfe_mrna_m1psi_d2']:.1f} (all U as m1psi, Dutta 2024 set)", "info"))
    start_max = design.config.constraints.start_max_paired
    rows += [
        ("gc_cds", f"{q['gc_cds']:.3f}", "info"),
        ("gc_mrna", f"{q['gc_mrna']:.3f}", "info"),
        ("gc_window_min_max", f"{q['gc_window_min']:.2f}-{q['gc_window_max']:.2f}", "info"),
        ("u_fraction_cds", f"{q['u_fraction_cds']:.3f}", "info"),
        ("u_fraction_mrna", f"{q['u_fraction_mrna']:.3f}", "info"),
        ("start_region_paired_fraction",
         f"{q['start_region_paired_fraction']:.2f} (max {start_max})",
         "pass" if q["start_region_ok"] else "fail"),
        ("translation_matches_input", "yes" if q["translation_matches"] else "NO",
         "pass" if q["translation_matches"] else "fail"),
    ]
    names = ["gc_overall", "gc_window", "polyA_signal_AATAAA", "T7_terminator_ATCTGTT",
             *design.config.constraints.sites, "homopolymer_A", "homopolymer_C",
             "homopolymer_G", "homopolymer_T", f"repeat_{design.config.constraints.repeat_k}mer",
             "start_region"]
    extra = sorted({v.constraint for v in design.violations} - set(names))
    for name in [*names, *extra]:
        hits = [v for v in design.violations if v.constraint == name]
        where = "; ".join(f"{v.start}-{v.end}" for v in hits) if hits else "-"
        rows.append((f"constraint:{name}", where, "fail" if hits else "pass"))
    for v in design.fixed_element_findings:
        rows.append((f"fixed_element:{v.constraint}", f"{v.start}-{v.end} {v.detail}", "note"))
    return rows


def _genbank(design: MrnaDesign, name: str) -> str:
    import io

    from Bio.Seq import Seq
    from Bio.SeqFeature import FeatureLocation, SeqFeature
    from Bio.SeqRecord import SeqRecord

    record = SeqRecord(Seq(design.template_dna), id=name[:16], name=name[:16],
                       description=f"vaxmix mRNA design (DNA template) for {name}",
                       annotations={"molecule_type": "DNA", "topology": "linear",
                                    "comment": f"5' cap: {design.config.elements.cap_note}. "
                                               f"Energies: {design.qc['energy_model']}."})
    for seg_name, start, end, note in design.segments:
        if end <= start:
            continue
        kind = {"5'UTR": "5'UTR", "Kozak": "regulatory", "CDS": "CDS", "3'UTR": "3'UTR",
                "poly(A)": "misc_feature"}[seg_name]
        quals: dict[str, list[str]] = {"label": [seg_name], "note": [note]}
        if kind == "CDS":
            quals["translation"] = [design.protein]
            quals["codon_start"] = ["1"]
        if kind == "regulatory":
            quals["regulatory_class"] = ["other"]
        record.features.append(SeqFeature(FeatureLocation(start, end, strand=1), type=kind,
                                          qualifiers=quals))
    cds_start, _ = design.cds_span
    for el in design.protein_elements:
        start = cds_start + 3 * (int(el["start"]) - 1)
        end = cds_start + 3 * int(el["end"])
        record.features.append(SeqFeature(
            FeatureLocation(start, end, strand=1), type="misc_feature",
            qualifiers={"label": [el["name"]], "note": [f"protein element ({el['kind']})"]}))
    handle = io.StringIO()
    from Bio import SeqIO

    SeqIO.write(record, handle, "genbank")
    return handle.getvalue()


def write_design(design: MrnaDesign, out_dir: str | Path, name: str = "mrna",
                 inputs: dict[str, str] | None = None) -> Path:
    """Write ``mrna.fasta``, ``mrna.gb``, ``qc.tsv`` and ``mrna.json`` into ``out_dir``.

    Parameters
    ----------
    design
        The design from :func:`vaxmix.mrna.design.design_mrna`.
    out_dir
        Output folder (created; replaced file by file only when everything was written).
    name
        Record name used in FASTA/GenBank headers.
    inputs
        Input files and their sha256, for provenance.
    """
    cds_start, cds_end = design.cds_span
    with staged_output(out_dir) as stage:
        fasta = (
            f">{name}_mRNA length={len(design.mrna)} cds={cds_start + 1}-{cds_end} "
            f"CAI={design.qc['cai']:.3f} MFE_d0={design.qc['mfe_mrna_d0']:.1f}\n"
            f"{_wrap(design.mrna)}\n"
            f">{name}_DNA_template coding strand, T7 transcription template insert\n"
            f"{_wrap(design.template_dna)}\n"
            f">{name}_CDS cds of {len(design.protein)} aa\n{_wrap(design.cds)}\n"
        )
        (stage / "mrna.fasta").write_text(fasta)
        (stage / "mrna.gb").write_text(_genbank(design, name))
        lines = ["item\tvalue\tstatus"]
        lines += ["\t".join(row) for row in qc_rows(design)]
        (stage / "qc.tsv").write_text("\n".join(lines) + "\n")
        payload = {
            "schema": SCHEMA,
            "name": name,
            "protein": design.protein,
            "mrna": design.mrna,
            "dna_template": design.template_dna,
            "cap": design.config.elements.cap_note,
            "segments": [
                {"name": s, "start": a + 1, "end": b, "source": note}
                for s, a, b, note in design.segments
            ],
            "qc": {k: v for k, v in design.qc.items()},
            "violations": [vars(v) for v in design.violations],
            "fixed_element_findings": [vars(v) for v in design.fixed_element_findings],
            "all_constraints_met": design.all_constraints_met,
            "dp_structure": design.dp_structure,
            "parameters": design.config.parameters(),
            "timings_s": design.timings,
            "inputs": inputs or {},
            "versions": package_versions(("viennarna", "numba", "biopython",
                                          "python-codon-tables")),
        }
        (stage / "mrna.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return Path(out_dir)
