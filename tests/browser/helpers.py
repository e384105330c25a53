"""Helpers for the browser tests: wait for the app, sign in, choose, click, fill the check-in form and take
screenshots; and seed or count what the test's database holds (with the builders of tests/unit/helpers.py). The
fixtures that start Chromium and the server are in tests/browser/conftest.py.

Waiting: Streamlit shows `data-test-script-state="notRunning"` on its `stApp` element, but also for a moment
between a run and the rerun that `st.rerun()` asks for. So the page also watches the app's WebSocket: each
run ends with a `script_finished` message, and only one that is not "finished early for a rerun" ends a
chain of runs. `wait_for_app` waits for that, then for the DOM to say it is idle.

The watcher is the init script _WATCH_RUNS_JS that the `page` fixture (conftest.py) adds to every context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from models.base.settings import REPO_ROOT, Settings
from models.content.loader import load_content
from models.rules.permissions import Actor
from models.store.database import Database
from models.store.entities import AuditEvent, AuthSession, CheckIn, Client, User
from tests.unit import helpers as builders
from tests.unit.helpers import run_async  # noqa: F401 - the protocol tests take it from here

SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
CODE = re.compile(r"[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}")  # a client code as the app makes them
APP_IDLE_TIMEOUT_MS = 30_000
QUIET_MS = 150  # no WebSocket traffic for this long after the final `script_finished`

_IDLE_JS = """
([after, quietMs]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const wp = window.__wp;
  if (!app || !wp) return false;
  if (app.getAttribute("data-test-connection-state") !== "CONNECTED") return false;
  if (app.getAttribute("data-test-script-state") !== "notRunning") return false;
  if (wp.finished <= after || wp.last === 2) return false;
  if (performance.now() - wp.lastFrame < quietMs) return false;
  return !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]');
}
"""


def runs_finished(page: Page) -> int:
    """How many chains of script runs this page has seen finish (0 before the first)."""
    return int(page.evaluate("() => (window.__wp ? window.__wp.finished : 0)"))


def wait_for_app(page: Page, after: int = 0, timeout_ms: int = APP_IDLE_TIMEOUT_MS,
                 allow_exception: bool = False) -> None:
    """Wait until a run that finished after `after` (from runs_finished) has ended its chain of reruns,
    and the app shows as connected and idle. An uncaught exception shown by the app fails at once,
    with its message, unless allow_exception."""
    try:
        page.wait_for_function(_IDLE_JS, arg=[after, QUIET_MS], polling=50, timeout=timeout_ms)
    except Exception as exc:
        state = page.evaluate(
            """() => { const a = document.querySelector('[data-testid="stApp"]');
                return { script: a && a.getAttribute("data-test-script-state"),
                         connection: a && a.getAttribute("data-test-connection-state"), runs: window.__wp }; }"""
        )
        raise AssertionError(f"the app did not finish running within {timeout_ms} ms: {state}") from exc
    if not allow_exception:
        shown = page.get_by_test_id("stException")
        if shown.count():
            raise AssertionError("the app showed an uncaught exception:\n" + "\n".join(shown.all_inner_texts()))


def open_app(page: Page, url: str) -> None:
    """Load the app at `url` and wait until its first run (and any reruns it asks for) have finished."""
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]')
    wait_for_app(page, after=0)
    expect(page.locator('[data-testid="stMainBlockContainer"]')).to_be_visible()


def sign_in(page: Page, username: str, password: str) -> None:
    """Fill the sign-in form, press "Sign in" and wait for the app to finish all the runs that causes."""
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    before = runs_finished(page)
    page.get_by_role("button", name="Sign in", exact=True).click()
    wait_for_app(page, after=before)


def run_and_wait(page: Page, act) -> None:  # type: ignore[no-untyped-def]
    """Do something that makes the app run (commit a field, tick a box) and wait until it is idle again."""
    before = runs_finished(page)
    act()
    wait_for_app(page, after=before)


def pick(page: Page, box: Locator, option: str) -> None:
    """Type `option` into a Streamlit selectbox, as a person does, take it with Enter and wait for the run."""
    box.click()
    box.press_sequentially(option)
    run_and_wait(page, lambda: box.press("Enter"))


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of the Streamlit selectbox labelled `label` by typing it, and check it is shown chosen."""
    box = page.get_by_role("combobox", name=label, exact=True)
    pick(page, box, option)
    expect(box).to_have_value(option)


def press_button(page: Page, key: str, option: str) -> None:
    """Press the option `option` of the row of buttons (segmented control or pills) keyed `key`, and check it
    shows as chosen."""
    button = option_button(page, key, option)
    run_and_wait(page, button.click)
    expect_pressed(button)


def option_button(page: Page, key: str, option: str) -> Locator:
    """One option of a segmented control (role radio) or of pills (a toggle button) keyed `key`."""
    return page.locator(f".st-key-{key} button").filter(has=page.get_by_text(option, exact=True))


def expect_pressed(button: Locator) -> None:
    """The option shows as chosen: aria-checked on a segmented control's radio, aria-pressed on a pill."""
    expect(button.locator("xpath=self::*[@aria-checked='true' or @aria-pressed='true']")).to_have_count(1)


def click_and_wait(page: Page, locator) -> None:  # type: ignore[no-untyped-def]
    """Click something that makes the app run (a button, a nav link) and wait until it is idle again."""
    run_and_wait(page, locator.click)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9._-]+', '-', name).strip('-')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- the check-in form ---------------------------------------------------------------------------------


def fill_check_in(page: Page, *, code: str | None = None, sign: str | None = None, harm: str = "Some contact",
                  concern: str = "Moderate", note: str | None = None) -> None:
    """On the check-in page, as a person fills it: the client (when given), contact by phone, the item labelled
    `sign` (when given), contact with the person causing harm and the level of concern, then the note (when
    given, committed with Tab). Nothing is saved."""
    if code is not None:
        choose(page, "Client code", code)
    press_button(page, "ci_mode", "Phone")
    if sign is not None:
        run_and_wait(page, lambda: page.get_by_text(sign, exact=False).click())
    run_and_wait(page, lambda: page.get_by_text(harm, exact=True).click())
    run_and_wait(page, lambda: page.get_by_text(concern, exact=True).click())
    if note is not None:
        box = page.get_by_role("textbox", name="Note (optional)")
        box.fill(note)
        run_and_wait(page, lambda: box.press("Tab"))


def add_client_and_check_in(page: Page) -> str:
    """As an advocate would: open a client (the app makes the code), then record its first check-in."""
    nav = page.get_by_test_id("stSidebarNav")
    click_and_wait(page, nav.get_by_role("link", name="New client"))
    run_and_wait(page, lambda: page.get_by_text("Intimate partner or ex-partner", exact=True).click())
    click_and_wait(page, page.get_by_role("button", name="Open client and make a code"))
    code = page.get_by_test_id("stCode").first.inner_text().strip()
    assert CODE.fullmatch(code), code
    click_and_wait(page, page.get_by_role("link", name="Record the first check-in"))
    expect(page.get_by_role("combobox", name="Client code")).to_have_value(code)
    fill_check_in(page)
    click_and_wait(page, page.get_by_role("button", name="Save check-in"))
    expect(page.get_by_text(f"Check-in for {code} saved.", exact=False)).to_be_visible()
    return code


# --- the test's database, seen from outside the server -------------------------------------------------


@contextmanager
def database(database_url: str) -> Iterator[Database]:
    """A connection pool of the test's own on the server's database, closed afterwards."""
    db = Database(database_url)
    try:
        yield db
    finally:
        db.dispose()


def actor_named(db: Database, username: str) -> Actor:
    """The account `username` as the services see it."""
    with db.reading() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        return Actor(user.id, user.username, user.display_name, user.role)


def seed_client(database_url: str, username: str, *, days_ago: int = 20, **check_in_fields: object) -> str:
    """The code of a client of `username` opened `days_ago` days ago through the services; given any
    `check_in_fields`, with one check-in of them (see tests/unit/helpers.py for the rest of the form)."""
    s = Settings.from_env()
    content = load_content(s.content_dir, s.resource_packs)
    with database(database_url) as db:
        advocate = actor_named(db, username)
        code = builders.new_client(db, advocate, content, days_ago=days_ago).code
        if check_in_fields:
            builders.check_in(db, advocate, content, code, **check_in_fields)
    return code


def demo_passwords(database_url: str, seed: int) -> dict[str, str]:
    """Load the demo data into the test's database; each demo account's password by username."""
    with database(database_url) as db:
        return builders.demo_passwords(db, seed)


def counts(database_url: str, username: str) -> dict[str, int]:
    """Clients, check-ins and `username`'s open sessions, as the database holds them (independent of any server)."""
    with database(database_url) as db, db.reading() as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
        return {
            "clients": s.scalar(select(func.count(Client.id))) or 0,
            "check_ins": s.scalar(select(func.count(CheckIn.id))) or 0,
            "open_sessions": s.scalar(select(func.count(AuthSession.id)).where(
                AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))) or 0,
        }


def check_in_counts(database_url: str) -> tuple[int, int]:
    """(check-ins, audit rows of recorded check-ins) in the test's database."""
    with database(database_url) as db:
        return (builders.count_rows(db, CheckIn),
                builders.count_rows(db, AuditEvent, AuditEvent.action == "check_in_recorded"))
