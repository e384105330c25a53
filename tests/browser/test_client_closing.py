"""Closing and reopening a client in a real browser: the question with a reason, the closed client kept on screen
with Reopen, and the timeline chart (small multiples per section, the level of concern under them), each
screenshot at 1280x720."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.content.loader import load_content
from models.store.entities import Client, ClientClosure
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    actor_named,
    choose,
    click_and_wait,
    database,
    open_app,
    run_and_wait,
    screenshot,
    seed_client,
    sign_in,
)
from tests.unit import helpers as builders


def _history(database_url: str, username: str, code: str) -> None:
    """Six check-ins a week apart: the signs fall away, a reaction comes and goes, concern goes high to low."""
    s = Settings.from_env()
    content = load_content(s.content_dir, s.resource_packs)
    signs = [i.code for i in content.checklist.section("signs").items][:4]
    other = [i.code for sec in content.checklist.checkin_sections() for i in sec.items
             if sec.code != "signs" and not i.immediate][:2]
    plan = [(signs, "high"), (signs[:3] + other[:1], "high"), (signs[:3], "moderate"),
            (signs[:2] + other, "moderate"), (signs[:1], "low"), (signs[:1], "low")]
    start = utcnow().replace(hour=11, minute=0, second=0, microsecond=0) - timedelta(days=7 * len(plan))
    with database(database_url) as db:
        advocate = actor_named(db, username)
        for n, (items, concern) in enumerate(plan):
            builders.check_in(db, advocate, content, code, occurred_at=start + timedelta(days=7 * n), items=items,
                              concern=concern)


def test_an_advocate_closes_a_client_with_a_reason_and_reopens_it(page: Page, live_server: LiveServer, users):
    username = users["advocate"][0]
    code = seed_client(live_server.database_url, username, days_ago=60)
    other = seed_client(live_server.database_url, username, days_ago=30)
    _history(live_server.database_url, username, code)
    shot = f"closing-{live_server.backend}"
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Client timeline"))
    choose(page, "Client", code)
    expect(page.get_by_role("heading", name=code)).to_be_visible()
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    expect(chart).to_be_visible()
    words = page.get_by_text("Chart in words:")
    expect(words).to_contain_text("6 check-ins")
    expect(words).to_contain_text("Level of concern: high at the first check-in, low at the latest.")
    chart.scroll_into_view_if_needed()
    screenshot(page, f"{shot}-1-timeline-chart")
    page.evaluate("window.scrollTo(0, 0)")

    click_and_wait(page, page.get_by_role("button", name="Close this client"))
    expect(page.get_by_text(f"Close the file of {code}?")).to_be_visible()
    click_and_wait(page, page.get_by_role("button", name=f"Yes, close {code}"))
    expect(page.get_by_text("Choose why the file is being closed from the list.")).to_be_visible()
    run_and_wait(page, lambda: page.get_by_text("Moved away", exact=True).click())
    screenshot(page, f"{shot}-2-confirmation")
    click_and_wait(page, page.get_by_role("button", name=f"Yes, close {code}"))

    expect(page.get_by_text("Closed: Moved away. You can reopen it.")).to_be_visible()
    expect(page.get_by_role("heading", name=code)).to_be_visible()  # still the same client
    expect(page.get_by_text("Closed on ")).to_contain_text("(moved away)")
    expect(page.get_by_role("button", name="Reopen this client")).to_be_visible()
    expect(page.get_by_role("button", name="Close this client")).to_have_count(0)
    screenshot(page, f"{shot}-3-closed")
    with database(live_server.database_url) as db, db.reading() as s:
        statuses = dict(s.execute(select(Client.code, Client.status)).all())
    assert statuses == {code: "closed", other: "open"}

    click_and_wait(page, page.get_by_role("button", name="Reopen this client"))
    expect(page.get_by_text("Reopened.")).to_be_visible()
    expect(page.get_by_role("button", name="Close this client")).to_be_visible()
    with database(live_server.database_url) as db, db.reading() as s:
        client = s.scalars(select(Client).where(Client.code == code)).one()
        closures = s.scalars(select(ClientClosure)).all()
    assert client.status == "open" and client.closed_reason is None
    assert [(c.reason, c.reopened_on is not None) for c in closures] == [("moved_away", True)]
