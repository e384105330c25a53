"""Ways to make the database stop answering from inside a test, without touching the shared server.

TcpProxy      a loopback TCP proxy in front of PostgreSQL: stop() drops every connection and refuses new ones
              (the server is "down"), start() serves again on the same port (it is "back").
WriteLock     another connection holds the lock a save needs (SQLite: BEGIN IMMEDIATE; PostgreSQL: LOCK TABLE
              ... IN ACCESS EXCLUSIVE MODE) until release().
closed_port, silent_server   a port that refuses connections, and one that accepts them and never answers.
failing_migrations   a copy of the migrations with one more step that changes the schema and then fails.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


class TcpProxy:
    """Forward 127.0.0.1:<port> to a target host:port; stop and start it to take the database away and back."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    @classmethod
    def for_url(cls, url: str) -> tuple[TcpProxy, str]:
        """A started proxy in front of the URL's server, and the same URL pointed at the proxy."""
        parsed = make_url(url)
        proxy = cls(parsed.host or "127.0.0.1", parsed.port or 5432)
        proxy.start()
        return proxy, parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Refuse new connections and cut every open one, as a server that went away would."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux; close() alone does not
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for s in sockets:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed by stop()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._sockets |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


def closed_port() -> int:
    """A loopback port nothing listens on (bound and released at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never says anything: a server that hangs, or a black hole."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


class WriteLock:
    """Another connection holding the lock a save needs, as a long save or a stuck process would.

    SQLite: the database's write lock (BEGIN IMMEDIATE). PostgreSQL: the table in ACCESS EXCLUSIVE mode, so even
    reading it waits (for the app, until its lock_timeout)."""

    def __init__(self, url: str, table: str = "check_ins", mode: str = "ACCESS EXCLUSIVE") -> None:
        self.backend = make_url(url).get_backend_name()
        self.table = table
        self.mode = mode  # PostgreSQL: EXCLUSIVE still lets others read the table, ACCESS EXCLUSIVE does not
        self.held = False
        if self.backend == "sqlite":
            self._sqlite = sqlite3.connect(make_url(url).database or "", isolation_level=None,
                                           check_same_thread=False)
        else:
            self._engine = create_engine(url, poolclass=NullPool)
            self._pg = self._engine.connect()

    def acquire(self) -> None:
        if self.backend == "sqlite":
            self._sqlite.execute("BEGIN IMMEDIATE")
        else:
            self._pg.begin()
            self._pg.exec_driver_sql(f'LOCK TABLE "{self.table}" IN {self.mode} MODE')
        self.held = True

    def release(self) -> None:
        if not self.held:
            return
        if self.backend == "sqlite":
            self._sqlite.execute("ROLLBACK")
        else:
            self._pg.rollback()
        self.held = False

    def close(self) -> None:
        self.release()
        if self.backend == "sqlite":
            self._sqlite.close()
        else:
            self._pg.close()
            self._engine.dispose()


BOGUS_REVISION = "9999_fails_halfway"
_BOGUS = '''"""A step that makes a real change and then fails, as a broken release would."""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clients", sa.Column("half_done", sa.Integer(), nullable=True))
    op.create_table("half_done_table", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("UPDATE clients SET half_done = 1")
    op.execute("SELECT no_such_column FROM no_such_table")


def downgrade() -> None:
    op.drop_table("half_done_table")
    op.drop_column("clients", "half_done")
'''


def failing_migrations(target: Path) -> tuple[Path, str]:
    """A copy of Waypoint's migrations with one more step after head that changes the schema, then fails.
    Returns the copy's directory and the head it fails to get past."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from models.store.migrate import MIGRATIONS_DIR

    shutil.copytree(MIGRATIONS_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head() or ""
    (target / "versions" / f"{BOGUS_REVISION}.py").write_text(_BOGUS.format(revision=BOGUS_REVISION, head=head))
    return target, head
