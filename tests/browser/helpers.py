"""Helpers for the browser tests: wait for the app, sign in, choose, click and take screenshots (the fixtures that
start Chromium and the server are in tests/browser/conftest.py).

Waiting: Streamlit shows `data-test-script-state="notRunning"` on its `stApp` element, but also for a moment
between a run and the rerun that `st.rerun()` asks for. So the page also watches the app's WebSocket: each
run ends with a `script_finished` message, and only one that is not "finished early for a rerun" ends a
chain of runs. `wait_for_app` waits for that, then for the DOM to say it is idle.

The watcher is the init script _WATCH_RUNS_JS that the `page` fixture (conftest.py) adds to every context.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from models.base.settings import REPO_ROOT

SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
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


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by typing it, as a person does, and wait for the run it starts."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.press_sequentially(option)
    run_and_wait(page, lambda: box.press("Enter"))
    expect(box).to_have_value(option)


def click_and_wait(page: Page, locator) -> None:  # type: ignore[no-untyped-def]
    """Click something that makes the app run (a button, a nav link) and wait until it is idle again."""
    run_and_wait(page, locator.click)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9._-]+', '-', name).strip('-')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
