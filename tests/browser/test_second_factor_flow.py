"""Two-step sign-in in Chromium: a supervisor sets up the app at first sign-in, signs in with a code, then with a
recovery code; a wrong code says one sentence. On SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import click_and_wait, open_app, screenshot, sign_in


@pytest.fixture
def live_server_env() -> dict[str, str]:
    return {"WAYPOINT_MFA_REQUIRED": "supervisor,admin"}


def _code(secret: str, steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(time.time()) + steps)


def _submit(page: Page, label: str, code: str, button: str) -> None:
    page.get_by_label(label, exact=True).fill(code)
    click_and_wait(page, page.get_by_role("button", name=button, exact=True))


def _sign_out(page: Page) -> None:
    click_and_wait(page, page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out"))


def test_set_up_then_code_then_recovery_code(page: Page, live_server: LiveServer, users):
    username, password = users["supervisor"]
    open_app(page, live_server.url)
    sign_in(page, username, password)
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)  # nothing else opens before the setup
    qr = page.get_by_role("img", name="QR code to scan with an authenticator app")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")  # in the page, fetched from nowhere
    secret = page.get_by_test_id("stCode").first.inner_text().replace(" ", "").strip()
    screenshot(page, f"two-step-setup-{live_server.backend}")

    _submit(page, "Code from the app", "000000" if _code(secret) != "000000" else "111111",
            "Finish setting up and sign in")
    expect(page.get_by_text("That code does not match.", exact=False)).to_be_visible()
    first = _code(secret)
    _submit(page, "Code from the app", first, "Finish setting up and sign in")
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_test_id("stCode").first.inner_text().split()
    assert len(codes) == 10
    screenshot(page, f"two-step-recovery-codes-{live_server.backend}")
    click_and_wait(page, page.get_by_role("button", name="I have written them down"))
    expect(page.get_by_role("heading", name="Welcome, Sam Supervisor")).to_be_visible()

    _sign_out(page)
    sign_in(page, username, password)
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    _submit(page, "Code from your authenticator app", first, "Sign in")  # used at setup: never again
    expect(page.get_by_text("That code did not work.", exact=False)).to_be_visible()
    _submit(page, "Code from your authenticator app", _code(secret, steps=1), "Sign in")
    expect(page.get_by_role("heading", name="Welcome, Sam Supervisor")).to_be_visible()

    _sign_out(page)
    sign_in(page, username, password)
    _submit(page, "Code from your authenticator app", codes[0], "Sign in")
    expect(page.get_by_role("heading", name="Welcome, Sam Supervisor")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("9 left", exact=False)).to_be_visible()
    screenshot(page, f"two-step-recovery-used-{live_server.backend}")
