"""Trends in a real browser on demo data, as a supervisor: Month (November 2026), then Custom 1-30 Nov; the
weekly chart's x-axis labels, read from the drawn SVG, run in time order and stay inside the period; screenshots
of each are saved under artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

from datetime import date, datetime

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    choose,
    click_and_wait,
    demo_passwords,
    open_app,
    press_button,
    run_and_wait,
    screenshot,
    sign_in,
)


def _x_labels(chart: Locator) -> list[str]:
    """The shown labels of a chart's x axis, in the order Vega drew them (left to right), from the SVG text."""
    axis = chart.locator('svg g[aria-roledescription="axis"][aria-label^="X-axis"]').first
    expect(axis).to_be_attached()
    return axis.locator(".role-axis-label text").evaluate_all(
        "ts => ts.filter(t => getComputedStyle(t).opacity !== '0' && t.getAttribute('opacity') !== '0')"
        "        .map(t => [t.getBoundingClientRect().x, t.textContent])"
        "        .sort((a, b) => a[0] - b[0]).map(p => p[1])")


def _in_time_order(labels: list[str], year: int) -> list[date]:
    days = [datetime.strptime(f"{text} {year}", "%d %b %Y").date() for text in labels]
    assert days == sorted(days), labels
    return days


def _set_segment(page: Page, name: str, value: str) -> None:
    box = page.get_by_role("spinbutton", name=name)
    box.click()
    page.keyboard.type(value)


def test_month_and_a_custom_november_draw_weeks_in_time_order(page: Page, live_server: LiveServer):
    passwords = demo_passwords(live_server.database_url, seed=9)
    shot = f"trends-periods-{live_server.backend}"
    page.set_viewport_size({"width": 1280, "height": 900})
    open_app(page, live_server.url)
    sign_in(page, "supervisor", passwords["supervisor"])
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Trends"))
    expect(page.get_by_role("heading", name="Trends")).to_be_visible()
    expect(page.get_by_text("Compared with the same", exact=False).first).to_be_visible()  # the quarter so far
    screenshot(page, f"{shot}-1-quarter")

    press_button(page, "tr_period", "Month")
    choose(page, "Month", "November 2026")
    expect(page.get_by_text("November 2026: 1 Nov – 30 Nov 2026 (30 days). Compared with 1 Oct – 31 Oct 2026.")) \
        .to_be_visible()
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(7)
    weekly = charts.first
    labels = _x_labels(weekly)
    days = _in_time_order(labels, 2026)
    assert days[0] >= date(2026, 11, 1) and days[-1] <= date(2026, 11, 30), labels
    assert "26 Oct" not in labels and len(days) >= 4, labels
    screenshot(page, f"{shot}-2-month")
    weekly.scroll_into_view_if_needed()
    weekly.screenshot(path=str(screenshot(page, f"{shot}-2-month").with_name(f"{shot}-2-month-weekly.png")))

    press_button(page, "tr_period", "Custom")
    _set_segment(page, "year, From and to start date", "2026")
    _set_segment(page, "month, From and to start date", "11")
    _set_segment(page, "day, From and to start date", "01")
    _set_segment(page, "year, From and to end date", "2026")
    _set_segment(page, "month, From and to end date", "11")
    _set_segment(page, "day, From and to end date", "30")
    run_and_wait(page, lambda: page.keyboard.press("Enter"))
    page.keyboard.press("Escape")  # the calendar that typing opened
    expect(page.get_by_text("Custom period: 1 Nov – 30 Nov 2026 (30 days). Compared with 2 Oct – 31 Oct 2026.")) \
        .to_be_visible()
    for n in (0, 2, 3, 5):  # weekly, the heat map, concern and progress: every chart over time
        labels = _x_labels(charts.nth(n))
        days = _in_time_order(labels, 2026)
        assert days[0] >= date(2026, 11, 1) and days[-1] <= date(2026, 11, 30), (n, labels)
    screenshot(page, f"{shot}-3-custom")
    for n in range(7):
        charts.nth(n).scroll_into_view_if_needed()
        charts.nth(n).screenshot(path=str(screenshot(page, f"{shot}-3-custom").with_name(
            f"{shot}-3-custom-chart{n}.png")))
    # The page hands nothing out: the figures for a funder come from Reports.
    expect(page.get_by_text("To hand figures to a funder or a board, use Reports", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Download the figures (CSV)")).to_have_count(0)
