"""Alembic driven from code, so the app upgrades its own schema on start with no manual step."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from models.base.settings import ConfigError
from models.store.database import Database, DatabaseError, MigrationFailed, answering
from models.store.note_cipher import NoteCipher

log = logging.getLogger("waypoint")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", *, note_cipher: NoteCipher | None = None) -> None:
    """Upgrade in one transaction per step; a failed step leaves the previous schema in place.

    `note_cipher` lets the step that encrypts notes at rest (0005) encrypt the notes already there.
    """
    if revision == "head" and current_revision(engine) == head_revision():
        return
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        cfg.attributes["note_cipher"] = note_cipher
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def upgrade_database(db: Database) -> None:
    """Bring the schema to the newest version; safe to call on every start. The upgrade runs in one
    transaction (DDL is transactional on both backends), so a step that fails leaves the previous schema
    as it was; that is reported as MigrationFailed, with the cause for the operator."""
    try:
        with answering():
            upgrade(db.engine, note_cipher=db.notes)
    except (DatabaseError, ConfigError):  # not reachable, or a message already written for a person
        raise
    except Exception as error:  # noqa: BLE001 - a migration step may raise anything
        with answering():
            at = current_revision(db.engine) or "none (empty database)"
        log.error("schema upgrade failed; the database stays at revision %s", at, exc_info=True)
        raise MigrationFailed(
            f"The database schema upgrade failed and was rolled back; the database is still at revision {at} "
            f"and nothing was changed. Cause: {type(error).__name__}: {error}. Fix the cause or go back to "
            "the previous Waypoint release, then start Waypoint again (`./waypoint migrate` shows this again)."
        ) from error
