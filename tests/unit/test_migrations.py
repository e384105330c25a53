"""Migrations build the schema from nothing, match the models, and can step down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from models.startup import get_database
from models.store.database import Database
from models.store.entities import Base
from models.store.migrate import current_revision, downgrade, head_revision, upgrade, upgrade_database

TABLES = {"users", "auth_sessions", "clients", "client_factors", "check_ins", "check_in_items",
          "check_in_referrals", "check_in_revisions", "audit_events", "safety_plan_steps",
          "client_closures", "attention_reviews", "released_figures"}


def test_upgrade_from_empty_reaches_head_with_every_table(blank_database_url):
    db = Database(blank_database_url)
    assert current_revision(db.engine) is None
    upgrade_database(db)
    assert current_revision(db.engine) == head_revision()
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    db.dispose()


def test_migrated_schema_matches_the_models(blank_database_url):
    db = Database(blank_database_url)
    upgrade_database(db)
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diffs == []
    db.dispose()


def test_downgrade_to_nothing_and_back(blank_database_url):
    db = Database(blank_database_url)
    upgrade_database(db)
    downgrade(db.engine, "base")
    assert not TABLES & set(inspect(db.engine).get_table_names())
    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision()
    db.dispose()


def test_app_start_migrates_by_itself_and_twice_is_harmless(blank_database_url):
    db = get_database(blank_database_url)
    assert current_revision(db.engine) == head_revision()
    upgrade_database(db)
    assert current_revision(db.engine) == head_revision()
    db.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    db.dispose()
