"""End to end in headless Chromium: sign in, review a candidate, approve a design, and check that
the registry and the pages agree."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from store_helpers import PASSWORDS

from vaxmix.store.db import Registry
from vaxmix.store.models import AuditEntry, Design, ReviewDecision

pytestmark = pytest.mark.browser


def test_review_and_approve_in_the_browser(browser, live_server: str, loaded: Registry) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server) else outside.append(r.url))

    page.goto(f"{live_server}/runs/1")
    assert "/login" in page.url  # pages need sign-in
    page.fill("#username", "rita")
    page.fill("#password", PASSWORDS["rita"])
    page.click("#login-button")
    page.wait_for_url(f"{live_server}/runs/1")
    assert page.locator("#current-user").inner_text() == "rita"

    # Review the MSH6 candidate (id 1): Accept with a comment.
    row = page.locator("#candidate-1")
    row.locator("select[name=decision]").select_option("Accept")
    row.locator("input[name=comment]").fill("strong B*45:01 binder, clonal")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("#candidate-1 .decision").inner_text() == "Accept"
    assert "rita: strong B*45:01 binder, clonal" in page.locator("#candidate-1").inner_text()

    # Approve design v1.
    page.click("#designs a >> text=v1")
    page.wait_for_url(f"{live_server}/designs/1")
    assert page.locator("#design-status").inner_text() == "draft"
    page.click("#approve-design")
    page.wait_for_load_state("load")
    assert page.locator("#design-status").inner_text() == "approved"
    assert page.locator("#approved-by").inner_text() == "rita"
    assert page.locator("#approve-design").count() == 0

    # Registry and page agree.
    with loaded.read() as session:
        (decision,) = session.scalars(select(ReviewDecision)).all()
        assert (decision.candidate_id, decision.decision, decision.username) == (
            1,
            "Accept",
            "rita",
        )
        assert decision.comment == "strong B*45:01 binder, clonal"
        design = session.get(Design, 1)
        assert (design.status, design.approved_by) == ("approved", "rita")
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["login.success", "candidate.review", "design.approve"]
    page.goto(f"{live_server}/runs/1")
    shown = {
        int(r.get_attribute("data-candidate")): r.locator(".decision").inner_text()
        for r in page.locator("#candidates tbody tr").all()
    }
    assert shown == {i: ("Accept" if i == 1 else "Pending") for i in range(1, 24)}
    page.goto(f"{live_server}/audit")
    assert "Hash chain verified" in page.locator("#chain-status").inner_text()
    assert outside == []
    context.close()
