"""The design options named in the issue, each checked against an independent expectation.

Small proteins and the short-span, CDS-only setting keep these fast (one serial numba kernel).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from Bio import SeqIO

from vaxmix.cli import main
from vaxmix.mrna.codons import cai, load_codon_table
from vaxmix.mrna.constraints import ConstraintConfig
from vaxmix.mrna.design import DesignConfig, design_mrna

PROTEIN = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ"
FAST = DesignConfig(fold_context="cds", max_span=40, max_loop=12, gc_rounds=2)
TABLE = load_codon_table("h_sapiens_9606")


def _cds_mfe_d0(design) -> float:
    import RNA

    start, end = design.cds_span
    md = RNA.md()
    md.dangles = 0
    return RNA.fold_compound(design.mrna[start : end - 6], md).mfe()[1]


def test_lambda_trades_stability_for_cai():
    """λ = 0 optimises structure only; a large λ must pick (nearly) the most-used codon
    everywhere (CAI → 1, worked out from the Kazusa table, not from the design code) at the
    cost of a less stable fold."""
    loose = ConstraintConfig(gc_min=0.0, gc_max=1.0)
    mfe_only = design_mrna(PROTEIN, dataclasses.replace(FAST, cai_weight=0.0, constraints=loose))
    cai_heavy = design_mrna(PROTEIN, dataclasses.replace(FAST, cai_weight=50.0,
                                                         constraints=loose))
    start, end = cai_heavy.cds_span
    assert cai(cai_heavy.mrna[start:end], TABLE) >= 0.95
    assert cai_heavy.qc["cai"] > mfe_only.qc["cai"]
    assert _cds_mfe_d0(mfe_only) < _cds_mfe_d0(cai_heavy)


def _fewest_u(protein: str) -> int:
    """Fewest U a CDS (+ UGAUGA stop) of ``protein`` can have, from the standard genetic code
    in Biopython (independent of vaxmix's codon tables)."""
    from Bio.Data.CodonTable import standard_rna_table

    best: dict[str, int] = {}
    for codon, aa in standard_rna_table.forward_table.items():
        best[aa] = min(best.get(aa, 3), codon.count("U"))
    return sum(best[aa] for aa in protein) + 2


def test_uridine_depletion_reaches_the_fewest_u():
    """With λ = 0 the design chases structure only; a U penalty of 50 kcal/mol (more than any
    base pair can gain) must bring the CDS down to the fewest U the genetic code allows."""
    loose = ConstraintConfig(gc_min=0.0, gc_max=1.0)
    base = dataclasses.replace(FAST, cai_weight=0.0, constraints=loose)
    plain = design_mrna(PROTEIN, base)
    depleted = design_mrna(PROTEIN, dataclasses.replace(base, u_penalty=50.0))
    start, end = depleted.cds_span
    u_plain = plain.mrna[start:end].count("U")
    u_depleted = depleted.mrna[start:end].count("U")
    assert u_depleted == _fewest_u(PROTEIN)
    assert u_depleted < u_plain
    assert depleted.qc["translation_matches"]


def test_m1psi_energy_is_lower_than_unmodified():
    """N1-methylpseudouridine–A pairs are more stable than U–A (Dutta et al., PCCP 2024), so
    with every U modified the full-mRNA MFE must drop below the unmodified one."""
    design = design_mrna(PROTEIN, dataclasses.replace(FAST, m1psi=True))
    assert design.qc["mfe_mrna_m1psi_d2"] < design.qc["mfe_mrna_d2"]


def test_seed_is_recorded_and_design_is_deterministic():
    first = design_mrna(PROTEIN, dataclasses.replace(FAST, seed=1))
    second = design_mrna(PROTEIN, dataclasses.replace(FAST, seed=2))
    assert first.mrna == second.mrna
    assert first.config.parameters()["seed"] == 1


def test_progress_bar_wraps_the_dp_rounds(monkeypatch):
    import vaxmix.mrna.design as design_module

    seen = []

    def recording(iterable, desc, total=None):
        seen.append(desc)
        return iter(iterable)

    monkeypatch.setattr(design_module, "progress", recording)
    design_mrna(PROTEIN, FAST)
    assert "mRNA design DP rounds" in seen


def test_cli_replaces_every_element(tmp_path: Path):
    five, kozak, stop, three, tail = "GGGAGACCCAAGCUG", "GCCACC", "UAA", "CUCGAGCUAGC", "A" * 40
    faa = tmp_path / "p.faa"
    faa.write_text(f">p\n{PROTEIN}\n")
    out = tmp_path / "o"
    assert main(["mrna", "--protein", str(faa), "--out", str(out), "--context", "cds",
                 "--max-span", "40", "--five-utr", five, "--kozak", kozak, "--stop", stop,
                 "--three-utr", three, "--poly-a", tail]) == 0
    payload = json.loads((out / "mrna.json").read_text())
    rna = payload["mrna"]
    assert rna.startswith(five + kozak + "AUG")
    assert rna.endswith("UAA" + three + tail)
    assert len(rna) == len(five + kozak + three + tail) + 3 * len(PROTEIN) + 3
    record = SeqIO.read(out / "mrna.gb", "genbank")
    cds = next(f for f in record.features if f.type == "CDS")
    assert str(cds.extract(record.seq).translate()) == PROTEIN + "*"


@pytest.mark.parametrize("bad", ["ACGX", "ACG N"])
def test_bad_element_is_a_config_error(tmp_path: Path, bad: str, capsys):
    faa = tmp_path / "p.faa"
    faa.write_text(f">p\n{PROTEIN}\n")
    assert main(["mrna", "--protein", str(faa), "--out", str(tmp_path / "o"),
                 "--five-utr", bad]) == 2
    assert "--five-utr" in capsys.readouterr().err
