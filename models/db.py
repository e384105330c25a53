"""One engine per process and short transactions; SQLite tuned for several writers, PostgreSQL as is."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_MS = 5000


class DatabaseError(RuntimeError):
    """The database cannot be used; the message is safe to show to a person."""


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_MS / 1000, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # Let SQLAlchemy's "begin" event decide how a transaction starts (deferred or immediate).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Trend queries read tens of thousands of index entries and sort for distinct counts: keep pages in
            # memory (64 MiB page cache, memory-mapped reads) and temporary sort trees off the disk.
            cur.execute("PRAGMA cache_size=-65536")
            cur.execute("PRAGMA mmap_size=268435456")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
            # A write takes the lock at BEGIN, so two writers queue instead of failing on upgrade.
            if conn.get_execution_options().get("waypoint_write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


class Database:
    """The process's handle on the store: reading() for queries, writing() for one atomic change."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self.backend = self.engine.dialect.name
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(waypoint_write=True), expire_on_commit=False)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """Everything inside commits together or not at all."""
        with self._write() as session, session.begin():
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest version; safe to call on every start."""
        from models.migrate import upgrade

        upgrade(self.engine)

    def is_empty(self) -> bool:
        from sqlalchemy import func, select

        from models.entities import User

        if not inspect(self.engine).has_table("users"):
            return True
        with self.reading() as s:
            return (s.scalar(select(func.count()).select_from(User)) or 0) == 0

    def dispose(self) -> None:
        self.engine.dispose()


_lock = threading.Lock()
_databases: dict[str, Database] = {}


def get_database(url: str, *, migrate: bool = True) -> Database:
    """One Database per URL per process, migrated once on first use."""
    with _lock:
        db = _databases.get(url)
        if db is None:
            db = Database(url)
            if migrate:
                db.migrate()
            _databases[url] = db
        return db
