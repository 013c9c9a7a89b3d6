"""Web app and JSON API: pages, reviews, designs, and the security rules (run on both DBs)."""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import pytest
from sqlalchemy import event, select
from store_helpers import CSRF_FIELD, PASSWORDS, aggregated_rows

from vaxmix.store.app import create_app
from vaxmix.store.db import Registry
from vaxmix.store.models import AuditEntry, Design, ReviewDecision

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def hcc1395_run(designed_run_copy: Path) -> Path:
    """These tests need only *a* valid run: a copy of the real designed run (demo + ``vaxmix
    design``, tests/conftest.py) instead of the hand-made folder; tests may change the copy."""
    return designed_run_copy


@pytest.fixture
def app(loaded: Registry):
    return create_app(loaded)


def _client(app) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1")


def login(app, username: str) -> tuple[TestClient, str]:
    """Sign in through the login form; returns the client and the session's CSRF token."""
    client = _client(app)
    page = client.get("/login")
    token = CSRF_FIELD.search(page.text).group(1)
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORDS[username],
            "csrf_token": token,
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    csrf = CSRF_FIELD.search(client.get("/runs/1").text).group(1)
    return client, csrf


WRITE_ROUTES = [
    ("/candidates/1/review", {"decision": "Accept", "comment": "x"}),
    ("/runs/1/designs", {"note": "x"}),
    ("/designs/1/edit", {"candidate": "x", "note": "x"}),
    ("/designs/1/approve", {}),
    ("/logout", {}),
]


def test_pages_need_sign_in(app) -> None:
    client = _client(app)
    for path in ("/", "/runs/1", "/candidates/1", "/designs/1", "/audit", "/runs/1/report"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get("/api/runs").status_code == 401


def test_unauthenticated_writes_are_refused(app, loaded: Registry) -> None:
    client = _client(app)
    for path, data in WRITE_ROUTES:
        assert client.post(path, data=data, follow_redirects=False).status_code == 401, path
    assert client.post("/api/candidates/1/review", json={"decision": "Accept"}).status_code == 401
    assert client.post("/api/designs/1/approve").status_code == 401
    # A forged or expired-looking session cookie is no better than none.
    client.cookies.set("vaxmix_session", "eyJ1aWQiOjF9.forged.signature")
    assert client.post("/candidates/1/review", data=WRITE_ROUTES[0][1]).status_code == 401
    with loaded.read() as session:
        assert session.scalars(select(ReviewDecision)).all() == []
        assert session.get(Design, 1).status == "draft"


def test_viewer_cannot_review_or_approve(app, loaded: Registry) -> None:
    client, csrf = login(app, "vic")
    page = client.get("/runs/1")
    assert page.status_code == 200 and 'class="inline review-form"' not in page.text
    response = client.post(
        "/candidates/1/review", data={"decision": "Accept", "comment": "", "csrf_token": csrf}
    )
    assert response.status_code == 403
    response = client.post(
        "/api/candidates/1/review", json={"decision": "Accept"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 403
    assert client.post("/designs/1/approve", data={"csrf_token": csrf}).status_code == 403
    with loaded.read() as session:
        assert session.scalars(select(ReviewDecision)).all() == []
        assert session.get(Design, 1).status == "draft"


def test_csrf_is_enforced(app, loaded: Registry) -> None:
    client, csrf = login(app, "rita")
    _other_client, other_csrf = login(app, "admin")
    data = {"decision": "Accept", "comment": "x"}
    assert client.post("/candidates/1/review", data=data).status_code == 403  # missing
    assert (
        client.post("/candidates/1/review", data={**data, "csrf_token": "forged"}).status_code
        == 403
    )
    # Another session's token does not work either.
    assert (
        client.post("/candidates/1/review", data={**data, "csrf_token": other_csrf}).status_code
        == 403
    )
    assert client.post("/api/candidates/1/review", json=data).status_code == 403
    assert client.post("/designs/1/approve", data={}).status_code == 403
    # The login form itself needs its pre-session token.
    fresh = _client(app)
    assert (
        fresh.post("/login", data={"username": "rita", "password": PASSWORDS["rita"]}).status_code
        == 403
    )
    with loaded.read() as session:
        assert session.scalars(select(ReviewDecision)).all() == []
    ok = client.post(
        "/candidates/1/review", data={**data, "csrf_token": csrf}, follow_redirects=False
    )
    assert ok.status_code == 303


def test_wrong_password_is_refused_and_audited(app, loaded: Registry) -> None:
    client = _client(app)
    token = CSRF_FIELD.search(client.get("/login").text).group(1)
    response = client.post(
        "/login", data={"username": "rita", "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401 and "Wrong user name or password" in response.text
    assert (
        client.post("/api/login", json={"username": "rita", "password": "nope"}).status_code == 401
    )
    with loaded.read() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("login.%"))
        ).all()
    assert actions == ["login.failure", "login.failure"]


def test_review_through_the_form_is_stored_shown_and_audited(app, loaded: Registry) -> None:
    client, csrf = login(app, "rita")
    response = client.post(
        "/candidates/2/review",
        data={"decision": "Reject", "comment": "WT binds <equally>", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/runs/1#candidate-2"
    page = client.get("/runs/1").text
    row = re.search(r'<tr id="candidate-2".*?</tr>', page, re.S).group(0)
    assert ">Reject</span>" in row and "rita: WT binds &lt;equally&gt;" in row
    history = client.get("/candidates/2").text
    assert "WT binds &lt;equally&gt;" in history
    with loaded.read() as session:
        (decision,) = session.scalars(select(ReviewDecision)).all()
        assert (decision.candidate_id, decision.decision, decision.username) == (
            2,
            "Reject",
            "rita",
        )
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "candidate.review")
        ).one()
        assert audit.username == "rita" and f'"decision_id": {decision.id}' in audit.details
    api = client.get("/api/runs/1/candidates").json()
    assert next(c for c in api if c["id"] == 2)["decision"] == "Reject"
    assert next(c for c in api if c["id"] == 1)["decision"] == "Pending"


def test_design_approval_and_versioning_through_the_app(
    app, loaded: Registry, hcc1395_run: Path
) -> None:
    first = aggregated_rows(hcc1395_run)[0]["Index"]  # any variant of the run
    with open(hcc1395_run / "vaccine" / "selection.tsv", newline="") as handle:
        n_selected = sum(1 for _ in csv.DictReader(handle, delimiter="\t"))
    client, csrf = login(app, "rita")
    # Without the confirmation page's "confirm" field nothing is approved: back to that page.
    response = client.post("/designs/1/approve", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/designs/1/approve"
    with loaded.read() as session:
        assert session.get(Design, 1).status == "draft"
    confirm = client.get("/designs/1/approve").text
    assert 'id="confirm-approve"' in confirm and "freezes it" in confirm
    assert (
        client.post(
            "/designs/1/approve",
            data={"csrf_token": csrf, "confirm": "yes"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    page = client.get("/designs/1").text
    assert 'id="design-status">approved<' in page and 'id="approved-by">rita<' in page
    assert 'id="approve-design"' not in page
    # A second approval is a conflict.
    again = client.post("/designs/1/approve", data={"csrf_token": csrf, "confirm": "yes"})
    assert again.status_code == 409
    response = client.post(
        "/designs/1/edit",
        data={
            "csrf_token": csrf,
            "candidate": [first],
            "note": "only the first",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    new_id = int(response.headers["location"].rsplit("/", 1)[1])
    with loaded.read() as session:
        old, new = session.get(Design, 1), session.get(Design, new_id)
        assert old.status == "approved" and len(old.content["candidates"]) == n_selected
        assert new.version == 2 and new.status == "draft" and new.parent_id == 1
        assert new.content["candidates"] == [first]


def test_new_design_takes_the_accepted_candidates(app, loaded: Registry) -> None:
    client, csrf = login(app, "rita")
    for cid, decision in ((1, "Accept"), (2, "Accept"), (3, "Reject"), (2, "Pending")):
        client.post(f"/candidates/{cid}/review", data={"decision": decision, "csrf_token": csrf})
    response = client.post(
        "/runs/1/designs", data={"csrf_token": csrf, "note": "n"}, follow_redirects=False
    )
    design_id = int(response.headers["location"].rsplit("/", 1)[1])
    run = client.get("/api/runs/1/candidates").json()
    with loaded.read() as session:
        assert session.get(Design, design_id).content["candidates"] == [
            next(c for c in run if c["id"] == 1)["variant_id"] and _index(loaded, 1)
        ]


def _index(registry: Registry, candidate_id: int) -> str:
    from vaxmix.store.models import Candidate

    with registry.read() as session:
        return session.get(Candidate, candidate_id).index_key


TRAVERSALS = [
    "/runs/1/files/../../../../etc/passwd",
    "/runs/1/files/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/runs/1/files/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/runs/1/files/%2E%2E%2F%2E%2E%2Foutside.json",
    "/runs/1/files//etc/passwd",
    "/runs/1/files/vaccine/../../outside.json",
    "/runs/1/files/vaccine%2F..%2F..%2Foutside.json",
    "/runs/1/files/link-out.json",
    "/runs/1/files/run.json%00.html",
    "/runs/1/files/..\\outside.json",
    "/runs/1/files/",
    "/runs/1/files/vaccine",
]


def test_path_traversal_is_refused(app, hcc1395_run: Path) -> None:
    (hcc1395_run.parent / "outside.json").write_text('{"secret": true}')
    (hcc1395_run / "link-out.json").symlink_to(hcc1395_run.parent / "outside.json")
    client, _ = login(app, "admin")
    assert client.get("/runs/1/files/run.json").status_code == 200  # the route works
    for path in TRAVERSALS:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "secret" not in response.text and "root:" not in response.text


def test_run_files_and_report_are_served_sandboxed(app, hcc1395_run: Path) -> None:
    from vaxmix.report import write_report

    client, _ = login(app, "vic")
    (hcc1395_run / "report.html").unlink()  # `vaxmix design` wrote one: start without it
    assert client.get("/runs/1/report").status_code == 404  # not written (any more)
    write_report(hcc1395_run)
    response = client.get("/runs/1/report")
    assert response.status_code == 200 and 'id="candidate-table"' in response.text
    assert response.headers["content-security-policy"].startswith("sandbox")
    qc = client.get("/runs/1/files/mrna/qc.tsv")
    assert qc.status_code == 200 and qc.content == (hcc1395_run / "mrna" / "qc.tsv").read_bytes()
    assert (
        client.get("/runs/1/files/all_epitopes.tsv")
        .headers["content-type"]
        .startswith("text/plain")
    )


def test_comments_reach_sql_only_as_bound_parameters(app, loaded: Registry) -> None:
    marker = "x'); DROP TABLE candidate; --"
    statements: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(loaded.engine, "before_cursor_execute", capture)
    try:
        client, csrf = login(app, "rita")
        client.post(
            "/candidates/1/review",
            data={"decision": "Accept", "comment": marker, "csrf_token": csrf},
        )
        client.get("/compare", params={"a": "1", "b": "1"})
    finally:
        event.remove(loaded.engine, "before_cursor_execute", capture)
    assert statements and not any(marker in s or "DROP TABLE" in s for s in statements)
    with loaded.read() as session:
        assert session.scalars(select(ReviewDecision.comment)).one() == marker


def test_no_sql_text_is_built_from_strings() -> None:
    """Static check: no f-string, % or .format() in text()/exec_driver_sql() in the store."""
    source_dir = Path(__file__).parents[2] / "src" / "vaxmix" / "store"
    offenders = []
    pattern = re.compile(r"(text|exec_driver_sql)\(\s*(f[\"']|[\"'][^\"']*[\"']\s*(%|\.format))")
    for path in source_dir.rglob("*.py"):
        if "migrations" in path.parts:
            continue  # fixed DDL strings only
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.name}:{number}")
    assert offenders == []


def test_compare_two_runs(app, loaded: Registry, hcc1395_run: Path, tmp_path: Path) -> None:
    import json
    import shutil

    from vaxmix.store.service import import_run

    second = tmp_path / "second_run"
    shutil.copytree(hcc1395_run, second)
    run = json.loads((second / "run.json").read_text())
    run["warnings"] = [*run["warnings"], "a second run"]  # another run.json: another run
    (second / "run.json").write_text(json.dumps(run))
    agg = (second / "aggregated.tsv").read_text().splitlines(keepends=True)
    header, body = agg[0], agg[1:]
    cols = header.rstrip("\n").split("\t")
    tier = cols.index("Tier")
    changed = body[0].rstrip("\n").split("\t")
    changed[tier] = "Poor"
    (second / "aggregated.tsv").write_text(header + "\t".join(changed) + "\n" + "".join(body[1:-1]))
    run_b, _ = import_run(loaded, second, actor="test")
    client, _ = login(app, "vic")
    page = client.get("/compare", params={"a": 1, "b": run_b}).text
    statuses = re.findall(r'<tr data-status="([^"]+)">', page)
    assert statuses.count("changed") == 1
    assert statuses.count("only in A") == 1
    ids = [r["ID"] for r in aggregated_rows(hcc1395_run)]  # runs compare on (class, ID)
    class2_ids = {r["ID"] for r in aggregated_rows(hcc1395_run, "II")}
    assert statuses.count("same") == len(set(ids) - {ids[0], ids[-1]}) + len(class2_ids)
    assert "only in B" not in statuses


def test_open_redirect_is_refused(app) -> None:
    client = _client(app)
    token = CSRF_FIELD.search(client.get("/login").text).group(1)
    response = client.post(
        "/login",
        data={
            "username": "rita",
            "password": PASSWORDS["rita"],
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_security_headers_and_cookie_flags(app) -> None:
    client = _client(app)
    response = client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_bad_review_values_are_refused_with_400(app, loaded: Registry) -> None:
    client, csrf = login(app, "rita")
    headers = {"X-CSRF-Token": csrf}
    bad = client.post("/api/candidates/1/review", json={"decision": "Maybe"}, headers=headers)
    assert bad.status_code == 400 and "decision" in bad.json()["detail"]
    long = client.post(
        "/api/candidates/1/review",
        json={"decision": "Accept", "comment": "x" * 4001},
        headers=headers,
    )
    assert long.status_code == 400
    missing = client.post(
        "/api/candidates/999/review", json={"decision": "Accept"}, headers=headers
    )
    assert missing.status_code == 404
    with loaded.read() as session:
        assert session.scalars(select(ReviewDecision)).all() == []


def test_failed_sign_ins_are_throttled_per_user(app, loaded: Registry) -> None:
    client = _client(app)
    for _ in range(5):
        wrong = client.post("/api/login", json={"username": "rita", "password": "nope"})
        assert wrong.status_code == 401
    # the sixth attempt is refused even with the right password, and says when to retry
    blocked = client.post("/api/login", json={"username": "rita", "password": PASSWORDS["rita"]})
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 901
    token = CSRF_FIELD.search(client.get("/login").text).group(1)
    form = client.post(
        "/login", data={"username": "RITA", "password": PASSWORDS["rita"], "csrf_token": token}
    )
    assert form.status_code == 429  # user names are compared case-insensitively
    # another user from the same client is not affected
    ok = client.post("/api/login", json={"username": "vic", "password": PASSWORDS["vic"]})
    assert ok.status_code == 200
    with loaded.read() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("login.%"))
        ).all()
    assert actions.count("login.failure") == 5 and actions.count("login.throttled") == 2


def test_login_throttle_window_slides() -> None:
    from vaxmix.store.security import LoginThrottle

    now = [1000.0]
    throttle = LoginThrottle(max_failures=3, window_s=60.0, clock=lambda: now[0])
    for step in (0.0, 10.0, 20.0):
        now[0] = 1000.0 + step
        throttle.record("rita", "10.0.0.1", success=False)
    assert throttle.retry_after("rita", "10.0.0.1") == 60.0 - 20.0  # oldest failure at t=1000
    assert throttle.retry_after("rita", "10.0.0.2") == 0.0  # another client
    now[0] = 1060.0  # the first failure has left the window: 2 of 3 remain
    assert throttle.retry_after("rita", "10.0.0.1") == 0.0
    throttle.record("rita", "10.0.0.1", success=True)  # a success forgets the failures
    throttle.record("rita", "10.0.0.1", success=False)
    assert throttle.retry_after("rita", "10.0.0.1") == 0.0
