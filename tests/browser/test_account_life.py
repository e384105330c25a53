"""Issue 16, item 3 in Chromium: an admin deactivates an advocate while she is in the middle of opening a client.
Her next action is refused, nothing is saved, she lands on the sign-in page and her password no longer works.
On the way, the admin's Add an account form is checked to come back empty after a creation (in the browser, where
a form's typed text could stay on screen though the server forgot it)."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, expect
from sqlalchemy import select

from models.store.entities import Client, User
from tests.browser.conftest import _WATCH_RUNS_JS, LiveServer
from tests.browser.helpers import (
    choose,
    click_and_wait,
    counts,
    database,
    open_app,
    pick,
    run_and_wait,
    screenshot,
    seed_client,
    sign_in,
)


def _context(browser: Browser) -> BrowserContext:
    """A browser of its own (no cookies shared), which counts the app's runs like the `page` fixture's."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.add_init_script(_WATCH_RUNS_JS)
    context.set_default_timeout(30_000)
    return context


def test_deactivated_mid_session_the_next_action_is_refused_and_she_lands_on_sign_in(
        browser: Browser, live_server: LiveServer, users):
    backend = live_server.backend
    from models.services.accounts import bootstrap_user

    with database(live_server.database_url) as db:
        bootstrap_user(db, username="bo", display_name="Bo Advocate", role="advocate", password=users["advocate"][1])
    codes = [seed_client(live_server.database_url, "ada", days_ago=d) for d in (30, 20)]
    advocate_ctx, admin_ctx, supervisor_ctx = _context(browser), _context(browser), _context(browser)
    advocate, admin, supervisor = advocate_ctx.new_page(), admin_ctx.new_page(), supervisor_ctx.new_page()
    try:
        open_app(advocate, live_server.url)
        sign_in(advocate, *users["advocate"])

        # The admin makes an account; the form is empty again afterwards.
        open_app(admin, live_server.url)
        sign_in(admin, *users["admin"])
        click_and_wait(admin, admin.get_by_test_id("stSidebarNav").get_by_role("link", name="Accounts"))
        expect(admin.get_by_role("combobox", name="Account", exact=True)).to_have_value("")  # not the admin's own
        choose(admin, "Role", "admin")
        admin.get_by_label("Username", exact=True).fill("ops")
        admin.get_by_label("Display name", exact=True).fill("Ops Admin")
        admin.get_by_label("First password", exact=True).fill("seven green kites over the bay")
        click_and_wait(admin, admin.get_by_role("button", name="Create account"))
        expect(admin.get_by_text("Account ops created as admin.")).to_be_visible()
        expect(admin.get_by_label("Username", exact=True)).to_have_value("")
        expect(admin.get_by_label("Display name", exact=True)).to_have_value("")
        screenshot(admin, f"account-life-{backend}-1-form-empty-after-creation")

        # The admin deactivates the advocate, mid-session.
        choose(admin, "Account to change", "ada (Ada Advocate)")
        click_and_wait(admin, admin.get_by_role("button", name="Deactivate ada", exact=True))
        # The advocate starts opening a client. Her page's last full run comes just before the deactivation:
        # the sidebar's session check (every session_notice.REFRESH_SECONDS) would otherwise find the
        # session gone by itself and show the sign-in page before her click, as it should for someone idle.
        click_and_wait(advocate, advocate.get_by_test_id("stSidebarNav").get_by_role("link", name="New client"))
        run_and_wait(advocate, lambda: advocate.get_by_text("Intimate partner or ex-partner", exact=True).click())
        click_and_wait(admin, admin.get_by_role("button", name="Yes, deactivate ada"))
        expect(admin.get_by_text("ada is deactivated; their sessions ended.")).to_be_visible()
        assert counts(live_server.database_url, "ada")["open_sessions"] == 0  # at once, not at her next click
        # Her next action is refused: nothing saved, and she is on the sign-in page with why.
        click_and_wait(advocate, advocate.get_by_role("button", name="Open client and make a code"))
        expect(advocate.get_by_role("heading", name="Sign in to Waypoint")).to_be_visible()
        expect(advocate.get_by_text("You were signed out before that could be saved", exact=False)).to_be_visible()
        assert counts(live_server.database_url, "ada")["clients"] == len(codes)  # no new client
        screenshot(advocate, f"account-life-{backend}-3-refused-on-sign-in")
        screenshot(admin, f"account-life-{backend}-2-deactivated")
        sign_in(advocate, *users["advocate"])
        expect(advocate.get_by_text("Those details did not work", exact=False)).to_be_visible()
        expect(advocate.get_by_role("heading", name="Sign in to Waypoint")).to_be_visible()

        # A supervisor sees her clients waiting and hands them over to bo.
        open_app(supervisor, live_server.url)
        sign_in(supervisor, *users["supervisor"])
        nav = supervisor.get_by_test_id("stSidebarNav")
        click_and_wait(supervisor, nav.get_by_role("link", name="Caseloads"))
        expect(supervisor.get_by_text("2 open clients still belong to a deactivated account", exact=False)) \
            .to_be_visible()
        click_and_wait(supervisor, nav.get_by_role("link", name="Hand over clients"))
        choose(supervisor, "Whose clients", "Ada Advocate (ada), 2 open clients, deactivated")
        pick(supervisor, supervisor.get_by_role("combobox", name="Hand over to"), "Bo Advocate")
        supervisor.keyboard.press("Escape")  # close the list of advocates, which covers the form
        expect(supervisor.get_by_text("Spread evenly", exact=False)).to_be_visible()
        screenshot(supervisor, f"account-life-{backend}-4-hand-over")
        click_and_wait(supervisor, supervisor.get_by_role("button", name="Hand over 2 clients"))
        expect(supervisor.get_by_text("Handed over 2 clients of Ada Advocate", exact=False)).to_be_visible()
        # Nobody is shown chosen any more (the browser kept showing ada, whose clients had just gone).
        expect(supervisor.get_by_role("combobox", name="Whose clients")).to_have_value("")
        with database(live_server.database_url) as db, db.reading() as s:
            owners = set(s.scalars(select(User.username).join(Client, Client.advocate_id == User.id)
                                   .where(Client.code.in_(codes))))
        assert owners == {"bo"}
        screenshot(supervisor, f"account-life-{backend}-5-handed-over")

        # Back on the admin's page, still showing ada: Reactivate works at once (the walk found it did nothing
        # right after Deactivate, the account picker being redrawn as a new widget).
        click_and_wait(admin, admin.get_by_role("button", name="Reactivate ada", exact=True))
        expect(admin.get_by_text("ada can sign in again.")).to_be_visible()
        with database(live_server.database_url) as db, db.reading() as s:
            assert s.scalars(select(User.active).where(User.username == "ada")).one() is True
    except BaseException:
        for name, page in (("advocate", advocate), ("admin", admin), ("supervisor", supervisor)):
            screenshot(page, f"FAILED-account-life-{backend}-{name}")
        raise
    finally:
        advocate_ctx.close()
        admin_ctx.close()
        supervisor_ctx.close()
