"""The demo supervisor's morning in a real browser: trends with every chart, another period, no export from the
page (Reports has them), and the needs-attention list leading into a client's timeline."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    click_and_wait,
    demo_passwords,
    open_app,
    run_and_wait,
    screenshot,
    sign_in,
)


def test_supervisor_reviews_trends_exports_and_opens_a_client_needing_attention(page: Page,
                                                                               live_server: LiveServer):
    passwords = demo_passwords(live_server.database_url, seed=9)
    shot = f"supervisor-{live_server.backend}"
    open_app(page, live_server.url)
    sign_in(page, "supervisor", passwords["supervisor"])
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Trends")).to_be_visible()

    # Trends: metrics and every chart, each with data.
    click_and_wait(page, nav.get_by_role("link", name="Trends"))
    expect(page.get_by_role("heading", name="Trends")).to_be_visible()
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(7)
    for n in range(7):
        expect(charts.nth(n).locator("canvas, svg").first).to_be_visible()
    metrics = page.get_by_test_id("stMetricValue")
    first = metrics.first.inner_text()
    screenshot(page, f"{shot}-1-trends")

    # Another period changes the figures.
    run_and_wait(page, page.get_by_test_id("stButtonGroup").get_by_text("Month", exact=True).click)
    expect(metrics.first).not_to_have_text(first)
    screenshot(page, f"{shot}-2-trends-month")
    for n in (1, 2, 3, 4, 6):  # the page scrolls inside Streamlit's container: look at each chart in turn
        charts.nth(n).scroll_into_view_if_needed()
        screenshot(page, f"{shot}-2-trends-month-chart{n}")

    # Nothing is exported from Trends: figures for a funder come from Reports, whole periods checked together.
    expect(page.get_by_text("To hand figures to a funder or a board, use Reports", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Download the figures (CSV)")).to_have_count(0)

    # Needs attention, then straight into a client's timeline.
    click_and_wait(page, nav.get_by_role("link", name="Needs attention"))
    expect(page.get_by_role("heading", name="Needs attention")).to_be_visible()
    expect(page.get_by_test_id("stTable")).to_be_visible()
    screenshot(page, f"{shot}-3-needs-attention")
    page.get_by_test_id("stExpander").locator("summary").click()
    link = page.get_by_test_id("stExpander").get_by_role("link").first
    code = re.search(r"[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}", link.inner_text()).group(0)
    click_and_wait(page, link)
    expect(page.get_by_role("heading", name="Client timeline")).to_be_visible()
    expect(page.get_by_role("heading", name=code)).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()
    screenshot(page, f"{shot}-4-timeline-from-attention")
