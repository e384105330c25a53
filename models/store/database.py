"""One engine per process and short transactions; SQLite tuned for several writers, PostgreSQL as is."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from models.base.settings import ConfigError, Settings
from models.store import files
from models.store.entities import User
from models.store.note_cipher import NoteCipher

log = logging.getLogger("waypoint")
SQLITE_BUSY_MS = 5000
# How long one save waits for another's lock before giving up (SQLite busy timeout, PostgreSQL lock_timeout).
BUSY_TIMEOUT_ENV = "WAYPOINT_DB_BUSY_TIMEOUT_MS"
PG_CONNECT_TIMEOUT_S = 5  # an unreachable server is reported within seconds, not after the OS's minutes
PG_STATEMENT_TIMEOUT_MS = 30_000  # no page waits longer than this for one statement
# SQLite errors that mean "not now" (another writer, a missing or full disk), not a mistake in Waypoint.
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "disk is full")


class DatabaseError(RuntimeError):
    """The database cannot be used; the message is safe to show to a person."""


class DatabaseUnavailable(DatabaseError):
    """The database did not answer in time (down, unreachable, or locked by someone else past the timeout).

    The transaction was rolled back, so nothing of it was saved and the same action can simply be retried.
    `reason` is "unreachable" or "locked", for logs; the page decides the words a person sees."""

    def __init__(self, reason: str) -> None:
        super().__init__("The database did not answer in time; nothing was saved. Try again in a moment.")
        self.reason = reason


class MigrationFailed(DatabaseError):
    """The schema upgrade stopped part way; it was rolled back, so the database is at its previous version."""


def busy_timeout_ms(env: dict[str, str] | None = None) -> int:
    """WAYPOINT_DB_BUSY_TIMEOUT_MS, or 5000; read here so every process that opens the database agrees."""
    raw = (os.environ if env is None else env).get(BUSY_TIMEOUT_ENV, "").strip()
    if not raw:
        return SQLITE_BUSY_MS
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{BUSY_TIMEOUT_ENV} must be a whole number of milliseconds, got {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{BUSY_TIMEOUT_ENV} must be at least 1, got {value}")
    return value


def unavailable_reason(error: BaseException) -> str | None:
    """"locked" or "unreachable" when the driver says the database cannot answer now; None for other errors
    (a constraint, a bad query), which are bugs or refusals and must not be disguised as an outage."""
    if isinstance(error, exc.TimeoutError):  # every pooled connection is busy
        return "locked"
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return "unreachable"
    if not isinstance(error, exc.OperationalError):
        return None
    original = error.orig
    if type(original).__module__.startswith("sqlite3"):
        text = str(original).lower()
        if any(word in text for word in _SQLITE_UNAVAILABLE):
            return "locked" if "locked" in text or "busy" in text else "unreachable"
        return None
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or ""
    # 55P03 lock_not_available (lock_timeout), 57014 query_canceled (statement_timeout), 40P01 deadlock,
    # 40001 serialization failure: another transaction was in the way. Anything else operational (08xxx
    # connection failures, 57P01 server shutting down, 53300 too many connections) means it is unreachable.
    return "locked" if code in ("55P03", "57014", "40P01", "40001") else "unreachable"


@contextmanager
def answering() -> Iterator[None]:
    """Turn the driver's "cannot answer now" errors into DatabaseUnavailable; let every other error through."""
    try:
        yield
    except (exc.OperationalError, exc.DBAPIError, exc.TimeoutError) as error:
        reason = unavailable_reason(error)
        if reason is None:
            raise
        cause = error.orig if isinstance(error, exc.DBAPIError) else error
        log.warning("database unavailable (%s): %s", reason, type(cause).__name__)
        raise DatabaseUnavailable(reason) from error


def _make_engine(url: str, busy_ms: int) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database) if parsed.database and parsed.database != ":memory:" else None
        if path is not None:
            # Records and password hashes live in this file: 0700 directory, 0600 file and journals (files.py).
            files.private_dir(path.parent)
            files.private_file(path)
            files.tighten(path)
        engine = create_engine(
            url,
            connect_args={"timeout": busy_ms / 1000, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # Let SQLAlchemy's "begin" event decide how a transaction starts (deferred or immediate).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Trend queries read tens of thousands of index entries and sort for distinct counts: keep pages in
            # memory (64 MiB page cache, memory-mapped reads) and temporary sort trees off the disk.
            cur.execute("PRAGMA cache_size=-65536")
            cur.execute("PRAGMA mmap_size=268435456")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.close()
            if path is not None:
                files.tighten(path)  # a -wal or -shm left by an older version with a wider mode

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
            # A write takes the lock at BEGIN, so two writers queue instead of failing on upgrade.
            if conn.get_execution_options().get("waypoint_write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    connect_args: dict[str, object] = {}
    if parsed.get_driver_name() in ("psycopg", "psycopg2"):
        # A save waits for another's row or table lock as long as SQLite would, then fails cleanly instead of
        # hanging the page; no single statement runs for ever. (pgbouncer in transaction mode ignores options.)
        # No JIT: the trends' queries over summaries are estimated as costly (correlated subqueries that rarely
        # run) and PostgreSQL spent 270 ms of a 345 ms query compiling them; no query here runs long enough to
        # gain from it.
        connect_args = {
            "connect_timeout": PG_CONNECT_TIMEOUT_S,
            "options": f"-c lock_timeout={busy_ms} -c statement_timeout={PG_STATEMENT_TIMEOUT_MS} -c jit=off",
            # A connection whose server vanished from the network (no reset ever arrives) is given up after 10 s
            # of unacknowledged data, or 60 s of silence when idle, instead of the kernel's many minutes.
            "tcp_user_timeout": 10_000,
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
        }
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args=connect_args)


class Database:
    """The process's handle on the store: reading() for queries, writing() for one atomic change."""

    def __init__(self, url: str, note_keys: tuple[str, ...] | None = None, *, busy_ms: int | None = None) -> None:
        """`note_keys` default to the configured ones (WAYPOINT_NOTE_KEYS or the key file)."""
        self.url = url
        self.notes = NoteCipher(Settings.from_env().note_keys if note_keys is None else note_keys)
        self.busy_ms = busy_timeout_ms() if busy_ms is None else busy_ms
        self.engine = _make_engine(url, self.busy_ms)
        self.backend = self.engine.dialect.name
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(waypoint_write=True), expire_on_commit=False)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A consistent read; raises DatabaseUnavailable when the database cannot answer."""
        with answering(), self._read() as session, session.begin():
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """Everything inside commits together or not at all; DatabaseUnavailable means it all rolled back."""
        with answering(), self._write() as session, session.begin():
            yield session

    def is_empty(self) -> bool:
        with answering():
            if not inspect(self.engine).has_table("users"):
                return True
        with self.reading() as s:
            return (s.scalar(select(func.count()).select_from(User)) or 0) == 0

    def dispose(self) -> None:
        self.engine.dispose()
