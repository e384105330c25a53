"""Backups taken while advocates keep saving, restored into a fresh database that the services then use.

SQLite goes through models.backup (the online backup API); PostgreSQL through pg_dump -Fc and pg_restore
against the test server, as the README tells an agency to do.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import threading
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from dashboard.cli import main as cli_main
from models.base.timeutil import utcnow
from models.rules.permissions import Actor
from models.services.backup import BackupError, backup_sqlite, postgres_commands, restore_sqlite
from models.services.checkins import CheckInForm, client_timeline, record_check_in
from models.store.database import Database
from models.store.entities import AuditEvent, Base, CheckIn, CheckInItem, CheckInReferral, Client
from models.store.migrate import current_revision, head_revision, upgrade, upgrade_database
from tests.conftest import IN_CI
from tests.unit.helpers import calm_items, make_user, new_client

WRITERS = 3
SAVES_PER_WRITER = 30
BACKUP_AFTER = 20  # saves committed before the backup starts; the rest go on while it runs


def _form(content, code: str, n: int) -> CheckInForm:
    items = calm_items(content)
    resources = [r.code for r in content.resources]
    return CheckInForm(client=code, occurred_at=utcnow().replace(microsecond=0) - timedelta(hours=1 + n % 97),
                       contact_mode="phone", harm_contact="none", concern="moderate",
                       items=items[n % 5: n % 5 + 1 + n % 3], referrals_offered=resources[n % 3: n % 3 + 1])


class Writers:
    """Threads saving check-ins; `committed` lists the keys whose save has returned."""

    def __init__(self, db: Database, actor: Actor, content, codes: list[str]) -> None:
        self.committed: list[str] = []
        self.errors: list[BaseException] = []
        self.enough = threading.Event()
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(db, actor, content, codes, w)) for w in range(WRITERS)]

    def _run(self, db: Database, actor: Actor, content, codes: list[str], w: int) -> None:
        try:
            for n in range(SAVES_PER_WRITER):
                key = f"backup-{w}-{n:04d}-{uuid.uuid4().hex[:8]}"
                record_check_in(db, actor, content, _form(content, codes[(w + n) % len(codes)], n), submission_key=key)
                with self._lock:
                    self.committed.append(key)
                    if len(self.committed) >= BACKUP_AFTER:
                        self.enough.set()
        except BaseException as exc:  # noqa: BLE001 - asserted by the test
            self.errors.append(exc)
            self.enough.set()

    def __enter__(self) -> Writers:
        for t in self.threads:
            t.start()
        assert self.enough.wait(timeout=120)
        return self

    def __exit__(self, *exc: object) -> None:
        for t in self.threads:
            t.join()

    def snapshot(self) -> set[str]:
        with self._lock:
            return set(self.committed)


def _check_consistent(url: str, must_hold: set[str], source: Database) -> int:
    """Every table of a restored copy agrees with itself and with the source it came from."""
    db = Database(url)
    try:
        assert current_revision(db.engine) == head_revision()
        with db.reading() as s:
            rows = s.scalars(select(CheckIn)).all()
            keys = {r.submission_key for r in rows}
            assert must_hold <= keys, "a save that had returned before the backup started is missing"
            items = Counter(s.scalars(select(CheckInItem.check_in_id)).all())
            referrals = Counter(s.scalars(select(CheckInReferral.check_in_id)).all())
            for r in rows:
                assert items[r.id] == r.sign_count
                assert referrals[r.id] == 1
            assert set(items) <= {r.id for r in rows} and set(referrals) <= {r.id for r in rows}
            recorded = s.scalar(select(func.count()).select_from(AuditEvent)
                                .where(AuditEvent.action == "check_in_recorded", AuditEvent.outcome == "ok"))
            assert recorded == len(rows)
            for client in s.scalars(select(Client)):
                mine = sorted((r for r in rows if r.client_id == client.id), key=lambda r: (r.occurred_at, r.id))
                assert [r.seq for r in mine] == list(range(1, len(mine) + 1))
                assert client.next_due_at == (mine[-1].next_due_at if mine else None)
            counts = {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
        with source.reading() as s:
            in_source = {r.submission_key: (r.id, r.sign_count) for r in s.scalars(select(CheckIn))}
        assert {r.submission_key: (r.id, r.sign_count) for r in rows}.items() <= in_source.items()
        assert counts["users"] == 1 and counts["clients"] == 2
        return len(rows)
    finally:
        db.dispose()


def _works(url: str, actor: Actor, content, code: str, before: int) -> None:
    """The restored database takes a new save and shows the client's record."""
    db = Database(url)
    try:
        saved = record_check_in(db, actor, content, _form(content, code, 1), submission_key=f"after-{uuid.uuid4().hex}")
        timeline = client_timeline(db, actor, content, code)
        assert saved.id in {c.id for c in timeline.check_ins}
        with db.reading() as s:
            assert s.scalar(select(func.count()).select_from(CheckIn)) == before + 1
    finally:
        db.dispose()


def _setup(db: Database, content) -> tuple[Actor, list[str]]:
    ada = make_user(db, "ada")
    return ada, [new_client(db, ada, content).code for _ in range(2)]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    path = found[-1] if found else shutil.which(name)
    if not path:
        if IN_CI:
            pytest.fail(f"{name} is missing; under CI=true the PostgreSQL backup test may not be skipped")
        pytest.skip(f"{name} is not installed")
    return path


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_a_backup_taken_while_advocates_save_restores_whole(database_url: str, backend: str, content, tmp_path: Path,
                                                            request: pytest.FixtureRequest) -> None:
    source = Database(database_url)
    try:
        ada, codes = _setup(source, content)
        backup = tmp_path / "waypoint-backup.db"
        with Writers(source, ada, content, codes) as writers:
            must_hold = writers.snapshot()
            if backend == "sqlite":
                result = backup_sqlite(database_url, backup)
            else:
                dump = tmp_path / "waypoint.dump"
                subprocess.run([_pg_bin("pg_dump"), "-Fc", "--no-owner", f"--dbname={_libpq(database_url)}",
                                f"--file={dump}"], check=True, capture_output=True, timeout=120)
        assert not writers.errors, writers.errors
        assert len(writers.committed) == WRITERS * SAVES_PER_WRITER

        if backend == "sqlite":
            assert result.revision == head_revision() and result.check_ins >= len(must_hold)
            target_url = f"sqlite:///{tmp_path / 'restored.db'}"
            restored = restore_sqlite(backup, target_url)
            assert restored.check_ins == result.check_ins and restored.revision == head_revision()
        else:
            target_url = request.getfixturevalue("blank_database_url")  # a new database with no schema
            subprocess.run([_pg_bin("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={_libpq(target_url)}",
                            str(dump)], check=True, capture_output=True, timeout=120)
        count = _check_consistent(target_url, must_hold, source)
        print(f"\n[{backend}] saves returned before the backup: {len(must_hold)}, in the backup: {count}, "
              f"saved in all: {len(writers.committed)}")
        assert len(must_hold) <= count <= WRITERS * SAVES_PER_WRITER
        _works(target_url, ada, content, codes[0], count)
    finally:
        source.dispose()


def _seeded_sqlite(tmp_path: Path, content, name: str) -> tuple[str, Actor, list[str]]:
    url = f"sqlite:///{tmp_path / name}"
    db = Database(url)
    upgrade_database(db)
    ada, codes = _setup(db, content)
    record_check_in(db, ada, content, _form(content, codes[0], 3), submission_key=f"seed-{uuid.uuid4().hex}")
    db.dispose()
    return url, ada, codes


def test_restore_refuses_a_database_with_data_unless_forced(tmp_path: Path, content) -> None:
    source_url, ada, codes = _seeded_sqlite(tmp_path, content, "source.db")
    backup = tmp_path / "b.db"
    assert backup_sqlite(source_url, backup).check_ins == 1
    with pytest.raises(BackupError, match="already exists"):
        backup_sqlite(source_url, backup)
    other_url, _, _ = _seeded_sqlite(tmp_path, content, "other.db")
    with pytest.raises(BackupError, match="already holds"):
        restore_sqlite(backup, other_url)
    with pytest.raises(BackupError, match="already holds"):
        restore_sqlite(backup, source_url)
    restored = restore_sqlite(backup, other_url, force=True)
    assert restored.check_ins == 1
    db = Database(other_url)
    try:
        with db.reading() as s:
            assert s.scalars(select(Client.code).order_by(Client.code)).all() == sorted(codes)
    finally:
        db.dispose()
    not_waypoint = tmp_path / "junk.db"
    not_waypoint.write_bytes(b"this is not a database" * 100)
    with pytest.raises(BackupError):
        restore_sqlite(not_waypoint, f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(BackupError, match="pg_dump"):
        backup_sqlite("postgresql+psycopg://u@h/db", tmp_path / "pg.db")


def test_the_command_line_backs_up_and_restores(tmp_path: Path, content, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    source_url, _, _ = _seeded_sqlite(tmp_path, content, "live.db")
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", source_url)
    assert cli_main(["backup", str(tmp_path / "nightly.db")]) == 0
    assert "Backed up 1 check-in (" in capsys.readouterr().out
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    assert cli_main(["restore", str(tmp_path / "nightly.db")]) == 0
    assert "Restored 1 check-in into" in capsys.readouterr().out
    assert cli_main(["restore", str(tmp_path / "nightly.db")]) == 1
    assert "--force" in capsys.readouterr().err
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", "postgresql+psycopg://wp:secret@db.example:5432/waypoint")
    assert cli_main(["backup", "/backups/waypoint.dump"]) == 1
    out = capsys.readouterr().out
    assert "pg_dump -Fc" in out and "pg_restore" in out and "secret" not in out
    dump, restore = postgres_commands("postgresql+psycopg://wp:secret@db.example:5432/waypoint", "w.dump")
    assert "postgresql://wp@db.example:5432/waypoint" in dump and "secret" not in dump + restore
    assert os.path.exists(tmp_path / "new.db")


def test_an_older_backup_is_upgraded_and_a_newer_one_refused(tmp_path: Path) -> None:
    old_url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Database(old_url)
    upgrade(old.engine, "0003")
    old.dispose()
    backup = tmp_path / "old-backup.db"
    assert backup_sqlite(old_url, backup).revision == "0003"
    # One self-contained file: rollback-journal mode in the header (byte 18 is 1, not WAL's 2), no -wal beside it.
    assert backup.read_bytes()[18] == 1 and not backup.with_name(backup.name + "-wal").exists()
    restored = restore_sqlite(backup, f"sqlite:///{tmp_path / 'up.db'}")
    assert restored.revision == head_revision() != "0003"

    newer = tmp_path / "newer.db"
    shutil.copyfile(backup, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    target = tmp_path / "never.db"
    with pytest.raises(BackupError, match="does not know"):
        restore_sqlite(newer, f"sqlite:///{target}")
    assert not target.exists()
