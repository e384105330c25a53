"""In a real browser: the database stops answering while an advocate saves a check-in.

What they must see: one plain sentence, the form exactly as they filled it, and Save again working once the
database is back, with one check-in and one audit row. The lock is held by the test's own connection past the
app's short busy / lock timeout; PostgreSQL "goes down" behind a TCP proxy the test stops and starts again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from dashboard.ui import SAVE_UNAVAILABLE
from tests.browser.conftest import LiveServer, _start_server
from tests.browser.helpers import (
    check_in_counts,
    click_and_wait,
    expect_pressed,
    fill_check_in,
    open_app,
    option_button,
    screenshot,
    seed_client,
    sign_in,
)
from tests.outage import TcpProxy, WriteLock

BUSY_MS = "500"
NOTE = "Talked through the plan for the weekend; she felt steadier by the end."
SIGN = "Defends or explains away"


@pytest.fixture
def live_server_env() -> dict[str, str]:
    return {"WAYPOINT_DB_BUSY_TIMEOUT_MS": BUSY_MS}


def _fill(page: Page, code: str) -> None:
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Record a check-in"))
    fill_check_in(page, code=code, sign=SIGN, note=NOTE)


def _expect_kept(page: Page, code: str) -> None:
    expect(page.get_by_role("combobox", name="Client code")).to_have_value(code)
    expect_pressed(option_button(page, "ci_mode", "Phone"))
    expect(page.get_by_role("checkbox", name=re.compile(SIGN))).to_be_checked()
    expect(page.get_by_role("radio", name="Some contact")).to_be_checked()
    expect(page.get_by_role("radio", name="Moderate")).to_be_checked()
    expect(page.get_by_role("textbox", name="Note (optional)")).to_have_value(NOTE)


def _save_during_outage_then_retry(page: Page, database_url: str, code: str, shot: str,
                                   outage: Callable[[], None], recovery: Callable[[], None]) -> float:
    """Returns the seconds from pressing Save to the message being on screen."""
    outage()
    save = page.get_by_role("button", name="Save check-in")
    started = time.monotonic()
    click_and_wait(page, save)
    message = page.get_by_text(SAVE_UNAVAILABLE, exact=True)
    expect(message).to_be_visible()
    shown_after = time.monotonic() - started
    body = page.locator('[data-testid="stMain"]').inner_text()
    for leak in ("Traceback", "redacted", "OperationalError", "SELECT", "INSERT", "sqlite", "psycopg"):
        assert leak not in body, f"{leak!r} shown to the person"
    _expect_kept(page, code)
    message.scroll_into_view_if_needed()
    screenshot(page, f"{shot}-1-save-refused")

    recovery()
    assert check_in_counts(database_url) == (0, 0)  # counted after: a held table lock blocks the test's reads too
    click_and_wait(page, save)
    expect(page.get_by_text(f"Check-in for {code} saved.", exact=False)).to_be_visible()
    expect(page.get_by_text(SAVE_UNAVAILABLE, exact=True)).to_have_count(0)
    expect(page.get_by_role("textbox", name="Note (optional)")).to_have_value("")
    screenshot(page, f"{shot}-2-saved-on-retry")
    assert check_in_counts(database_url) == (1, 1)
    return shown_after


def test_saving_while_another_holds_the_lock(page: Page, live_server: LiveServer, users) -> None:  # type: ignore[no-untyped-def]
    code = seed_client(live_server.database_url, users["advocate"][0])
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    _fill(page, code)
    lock = WriteLock(live_server.database_url)  # PostgreSQL: ACCESS EXCLUSIVE, even the page's reads wait
    try:
        seconds = _save_during_outage_then_retry(page, live_server.database_url, code,
                                                 f"failure-locked-{live_server.backend}", lock.acquire, lock.release)
    finally:
        lock.close()
    assert seconds < 5, f"the message took {seconds:.1f} s"
    print(f"\nlocked ({live_server.backend}, busy timeout {BUSY_MS} ms): message after {seconds:.2f} s")


@pytest.fixture
def proxied_server(database_url: str, tmp_path) -> Iterator[tuple[LiveServer, TcpProxy]]:  # type: ignore[no-untyped-def]
    """Waypoint reaching PostgreSQL only through a proxy the test can stop, as if the server went down."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a database server that goes away: PostgreSQL only")
    proxy, via_proxy = TcpProxy.for_url(database_url)
    server = _start_server(via_proxy, tmp_path / "streamlit.log", {"WAYPOINT_DB_BUSY_TIMEOUT_MS": BUSY_MS})
    try:
        yield server, proxy
    finally:
        server.stop()
        proxy.stop()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # a server that goes away: PostgreSQL only
def test_saving_while_the_database_server_is_down(page: Page, proxied_server, database_url: str,  # type: ignore[no-untyped-def]
                                                  users) -> None:
    server, proxy = proxied_server
    code = seed_client(database_url, users["advocate"][0])
    open_app(page, server.url)
    sign_in(page, *users["advocate"])
    _fill(page, code)
    seconds = _save_during_outage_then_retry(page, database_url, code, "failure-server-down-postgresql",
                                             proxy.stop, proxy.start)
    assert seconds < 5, f"the message took {seconds:.1f} s"
    print(f"\nserver down (postgresql): message after {seconds:.2f} s")
