"""Backups of a SQLite database while the app keeps running, and restoring one into an empty database.

A copy of the file taken with `cp` while someone saves can be torn (half a transaction, or the WAL left
behind). SQLite's online backup API copies the pages under one read transaction instead, so the copy is
exactly the database as of one moment; in WAL mode writers are not held up while it runs.
PostgreSQL is backed up with its own tools (`pg_dump -Fc`, `pg_restore`); `postgres_commands` says how.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import URL, make_url

from models.store import files
from models.store.database import SQLITE_BUSY_MS, Database
from models.store.migrate import alembic_config, current_revision, head_revision, upgrade_database


class BackupError(RuntimeError):
    """A backup or restore was refused or failed; the message is safe to show to a person."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    revision: str | None  # the schema version the copy holds
    check_ins: int


def _sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError("This command backs up SQLite databases; use pg_dump and pg_restore for PostgreSQL.")
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("An in-memory database cannot be backed up or restored.")
    return Path(parsed.database)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=SQLITE_BUSY_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    return conn


def _check_copy(conn: sqlite3.Connection, what: str) -> tuple[str | None, int]:
    """Integrity, schema version and size of a copy; refuse one that is damaged or not a Waypoint database."""
    try:
        status = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a SQLite database ({exc}).") from None
    if status != "ok":
        raise BackupError(f"{what} is damaged (integrity check: {status}).")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"alembic_version", "check_ins", "users"} <= tables:
        raise BackupError(f"{what} is not a Waypoint database.")
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return (row[0] if row else None), conn.execute("SELECT count(*) FROM check_ins").fetchone()[0]


def backup_sqlite(source_url: str, target_path: str | os.PathLike[str]) -> BackupResult:
    """Copy the live database to `target_path` as of one moment, safe while others save.

    The copy is written next to the target and renamed into place only once it checks out, so a failed
    backup never leaves a half-written file under the backup's name. An existing target is refused.
    """
    source = _sqlite_path(source_url)
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    target = Path(target_path)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new name for the backup.")
    files.private_dir(target.parent)  # a backup holds everything the database does: 0700 directory, 0600 file
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    files.private_file(partial)
    src = _connect(source)
    try:
        dst = sqlite3.connect(partial, isolation_level=None)
        try:
            # pages=-1: every page in one step, under one read transaction, so the copy is one consistent moment.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            revision, check_ins = _check_copy(dst, "The backup")
        finally:
            dst.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    files.tighten(partial)
    os.replace(partial, target)
    return BackupResult(target, revision, check_ins)


def _known_revision(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def _has_data(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    conn = _connect(path)
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0
    finally:
        conn.close()


def restore_sqlite(backup_path: str | os.PathLike[str], target_url: str, *, force: bool = False) -> BackupResult:
    """Put a backup in place as the database at `target_url`, then bring its schema to this version's.

    Refuses a target that already holds tables unless `force`, so a slip of the keyboard cannot replace
    live records. Stop the app first: a restore under a running app would pull the data from under it.
    A backup made by a newer Waypoint (an unknown schema version) is refused.
    """
    backup = Path(backup_path)
    if not backup.is_file():
        raise BackupError(f"There is no backup at {backup}.")
    target = _sqlite_path(target_url)
    if _has_data(target) and not force:
        raise BackupError(f"{target} already holds a database; restore into a new file, or pass --force to "
                          "replace it (stop the app first).")
    src = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        revision, _ = _check_copy(src, "The backup")
        if revision is not None and not _known_revision(revision):
            raise BackupError(f"The backup has schema version {revision}, which this version of Waypoint does "
                              "not know; restore it with the Waypoint version that made it.")
        files.private_dir(target.parent)
        files.private_file(target)
        dst = _connect(target)
        try:
            # Through SQLite, not a file copy: any -wal/-shm beside the target stays consistent with it.
            src.backup(dst, pages=-1)
        finally:
            dst.close()
        files.tighten(target)
    finally:
        src.close()
    db = Database(target_url)
    try:
        upgrade_database(db)  # an older backup is brought up to date, as the app would on start
        now = current_revision(db.engine)
        if now != head_revision():
            raise BackupError(f"The restored database is at schema version {now}, not {head_revision()}.")
        with db.engine.connect() as conn:
            check_ins = conn.exec_driver_sql("SELECT count(*) FROM check_ins").scalar_one()
    finally:
        db.dispose()
    return BackupResult(target, now, int(check_ins))


def postgres_commands(url: str, target: str) -> tuple[str, str]:
    """The pg_dump and pg_restore commands for a PostgreSQL URL (password left out: use PGPASSWORD or ~/.pgpass)."""
    given = make_url(url)
    parsed = URL.create("postgresql", username=given.username, host=given.host, port=given.port,
                        database=given.database, query=given.query)
    conninfo = parsed.render_as_string(hide_password=False)
    dump = f"pg_dump -Fc --no-owner --dbname='{conninfo}' --file='{target}'"
    restore = f"pg_restore --no-owner --exit-on-error --dbname='{conninfo}' '{target}'"
    return dump, restore
