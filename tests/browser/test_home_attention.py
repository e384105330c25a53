"""An advocate's day and a supervisor's review in real Chromium at 1280x720: Home lists today's due and overdue
clients as links into their timelines, the caseload shows closed clients, and a supervisor marks a
needs-attention entry reviewed with a note."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from models.services.clients import close_client
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    actor_named,
    click_and_wait,
    database,
    demo_passwords,
    open_app,
    pick,
    run_and_wait,
    screenshot,
    sign_in,
)

CODE = re.compile(r"[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}")


def test_advocate_home_caseload_and_a_supervisor_review(page: Page, live_server: LiveServer):
    passwords = demo_passwords(live_server.database_url, seed=11)
    shot = f"home-attention-{live_server.backend}"
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, live_server.url)
    sign_in(page, "advocate", passwords["advocate"])

    # Home: the day's due and overdue clients as links, each opening that client's timeline.
    box = page.locator(".st-key-home_due")
    expect(box.get_by_role("heading", name="Due and overdue today")).to_be_visible()
    links = box.get_by_role("link", name=CODE)
    expect(links.first).to_be_visible()
    first = links.first.inner_text()
    assert re.search(r"(overdue \d+ days?|overdue since \d\d:\d\d today|due today at \d\d:\d\d)", first), first
    screenshot(page, f"{shot}-1-home")
    code = CODE.search(first).group(0)
    click_and_wait(page, links.first)
    expect(page.get_by_role("heading", name=code)).to_be_visible()

    # Caseload with closed clients: one closed here, listed with its date and reason, linking to its timeline.
    with database(live_server.database_url) as db:
        close_client(db, actor_named(db, "advocate"), code, reason="moved_away")
    nav = page.get_by_test_id("stSidebarNav")
    click_and_wait(page, nav.get_by_role("link", name="My caseload"))
    run_and_wait(page, lambda: page.get_by_text("Show closed clients").click())
    closed = page.get_by_role("link", name=re.compile(rf"^{code}: closed"))
    expect(closed).to_be_visible()
    screenshot(page, f"{shot}-2-caseload-closed")

    # The supervisor: the needs-attention list with its reasons, and a review with a note.
    other = page  # a fresh load is a new session: signed out
    open_app(other, live_server.url)
    sign_in(other, "supervisor", passwords["supervisor"])
    click_and_wait(other, other.get_by_test_id("stSidebarNav").get_by_role("link", name="Needs attention"))
    expect(other.get_by_test_id("stTable")).to_be_visible()
    screenshot(other, f"{shot}-3-needs-attention")
    form = other.locator(".st-key-na_review")
    chosen = CODE.search(other.get_by_test_id("stTable").inner_text().replace("\u2060", "")).group(0)
    pick(other, form.get_by_role("combobox"), chosen)
    form.get_by_label("Note").fill("Talked it through with the advocate.")
    click_and_wait(other, form.get_by_role("button", name="Mark reviewed"))
    done = form.get_by_text(f"{chosen} marked reviewed", exact=False)  # by the button, not at the top of the page
    expect(done).to_be_in_viewport()
    expect(form.get_by_label("Note")).to_have_value("")
    screenshot(other, f"{shot}-4-reviewed")
    click_and_wait(other, form.get_by_role("button", name="Mark reviewed"))  # again, with nothing chosen
    expect(form.get_by_text("Choose an entry to mark reviewed.")).to_be_visible()
    expect(other.get_by_text("not available to you")).to_have_count(0)
    screenshot(other, f"{shot}-5-reviewed-again")

    # The supervisor's caseload grid fits its box at 1280 px: no column cut off on the right.
    click_and_wait(other, other.get_by_test_id("stSidebarNav").get_by_role("link", name="Caseloads"))
    grid = other.get_by_test_id("stDataFrame")
    expect(grid).to_be_visible()
    sizes = grid.locator(".dvn-scroller").evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] <= sizes[1], f"the grid's content is {sizes[0]} px wide in a {sizes[1]} px box"
    grid.scroll_into_view_if_needed()
    screenshot(other, f"{shot}-6-caseloads-grid")
