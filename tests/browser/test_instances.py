"""Two Waypoint instances on one database, driven from Chromium at once (issue 7, part 2).

An agency may run several `streamlit run` processes behind a proxy. What one saves, the other shows on its
next run; sessions are rows in the shared database, so ending one ends it everywhere. But the session token
never reaches the browser: it lives in the Streamlit session (server memory, tied to the tab's WebSocket), so
a tab that lands on the other instance, or a new tab, starts unsigned and asks for sign-in.

Runs on both backends: two processes on one SQLite file in WAL mode work too (on one machine only);
PostgreSQL is what the README recommends for several instances.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from models.services.account_admin import end_sessions
from tests.browser.conftest import _WATCH_RUNS_JS, LiveServer, _start_server
from tests.browser.helpers import (
    actor_named,
    add_client_and_check_in,
    click_and_wait,
    counts,
    database,
    open_app,
    run_and_wait,
    screenshot,
    sign_in,
)


def new_context(browser: Browser) -> BrowserContext:
    """A context like the harness's `page` fixture makes: same viewport, same run watcher."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.add_init_script(_WATCH_RUNS_JS)
    context.set_default_timeout(30_000)
    return context


@pytest.fixture
def two_servers(database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[LiveServer]]:
    """Two instances on the same database, each on its own free loopback port."""
    servers: list[LiveServer] = []
    try:
        for n in (1, 2):
            servers.append(_start_server(database_url, tmp_path / f"streamlit-{n}.log", {}))
            request.node._wp_servers = list(servers)  # their logs go into the report on failure
        yield servers
    finally:
        for server in servers:
            server.stop()


def shoot_all(prefix: str, *contexts: BrowserContext) -> None:
    """On failure, a screenshot of every open tab: the harness only takes one of its own `page`."""
    for c, context in enumerate(contexts):
        for n, tab in enumerate(context.pages):
            with contextlib.suppress(Exception):  # a screenshot must not hide the failure itself
                screenshot(tab, f"{prefix}-context{c}-tab{n}")


def find_client(page: Page, code: str) -> None:
    """A supervisor opens the timeline and types the code; the page reads the database on this run."""
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Client timeline"))
    field = page.get_by_role("textbox", name="Find a client by code")
    field.fill(code)
    run_and_wait(page, lambda: field.press("Enter"))


def test_what_one_instance_saves_the_other_shows_and_sessions_stay_with_their_tab(
        browser: Browser, two_servers: list[LiveServer], users, database_url: str):
    one, two = two_servers
    backend = one.backend
    advocate_ctx, supervisor_ctx = new_context(browser), new_context(browser)
    try:
        advocate, supervisor = advocate_ctx.new_page(), supervisor_ctx.new_page()
        # Both people are signed in at the same time, each on their own instance.
        open_app(advocate, one.url)
        sign_in(advocate, *users["advocate"])
        open_app(supervisor, two.url)
        sign_in(supervisor, *users["supervisor"])
        expect(supervisor.get_by_role("heading", name="Welcome, Sam Supervisor")).to_be_visible()
        before = counts(database_url, users["advocate"][0])
        assert before["clients"] == 0 and before["check_ins"] == 0 and before["open_sessions"] == 1

        # 1. The advocate saves on instance 1; the database has it once.
        code = add_client_and_check_in(advocate)
        screenshot(advocate, f"instances-{backend}-1-saved-on-one")
        after = counts(database_url, users["advocate"][0])
        assert after["clients"] == 1 and after["check_ins"] == 1

        # 2. The supervisor on instance 2 finds it on the next run, with its check-in.
        find_client(supervisor, code)
        expect(supervisor.get_by_role("heading", name=code)).to_be_visible()
        expect(supervisor.get_by_text("No client code matches that.")).to_have_count(0)
        expect(supervisor.get_by_text("concern moderate", exact=False).first).to_be_visible()
        screenshot(supervisor, f"instances-{backend}-2-shown-on-two")

        # 3. The advocate's browser (same cookies) opening instance 2 is not signed in there: the token is
        # kept in instance 1's memory for that tab, never in the browser.
        elsewhere = advocate_ctx.new_page()
        open_app(elsewhere, two.url)
        expect(elsewhere.get_by_role("heading", name="Sign in to Waypoint")).to_be_visible()
        expect(elsewhere.get_by_test_id("stSidebarNav")).to_have_count(0)
        screenshot(elsewhere, f"instances-{backend}-3-other-instance-asks-to-sign-in")
        # ... and a new tab on instance 1 itself asks too.
        again = advocate_ctx.new_page()
        open_app(again, one.url)
        expect(again.get_by_role("heading", name="Sign in to Waypoint")).to_be_visible()
        assert counts(database_url, users["advocate"][0])["open_sessions"] == 1  # neither made a session
        # The original tab is still signed in on instance 1.
        click_and_wait(advocate, advocate.get_by_test_id("stSidebarNav").get_by_role("link", name="My caseload"))
        expect(advocate.get_by_text("1 open client", exact=False).first).to_be_visible()

        # 4. Sessions are shared through the database: ended by an admin (here from a third process), the
        # advocate's tab on instance 1 is signed out at its next action.
        with database(database_url) as db:
            ada_id = actor_named(db, users["advocate"][0]).user_id
            assert end_sessions(db, actor_named(db, users["admin"][0]), ada_id) == 1
        click_and_wait(advocate, advocate.get_by_test_id("stSidebarNav").get_by_role("link", name="Home"))
        expect(advocate.get_by_role("heading", name="Sign in to Waypoint")).to_be_visible()
        expect(advocate.get_by_text("your session ended", exact=False)).to_be_visible()
        screenshot(advocate, f"instances-{backend}-4-ended-elsewhere")

        # 5. Signing in on instance 2 works, and shows what was saved on instance 1.
        sign_in(elsewhere, *users["advocate"])
        click_and_wait(elsewhere, elsewhere.get_by_test_id("stSidebarNav").get_by_role("link", name="My caseload"))
        expect(elsewhere.get_by_text("1 open client", exact=False).first).to_be_visible()
        final = counts(database_url, users["advocate"][0])
        assert final["clients"] == 1 and final["check_ins"] == 1 and final["open_sessions"] == 1
    except BaseException:
        shoot_all(f"FAILED-instances-{backend}", advocate_ctx, supervisor_ctx)
        raise
    finally:
        advocate_ctx.close()
        supervisor_ctx.close()
