"""Class II candidates (``MHC_Class_II/aggregated.tsv``): import, review, designs, export.

A variant with both class I and class II epitopes is a candidate in both tables under the same
``Index``; the tests check that the two rows stay apart everywhere (run on SQLite and
PostgreSQL).
"""

from __future__ import annotations

import csv
import json
import re
import warnings
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from store_helpers import (
    ARID1B_INDEX,
    CLASS2_ONLY_INDEX,
    CSRF_FIELD,
    MSH6_INDEX,
    PASSWORDS,
    add_class2_table,
    load_registry,
)

from vaxmix.cli import main
from vaxmix.store.app import create_app
from vaxmix.store.db import Registry
from vaxmix.store.models import AuditEntry, Candidate, Design, HlaType
from vaxmix.store.service import (
    compare_runs,
    count_candidates,
    current_decisions,
    export_run,
    import_run,
    record_decision,
    write_evaluated_aggregated,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def class2_run(hcc1395_run: Path) -> Path:
    add_class2_table(hcc1395_run)
    return hcc1395_run


@pytest.fixture
def loaded2(registry: Registry, class2_run: Path) -> Registry:
    return load_registry(registry, class2_run)


def _candidate(registry: Registry, mhc_class: str, index: str) -> Candidate:
    with registry.read() as session:
        return session.scalars(
            select(Candidate).where(Candidate.mhc_class == mhc_class, Candidate.index_key == index)
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


def test_import_keeps_class_1_and_class_2_rows_apart(loaded2: Registry) -> None:
    with loaded2.read() as session:
        rows = session.scalars(select(Candidate).order_by(Candidate.id)).all()
        class1 = [c for c in rows if c.mhc_class == "I"]
        class2 = [c for c in rows if c.mhc_class == "II"]
        assert len(class1) == 23  # tests/report/data/run/aggregated.tsv
        assert [(c.rank, c.index_key, c.best_peptide, c.tier) for c in class2] == [
            (1, MSH6_INDEX, "GSVENYSQNVAKLLE", "Pass"),
            (2, ARID1B_INDEX, "QMHAAPSPGGQMHAA", "Relaxed"),
            (3, CLASS2_ONLY_INDEX, "MTEYKLVVVGADGVGKSAL", "Pass"),
        ]
        assert {c.allele for c in class2} == {"HLA-DRB1*04:05"}
        assert class2[0].ic50_mt == 120.5 and class2[0].percentile_mt == 2.1
        msh6_1 = next(c for c in class1 if c.index_key == MSH6_INDEX)
        assert (msh6_1.best_peptide, msh6_1.allele, msh6_1.rank) == ("VENYSQNVA", "HLA-B*45:01", 1)
        types = {h.allele: h.mhc_class for h in session.scalars(select(HlaType))}
        assert types["HLA-DRB1*04:05"] == "II"
        (imported,) = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "run.import")
        ).all()
        assert json.loads(imported)["class2_candidates"] == 3
        assert json.loads(imported)["candidates"] == 23


def test_review_of_a_class_2_candidate_leaves_its_class_1_twin_alone(loaded2: Registry) -> None:
    msh6_1 = _candidate(loaded2, "I", MSH6_INDEX)
    msh6_2 = _candidate(loaded2, "II", MSH6_INDEX)
    client, csrf = _login(loaded2, "rita")
    response = client.post(
        f"/candidates/{msh6_2.id}/review",
        data={"decision": "Reject", "comment": "weak DR binder", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/runs/1#candidate-{msh6_2.id}"
    with loaded2.read() as session:
        current = current_decisions(session, [msh6_1.id, msh6_2.id])
        assert list(current) == [msh6_2.id]
        assert (current[msh6_2.id].decision, current[msh6_2.id].username) == ("Reject", "rita")
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (audit.action, audit.entity_id) == ("candidate.review", str(msh6_2.id))

    page = client.get("/runs/1").text
    class1_table = page[page.index('id="candidates"') : page.index('id="class2-candidates"')]
    class2_table = page[page.index('id="class2-candidates"') :]
    assert f'id="candidate-{msh6_2.id}"' in class2_table
    assert f'id="candidate-{msh6_2.id}"' not in class1_table
    assert len(re.findall(r'<tr id="candidate-\d+"', class1_table)) == 23
    assert len(re.findall(r'<tr id="candidate-\d+"', class2_table)) == 3
    row2 = class2_table[class2_table.index(f'id="candidate-{msh6_2.id}"') :].split("</tr>")[0]
    assert "Reject" in row2 and "rita: weak DR binder" in row2
    row1 = class1_table[class1_table.index(f'id="candidate-{msh6_1.id}"') :].split("</tr>")[0]
    assert ">Pending</span>" in row1

    api = client.get("/api/runs/1/candidates", params={"mhc_class": "II"}).json()
    assert [(c["index"], c["decision"]) for c in api] == [
        (MSH6_INDEX, "Reject"),
        (ARID1B_INDEX, "Pending"),
        (CLASS2_ONLY_INDEX, "Pending"),
    ]
    everything = client.get("/api/runs/1/candidates").json()
    assert [c["mhc_class"] for c in everything] == ["I"] * 23 + ["II"] * 3
    assert client.get("/api/runs/1/candidates", params={"mhc_class": "III"}).status_code == 400


def test_design_from_accepted_candidates_lists_each_variant_once(loaded2: Registry) -> None:
    ids = {
        (cls, index): _candidate(loaded2, cls, index).id
        for cls, index in (
            ("I", MSH6_INDEX),
            ("II", MSH6_INDEX),
            ("I", ARID1B_INDEX),
            ("II", ARID1B_INDEX),
            ("II", CLASS2_ONLY_INDEX),
        )
    }
    for key, decision in (
        (("I", MSH6_INDEX), "Accept"),
        (("II", MSH6_INDEX), "Accept"),
        (("I", ARID1B_INDEX), "Reject"),
        (("II", ARID1B_INDEX), "Pending"),
        (("II", CLASS2_ONLY_INDEX), "Accept"),
    ):
        record_decision(loaded2, ids[key], decision, "", "rita")
    client, csrf = _login(loaded2, "rita")
    response = client.post("/runs/1/designs", data={"csrf_token": csrf}, follow_redirects=False)
    design_id = int(response.headers["location"].rsplit("/", 1)[1])
    with loaded2.read() as session:
        content = session.get(Design, design_id).content
    assert content["candidates"] == [MSH6_INDEX, CLASS2_ONLY_INDEX]
    assert content["accepted_classes"] == {MSH6_INDEX: ["I", "II"], CLASS2_ONLY_INDEX: ["II"]}

    page = client.get(f"/designs/{design_id}").text
    boxes = re.findall(r'<input type="checkbox" name="candidate" value="([^"]+)" ?(checked)?', page)
    values = [v for v, _ in boxes]
    assert len(values) == len(set(values)) == 24  # 23 class I variants + 1 class II only
    assert {v for v, checked in boxes if checked} == {MSH6_INDEX, CLASS2_ONLY_INDEX}
    msh6_row = page[page.index(f'data-index="{MSH6_INDEX}"') :].split("</tr>")[0]
    assert "GSVENYSQNVAKLLE" in msh6_row and "VENYSQNVA" in msh6_row
    kras_row = page[page.index(f'data-index="{CLASS2_ONLY_INDEX}"') :].split("</tr>")[0]
    assert "no class I candidate" in kras_row

    # Saving the form keeps one entry per variant.
    response = client.post(
        f"/designs/{design_id}/edit",
        data={"candidate": [MSH6_INDEX, MSH6_INDEX, ARID1B_INDEX], "csrf_token": csrf},
        follow_redirects=False,
    )
    with loaded2.read() as session:
        content = session.get(Design, design_id).content
    assert content["candidates"] == [MSH6_INDEX, ARID1B_INDEX]
    assert "accepted_classes" not in content


def _evaluations(path: Path) -> dict[str, str]:
    with open(path, newline="") as handle:
        return {r["Index"]: r["Evaluation"] for r in csv.DictReader(handle, delimiter="\t")}


def test_evaluated_tables_take_each_class_from_its_own_reviews(
    loaded2: Registry, class2_run: Path, tmp_path: Path
) -> None:
    record_decision(loaded2, _candidate(loaded2, "I", MSH6_INDEX).id, "Accept", "", "rita")
    record_decision(loaded2, _candidate(loaded2, "II", ARID1B_INDEX).id, "Reject", "", "rita")
    record_decision(loaded2, _candidate(loaded2, "II", MSH6_INDEX).id, "Reject", "", "rita")
    with loaded2.read() as session:
        assert write_evaluated_aggregated(session, 1, tmp_path / "c1.tsv") == 1
        assert write_evaluated_aggregated(session, 1, tmp_path / "c2.tsv", "II") == 2
        exported = export_run(session, 1)
    class1 = _evaluations(tmp_path / "c1.tsv")
    assert class1[MSH6_INDEX] == "Accept" and class1[ARID1B_INDEX] == "Pending"
    assert _evaluations(tmp_path / "c2.tsv") == {
        MSH6_INDEX: "Reject",
        ARID1B_INDEX: "Reject",
        CLASS2_ONLY_INDEX: "Pending",
    }
    assert [c["mhc_class"] for c in exported["candidates"]].count("II") == 3
    assert len(exported["decisions"]) == 3


def test_cli_imports_class_2_and_writes_both_evaluated_tables(
    class2_run: Path, tmp_path: Path
) -> None:
    db = str(tmp_path / "cli.sqlite")
    assert main(["registry", "import", str(class2_run), "--db", db]) == 0
    c1, c2 = tmp_path / "c1.tsv", tmp_path / "c2.tsv"
    args = ["registry", "export", "1", "--db", db, "-o", str(tmp_path / "e.json")]
    assert main([*args, "--evaluated-tsv", str(c1), "--evaluated-class2-tsv", str(c2)]) == 0
    assert set(_evaluations(c2).values()) == {"Pending"} and len(_evaluations(c2)) == 3
    assert len(_evaluations(c1)) == 23


def test_compare_matches_candidates_within_their_class(
    loaded2: Registry, class2_run: Path, tmp_path: Path
) -> None:
    import shutil

    second = tmp_path / "second"
    shutil.copytree(class2_run, second)
    run_json = json.loads((second / "run.json").read_text())
    run_json["finished_at"] = "2026-11-24T00:00:00+00:00"
    (second / "run.json").write_text(json.dumps(run_json))
    table = second / "MHC_Class_II" / "aggregated.tsv"
    table.write_text(table.read_text().replace("GSVENYSQNVAKLLE", "SVENYSQNVAKLLEG"))
    run_b, _ = import_run(loaded2, second, actor="test")
    with loaded2.read() as session:
        rows = compare_runs(session, 1, run_b)
    assert len(rows) == 26
    changed = [(r["mhc_class"], r["variant_id"]) for r in rows if r["status"] == "changed"]
    assert changed == [("II", "chr2-47806319-47806320-G-A")]


def test_reimport_adds_class_2_candidates_to_a_run_imported_without_them(
    registry: Registry, hcc1395_run: Path
) -> None:
    """A run imported before class II was stored (0001 registries) gets them on re-import."""
    run_id, _ = import_run(registry, hcc1395_run, actor="test")
    with registry.write() as session:  # as 0001 left it: class I rows only
        session.execute(delete(Candidate).where(Candidate.mhc_class == "II"))
    assert count_candidates(registry, run_id) == {"I": 23, "II": 0}
    add_class2_table(hcc1395_run)  # aggregated tables unchanged: run.json (the uid) is the same
    assert import_run(registry, hcc1395_run, actor="test") == (run_id, False)
    assert count_candidates(registry, run_id) == {"I": 23, "II": 3}
    assert import_run(registry, hcc1395_run, actor="test") == (run_id, False)  # once only
    assert count_candidates(registry, run_id) == {"I": 23, "II": 3}
    with registry.read() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["run.import", "design.create", "run.import_class2"]


def test_design_page_keeps_a_selected_index_that_no_table_lists(
    registry: Registry, class2_run: Path
) -> None:
    """``vaxmix design`` may select a variant's window on another transcript than the
    aggregated row's Index; the design page must show it (checked) so a save keeps it. A
    reviewer cannot add an Index the run does not have (issue 16 item 6)."""
    other = "118.MSH6.ENST00000999999.1.missense.1255D/N"
    selection = class2_run / "vaccine" / "selection.tsv"
    with open(selection, "a", encoding="utf-8") as handle:
        handle.write(f"6\t{other}\tMSH6\tD1255N\tRTLFSTHYHSLVENYSQNVAVRLGHMA\t14\tVENYSQNVA\n")
    load_registry(registry, class2_run)
    client, csrf = _login(registry, "rita")
    client.post("/designs/1/edit", data={"candidate": [other, MSH6_INDEX], "csrf_token": csrf})
    page = client.get("/designs/1").text
    boxes = re.findall(r'<input type="checkbox" name="candidate" value="([^"]+)" ?(checked)?', page)
    assert {v for v, checked in boxes if checked} == {other, MSH6_INDEX}
    assert boxes[-1] == (other, "checked")
    forged = "1.FAKE.ENST00000000001.1.missense.1A/B"
    response = client.post(
        "/designs/1/edit", data={"candidate": [forged, MSH6_INDEX], "csrf_token": csrf}
    )
    assert response.status_code == 400 and "not a variant of run 1" in response.text
    with registry.read() as session:
        assert session.get(Design, 1).content["candidates"] == [other, MSH6_INDEX]
