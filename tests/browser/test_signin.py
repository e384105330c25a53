"""Signing in and out in a real browser, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import click_and_wait, open_app, screenshot, sign_in

HEADING = "Sign in to Waypoint"
FAILED = "Those details did not work. Check them and try again, or ask an administrator."
LOCKOUT_ATTEMPTS = 5
NAV = {  # role -> (links its sidebar shows, links it must not show)
    "advocate": (("Home", "Resources"), ("Accounts",)),
    "supervisor": (("Home", "Resources"), ("Accounts",)),
    "admin": (("Home", "Resources", "Accounts"), ()),
}


def expect_sign_in_page(page: Page) -> None:
    expect(page.get_by_role("heading", name=HEADING)).to_be_visible()
    expect(page.get_by_label("Username", exact=True)).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


def alerts(page: Page) -> list[str]:
    return [text.strip() for text in page.get_by_test_id("stAlert").all_inner_texts()]


def expect_refused(page: Page) -> list[str]:
    """The one refusal message is shown, the form is still there, and nobody is signed in."""
    expect(page.get_by_text(FAILED, exact=True)).to_be_visible()
    expect_sign_in_page(page)
    return alerts(page)


@pytest.mark.parametrize("role", list(NAV))
def test_each_role_signs_in_and_sees_its_own_pages(page: Page, live_server: LiveServer, users, role: str):
    open_app(page, live_server.url)
    expect_sign_in_page(page)
    if role == "advocate":
        screenshot(page, f"signin-page-{live_server.backend}")

    sign_in(page, *users[role])

    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_be_visible()
    shown, hidden = NAV[role]
    for name in shown:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    for name in hidden:
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", name=HEADING)).to_have_count(0)
    screenshot(page, f"signin-{role}-home-{live_server.backend}")


def test_wrong_password_and_unknown_user_get_the_same_message(page: Page, live_server: LiveServer, users):
    username, password = users["advocate"]
    open_app(page, live_server.url)

    sign_in(page, username, password + " but wrong")
    wrong_password = expect_refused(page)
    screenshot(page, f"signin-wrong-password-{live_server.backend}")

    open_app(page, live_server.url)  # a fresh page, so the second message cannot be the first one left over
    sign_in(page, "nobody-here", password)
    unknown_user = expect_refused(page)
    screenshot(page, f"signin-unknown-user-{live_server.backend}")

    assert wrong_password == unknown_user == [FAILED]


def test_after_five_failures_sign_ins_from_there_pause_and_say_so(page: Page, live_server: LiveServer, users):
    username, password = users["supervisor"]
    open_app(page, live_server.url)
    for attempt in range(1, LOCKOUT_ATTEMPTS + 1):
        sign_in(page, username, f"wrong password number {attempt}")
        assert expect_refused(page) == [FAILED], f"attempt {attempt}"
    # Three more counted failures, each after the pause before it, so that the next wait is 16 s rather than the
    # first 2 s: on a busy machine the right password below once arrived after a 2 s wait had ended (a full run).
    paused = page.get_by_text("Sign-ins from here are paused for ", exact=False)
    counted = 0
    while counted < 3:
        sign_in(page, username, f"wrong password again {counted}")
        if paused.is_visible():
            page.wait_for_timeout(1000)  # the server's own clock: nothing in the page to wait on
            continue
        assert expect_refused(page) == [FAILED]
        counted += 1

    # The right password during the wait is not checked, and the page says why rather than "did not work".
    sign_in(page, username, password)
    expect(page.get_by_text("Sign-ins from here are paused for ", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name=HEADING)).to_be_visible()
    screenshot(page, f"signin-locked-{live_server.backend}")

    # Another account is not affected by this one's lock.
    sign_in(page, *users["advocate"])
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name="Home", exact=True)).to_be_visible()


def test_sign_out_returns_to_the_sign_in_page(page: Page, live_server: LiveServer, users):
    open_app(page, live_server.url)
    sign_in(page, *users["admin"])
    sign_out = page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()

    click_and_wait(page, sign_out)

    expect_sign_in_page(page)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot(page, f"signout-{live_server.backend}")

    # Reloading does not bring the session back.
    open_app(page, live_server.url)
    expect_sign_in_page(page)
