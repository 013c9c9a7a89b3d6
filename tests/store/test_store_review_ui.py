"""Review pages (issue 16 item 4), without a browser: "no change" by default, notes kept,
approval behind a confirmation, export as the CLI writes it, the candidate page, the favicon.
``test_store_browser.py`` drives the same in Chromium at 800 px."""

from __future__ import annotations

import csv
import gzip
import re
import warnings
from pathlib import Path

from sqlalchemy import func, select
from store_helpers import MSH6_INDEX, RUN_DATA, aggregated_rows, signed_in

from vaxmix.cli import main
from vaxmix.store.app import create_app
from vaxmix.store.db import Registry
from vaxmix.store.models import Design, ReviewDecision

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _decisions(registry: Registry) -> list[tuple[int, str, str]]:
    with registry.read() as session:
        rows = session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)).all()
        return [(d.candidate_id, d.decision, d.comment) for d in rows]


def test_review_form_defaults_to_no_change(real_loaded: Registry) -> None:
    client, csrf = signed_in(create_app(real_loaded), "rita")
    page = client.get("/runs/1").text
    row = re.search(r'<tr id="candidate-1".*?</tr>', page, re.S).group(0)
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", row)
    assert options[0] == (' value="" selected', "no change")
    assert [o for o, _ in options[1:]] == [' value="Accept"', ' value="Reject"', ' value="Pending"']
    # Save without choosing and without a comment: nothing is recorded.
    response = client.post(
        "/candidates/1/review", data={"decision": "", "csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert _decisions(real_loaded) == []
    # A comment alone is kept with the current decision (Pending, then Accept).
    client.post("/candidates/1/review", data={"comment": "check WT", "csrf_token": csrf})
    client.post("/candidates/1/review", data={"decision": "Accept", "csrf_token": csrf})
    client.post("/candidates/1/review", data={"decision": "", "comment": "ok", "csrf_token": csrf})
    assert _decisions(real_loaded) == [
        (1, "Pending", "check WT"),
        (1, "Accept", ""),
        (1, "Accept", "ok"),
    ]
    row = re.search(r'<tr id="candidate-1".*?</tr>', client.get("/runs/1").text, re.S).group(0)
    assert '<option value="" selected>no change</option>' in row and ">Accept</span>" in row


def test_blank_what_changed_keeps_the_design_note(
    real_loaded: Registry, designed_run: Path
) -> None:
    client, csrf = signed_in(create_app(real_loaded), "rita")
    with real_loaded.read() as session:
        assert session.get(Design, 1).note == "imported from the run folder"
    one, two = (row["Index"] for row in aggregated_rows(designed_run)[:2])  # any two variants
    edit = {"candidate": [one, two], "csrf_token": csrf}
    client.post("/designs/1/edit", data={**edit, "note": ""})
    client.post("/designs/1/edit", data={**edit, "note": "   "})
    with real_loaded.read() as session:
        design = session.get(Design, 1)
        assert design.note == "imported from the run folder"
        assert design.content["candidates"] == [one, two]
    client.post("/designs/1/edit", data={**edit, "note": "two strongest only"})
    client.post("/designs/1/approve", data={"csrf_token": csrf, "confirm": "yes"})
    # A new version made from the approved one with a blank note inherits its parent's.
    response = client.post(
        "/designs/1/edit", data={**edit, "candidate": [one], "note": ""},
        follow_redirects=False,
    )  # fmt: skip
    new_id = int(response.headers["location"].rsplit("/", 1)[1])
    with real_loaded.read() as session:
        assert session.get(Design, 1).note == "two strongest only"
        assert session.get(Design, new_id).note == "two strongest only"
    assert 'id="design-note">two strongest only<' in client.get(f"/designs/{new_id}").text


def test_approval_needs_the_confirmation_page(loaded: Registry) -> None:
    # Hand-made folder on purpose: the construct-mismatch warning names the genes of the
    # fixture's construct (written out below), which the real run's design does not fix.
    client, csrf = signed_in(create_app(loaded), "rita")
    design_page = client.get("/designs/1").text
    assert 'href="/designs/1/approve" id="approve-design"' in design_page
    assert 'action="/designs/1/approve"' not in design_page  # no one-click approval form
    confirm = client.get("/designs/1/approve").text
    assert "freezes it" in confirm and 'name="confirm" value="yes"' in confirm
    shown = re.findall(r'<td class="mono small">([^<]+)</td>', confirm)
    with loaded.read() as session:
        assert shown == session.get(Design, 1).content["candidates"]
    assert 'id="construct-mismatch"' not in confirm  # construct made for this selection
    client.post("/designs/1/edit", data={"candidate": [MSH6_INDEX], "csrf_token": csrf})
    warning = re.search(
        r'id="construct-mismatch">(.*?)</div>', client.get("/designs/1/approve").text
    )
    assert "still holds ADAR_E806V, ARID1B_G897A, DDX3X_R294T, ZNF548_D24Y" in warning.group(1)
    client.post("/designs/1/approve", data={"csrf_token": csrf})  # no confirmation
    with loaded.read() as session:
        assert session.get(Design, 1).status == "draft"
    viewer, _ = signed_in(create_app(loaded), "vic")
    assert 'id="confirm-approve"' not in viewer.get("/designs/1/approve").text


def test_export_in_the_ui_is_what_the_cli_writes(real_loaded: Registry, tmp_path: Path) -> None:
    client, csrf = signed_in(create_app(real_loaded), "rita")
    client.post("/candidates/2/review", data={"decision": "Reject", "csrf_token": csrf})
    page = client.get("/runs/1").text
    assert 'href="/runs/1/export.json"' in page and 'href="/runs/1/export/aggregated.tsv"' in page
    url = real_loaded.engine.url.render_as_string(hide_password=False)
    out, tsv = tmp_path / "export.json", tmp_path / "aggregated.tsv"
    assert main(["registry", "export", "1", "--db", url, "-o", str(out)]) == 0
    assert main(["registry", "export", "1", "--db", url, "--evaluated-tsv", str(tsv)]) == 0
    served = client.get("/runs/1/export.json")
    assert served.status_code == 200
    assert served.headers["content-disposition"] == 'attachment; filename="run-1-export.json"'
    assert served.content == out.read_bytes()
    served_tsv = client.get("/runs/1/export/aggregated.tsv")
    assert served_tsv.content == tsv.read_bytes()
    rows = list(csv.DictReader(served_tsv.text.splitlines(), delimiter="\t"))
    assert [r["Evaluation"] for r in rows].count("Reject") == 1
    assert client.get("/runs/1/export/other.tsv").status_code == 404
    anonymous = TestClient(create_app(real_loaded), base_url="http://127.0.0.1")
    assert anonymous.get("/runs/1/export.json", follow_redirects=False).status_code == 303


def test_candidate_page_has_the_review_form_and_peptides(loaded: Registry) -> None:
    # Hand-made folder on purpose: it checks the peptide list against the fixture's own
    # all_epitopes.tsv.gz (a "Median MT IC50 Score" table with a known best peptide).
    client, csrf = signed_in(create_app(loaded), "rita")
    page = client.get("/candidates/1").text
    assert 'action="/candidates/1/review"' in page and 'name="back" value="candidate"' in page
    # Peptides of MSH6 D1255N in all_epitopes.tsv, counted here from the fixture itself.
    with gzip.open(RUN_DATA / "all_epitopes.tsv.gz", "rt") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["Index"] == MSH6_INDEX]
    best = sorted(rows, key=lambda r: float(r["Median MT IC50 Score"]))
    assert f"Predicted peptides ({len(rows)})" in page
    shown = re.findall(r'<tr(?: class="best")?><td class="mono pep">([A-Z]+)</td>', page)
    assert shown == [r["MT Epitope Seq"] for r in best[:25]]
    assert '<tr class="best"><td class="mono pep">VENYSQNVA</td>' in page
    response = client.post(
        "/candidates/1/review",
        data={"decision": "Reject", "comment": "WT binds too", "back": "candidate",
              "csrf_token": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert response.headers["location"] == "/candidates/1"
    page = client.get("/candidates/1").text
    assert 'id="current-decision">Reject<' in page and "WT binds too" in page
    with loaded.read() as session:
        assert session.scalar(select(func.count()).select_from(ReviewDecision)) == 1


def test_favicon_is_served_without_sign_in_and_linked(real_loaded: Registry) -> None:
    client = TestClient(create_app(real_loaded), base_url="http://127.0.0.1")
    for path in ("/favicon.ico", "/favicon.svg"):
        icon = client.get(path)
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
        assert icon.text.startswith("<svg")
    assert '<link rel="icon" href="/favicon.svg"' in client.get("/login").text
