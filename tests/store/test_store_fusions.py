"""Gene-fusion candidates in the registry: import, review, designs, evaluated export.

The run folder is the HCC1395 fixture plus ``fusions/`` written by the real fusion stage
(:mod:`vaxmix.pipeline.fusions`) from one hand-made inframe fusion, scored by a fake predictor
whose only binder is known by construction: ``YLWRSIQDV`` (spans ``...AYLW | RSIQDV...``) on
HLA-A*02:01 at 20 nM (class I); the class II molecule binds nothing (all 20000 nM).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import delete, inspect, select, text
from sqlalchemy.exc import IntegrityError
from store_helpers import CSRF_FIELD, MSH6_INDEX, PASSWORDS, load_registry

from vaxmix.common.runfolder import read_marker, write_marker
from vaxmix.pipeline.fusion_args import FusionConfig
from vaxmix.pipeline.fusions import fusion_run_record, run_fusions, write_fusion_outputs
from vaxmix.ranking.config import RankingConfig
from vaxmix.store.app import create_app
from vaxmix.store.db import Registry, downgrade, upgrade
from vaxmix.store.models import AuditEntry, Candidate
from vaxmix.store.service import (
    accepted_variants,
    approve_design,
    count_candidates,
    create_design,
    current_decisions,
    export_run,
    import_run,
    record_decision,
    write_evaluated_aggregated,
)
from vaxmix.variants.fusions import INFRAME, FusionRecord

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

LEFT, RIGHT = "KPE" * 5 + "AYLW", "RSIQDV" + "KPE" * 5
BINDER, ALLELE = "YLWRSIQDV", "HLA-A*02:01"
INDEX = f"1.GENEA--GENEB.T1--T2.inframe.{len(LEFT)}"


def fake_predict(peptides, alleles) -> pd.DataFrame:
    rows = [
        (p, a, 20.0 if (p, a) == (BINDER, ALLELE) else 20000.0,
         0.1 if (p, a) == (BINDER, ALLELE) else 90.0, 0.5, "fake-model 1.0")
        for p in peptides for a in alleles
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["peptide", "allele", "affinity_nm", "percentile",
                                       "presentation_score", "model"])  # fmt: skip


@pytest.fixture
def fusion_run(hcc1395_run: Path) -> Path:
    """The fixture run with ``fusions/`` (class I and II), listed in run.json and the marker."""
    run = hcc1395_run
    record = FusionRecord(
        index=INDEX, genes="GENEA--GENEB", transcripts="T1--T2", fusion_type=INFRAME,
        junction=len(LEFT), peptide=LEFT + RIGHT, chromosome="chr1", start="100", stop="200",
        read_support=42, expression=None, source="test", line=2, coding_length=None,
    )  # fmt: skip
    config = FusionConfig(run / "fusions.tsv")
    result = run_fusions(
        config, RankingConfig(),
        ((9,), [ALLELE, "HLA-B*07:02"], fake_predict),
        ((15,), ["HLA-DRB1*04:05"], fake_predict), records=[record],
    )  # fmt: skip
    write_fusion_outputs(result, run, run)
    meta = json.loads((run / "run.json").read_text())
    meta["fusions"] = dataclasses.asdict(fusion_run_record(config, result))
    (run / "run.json").write_text(json.dumps(meta))
    marker = read_marker(run)
    assert marker is not None
    write_marker(run, marker["command"], [*marker["parts"], "fusions"])
    return run


def _fusion(registry: Registry, mhc_class: str) -> Candidate:
    with registry.read() as session:
        return session.scalars(
            select(Candidate).where(Candidate.kind == "fusion", Candidate.mhc_class == mhc_class)
        ).one()


def _login(registry: Registry, username: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(registry), base_url="http://127.0.0.1")
    token = CSRF_FIELD.search(client.get("/login").text).group(1)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORDS[username], "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return client, CSRF_FIELD.search(client.get("/runs/1").text).group(1)


def test_import_makes_fusion_candidates_of_their_own_kind(
    registry: Registry, fusion_run: Path
) -> None:
    run_id, created = import_run(registry, fusion_run, actor="test")
    assert created
    # one fusion, one row per class; the 23 SNV/indel class I candidates are unchanged
    assert count_candidates(registry, run_id) == {"I": 23, "II": 0, "fusion I": 1, "fusion II": 1}
    one = _fusion(registry, "I")
    assert (one.index_key, one.variant_id, one.gene) == (INDEX, INDEX, "GENEA--GENEB")
    assert (one.best_peptide, one.allele, one.ic50_mt, one.percentile_mt) == (
        BINDER, ALLELE, 20.0, 0.1,
    )  # fmt: skip
    # no borrowed values: a fusion has no WT peptide, TPM or VAF
    assert (one.ic50_wt, one.rna_expr, one.rna_vaf, one.dna_vaf, one.aa_change) == (
        None, None, None, None, "",
    )  # fmt: skip
    two = _fusion(registry, "II")
    assert two.ic50_mt == 20000.0 and len(two.best_peptide) == 15
    with registry.read() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "run.import")).one()
        exported = export_run(session, run_id)["candidates"]
    assert json.loads(audit.details)["fusion_candidates"] == {"I": 1, "II": 1}
    assert [c["kind"] for c in exported].count("fusion") == 2


def test_fusion_candidate_is_reviewed_shown_and_approvable(
    registry: Registry, fusion_run: Path, tmp_path: Path
) -> None:
    load_registry(registry, fusion_run)
    fusion = _fusion(registry, "I")
    client, csrf = _login(registry, "rita")
    response = client.post(
        f"/candidates/{fusion.id}/review",
        data={"decision": "Accept", "comment": "junction binder", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with registry.read() as session:
        assert current_decisions(session, [fusion.id])[fusion.id].decision == "Accept"

    page = client.get("/runs/1").text
    table = page[page.index('id="fusion-candidates"') :].split("</table>")[0]
    rows = re.findall(r'<tr id="candidate-(\d+)"[^>]*data-kind="fusion"', table)
    assert rows == [str(fusion.id)]
    assert INDEX in table and "Accept" in table and 'id="export-fusion-tsv"' in page
    assert 'id="fusion-class2-candidates"' in page
    # the fusion is not listed among the SNV/indel class I candidates
    snv = page[page.index('id="candidates"') : page.index('id="fusion-candidates"')]
    assert f'id="candidate-{fusion.id}"' not in snv

    detail = client.get(f"/candidates/{fusion.id}").text
    assert '<dd id="kind">fusion</dd>' in detail
    peptides = detail[detail.index('id="peptides"') :].split("</table>")[0]
    # every 9-mer of the window (2 x 8 spanning the junction) on both class I molecules
    assert len(re.findall(r"<tr", peptides)) - 1 == 16
    assert f'class="best"><td class="mono pep">{BINDER}' in peptides

    # a design from the accepted candidates holds the fusion Index and can be approved
    record_decision(registry, 1, "Accept", "", "rita")  # an SNV/indel candidate too
    with registry.read() as session:
        run_candidates = session.scalars(select(Candidate)).all()
        current = current_decisions(session, [c.id for c in run_candidates])
    indexes, classes = accepted_variants(list(run_candidates), current)
    assert INDEX in indexes and MSH6_INDEX in indexes and classes[INDEX] == ["I"]
    design_id = create_design(registry, 1, indexes, "with a fusion", "rita", classes)
    approve_design(registry, design_id, "rita")
    design_page = client.get(f"/designs/{design_id}").text
    row = design_page[design_page.index(f'data-index="{INDEX}" data-variant="{INDEX}"') :]
    assert 'class="badge small kind-fusion">fusion<' in row.split("</tr>")[0]

    # the evaluated pVACfuse table takes the fusion decision; the SNV/indel table does not
    out = tmp_path / "fusion-evaluated.tsv"
    with registry.read() as session:
        assert write_evaluated_aggregated(session, 1, out, "I", "fusion") == 1
    with open(out, newline="") as handle:
        evaluated = {r["ID"]: r["Evaluation"] for r in csv.DictReader(handle, delimiter="\t")}
    assert evaluated == {INDEX: "Accept"}
    snv_out = tmp_path / "snv-evaluated.tsv"
    with registry.read() as session:
        assert write_evaluated_aggregated(session, 1, snv_out, "I") == 1  # MSH6 only
    tsv = client.get("/runs/1/export/fusion-class2-aggregated.tsv")
    assert tsv.status_code == 200 and tsv.text.splitlines()[1].endswith("Pending")


def test_reimport_adds_fusions_to_a_run_imported_without_them(
    registry: Registry, fusion_run: Path
) -> None:
    run_id, _ = import_run(registry, fusion_run, actor="test")
    with registry.write() as session:  # as a registry before migration 0004 left it
        session.execute(delete(Candidate).where(Candidate.kind == "fusion"))
    assert count_candidates(registry, run_id) == {"I": 23, "II": 0}
    assert import_run(registry, fusion_run, actor="test") == (run_id, False)
    assert count_candidates(registry, run_id)["fusion I"] == 1
    assert import_run(registry, fusion_run, actor="test") == (run_id, False)  # once only
    assert count_candidates(registry, run_id) == {"I": 23, "II": 0, "fusion I": 1, "fusion II": 1}


def test_0004_kind_column_key_and_downgrade(registry: Registry, fusion_run: Path) -> None:
    """0004: ``kind`` (checked), the key widened with it; downgrade refused while fusions exist."""
    inspector = inspect(registry.engine)
    uniques = [u["column_names"] for u in inspector.get_unique_constraints("candidate")]
    assert uniques == [["run_id", "mhc_class", "kind", "index_key"]]
    import_run(registry, fusion_run, actor="test")
    insert = text(
        "INSERT INTO candidate (run_id, mhc_class, kind, rank, variant_id, index_key, gene,"
        " aa_change, transcript, best_peptide, allele, tier) VALUES (1, 'I', :kind, 99, 'v',"
        " :index, 'G', '', 'T', 'P', 'A', 'Pass')"
    )
    with registry.engine.begin() as conn:  # the same Index may be an SNV and a fusion key
        conn.execute(insert, {"kind": "snv/indel", "index": INDEX})
    for kind, index in (("fusion", INDEX), ("virus", "x")):  # twice in a kind; unknown kind
        with pytest.raises(IntegrityError), registry.engine.begin() as conn:
            conn.execute(insert, {"kind": kind, "index": index})
    with pytest.raises(RuntimeError, match="fusion candidates"):
        downgrade(registry.engine, "0003")
    with registry.engine.begin() as conn:
        conn.execute(text("DELETE FROM candidate WHERE kind = 'fusion' OR rank = 99"))
    downgrade(registry.engine, "0003")
    assert "kind" not in {c["name"] for c in inspect(registry.engine).get_columns("candidate")}
    upgrade(registry.engine)
    with registry.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0004"
        assert conn.scalar(text("SELECT count(*) FROM candidate WHERE kind = 'snv/indel'")) == 23
