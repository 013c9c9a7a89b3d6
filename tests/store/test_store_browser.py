"""End to end in headless Chromium: sign in, review a candidate, approve a design, and check that
the registry and the pages agree; the review pages at 800 px (issue 16 item 4), with
screenshots in the test output folder (``shot_dir``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from store_helpers import PASSWORDS

from vaxmix.store.db import Registry
from vaxmix.store.models import AuditEntry, Design, ReviewDecision
from vaxmix.store.service import export_text

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

    # Approve design v1 (through the confirmation page).
    page.click("#designs a >> text=v1")
    page.wait_for_url(f"{live_server}/designs/1")
    assert page.locator("#design-status").inner_text() == "draft"
    page.click("#approve-design")
    page.wait_for_url(f"{live_server}/designs/1/approve")
    page.click("#confirm-approve")
    page.wait_for_url(f"{live_server}/designs/1")
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


def _no_horizontal_overflow(page) -> None:
    """The page is no wider than the window (nothing to scroll sideways)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    window = page.evaluate("window.innerWidth")
    assert width <= window, f"{page.url}: {width} px wide in a {window} px window"


def _shot(page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    return path


def test_review_pages_at_800_px(browser, live_server: str, loaded: Registry, shot_dir: Path):
    context = browser.new_context(viewport={"width": 800, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server}/login?next=/runs/1")
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert page.request.get(f"{live_server}{icon}").headers["content-type"] == "image/svg+xml"
    page.fill("#username", "rita")
    page.fill("#password", PASSWORDS["rita"])
    page.click("#login-button")
    page.wait_for_url(f"{live_server}/runs/1")

    # Pending rows default to "no change": Save without choosing records nothing.
    row = page.locator("#candidate-1")
    assert row.locator("select[name=decision]").input_value() == ""
    assert row.locator("select[name=decision] option:checked").inner_text() == "no change"
    row.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server}/runs/1#candidate-1")
    assert page.locator("#candidate-1 .decision").inner_text() == "Pending"
    with loaded.read() as session:
        assert session.scalars(select(ReviewDecision)).all() == []
    _no_horizontal_overflow(page)
    _shot(page, shot_dir, "run-800px")

    # Export: the JSON download is what `vaxmix registry export 1` writes.
    with page.expect_download() as download:
        page.click("#export-json")
    with loaded.read() as session:
        expected = export_text(session, 1)
    assert Path(download.value.path()).read_text(encoding="utf-8") == expected
    assert download.value.suggested_filename == "run-1-export.json"

    # Candidate page: details, peptides and the review form.
    page.click("#candidate-1 td:nth-child(2) a")
    page.wait_for_url(f"{live_server}/candidates/1")
    assert page.locator("#best-peptide").inner_text() == "VENYSQNVA"
    assert page.locator("#peptides tbody tr").count() > 1
    assert page.locator("#peptides tr.best td").first.inner_text() == "VENYSQNVA"
    page.locator("#review select[name=decision]").select_option("Accept")
    page.locator("#review input[name=comment]").fill("clonal, strong binder")
    page.locator("#review button[type=submit]").click()
    page.wait_for_url(f"{live_server}/candidates/1")
    assert page.locator("#current-decision").inner_text() == "Accept"
    assert "clonal, strong binder" in page.locator("#history").inner_text()
    _no_horizontal_overflow(page)
    _shot(page, shot_dir, "candidate-800px")

    # Design: a blank "what changed" keeps the note.
    page.goto(f"{live_server}/designs/1")
    note = page.locator("#design-note").inner_text()
    page.locator("#design-candidates input[type=checkbox]").nth(1).uncheck()
    page.click("#save-design")
    page.wait_for_url(f"{live_server}/designs/1")
    assert page.locator("#design-note").inner_text() == note == "imported from the run folder"
    assert page.locator("#design-candidates input:checked").count() == 4
    _no_horizontal_overflow(page)
    _shot(page, shot_dir, "design-800px")

    # Approval asks first; Cancel leaves the draft alone.
    page.click("#approve-design")
    page.wait_for_url(f"{live_server}/designs/1/approve")
    assert "freezes it" in page.locator("#approve-warning").inner_text()
    assert page.locator("#approve-variants tbody tr").count() == 4
    # The construct imported with the run still holds the unchecked variant: said so.
    assert "still holds ARID1B_G897A" in page.locator("#construct-mismatch").inner_text()
    _no_horizontal_overflow(page)
    _shot(page, shot_dir, "approve-confirm-800px")
    page.click("#cancel-approve")
    page.wait_for_url(f"{live_server}/designs/1")
    assert page.locator("#design-status").inner_text() == "draft"
    page.click("#approve-design")
    page.click("#confirm-approve")
    page.wait_for_url(f"{live_server}/designs/1")
    assert page.locator("#design-status").inner_text() == "approved"

    for path in ("/", "/patients/1", "/audit", "/account"):
        page.goto(f"{live_server}{path}")
        _no_horizontal_overflow(page)
    _shot(page, shot_dir, "account-800px")
    context.close()
