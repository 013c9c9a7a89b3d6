"""Quality-control metrics of a designed mRNA, computed independently of the design search.

Energies are ViennaRNA MFEs (Turner 2004, 37 °C; Lorenz et al., Algorithms Mol Biol 2011;6:26)
with ``dangles=0`` (LinearDesign's model, Zhang et al., Nature 2023;621:396) and ``dangles=2``
(RNAfold's default), for the coding codons alone (no stop, as LinearDesign reports) and for the
whole mRNA. The optional N1-methylpseudouridine figure uses ViennaRNA's modified-base soft
constraints with the Dutta et al. 2024 m1Ψ set (PCCP 26:992, doi:10.1039/D3CP02442C) on every U.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TYPE_CHECKING

from vaxmix.common.progress import stage_note
from vaxmix.mrna.codons import CodonTable, cai, translate
from vaxmix.mrna.constraints import gc_windows
from vaxmix.mrna.folding import fold_mfe

if TYPE_CHECKING:
    from vaxmix.mrna.records import MrnaDesign

__all__ = ["compute_qc"]


def _fold_task(args: tuple[str, int, bool]) -> tuple[str, float]:
    return fold_mfe(*args)


def compute_qc(design: MrnaDesign, table: CodonTable, known_folds: dict | None = None) -> dict:
    """All QC figures of ``design`` as a flat, JSON-ready dict (see ``docs/mrna.md``).

    ``known_folds`` maps ``(sequence, dangles, m1psi)`` to folds already made (by the
    start-region repair) so that they are not repeated.
    """
    import RNA

    cds_start, cds_end = design.cds_span
    stop_len = len(design.config.elements.stop)
    coding = design.mrna[cds_start : cds_end - stop_len]
    tasks = [(coding, 0, False), (coding, 2, False), (design.mrna, 0, False),
             (design.mrna, 2, False)]
    if design.config.m1psi:
        tasks.append((design.mrna, 2, True))
    known = known_folds or {}
    todo = [task for task in tasks if task not in known]
    started = time.perf_counter()
    stage_note(f"  mRNA QC: {len(todo)} ViennaRNA MFE fold(s) (CDS {len(coding)} nt, mRNA "
               f"{len(design.mrna)} nt; {len(tasks) - len(todo)} reused) ...")  # fmt: skip
    found: dict = {}

    def finished(task: tuple[str, int, bool], fold: tuple[str, float]) -> None:
        found[task] = fold
        what = f"{'CDS' if task[0] == coding else 'mRNA'} dangles={task[1]}"
        what += ", m1Ψ" if task[2] else ""
        stage_note(f"  mRNA QC: fold {len(found)}/{len(todo)} ({what}) done "
                   f"({time.perf_counter() - started:.1f} s)")  # fmt: skip

    if len(design.mrna) < 1500:  # process start-up costs more than the folds themselves
        for task in todo:
            finished(task, _fold_task(task))
    else:  # the folds are independent: use both cores
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
            futures = {pool.submit(_fold_task, task): task for task in todo}
            for future in as_completed(futures):
                finished(futures[future], future.result())
    results = {**known, **found}
    stage_note(f"  mRNA QC: folds done in {time.perf_counter() - started:.1f} s")
    folds = [results[task] for task in tasks]
    cons = design.config.constraints
    cds_dna = design.cds.replace("U", "T")
    windows = gc_windows(cds_dna, cons.gc_window)
    full_struct = folds[3][0]
    lo = max(0, cds_start - cons.start_flank)
    hi = min(len(design.mrna), cds_start + cons.start_flank)
    paired = sum(c != "." for c in full_struct[lo:hi]) / max(hi - lo, 1)
    protein_back = translate(design.cds)
    qc: dict = {
        "energy_model": f"ViennaRNA {RNA.__version__} Turner 2004, 37 C",
        "mrna_length_nt": len(design.mrna),
        "cds_length_nt": len(design.cds),
        "protein_length_aa": len(design.protein),
        "cai": round(cai(coding, table), 4),
        "codon_table": table.name,
        "mfe_cds_d0": folds[0][1],
        "mfe_cds_d2": folds[1][1],
        "mfe_mrna_d0": folds[2][1],
        "mfe_mrna_d2": folds[3][1],
        "gc_cds": round(sum(c in "GC" for c in cds_dna) / len(cds_dna), 4),
        "gc_mrna": round(sum(c in "GC" for c in design.mrna) / len(design.mrna), 4),
        "gc_window_min": round(min(windows), 4),
        "gc_window_max": round(max(windows), 4),
        "u_fraction_cds": round(design.cds.count("U") / len(design.cds), 4),
        "u_fraction_mrna": round(design.mrna.count("U") / len(design.mrna), 4),
        "start_region_paired_fraction": round(paired, 4),
        "start_region_ok": paired <= cons.start_max_paired,
        "translation": protein_back,
        "translation_matches": protein_back.rstrip("*") == design.protein
        and protein_back.endswith("*"),
        "mrna_structure_d2": full_struct,
    }
    if design.config.m1psi:
        qc["mfe_mrna_m1psi_d2"] = folds[4][1]
    return qc
