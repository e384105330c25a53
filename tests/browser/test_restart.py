"""A server that dies mid-session (issue 7, part 4): the tab reconnects by itself to the new process on the same
port, asks for sign-in (the session token lived in the dead process's memory), and everything saved is there.

What was typed but not saved is lost with the process; the old session row stays open in the database until its
idle limit ends it, but nothing can use it any more: its token existed only in the dead process.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser import conftest as harness
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    add_client_and_check_in,
    click_and_wait,
    counts,
    open_app,
    pick,
    run_and_wait,
    runs_finished,
    screenshot,
    sign_in,
    wait_for_app,
)

UNSAVED_NOTE = "Started typing this just before the server went away."
RECONNECT_TIMEOUT_MS = 90_000  # the browser retries with a growing back-off


def start_on_port(monkeypatch: pytest.MonkeyPatch, database_url: str, log_path: Path, port: int) -> LiveServer:
    """The harness's own server start, on a chosen port instead of a free one (a restart keeps its address)."""
    with monkeypatch.context() as m:
        m.setattr(harness, "_free_port", lambda: port)
        return harness._start_server(database_url, log_path, {})


def test_after_a_crash_and_restart_the_person_signs_in_again_and_nothing_saved_is_lost(
        page: Page, live_server: LiveServer, users, database_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    backend = live_server.backend
    username = users["advocate"][0]
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    code = add_client_and_check_in(page)
    # A second check-in started but not saved: its note is only in the process's memory.
    note = page.get_by_role("textbox", name="Note (optional)")
    note.fill(UNSAVED_NOTE)
    run_and_wait(page, lambda: note.press("Tab"))
    saved = counts(database_url, username)
    assert saved == {"clients": 1, "check_ins": 1, "open_sessions": 1}

    # The process dies (SIGKILL: no shutdown of any kind) and the tab notices.
    before = runs_finished(page)
    live_server.process.kill()
    live_server.process.wait(timeout=10)
    expect(page.get_by_test_id("stApp")).not_to_have_attribute("data-test-connection-state", "CONNECTED")
    screenshot(page, f"restart-{backend}-1-server-gone")

    # A new process on the same port and database; the tab reconnects without a reload.
    port = urlparse(live_server.url).port
    assert port is not None
    restarted = start_on_port(monkeypatch, database_url, tmp_path / "streamlit-restarted.log", port)
    request.node._wp_servers = [*getattr(request.node, "_wp_servers", []), restarted]
    try:
        wait_for_app(page, after=before, timeout_ms=RECONNECT_TIMEOUT_MS)
        expect(page.get_by_role("heading", name="Sign in to Waypoint")).to_be_visible()
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        screenshot(page, f"restart-{backend}-2-reconnected-asks-to-sign-in")
        # Nothing saved was lost or doubled; the dead process's session is orphaned, not resumed.
        assert counts(database_url, username) == saved

        sign_in(page, *users["advocate"])
        nav = page.get_by_test_id("stSidebarNav")
        click_and_wait(page, nav.get_by_role("link", name="My caseload"))
        expect(page.get_by_text("1 open client", exact=False).first).to_be_visible()
        click_and_wait(page, nav.get_by_role("link", name="Client timeline"))
        pick(page, page.get_by_role("combobox", name="Client", exact=True), code)
        expect(page.get_by_role("heading", name=code)).to_be_visible()
        expect(page.get_by_text("concern moderate", exact=False).first).to_be_visible()
        screenshot(page, f"restart-{backend}-3-signed-in-again-check-in-kept")
        # The unsaved form did not survive, as the README says: only what was saved is kept.
        click_and_wait(page, nav.get_by_role("link", name="Record a check-in"))
        expect(page.get_by_role("textbox", name="Note (optional)")).to_have_value("")
        after = counts(database_url, username)
        assert after["clients"] == 1 and after["check_ins"] == 1
        assert after["open_sessions"] == 2  # the new one, and the orphan that will idle out
    finally:
        restarted.stop()
