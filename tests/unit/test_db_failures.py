"""The database stops answering while someone saves: DatabaseUnavailable, nothing saved, a retry saves once.

Locks are held by a connection of the test's own; PostgreSQL "goes down" behind a TCP proxy the test stops,
so the shared server is never touched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from models.rules.permissions import Actor
from models.services.checkins import record_check_in
from models.store.database import Database, DatabaseUnavailable, busy_timeout_ms, unavailable_reason
from models.store.entities import AuditEvent, CheckIn, Client
from tests.conftest import PG_URL, require_pg_url
from tests.outage import TcpProxy, WriteLock, closed_port, silent_server
from tests.unit.helpers import checkin_form, count_rows, make_user, new_client

SHORT_MS = 300  # the busy / lock timeout these tests give the app, so a lock "held too long" is quick to reach
KEY = "retry-key-000000000001"


def _counts(db: Database) -> tuple[int, int]:
    """(check-ins, audit events for recorded check-ins)."""
    return count_rows(db, CheckIn), count_rows(db, AuditEvent, AuditEvent.action == "check_in_recorded")


@pytest.fixture
def short_db(database_url: str) -> Iterator[Database]:
    database = Database(database_url, busy_ms=SHORT_MS)
    yield database
    database.dispose()


@pytest.fixture
def ada_and_client(short_db: Database, content) -> tuple[Actor, str]:  # type: ignore[no-untyped-def]
    ada = make_user(short_db, "ada")
    return ada, new_client(short_db, ada, content).code


def test_a_save_behind_a_lock_held_too_long_fails_cleanly_and_a_retry_saves_once(
        short_db: Database, database_url: str, content, ada_and_client) -> None:  # type: ignore[no-untyped-def]
    ada, code = ada_and_client
    lock = WriteLock(database_url)
    try:
        lock.acquire()
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as raised:
            record_check_in(short_db, ada, content, checkin_form(code), submission_key=KEY)
        waited = time.monotonic() - started
        assert raised.value.reason == "locked"
        assert SHORT_MS / 1000 * 0.9 <= waited < 5, f"gave up after {waited:.2f} s"
        lock.release()
    finally:
        lock.close()
    assert _counts(short_db) == (0, 0)
    first = record_check_in(short_db, ada, content, checkin_form(code), submission_key=KEY)
    again = record_check_in(short_db, ada, content, checkin_form(code), submission_key=KEY)  # a second click
    assert again.id == first.id
    assert _counts(short_db) == (1, 1)


def test_other_errors_are_not_disguised_as_an_outage(short_db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError) as raised, short_db.writing() as s:
        s.add(Client(code=None))  # type: ignore[arg-type]
        s.flush()
    assert unavailable_reason(raised.value) is None


def test_the_busy_timeout_comes_from_the_environment() -> None:
    from models.base.settings import ConfigError

    assert busy_timeout_ms({}) == 5000
    assert busy_timeout_ms({"WAYPOINT_DB_BUSY_TIMEOUT_MS": "250"}) == 250
    with pytest.raises(ConfigError, match="WAYPOINT_DB_BUSY_TIMEOUT_MS"):
        busy_timeout_ms({"WAYPOINT_DB_BUSY_TIMEOUT_MS": "soon"})


def test_sqlite_busy_timeout_is_what_was_configured(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'b.db'}", busy_ms=1234)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
    db.dispose()


# --------------------------------------------------------------------------- PostgreSQL only


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgresql_sessions_carry_lock_and_statement_timeouts(short_db: Database) -> None:
    with short_db.reading() as s:
        assert s.execute(select(func.current_setting("lock_timeout"))).scalar() == f"{SHORT_MS}ms"
        assert s.execute(select(func.current_setting("statement_timeout"))).scalar() == "30s"
        assert s.execute(select(func.current_setting("jit"))).scalar() == "off"  # see models/store/database.py


def test_postgresql_refusing_connections_is_reported_at_once() -> None:
    require_pg_url()
    url = make_url(PG_URL).set(host="127.0.0.1", port=closed_port()).render_as_string(hide_password=False)
    db = Database(url)
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as raised, db.reading() as s:
        s.execute(select(1))
    assert raised.value.reason == "unreachable"
    assert time.monotonic() - started < 2
    db.dispose()


def test_postgresql_that_never_answers_is_given_up_on_after_the_connect_timeout() -> None:
    require_pg_url()
    with silent_server() as port:
        db = Database(make_url(PG_URL).set(host="127.0.0.1", port=port).render_as_string(hide_password=False))
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable), db.writing() as s:
            s.execute(select(1))
        waited = time.monotonic() - started
        db.dispose()
    assert 4 <= waited < 8, f"gave up after {waited:.1f} s"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgresql_going_down_mid_session_and_coming_back(database_url: str, content) -> None:  # type: ignore[no-untyped-def]
    proxy, via_proxy = TcpProxy.for_url(database_url)
    db = Database(via_proxy, busy_ms=SHORT_MS)
    try:
        ada = make_user(db, "ada")
        code = new_client(db, ada, content, days_ago=0).code
        proxy.stop()  # the server is gone: open connections cut, new ones refused
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as raised:
            record_check_in(db, ada, content, checkin_form(code), submission_key=KEY)
        assert raised.value.reason == "unreachable"
        assert time.monotonic() - started < 2
        proxy.start()  # back, on the same address
        first = record_check_in(db, ada, content, checkin_form(code), submission_key=KEY)
        again = record_check_in(db, ada, content, checkin_form(code), submission_key=KEY)
        assert again.id == first.id
        assert _counts(db) == (1, 1)
    finally:
        db.dispose()
        proxy.stop()
