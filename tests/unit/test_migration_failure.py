"""A schema upgrade that fails halfway is rolled back whole: the previous schema stays, and keeps working."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from models import startup as startup_module
from models.startup import get_database
from models.store.database import Database, MigrationFailed
from models.store.entities import AuditEvent, CheckIn
from models.store.migrate import current_revision, upgrade_database
from tests.outage import BOGUS_REVISION, failing_migrations
from tests.unit.helpers import check_in, count_rows, make_user, new_client


@pytest.fixture
def broken_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Alembic reads a copy of the migrations with a failing step after head; returns that head."""
    scripts, head = failing_migrations(tmp_path / "migrations")
    monkeypatch.setattr("models.store.migrate.MIGRATIONS_DIR", scripts)
    return head


def _schema(db: Database) -> tuple[set[str], set[str]]:
    found = inspect(db.engine)
    return set(found.get_table_names()), {c["name"] for c in found.get_columns("clients")}


def test_a_failed_step_is_rolled_back_and_the_services_still_work(database_url: str, broken_release: str,
                                                                   content) -> None:  # type: ignore[no-untyped-def]
    db = Database(database_url)
    tables_before, columns_before = _schema(db)
    with pytest.raises(MigrationFailed) as raised:
        upgrade_database(db)
    message = str(raised.value)
    assert f"still at revision {broken_release}" in message and "rolled back" in message
    assert "./waypoint migrate" in message
    assert current_revision(db.engine) == broken_release
    tables, columns = _schema(db)
    assert (tables, columns) == (tables_before, columns_before)
    assert "half_done_table" not in tables and "half_done" not in columns

    ada = make_user(db, "ada")
    code = new_client(db, ada, content, days_ago=0).code
    check_in(db, ada, content, code, concern="low", submission_key="after-failed-migration-1")
    assert count_rows(db, CheckIn) == 1
    assert count_rows(db, AuditEvent, AuditEvent.action == "check_in_recorded") == 1
    db.dispose()


def test_a_failed_step_on_an_empty_database_leaves_it_empty(blank_database_url: str, broken_release: str) -> None:
    db = Database(blank_database_url)
    with pytest.raises(MigrationFailed, match="none \\(empty database\\)"):
        upgrade_database(db)
    assert current_revision(db.engine) is None
    assert not {"clients", "check_ins", "users"} & set(inspect(db.engine).get_table_names())
    db.dispose()


def test_the_app_start_is_not_left_with_a_half_migrated_handle(database_url: str, broken_release: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MigrationFailed):
        get_database(database_url)
    assert database_url not in startup_module._databases  # the next page load tries again
    monkeypatch.undo()  # the release is fixed: the real migrations again
    fixed = get_database(database_url)
    assert current_revision(fixed.engine) == broken_release != BOGUS_REVISION
    with startup_module._lock:
        startup_module._databases.pop(database_url, None)
    fixed.dispose()
