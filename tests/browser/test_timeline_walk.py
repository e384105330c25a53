"""Issue 17's walk, fixed, in a real browser at 1280x720: the persistence grid fits its box with the newest check-in
first and every row label whole; no chart (timeline or Trends) offers its data or a download; a new client's code
replaces the form, in view, with nothing left to press twice."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Locator, Page, expect

from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.content.loader import load_content
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    actor_named,
    choose,
    click_and_wait,
    counts,
    database,
    demo_passwords,
    open_app,
    run_and_wait,
    screenshot,
    seed_client,
    sign_in,
)
from tests.unit import helpers as builders

TOOLBAR_DATA = ("Show data", "Download", "Copy Vega-Lite")


def _check_ins(database_url: str, username: str, code: str, n: int) -> None:
    """`n` check-ins a few days apart, each with the checklist's longest sign observed."""
    s = Settings.from_env()
    content = load_content(s.content_dir, s.resource_packs)
    longest = max(content.checklist.section("signs").items, key=lambda i: len(i.label)).code
    start = utcnow().replace(hour=11, minute=0, second=0, microsecond=0) - timedelta(days=3 * n)
    with database(database_url) as db:
        advocate = actor_named(db, username)
        for k in range(n):
            builders.check_in(db, advocate, content, code, occurred_at=start + timedelta(days=3 * k),
                              items=[longest], concern=("low", "moderate", "high")[k % 3])


def _no_data_in_toolbar(page: Page, chart: Locator) -> None:
    """Hover the chart, as someone reaching for its toolbar would: fullscreen at most, no data, no download."""
    chart.scroll_into_view_if_needed()
    chart.hover()
    page.wait_for_timeout(300)  # the toolbar fades in on hover
    own = chart.locator("xpath=ancestor::div[@data-testid='stElementContainer'][1]")  # this chart's toolbar
    buttons = own.get_by_test_id("stElementToolbarButton")
    labels = [b.get_by_role("button").get_attribute("aria-label") or "" for b in buttons.all() if b.is_visible()]
    assert any(b.startswith("Fullscreen") for b in labels), labels  # the toolbar is there, with fullscreen
    assert not [b for b in labels if b.startswith(TOOLBAR_DATA)], labels

def test_the_timeline_grid_fits_and_no_chart_hands_out_its_data(page: Page, live_server: LiveServer, users):
    username = users["advocate"][0]
    code = seed_client(live_server.database_url, username, days_ago=60)
    _check_ins(live_server.database_url, username, code, 12)
    shot = f"walk17-{live_server.backend}"
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Client timeline"))
    choose(page, "Client", code)
    expect(page.get_by_role("heading", name=code)).to_be_visible()

    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator("canvas, svg").first).to_be_visible()
    _no_data_in_toolbar(page, chart)
    screenshot(page, f"{shot}-1-chart-hover")

    table = page.get_by_test_id("stTable").first
    table.scroll_into_view_if_needed()
    heads = table.locator("thead th")
    expect(heads).to_have_count(1 + 8)  # the label column and the latest eight check-ins
    dates = [heads.nth(n).inner_text().strip() for n in range(1, 9)]
    assert dates[0] != dates[-1]
    box = table.bounding_box()
    inner = table.locator("table").first.bounding_box()
    assert box and inner and inner["width"] <= box["width"] + 1, (inner, box)  # nothing off to the right
    label_cell = table.locator("tbody tr td, tbody tr th").first
    assert label_cell.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # the label is whole, wrapped not cut
    screenshot(page, f"{shot}-2-grid")


def test_trends_charts_offer_no_data_either(page: Page, live_server: LiveServer):
    passwords = demo_passwords(live_server.database_url, seed=9)
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, live_server.url)
    sign_in(page, "supervisor", passwords["supervisor"])
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Trends"))
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts.first.locator("canvas, svg").first).to_be_visible()
    for n in range(min(3, charts.count())):
        _no_data_in_toolbar(page, charts.nth(n))
    screenshot(page, f"walk17-{live_server.backend}-3-trends-hover")


def test_a_new_clients_code_replaces_the_form(page: Page, live_server: LiveServer, users):
    username = users["advocate"][0]
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="New client"))
    run_and_wait(page, lambda: page.get_by_text("Intimate partner or ex-partner", exact=True).click())
    submit = page.get_by_role("button", name="Open client and make a code")
    submit.scroll_into_view_if_needed()
    click_and_wait(page, submit)
    box = page.locator(".st-key-nc_code_box")
    expect(box).to_be_in_viewport()
    expect(page.get_by_role("button", name="Open client and make a code")).to_have_count(0)
    screenshot(page, f"walk17-{live_server.backend}-4-new-client-code")
    assert counts(live_server.database_url, username)["clients"] == 1
    click_and_wait(page, page.get_by_role("button", name="Open another client"))
    expect(box).to_have_count(0)
    expect(page.get_by_role("radio", name="Intimate partner or ex-partner")).not_to_be_checked()
