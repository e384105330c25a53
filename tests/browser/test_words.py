"""Issue 17, items 12 to 14 in Chromium at 1280x720: Sign-ins, Audit log, Accounts and a safety plan's history, with
times in the agency's zone (America/Chicago here, while the server runs in UTC), actions and accounts in words, and
every table's columns inside the page: no sideways scrolling, nothing cut off at the right."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from models.base.settings import Settings
from models.content.loader import load_content
from models.services.clients import reassign_client
from models.services.safety_plans import update_safety_plan
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
    seed_client,
    sign_in,
)

SHOWN = re.compile(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} C[SD]T")

# Whether a dataframe's grid scrolls sideways: its scroller holds more than it shows.
_WIDE_JS = """
(frame) => {
  const scroller = frame.querySelector('.dvn-scroller');
  if (!scroller) return null;
  return {scroll: scroller.scrollWidth, client: scroller.clientWidth};
}
"""


@pytest.fixture
def live_server_env() -> dict[str, str]:
    # The agency's zone differs from the server's (UTC); two-step sign-in is not what this test looks at.
    return {"WAYPOINT_TIME_ZONE": "America/Chicago", "WAYPOINT_MFA_REQUIRED": "none"}


def _fits(page: Page, name: str) -> None:
    """Every dataframe on the page shows all its columns within its own width at 1280 px."""
    frames = page.get_by_test_id("stDataFrame")
    expect(frames.first).to_be_visible()
    for n in range(frames.count()):
        sizes = frames.nth(n).evaluate(_WIDE_JS)
        assert sizes is not None, f"{name}: no grid in table {n}"
        assert sizes["scroll"] <= sizes["client"] + 1, f"{name}: table {n} scrolls sideways: {sizes}"


def _open(page: Page, label: str) -> None:
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name=label))
    expect(page.get_by_role("heading", name=label).first).to_be_visible()


def test_admin_pages_and_a_safety_plan_history_fit_and_speak_in_words(page: Page, live_server: LiveServer):
    page.set_viewport_size({"width": 1280, "height": 720})
    passwords = demo_passwords(live_server.database_url, seed=17)
    backend = live_server.backend
    # A client handed from one advocate to another (a detail that held user numbers) with safety-plan steps.
    code = seed_client(live_server.database_url, "advocate2", days_ago=5)
    s = Settings.from_env()
    content = load_content(s.content_dir, s.resource_packs)
    with database(live_server.database_url) as db:
        supervisor = actor_named(db, "supervisor")
        ada = actor_named(db, "advocate")
        reassign_client(db, supervisor, code, ada.user_id)
        update_safety_plan(db, ada, content, code, {"while-staying.code-word": True,
                                                    "while-staying.devices-checked": True})
        update_safety_plan(db, ada, content, code, {"while-staying.code-word": False})

    open_app(page, live_server.url)
    sign_in(page, "admin", passwords["admin"])

    _open(page, "Sign-ins")
    body = page.get_by_test_id("stMain").inner_text()
    assert "UTC" not in body
    expect(page.get_by_text(re.compile(r"Times are the agency's \(C[SD]T\)"))).to_be_visible()
    _fits(page, "Sign-ins")
    screenshot(page, f"words-{backend}-1-sign-ins")

    _open(page, "Audit log")
    table = page.get_by_test_id("stTable").first
    expect(table).to_contain_text("Signed in")
    expect(table).to_contain_text("their session")
    assert "UTC" not in page.get_by_test_id("stMain").inner_text()
    # A static table whose cells wrap: no wider than its box, so nothing is cut off or scrolled to.
    sizes = table.evaluate("(t) => ({scroll: t.scrollWidth, client: t.clientWidth})")
    assert sizes["scroll"] <= sizes["client"] + 1, sizes
    screenshot(page, f"words-{backend}-2-audit-log")
    # The action filter lists words; choosing one shows only those rows, with names where the log keeps numbers.
    pick(page, page.get_by_role("combobox", name="Action"), "Gave a client to another advocate")
    expect(page.get_by_test_id("stTable").first).to_contain_text("Gave a client to another advocate")
    cells = page.get_by_test_id("stTable").first.inner_text()
    assert "from Bo Advocate (demo) to Ada Advocate (demo)" in cells, cells
    assert not re.search(r"\buser \d+\b", cells), cells
    screenshot(page, f"words-{backend}-3-audit-log-filtered")

    _open(page, "Accounts")
    body = page.get_by_test_id("stMain").inner_text()
    assert "UTC" not in body
    _fits(page, "Accounts")
    screenshot(page, f"words-{backend}-4-accounts")

    # The advocate's client page: the safety plan's history, every column in view.
    click_and_wait(page, page.get_by_role("button", name="Sign out"))
    sign_in(page, "advocate", passwords["advocate"])
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Client timeline"))
    pick(page, page.get_by_role("combobox", name="Client", exact=True), code)
    plan = page.locator(f".st-key-sp_section_{code}")
    run_and_wait(page, lambda: plan.get_by_text("Show the plan, its history and the handout", exact=True).click())
    history = plan.get_by_test_id("stTable")
    expect(history).to_contain_text("taken off")
    expect(history).to_contain_text("Ada Advocate (demo)")  # the By column in full
    history.scroll_into_view_if_needed()
    sizes = history.evaluate("(t) => ({scroll: t.scrollWidth, client: t.clientWidth})")
    assert sizes["scroll"] <= sizes["client"] + 1, sizes
    expect(plan.get_by_text(re.compile(r"(In place|Not in place) since \d{1,2} [A-Z][a-z]{2} \d{4}")).first) \
        .to_be_visible()
    screenshot(page, f"words-{backend}-5-safety-plan-history")
