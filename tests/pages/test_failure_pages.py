"""What a person sees when the database stops answering mid-save, or a schema upgrade fails at start.

The lock is held by a connection of the test's own past the app's short busy / lock timeout; PostgreSQL "goes
down" behind a TCP proxy the test stops and starts again. Then Save again must save exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from dashboard.ui import MIGRATION_FAILED, NOT_OPENED, PAGE_UNAVAILABLE, SAVE_UNAVAILABLE
from models.store.entities import AuditEvent, CheckIn, Client, SafetyPlanStep
from tests.outage import TcpProxy, WriteLock, failing_migrations
from tests.pages.helpers import advocate_client, count_rows, fill_check_in, open_page, sign_in, texts

pytestmark = pytest.mark.pages
BUSY_MS = "300"
NOTE = "Talked through the plan for the weekend."
LEAKS = ("Traceback", "Error:", "SELECT", "INSERT", "sqlite", "psycopg", "redacted")


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYPOINT_DB_BUSY_TIMEOUT_MS", BUSY_MS)


def _counts(db) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(check-ins, audit events for recorded check-ins)."""
    return count_rows(db, CheckIn), count_rows(db, AuditEvent, AuditEvent.action == "check_in_recorded")


def _assert_kept(at: AppTest, code: str, sign: str) -> None:
    assert at.selectbox(key="ci_client").value == code
    assert at.button_group(key="ci_mode").value == "phone"
    assert at.radio(key="ci_harm").value == "some"
    assert at.radio(key="ci_concern").value == "moderate"
    assert at.checkbox(key=f"ci_item_{sign}").value is True
    assert at.text_area(key="ci_note").value == NOTE


def _assert_plain(at: AppTest) -> None:
    assert not at.exception
    shown = texts(at)
    assert not [word for word in LEAKS if word in shown], shown


def _save_refused_then_retried(at: AppTest, db, code: str, sign: str, outage, recovery) -> None:  # type: ignore[no-untyped-def]
    """Save during the outage: the plain message, the form as typed; after recovery Save again saves once."""
    outage()
    started = time.monotonic()
    at.button(key="ci_save").click().run()
    waited = time.monotonic() - started
    _assert_plain(at)
    assert SAVE_UNAVAILABLE in [e.value for e in at.error]
    _assert_kept(at, code, sign)
    key = at.session_state["ci_submission"]
    assert waited < 5, f"the message took {waited:.1f} s"
    recovery()
    assert _counts(db) == (0, 0)
    at.button(key="ci_save").click().run()
    _assert_plain(at)
    assert f"Check-in for {code} saved." in at.success[0].value
    assert SAVE_UNAVAILABLE not in texts(at)
    with db.reading() as s:
        assert s.scalar(select(CheckIn.submission_key)) == key  # the retry carried the same submission key
    assert _counts(db) == (1, 1)
    assert at.text_area(key="ci_note").value == ""  # only a real save clears the form


def test_a_check_in_saved_while_another_holds_the_lock_is_kept_and_saved_once_on_retry(
        app, db, people, content, database_url) -> None:  # type: ignore[no-untyped-def]
    code, sign = advocate_client(db, content, people), content.checklist.section("signs").items[0].code
    at = open_page(app, "ada", "check_in")
    fill_check_in(at, code, sign=sign, note=NOTE)
    lock = WriteLock(database_url)  # PostgreSQL: ACCESS EXCLUSIVE, so even the page's own reads must wait
    try:
        _save_refused_then_retried(at, db, code, sign, lock.acquire, lock.release)
    finally:
        lock.close()


@pytest.fixture
def proxied(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TcpProxy]:
    """The app reaches PostgreSQL only through a proxy the test can stop (the test's own `db` goes direct)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a database server that goes away: PostgreSQL only")
    proxy, via_proxy = TcpProxy.for_url(database_url)
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", via_proxy)
    yield proxy
    proxy.stop()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # a server that goes away: PostgreSQL only
def test_a_check_in_saved_while_the_server_is_down_is_kept_and_saved_once_when_it_is_back(
        app, db, people, content, proxied) -> None:  # type: ignore[no-untyped-def]
    code, sign = advocate_client(db, content, people), content.checklist.section("signs").items[0].code
    at = open_page(app, "ada", "check_in")
    fill_check_in(at, code, sign=sign, note=NOTE)
    _save_refused_then_retried(at, db, code, sign, proxied.stop, proxied.start)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # a server that goes away: PostgreSQL only
def test_any_page_while_the_server_is_down_is_one_plain_sentence(app, db, people, proxied) -> None:  # type: ignore[no-untyped-def]
    at = sign_in(app(), "ada")
    proxied.stop()
    at.switch_page("views/caseload.py").run()
    _assert_plain(at)
    assert [e.value for e in at.error] == [PAGE_UNAVAILABLE]
    proxied.start()
    at.run()
    _assert_plain(at)
    assert at.dataframe or "no open clients" in texts(at).lower()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # a server that goes away: PostgreSQL only
def test_the_sign_in_page_while_the_server_is_down(app, people, proxied) -> None:  # type: ignore[no-untyped-def]
    proxied.stop()
    at = app()
    at.run()
    _assert_plain(at)
    assert "cannot reach its database" in texts(at)


def test_a_new_client_while_the_database_is_locked_is_kept_and_opened_once_on_retry(
        app, db, people, content, database_url) -> None:  # type: ignore[no-untyped-def]
    context = content.checklist.section("contexts").items[0].code
    at = open_page(app, "ada", "new_client")
    at.radio(key="nc_context").set_value(context)
    lock = WriteLock(database_url, table="clients")
    try:
        lock.acquire()
        at.button(key="nc_submit").click().run()
        _assert_plain(at)
        assert NOT_OPENED in [e.value for e in at.error]
        assert at.radio(key="nc_context").value == context
        assert not at.code
        lock.release()
    finally:
        lock.close()
    at.button(key="nc_submit").click().run()
    _assert_plain(at)
    assert len(at.code) == 1
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Client)) == 1


def test_a_failed_schema_upgrade_at_start_says_what_to_do(app, db, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    scripts, _head = failing_migrations(tmp_path / "migrations")
    monkeypatch.setattr("models.store.migrate.MIGRATIONS_DIR", scripts)
    at = app()
    at.run()
    _assert_plain(at)
    assert [e.value for e in at.error] == [MIGRATION_FAILED]
    assert not at.text_input  # no sign-in form on a database that is not ready


def test_a_safety_plan_saved_while_the_database_is_locked_keeps_the_ticks_and_saves_on_retry(
        app, db, people, content, database_url) -> None:  # type: ignore[no-untyped-def]
    """A callback that saves without a message of its own (ui.saves): the sentence at the top, the ticks kept."""
    code = advocate_client(db, content, people)
    at = open_page(app, "ada", "client", code=code)
    at.toggle(key=f"sp_open_{code}").set_value(True).run()
    step = f"sp_{code}_preparing.documents"
    at.checkbox(key=step).check()
    lock = WriteLock(database_url, table="safety_plan_steps", mode="EXCLUSIVE")  # PostgreSQL: reads still work
    try:
        lock.acquire()
        at.button(key=f"FormSubmitter:sp_form_{code}-Save safety plan").click().run()
        _assert_plain(at)
        assert at.error[0].value == SAVE_UNAVAILABLE
        if lock.backend == "sqlite":
            # Opening a client's page is itself recorded (an audit row), and nothing can be written while
            # another holds SQLite's lock: the page says so in one sentence; the ticks wait in the session.
            assert [e.value for e in at.error] == [SAVE_UNAVAILABLE, PAGE_UNAVAILABLE]
        else:
            assert at.checkbox(key=step).value is True
        lock.release()
    finally:
        lock.close()
    at.run()
    assert at.checkbox(key=step).value is True
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(SafetyPlanStep)) == 0
    at.button(key=f"FormSubmitter:sp_form_{code}-Save safety plan").click().run()
    _assert_plain(at)
    assert "Safety plan saved: 1 step now in place." in at.success[0].value
    assert SAVE_UNAVAILABLE not in texts(at)
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(SafetyPlanStep)) == 1
