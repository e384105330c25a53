"""The README's two pictures, made from the real app on demo data: an advocate part way through a check-in and a
supervisor's trends. Every run saves them under artifacts/screenshots/; with WAYPOINT_UPDATE_SCREENSHOTS=1 the
SQLite run also writes them to docs/images/, which are committed (see docs/development.md)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    click_and_wait,
    demo_passwords,
    open_app,
    press_button,
    run_and_wait,
    sign_in,
)

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
VIEWPORT = {"width": 1280, "height": 800}


def _keep(page: Page, name: str, backend: str) -> Path:
    """A viewport picture (what a person sees first), saved as an artifact and, when asked, as the README's."""
    out = Path("artifacts/screenshots") / f"readme-{name}-{backend}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out))
    if backend == "sqlite" and os.environ.get("WAYPOINT_UPDATE_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, IMAGES / f"{name}.png")
    return out


def test_readme_pictures_show_a_check_in_and_the_trends(page: Page, live_server: LiveServer):
    passwords = demo_passwords(live_server.database_url, seed=5)
    page.set_viewport_size(VIEWPORT)

    open_app(page, live_server.url)
    sign_in(page, "advocate", passwords["advocate"])
    nav = page.get_by_test_id("stSidebarNav")
    click_and_wait(page, nav.get_by_role("link", name="Record a check-in"))
    expect(page.get_by_role("heading", name="Record a check-in")).to_be_visible()
    box = page.get_by_role("combobox", name="Client code")
    box.click()
    first = page.get_by_role("option").first
    run_and_wait(page, first.click)
    press_button(page, "ci_mode", "In person")
    run_and_wait(page, lambda: page.get_by_text("Defends or explains away", exact=False).click())
    page.get_by_role("heading", name="Record a check-in").scroll_into_view_if_needed()
    shot = _keep(page, "check-in", live_server.backend)
    assert shot.stat().st_size > 20_000  # a real picture of a page, not a blank one

    click_and_wait(page, page.get_by_role("button", name="Sign out"))
    sign_in(page, "supervisor", passwords["supervisor"])
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Trends"))
    expect(page.get_by_role("heading", name="Trends")).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart").first.locator("canvas, svg").first).to_be_visible()
    shot = _keep(page, "trends", live_server.backend)
    assert shot.stat().st_size > 20_000


def test_the_readme_pictures_are_committed():
    for name in ("check-in", "trends", "check-in-es"):  # check-in-es: tests/browser/test_spanish.py
        image = IMAGES / f"{name}.png"
        assert image.is_file(), f"{image} is missing: run WAYPOINT_UPDATE_SCREENSHOTS=1 ./waypoint test {__file__}"
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert image.stat().st_size > 20_000
