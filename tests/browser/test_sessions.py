"""Timeouts shown before they act, in a real browser: the sidebar notice refreshes without counting as activity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models.store.entities import AuthSession
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    actor_named,
    click_and_wait,
    database,
    fill_check_in,
    open_app,
    screenshot,
    seed_client,
    sign_in,
)

IDLE_MINUTES = 2  # the notice shows from two minutes before the idle limit, so at once
WAIT_FOR_FRAGMENT_MS = 40_000  # the notice refreshes every 15 seconds


@pytest.fixture
def live_server_env() -> dict[str, str]:
    return {"WAYPOINT_IDLE_MINUTES": str(IDLE_MINUTES)}


def _last_seen(database_url: str):  # type: ignore[no-untyped-def]
    with database(database_url) as db, db.reading() as s:
        return s.scalars(select(AuthSession.last_seen_at)).one()


def _age_session(database_url: str, by: timedelta) -> None:
    with database(database_url) as db, db.writing() as s:
        for row in s.scalars(select(AuthSession)):
            row.last_seen_at -= by


def test_the_idle_notice_refreshes_without_extending_the_session_and_then_signs_out(
        page: Page, live_server: LiveServer, users):
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("unless you continue.")).to_be_visible()
    expect(sidebar.get_by_role("button", name="Stay signed in")).to_be_visible()
    screenshot(page, f"session-idle-notice-{live_server.backend}")

    # Pretend a minute went by without anyone touching the app; the notice's own refresh must not touch it.
    _age_session(live_server.database_url, timedelta(seconds=60))
    aged = _last_seen(live_server.database_url)
    expect(sidebar.get_by_text("about a minute unless you continue.")).to_be_visible(timeout=WAIT_FOR_FRAGMENT_MS)
    assert _last_seen(live_server.database_url) == aged

    # "Stay signed in" is activity: the session is touched and the notice moves back to about two minutes.
    click_and_wait(page, sidebar.get_by_role("button", name="Stay signed in"))
    assert _last_seen(live_server.database_url) > aged
    expect(sidebar.get_by_text("about 2 minutes unless you continue.")).to_be_visible()

    # Once the idle limit has passed, the next refresh signs the tab out with no one touching it.
    _age_session(live_server.database_url, timedelta(minutes=IDLE_MINUTES + 1))
    expect(page.get_by_role("heading", name="Sign in to Waypoint")).to_be_visible(timeout=WAIT_FOR_FRAGMENT_MS)
    expect(page.get_by_text("You were signed out because your session ended.", exact=False)).to_be_visible()
    screenshot(page, f"session-idle-signed-out-{live_server.backend}")


def test_a_check_in_typed_when_the_idle_notice_signs_the_tab_out_waits_for_the_same_person(
        page: Page, live_server: LiveServer, users):
    note = "Talked through the plan for the weekend."
    code = seed_client(live_server.database_url, users["advocate"][0])
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Record a check-in"))
    fill_check_in(page, code=code, concern="High", note=note)

    # Nobody touches the tab: the sidebar's own refresh finds the idle limit passed and signs it out.
    _age_session(live_server.database_url, timedelta(minutes=IDLE_MINUTES + 1))
    expect(page.get_by_role("heading", name="Sign in to Waypoint")).to_be_visible(timeout=WAIT_FOR_FRAGMENT_MS)
    expect(page.get_by_text("kept in this tab", exact=False)).to_be_visible()
    expect(page.get_by_text(code)).to_have_count(0)  # the sign-in page names no client
    # No sidebar left over from the signed-in pages (it stayed, empty and greyed, before).
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    screenshot(page, f"session-idle-draft-kept-{live_server.backend}")

    sign_in(page, *users["advocate"])
    expect(page.get_by_text(f"Your unsaved check-in for client {code} is waiting", exact=False)).to_be_visible()
    click_and_wait(page, page.get_by_role("button", name="Restore it"))
    expect(page.get_by_role("heading", name="Record a check-in")).to_be_visible()
    expect(page.get_by_role("textbox", name="Note (optional)")).to_have_value(note)
    expect(page.get_by_role("combobox", name="Client code")).to_have_value(code)
    screenshot(page, f"session-idle-draft-restored-{live_server.backend}")


def test_after_a_reset_the_only_page_is_change_password_until_it_is_changed(
        page: Page, live_server: LiveServer, users):
    from models.services import account_admin
    from models.services.accounts import bootstrap_user

    new, mine = "seven green kites over the bay", "a brand new lantern road"
    with database(live_server.database_url) as db:
        # Another admin: an advocate's reset waits for a supervisor and a setup code (docs/accounts.md).
        ops = bootstrap_user(db, username="ops", display_name="Ops Admin", role="admin", password=mine + " first")
        account_admin.reset_password(db, actor_named(db, users["admin"][0]), ops, new)

    open_app(page, live_server.url)
    sign_in(page, "ops", new)
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    expect(page.get_by_text("An administrator reset your password.", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_role("link", name="Home", exact=True)).to_have_count(0)
    screenshot(page, f"password-forced-change-{live_server.backend}")

    page.get_by_label("Current password", exact=True).fill(new)
    page.get_by_label("New password", exact=True).fill(mine)
    page.get_by_label("New password again", exact=True).fill(mine)
    click_and_wait(page, page.get_by_role("button", name="Change password", exact=True))
    expect(page.get_by_text("Your password is changed.", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name="Home", exact=True)).to_be_visible()


def _end_advocate_sessions(database_url: str, users) -> None:  # type: ignore[no-untyped-def]
    from models.services.account_admin import end_sessions

    with database(database_url) as db:
        end_sessions(db, actor_named(db, users["admin"][0]), actor_named(db, users["advocate"][0]).user_id)


def test_a_forced_sign_out_shows_the_sign_in_page_without_a_sidebar(page: Page, live_server: LiveServer, users):
    code = seed_client(live_server.database_url, users["advocate"][0])
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    nav = page.get_by_test_id("stSidebarNav")
    click_and_wait(page, nav.get_by_role("link", name="Record a check-in"))
    fill_check_in(page, code=code)
    # Ended by an admin, then Save pressed: the sign-in page, and no empty, greyed sidebar beside it.
    _end_advocate_sessions(live_server.database_url, users)
    click_and_wait(page, page.get_by_role("button", name="Save check-in"))
    expect(page.get_by_role("heading", name="Sign in to Waypoint")).to_be_visible()
    expect(page.get_by_text("signed out before that could be saved", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    screenshot(page, f"session-ended-save-no-sidebar-{live_server.backend}")
    # Ended again, then another page chosen in the menu.
    sign_in(page, *users["advocate"])
    _end_advocate_sessions(live_server.database_url, users)
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Resources"))
    expect(page.get_by_role("heading", name="Sign in to Waypoint")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
