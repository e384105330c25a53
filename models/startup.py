"""Opening the database for the app and the command line: connect, upgrade the schema, check the note key, and
build the trend summaries in the agency's zone when they are missing or were cut in another.

This is orchestration above the store, so the module that makes engines never depends on migrations or on the
note key: every process calls get_database() once per URL and gets a store that is ready to use.
"""

from __future__ import annotations

import threading

from models.services.trend_summary import ensure_built
from models.store.database import Database
from models.store.migrate import upgrade_database
from models.store.note_cipher import verify

_lock = threading.Lock()
_databases: dict[str, Database] = {}


def check_note_key(db: Database) -> None:
    """Stop at start-up, with a plain message, when the note key is missing or is not this database's."""
    with db.writing() as s:
        verify(s, db.notes)


def get_database(url: str, *, migrate: bool = True, summaries_zone: str | None = None) -> Database:
    """One Database per URL per process, migrated and key-checked once on first use. With `summaries_zone` (the
    agency's zone), the trend summaries are then built if they are missing or were cut in another zone."""
    with _lock:
        db = _databases.get(url)
        if db is None:
            db = Database(url)
            if migrate:
                try:
                    upgrade_database(db)
                    check_note_key(db)
                    if summaries_zone is not None:
                        ensure_built(db, summaries_zone)
                except BaseException:
                    db.dispose()  # not kept: the next page load tries again from the start
                    raise
            _databases[url] = db
        return db
