"""AppTest helpers: run the real entry script against the test's own database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import charts
from models.services import accounts
from models.services.accounts import bootstrap_user

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
PASSWORD = "correct horse battery staple"
PEOPLE = {
    "advocate": ("ada", "Ada Advocate"),
    "supervisor": ("sam", "Sam Supervisor"),
    "admin": ("alex", "Alex Admin"),
}


@pytest.fixture(autouse=True)
def checked_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chart a page test draws is checked against the Vega-Lite schema (the app skips it: dashboard/charts)."""
    monkeypatch.setattr(charts, "VALIDATE_SPECS", True)


@pytest.fixture
def app(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[[], AppTest]:
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", database_url)
    # AppTest has no browser, so no cookie: stand in for the HttpOnly cookie dashboard/gate.py gives each browser,
    # which a prepared file is bound to (dashboard/downloads.py). Served for real in tests/browser.
    from dashboard import ui

    monkeypatch.setattr(ui, "browser_cookie", lambda: "pages-test-browser")

    def make() -> AppTest:
        return AppTest.from_file(APP, default_timeout=30)

    return make


@pytest.fixture(scope="session")
def password_hash() -> str:
    """PASSWORD hashed once for the session. argon2 is slow on purpose (a tenth of a second or more per hash on
    the 2-core CI machine, and it takes every core), and three accounts per test would hash it three times."""
    from models.services.auth import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
def people(db, password_hash: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """One account per role, made by the real bootstrap_user (validation, audit). Only the hash of the shared
    test password is the session's precomputed one; sign-in still verifies it with argon2, and the tests of
    hashing itself (tests/unit/test_auth.py, test_passwords.py) never come here."""
    with pytest.MonkeyPatch.context() as patch:
        real = accounts.hash_password
        patch.setattr(accounts, "hash_password", lambda p: password_hash if p == PASSWORD else real(p))
        return {
            role: bootstrap_user(db, username=u, display_name=d, role=role, password=PASSWORD)
            for role, (u, d) in PEOPLE.items()
        }


def sign_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.run()
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()
    return at


def texts(at: AppTest) -> str:
    """All visible text of the main area, for plain assertions."""
    parts = [e.value for e in at.markdown] + [e.value for e in at.title] + [e.value for e in at.subheader]
    parts += [e.value for e in at.info] + [e.value for e in at.warning] + [e.value for e in at.error]
    parts += [e.value for e in at.success] + [str(m.label) for m in at.metric]
    return "\n".join(str(p) for p in parts)
