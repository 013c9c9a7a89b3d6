"""20 reviewers in parallel against a live server on 127.0.0.1: no write lost, audit consistent."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select

from vaxmix.store.audit import verify_chain
from vaxmix.store.db import Registry
from vaxmix.store.models import DECISIONS, AuditEntry, ReviewDecision
from vaxmix.store.service import add_user

REVIEWERS = 20
DECISIONS_EACH = 5
PASSWORD = "parallel-pass-1"


@pytest.fixture
def loaded(real_loaded: Registry) -> Registry:
    """These tests need only *a* valid run: the real designed run (tests/store/conftest.py
    ``real_loaded``) instead of the hand-made folder."""
    return real_loaded


def test_parallel_reviewers_lose_no_write(live_server: str, loaded: Registry) -> None:
    for i in range(REVIEWERS):
        add_user(loaded, f"rev{i:02d}", PASSWORD, "reviewer", actor="test")
    clients: list[tuple[httpx.Client, str]] = []
    try:
        for i in range(REVIEWERS):  # sign in one by one: argon2 is costly on purpose
            client = httpx.Client(base_url=live_server, timeout=30.0, trust_env=False)
            response = client.post(
                "/api/login", json={"username": f"rev{i:02d}", "password": PASSWORD}
            )
            assert response.status_code == 200
            clients.append((client, response.json()["csrf_token"]))
        barrier = threading.Barrier(REVIEWERS, timeout=30)

        def review(i: int) -> list[tuple[int, str, str, str, int, int | None]]:
            client, csrf = clients[i]
            barrier.wait()  # start together for the most contention
            done = []
            for k in range(DECISIONS_EACH):
                candidate = 1 + (i + k) % 4  # 20 reviewers on 4 candidates: heavy overlap
                decision = DECISIONS[(i + k) % 3]
                comment = f"rev{i:02d} decision {k}"
                response = client.post(
                    f"/api/candidates/{candidate}/review",
                    json={"decision": decision, "comment": comment},
                    headers={"X-CSRF-Token": csrf},
                )
                decision_id = (
                    response.json().get("decision_id") if response.status_code == 200 else None
                )
                done.append(
                    (candidate, f"rev{i:02d}", decision, comment, response.status_code, decision_id)
                )
            return done

        with ThreadPoolExecutor(max_workers=REVIEWERS) as pool:
            futures = [pool.submit(review, i) for i in range(REVIEWERS)]
            results = [row for future in futures for row in future.result(timeout=180)]
    finally:
        for client, _ in clients:
            client.close()

    assert len(results) == REVIEWERS * DECISIONS_EACH
    assert {r[4] for r in results} == {200}
    sent = {r[5]: r[:4] for r in results}
    assert len(sent) == len(results)  # every write got its own id

    with loaded.read() as session:
        stored = session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)).all()
        audit = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "candidate.review")
            .order_by(AuditEntry.id)
        ).all()
        chain = verify_chain(session)
    # No write lost or altered: the stored rows are exactly what the reviewers sent.
    assert {d.id: (d.candidate_id, d.username, d.decision, d.comment) for d in stored} == sent
    # One audit record per decision, by the same user, about the same decision, in commit order.
    assert len(audit) == len(stored)
    audited = [json.loads(a.details)["decision_id"] for a in audit]
    assert audited == [d.id for d in stored]
    assert all(a.username == sent[json.loads(a.details)["decision_id"]][1] for a in audit)
    assert chain.ok and chain.records == len(stored) + 2 + 3 + REVIEWERS + REVIEWERS
    # The current decision the API shows is the last one stored for each candidate.
    with httpx.Client(base_url=live_server, timeout=30.0, trust_env=False) as client:
        client.post("/api/login", json={"username": "rev00", "password": PASSWORD})
        shown = {c["id"]: c["decision"] for c in client.get("/api/runs/1/candidates").json()}
    for candidate in range(1, 5):
        last = max((d for d in stored if d.candidate_id == candidate), key=lambda d: d.id)
        assert shown[candidate] == last.decision
